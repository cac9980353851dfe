"""Contracts and payments through the service layer, against the real database: lists, filters,
detail with payments, creation, amounts, signing, payments (including concurrent ones), rules."""

from __future__ import annotations

import threading
from decimal import Decimal

import psycopg
import pytest

from crm.errors import NotFound, PermissionDenied, StaleRecord, ValidationError
from crm.repositories.contracts import ContractRepository
from crm.services import clients as client_service
from crm.services import contracts as service
from tests.conftest import wait_for_lock_waiters
from tests.factories import make_client, make_contract, make_staff

SQL_LIKE = "'; DROP TABLE contracts; --"
NON_LATIN = "Assemblée générale 東京"
D = Decimal


@pytest.fixture
def staff(admin_conn):
    return make_staff(admin_conn, "manager", "bill", "sam", "kate")


def contract_for(admin_conn, sales_id, client="Kevin Casey", **kwargs) -> int:
    return make_contract(admin_conn, make_client(admin_conn, sales_id, client), **kwargs)


def contract_rows(admin_conn):
    return admin_conn.execute("SELECT * FROM contracts ORDER BY id").fetchall()


def payment_rows(admin_conn):
    return admin_conn.execute("SELECT * FROM payments ORDER BY id").fetchall()


def amounts(admin_conn, contract_id):
    return admin_conn.execute(
        "SELECT total_amount, remaining_amount, is_signed, version FROM contracts WHERE id = %s",
        (contract_id,),
    ).fetchone()


def ids(contracts):
    return [c.id for c in contracts]


# Lists and filters ---------------------------------------------------------------------------------


def test_list_is_newest_first_with_client_and_sales_contact(db, admin_conn, staff):
    first = contract_for(admin_conn, staff["bill"].id, "Ann", total="500.00", remaining="120.50")
    second = contract_for(admin_conn, staff["sam"].id, "Bob", signed=True)
    contracts = service.list_contracts(db, 0, 10)
    assert ids(contracts) == [second, first]
    assert [(c.client_name, c.sales_contact_name) for c in contracts] == [
        ("Bob", "Sam Seller"),
        ("Ann", "Bill Boquet"),
    ]
    assert (contracts[1].total_amount, contracts[1].remaining_amount) == (D("500.00"), D("120.50"))
    assert (contracts[0].is_signed, contracts[0].signed_at is not None) == (True, True)
    assert (contracts[1].is_signed, contracts[1].signed_at) == (False, None)


def test_list_pages_have_exact_boundaries(db, admin_conn, staff):
    made = [contract_for(admin_conn, staff["bill"].id, f"C{i}") for i in range(16)]
    newest_first = list(reversed(made))
    assert ids(service.list_contracts(db, 0, 15)) == newest_first[:15]
    assert ids(service.list_contracts(db, 15, 15)) == newest_first[15:]
    assert service.list_contracts(db, 16, 15) == []
    assert ids(service.list_contracts(db, 14, 2)) == newest_first[14:16]


@pytest.fixture
def mixed(admin_conn, staff):
    """Contracts of two sales employees in every signed / paid combination, oldest first."""
    bill, sam = staff["bill"].id, staff["sam"].id
    return {
        "bill unsigned unpaid": contract_for(admin_conn, bill, "A", total="100.00"),
        "bill signed paid": contract_for(admin_conn, bill, "B", total="100.00", remaining="0", signed=True),
        "sam unsigned unpaid": contract_for(admin_conn, sam, "C", total="100.00"),
        "bill signed part paid": contract_for(
            admin_conn, bill, "D", total="100.00", remaining="0.01", signed=True
        ),
        "bill unsigned paid": contract_for(admin_conn, bill, "E", total="100.00", remaining="0"),
        "sam signed unpaid": contract_for(admin_conn, sam, "F", total="100.00", signed=True),
        "bill free unsigned": contract_for(admin_conn, bill, "G", total="0.00"),
    }


def test_not_signed_shows_only_unsigned_contracts_newest_first(db, mixed, staff):
    everyone = service.contracts_not_signed(db, 0, 10)
    assert ids(everyone) == [
        mixed["bill free unsigned"],
        mixed["bill unsigned paid"],
        mixed["sam unsigned unpaid"],
        mixed["bill unsigned unpaid"],
    ]
    mine = service.contracts_not_signed(db, 0, 10, sales_id=staff["bill"].id)
    assert ids(mine) == [
        mixed["bill free unsigned"],
        mixed["bill unsigned paid"],
        mixed["bill unsigned unpaid"],
    ]
    assert ids(service.contracts_not_signed(db, 1, 1, sales_id=staff["bill"].id)) == [
        mixed["bill unsigned paid"]
    ]


def test_not_fully_paid_shows_only_contracts_with_something_left(db, mixed, staff):
    everyone = service.contracts_not_fully_paid(db, 0, 10)
    assert ids(everyone) == [
        mixed["sam signed unpaid"],
        mixed["bill signed part paid"],
        mixed["sam unsigned unpaid"],
        mixed["bill unsigned unpaid"],
    ]
    mine = service.contracts_not_fully_paid(db, 0, 10, sales_id=staff["bill"].id)
    assert ids(mine) == [mixed["bill signed part paid"], mixed["bill unsigned unpaid"]]
    assert ids(service.contracts_not_fully_paid(db, 2, 10)) == [
        mixed["sam unsigned unpaid"],
        mixed["bill unsigned unpaid"],
    ]
    assert service.contracts_not_fully_paid(db, 0, 10, sales_id=staff["kate"].id) == []


def test_filters_follow_a_reassigned_client(db, admin_conn, mixed, staff):
    client_id = admin_conn.execute(
        "SELECT client_id FROM contracts WHERE id = %s", (mixed["sam signed unpaid"],)
    ).fetchone()[0]
    client_service.reassign_client(db, staff["manager"], client_id, 1, staff["bill"].id)
    assert mixed["sam signed unpaid"] in ids(service.contracts_not_fully_paid(db, 0, 10, staff["bill"].id))
    assert mixed["sam signed unpaid"] not in ids(service.contracts_not_fully_paid(db, 0, 10, staff["sam"].id))


def test_a_clients_contracts(db, admin_conn, staff):
    client_id = make_client(admin_conn, staff["bill"].id, "Kevin")
    first, second = make_contract(admin_conn, client_id), make_contract(admin_conn, client_id)
    contract_for(admin_conn, staff["bill"].id, "Other")
    assert ids(service.list_client_contracts(db, client_id, 0, 10)) == [second, first]
    assert ids(service.list_client_contracts(db, client_id, 1, 10)) == [first]


def test_one_contract_in_detail_with_its_payments(db, admin_conn, staff):
    contract_id = contract_for(admin_conn, staff["bill"].id, "Kevin Casey", total="1000.00", signed=True)
    service.record_payment(db, staff["bill"], contract_id, D("100"))
    service.record_payment(db, staff["manager"], contract_id, D("250.50"))
    detail = service.get_contract_detail(db, contract_id)
    contract = detail.contract
    assert (contract.client_name, contract.sales_contact_name) == ("Kevin Casey", "Bill Boquet")
    assert (contract.total_amount, contract.remaining_amount, contract.is_signed) == (
        D("1000.00"),
        D("649.50"),
        True,
    )
    assert [(p.amount, p.recorded_by_name) for p in detail.payments] == [
        (D("250.50"), "Marie Manager"),
        (D("100.00"), "Bill Boquet"),
    ]
    assert (detail.payment_count, detail.paid_total) == (2, D("350.50"))
    with pytest.raises(NotFound, match="No contract with id 999"):
        service.get_contract_detail(db, 999)


def test_a_contract_without_payments_has_an_empty_history(db, admin_conn, staff):
    detail = service.get_contract_detail(db, contract_for(admin_conn, staff["bill"].id))
    assert (detail.payments, detail.payment_count, detail.paid_total) == ([], 0, D("0"))


def test_the_detail_shows_the_latest_payments_but_counts_them_all(db, admin_conn, staff):
    contract_id = contract_for(admin_conn, staff["bill"].id, total="1000.00")
    with admin_conn.transaction():
        admin_conn.execute(
            "INSERT INTO payments (contract_id, amount, recorded_by, paid_at)"
            " SELECT %s, 1, %s, now() - make_interval(mins => g) FROM generate_series(1, 51) g",
            (contract_id, staff["bill"].id),
        )
        admin_conn.execute("UPDATE contracts SET remaining_amount = 949 WHERE id = %s", (contract_id,))
    detail = service.get_contract_detail(db, contract_id)
    assert len(detail.payments) == service.PAYMENTS_SHOWN == 50
    assert (detail.payment_count, detail.paid_total) == (51, D("51.00"))
    assert detail.payments[0].paid_at > detail.payments[-1].paid_at


# Creating ------------------------------------------------------------------------------------------


def test_management_creates_a_contract_whose_sales_contact_is_the_clients(db, admin_conn, staff):
    client_id = make_client(admin_conn, staff["sam"].id, "Kevin")
    contract = service.create_contract(db, staff["manager"], client_id, D("1200.5"))
    assert (contract.sales_contact_id, contract.sales_contact_name) == (staff["sam"].id, "Sam Seller")
    row = admin_conn.execute(
        "SELECT client_id, total_amount, remaining_amount, is_signed, signed_at, version FROM contracts"
        " WHERE id = %s",
        (contract.id,),
    ).fetchone()
    assert row == (client_id, D("1200.50"), D("1200.50"), False, None, 1)
    assert payment_rows(admin_conn) == []


def test_a_contract_may_be_created_signed_and_owes_its_total(db, admin_conn, staff):
    client_id = make_client(admin_conn, staff["bill"].id)
    contract = service.create_contract(db, staff["manager"], client_id, D("500"), signed=True)
    assert admin_conn.execute(
        "SELECT total_amount, remaining_amount, is_signed, signed_at IS NOT NULL FROM contracts"
        " WHERE id = %s",
        (contract.id,),
    ).fetchone() == (D("500.00"), D("500.00"), True, True)
    assert payment_rows(admin_conn) == []


def test_a_contract_for_an_unknown_client_is_refused(db, admin_conn, staff):
    with pytest.raises(NotFound, match="No client with id 999"):
        service.create_contract(db, staff["manager"], 999, D("1"))
    assert contract_rows(admin_conn) == []


@pytest.mark.parametrize(
    "total, message",
    [
        (D("-1"), "Total amount cannot be negative"),
        (D("10.001"), "Total amount can have at most 2 decimals"),
        (D("10000000000"), "Total amount cannot exceed 9999999999.99"),
        (D("1E+12"), "Total amount cannot exceed 9999999999.99"),
        (D("NaN"), "Total amount must be a number"),
        (D("Infinity"), "Total amount must be a number"),
        (10.5, "Total amount must be an exact decimal amount"),
        ("10", "Total amount must be an exact decimal amount"),
        (True, "Total amount must be an exact decimal amount"),
        (None, "Total amount must be an exact decimal amount"),
    ],
)
def test_each_amount_rule_refuses_a_new_contract(db, admin_conn, staff, total, message):
    client_id = make_client(admin_conn, staff["bill"].id)
    with pytest.raises(ValidationError, match=message):
        service.create_contract(db, staff["manager"], client_id, total)
    assert contract_rows(admin_conn) == []


def test_amount_limits_themselves_are_accepted(db, admin_conn, staff):
    client_id = make_client(admin_conn, staff["bill"].id)
    big = service.create_contract(db, staff["manager"], client_id, D("9999999999.99"))
    free = service.create_contract(db, staff["manager"], client_id, D("0"))
    assert amounts(admin_conn, big.id)[:2] == (D("9999999999.99"), D("9999999999.99"))
    assert amounts(admin_conn, free.id)[:2] == (D("0.00"), D("0.00"))


def test_services_take_exact_decimals_written_with_an_exponent(db, admin_conn):
    assert service.clean_total(D("1E+5")) == D("100000.00")
    assert service.clean_total(5) == D("5.00")
    with pytest.raises(ValidationError):
        service.clean_total(D("NaN"))


# Updating and signing ---------------------------------------------------------------------------------


def test_sales_updates_the_total_and_signs_their_clients_contract(db, admin_conn, staff):
    contract_id = contract_for(admin_conn, staff["bill"].id, total="1000.00", remaining="900.00")
    saved = service.update_contract(db, staff["bill"], contract_id, 1, D("1500"), True)
    # 100 was paid: the remaining amount follows the total
    assert (saved.total_amount, saved.remaining_amount, saved.is_signed, saved.version) == (
        D("1500.00"),
        D("1400.00"),
        True,
        2,
    )
    signed_at = admin_conn.execute(
        "SELECT signed_at FROM contracts WHERE id = %s", (contract_id,)
    ).fetchone()[0]
    assert signed_at is not None
    service.update_contract(db, staff["manager"], contract_id, 2, D("100"), True)
    assert admin_conn.execute(
        "SELECT total_amount, remaining_amount, signed_at, version FROM contracts WHERE id = %s",
        (contract_id,),
    ).fetchone() == (D("100.00"), D("0.00"), signed_at, 3)


def test_the_remaining_amount_cannot_be_set_back_after_a_payment(db, admin_conn, staff):
    """The review's case: after paying 800 of 1000, saving the contract keeps 200 remaining."""
    contract_id = contract_for(admin_conn, staff["bill"].id, total="1000.00")
    service.record_payment(db, staff["bill"], contract_id, D("800"))
    saved = service.update_contract(db, staff["manager"], contract_id, 2, D("1000"), True)
    assert (saved.total_amount, saved.remaining_amount) == (D("1000.00"), D("200.00"))
    assert amounts(admin_conn, contract_id) == (D("1000.00"), D("200.00"), True, 3)


def test_the_total_cannot_go_below_what_was_paid(db, admin_conn, staff):
    contract_id = contract_for(admin_conn, staff["bill"].id, total="1000.00", remaining="200.00")
    before = contract_rows(admin_conn)
    refusal = r"The total \(799\.99\) cannot be less than what was already paid \(800\.00\)\."
    with pytest.raises(ValidationError, match=refusal):
        service.update_contract(db, staff["manager"], contract_id, 1, D("799.99"), False)
    assert contract_rows(admin_conn) == before
    saved = service.update_contract(db, staff["manager"], contract_id, 1, D("800"), False)
    assert (saved.total_amount, saved.remaining_amount) == (D("800.00"), D("0.00"))


def test_the_database_keeps_remaining_equal_to_total_minus_payments(db, admin_conn, staff):
    """Checked at commit, whoever writes: the app role or a superuser."""
    contract_id = contract_for(admin_conn, staff["bill"].id, total="1000.00", remaining="200.00")
    before = (contract_rows(admin_conn), payment_rows(admin_conn))
    repo = ContractRepository(db.conn)
    with pytest.raises(ValidationError, match="always the total minus the payments recorded"):
        with service.database_rules_as_messages(), db.transaction(staff["manager"].id):
            repo.update(contract_id, 1, D("1000"), D("1000"), False)
    with pytest.raises(ValidationError, match="always the total minus the payments recorded"):
        with service.database_rules_as_messages(), db.transaction(staff["manager"].id):
            repo.insert_payment(contract_id, D("50"), staff["manager"].id)  # remaining not lowered
    with pytest.raises(ValidationError, match="always the total minus the payments recorded"):
        with service.database_rules_as_messages(), db.transaction(staff["manager"].id):
            repo.take_payment(contract_id, D("50"))  # no payment recorded
    with pytest.raises(ValidationError, match="always the total minus the payments recorded"):
        with service.database_rules_as_messages(), db.transaction(staff["manager"].id):
            repo.insert(make_client(admin_conn, staff["bill"].id, "New"), D("100"), D("40"), False)
    for statement in (
        "UPDATE contracts SET total_amount = total_amount + 1",
        "UPDATE payments SET amount = amount - 1",
        "DELETE FROM payments",
    ):
        with pytest.raises(psycopg.errors.CheckViolation) as raw:
            with admin_conn.transaction():
                admin_conn.execute(statement)
        assert raw.value.diag.constraint_name == "contracts_remaining_is_total_minus_paid"
    assert (contract_rows(admin_conn), payment_rows(admin_conn)) == before
    # both sides in one transaction: fine
    with db.transaction(staff["manager"].id):
        repo.take_payment(contract_id, D("50"))
        repo.insert_payment(contract_id, D("50"), staff["manager"].id)
    assert amounts(admin_conn, contract_id)[:2] == (D("1000.00"), D("150.00"))


def test_a_signed_contract_cannot_be_unsigned_by_the_service(db, admin_conn, staff):
    contract_id = contract_for(admin_conn, staff["bill"].id, signed=True)
    before = contract_rows(admin_conn)
    with pytest.raises(ValidationError, match="A signed contract cannot be un-signed"):
        service.update_contract(db, staff["manager"], contract_id, 1, D("1000"), False)
    assert contract_rows(admin_conn) == before


def test_a_signed_contract_cannot_be_unsigned_in_the_database(db, admin_conn, staff):
    contract_id = contract_for(admin_conn, staff["bill"].id, signed=True)
    before = contract_rows(admin_conn)
    with pytest.raises(ValidationError, match="A signed contract cannot be un-signed"):
        with db.transaction(staff["manager"].id), service.database_rules_as_messages():
            ContractRepository(db.conn).update(contract_id, 1, D("1000"), D("1000"), False)
    with pytest.raises(psycopg.errors.CheckViolation) as raw:
        with admin_conn.transaction():
            admin_conn.execute(
                "UPDATE contracts SET is_signed = false, signed_at = NULL WHERE id = %s", (contract_id,)
            )
    assert raw.value.diag.constraint_name == "contracts_never_unsign"
    assert contract_rows(admin_conn) == before


def test_the_database_keeps_remaining_between_zero_and_total(db, admin_conn, staff):
    contract_id = contract_for(admin_conn, staff["bill"].id, total="100.00")
    before = contract_rows(admin_conn)
    with pytest.raises(ValidationError, match="The remaining amount cannot be more than the total"):
        with db.transaction(staff["manager"].id), service.database_rules_as_messages():
            ContractRepository(db.conn).update(contract_id, 1, D("100"), D("100.01"), False)
    for remaining in ("-0.01", "100.01"):
        with pytest.raises(psycopg.errors.CheckViolation):
            with admin_conn.transaction():
                admin_conn.execute(
                    "UPDATE contracts SET remaining_amount = %s WHERE id = %s", (D(remaining), contract_id)
                )
    assert contract_rows(admin_conn) == before


def test_an_invalid_update_saves_nothing(db, admin_conn, staff):
    contract_id = contract_for(admin_conn, staff["bill"].id, total="100.00", remaining="40.00")
    before = contract_rows(admin_conn)
    with pytest.raises(ValidationError, match=r"cannot be less than what was already paid \(60\.00\)"):
        service.update_contract(db, staff["bill"], contract_id, 1, D("50"), True)
    with pytest.raises(ValidationError, match="Total amount cannot be negative"):
        service.update_contract(db, staff["bill"], contract_id, 1, D("-50"), True)
    with pytest.raises(ValidationError, match="Signed must be yes or no"):
        service.update_contract(db, staff["bill"], contract_id, 1, D("50"), "yes")
    with pytest.raises(NotFound, match="No contract with id 999"):
        service.update_contract(db, staff["bill"], 999, 1, D("50"), True)
    assert contract_rows(admin_conn) == before


# Payments ----------------------------------------------------------------------------------------------


def test_a_payment_is_a_row_and_lowers_the_remaining_amount(db, admin_conn, staff):
    contract_id = contract_for(admin_conn, staff["bill"].id, total="1000.00", signed=True)
    saved = service.record_payment(db, staff["bill"], contract_id, D("300.25"))
    assert saved.remaining_amount == D("699.75")
    assert amounts(admin_conn, contract_id) == (D("1000.00"), D("699.75"), True, 2)
    assert admin_conn.execute(
        "SELECT contract_id, amount, recorded_by, paid_at IS NOT NULL FROM payments"
    ).fetchall() == [(contract_id, D("300.25"), staff["bill"].id, True)]


def test_paying_exactly_what_remains_makes_it_fully_paid(db, admin_conn, mixed, staff):
    contract_id = mixed["bill signed part paid"]
    service.record_payment(db, staff["manager"], contract_id, D("0.01"))
    assert amounts(admin_conn, contract_id)[1] == D("0.00")
    assert contract_id not in ids(service.contracts_not_fully_paid(db, 0, 10))


@pytest.mark.parametrize(
    "amount, message",
    [
        (D("0"), "A payment must be more than 0"),
        (D("-5"), "Payment cannot be negative"),
        (D("0.001"), "Payment can have at most 2 decimals"),
        (D("100.01"), r"A payment of 100\.01 is more than what remains to be paid \(100\.00\)"),
        (D("1E+11"), "Payment cannot exceed"),
        (1.5, "Payment must be an exact decimal amount"),
    ],
)
def test_each_payment_rule_refuses_and_saves_nothing(db, admin_conn, staff, amount, message):
    contract_id = contract_for(admin_conn, staff["bill"].id, total="100.00")
    before = contract_rows(admin_conn)
    with pytest.raises(ValidationError, match=message):
        service.record_payment(db, staff["bill"], contract_id, amount)
    assert contract_rows(admin_conn) == before
    assert payment_rows(admin_conn) == []


def test_a_fully_paid_contract_takes_no_payment(db, admin_conn, mixed, staff):
    before = contract_rows(admin_conn)
    with pytest.raises(ValidationError, match=r"more than what remains to be paid \(0\.00\)"):
        service.record_payment(db, staff["bill"], mixed["bill signed paid"], D("0.01"))
    assert contract_rows(admin_conn) == before
    with pytest.raises(NotFound, match="No contract with id 999"):
        service.record_payment(db, staff["bill"], 999, D("1"))


def test_the_database_refuses_a_payment_of_zero(db, admin_conn, staff):
    contract_id = contract_for(admin_conn, staff["bill"].id)
    with pytest.raises(ValidationError, match="A payment must be more than 0"):
        with db.transaction(staff["bill"].id), service.database_rules_as_messages():
            ContractRepository(db.conn).insert_payment(contract_id, D("0"), staff["bill"].id)
    assert payment_rows(admin_conn) == []


def test_the_guarded_update_never_takes_remaining_below_zero(db, admin_conn, staff):
    contract_id = contract_for(admin_conn, staff["bill"].id, total="100.00")
    repo = ContractRepository(db.conn)
    with db.transaction(staff["bill"].id):
        assert repo.take_payment(contract_id, D("100.01")) is None
        assert repo.take_payment(contract_id, D("100.00")) == D("0.00")
        assert repo.take_payment(contract_id, D("0.01")) is None
        repo.insert_payment(contract_id, D("100.00"), staff["bill"].id)
    assert amounts(admin_conn, contract_id)[1] == D("0.00")


def test_a_payment_waiting_on_another_one_sees_what_it_left(db, second_db, admin_conn, staff):
    """Two connections: the first lowers the remaining amount, the second's guarded UPDATE waits for
    it to commit and then finds too little left."""
    contract_id = contract_for(admin_conn, staff["bill"].id, total="100.00")
    results = []

    def second_payment():
        with second_db.transaction(staff["manager"].id):
            results.append(ContractRepository(second_db.conn).take_payment(contract_id, D("70")))

    with db.transaction(staff["bill"].id):
        assert ContractRepository(db.conn).take_payment(contract_id, D("60")) == D("40.00")
        ContractRepository(db.conn).insert_payment(contract_id, D("60"), staff["bill"].id)
        waiter = threading.Thread(target=second_payment)
        waiter.start()
        wait_for_lock_waiters(admin_conn, 1)
    waiter.join(timeout=30)
    assert results == [None]
    assert amounts(admin_conn, contract_id)[1] == D("40.00")


def _pay_in_thread(database, actor, contract_id, amount, results, barrier=None):
    def run():
        if barrier is not None:
            barrier.wait(timeout=30)
        try:
            results.append(
                ("ok", service.record_payment(database, actor, contract_id, amount).remaining_amount)
            )
        except ValidationError as error:
            results.append(("refused", str(error)))

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _pay_at_once(db, second_db, staff, contract_id, bills, managers) -> list:
    """Bill (on db) and the manager (on second_db) pay at the same moment; their results."""
    results: list = []
    barrier = threading.Barrier(2)
    threads = [
        _pay_in_thread(db, staff["bill"], contract_id, D(bills), results, barrier),
        _pay_in_thread(second_db, staff["manager"], contract_id, D(managers), results, barrier),
    ]
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_concurrent_payments_that_exceed_what_remains_one_succeeds(db, second_db, admin_conn, staff):
    contract_id = contract_for(admin_conn, staff["bill"].id, total="100.00", signed=True)
    results: list = []
    # Hold the contract so both payments pass their first check and then queue on the lock.
    with admin_conn.transaction():
        admin_conn.execute("SELECT 1 FROM contracts WHERE id = %s FOR UPDATE", (contract_id,))
        threads = [
            _pay_in_thread(db, staff["bill"], contract_id, D("60"), results),
            _pay_in_thread(second_db, staff["manager"], contract_id, D("70"), results),
        ]
        wait_for_lock_waiters(admin_conn, 2)
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(kind for kind, _ in results) == ["ok", "refused"]
    ok = next(value for kind, value in results if kind == "ok")
    refused = next(value for kind, value in results if kind == "refused")
    assert ok in (D("40.00"), D("30.00"))
    assert "is more than what remains to be paid" in refused
    paid = admin_conn.execute("SELECT amount FROM payments WHERE contract_id = %s", (contract_id,)).fetchall()
    assert len(paid) == 1
    assert amounts(admin_conn, contract_id)[1] == D("100.00") - paid[0][0] == ok


def test_two_payments_racing_freely_never_overdraw(db, second_db, admin_conn, staff):
    contract_id = contract_for(admin_conn, staff["bill"].id, total="100.00")
    results = _pay_at_once(db, second_db, staff, contract_id, "55", "55")
    assert sorted(kind for kind, _ in results) == ["ok", "refused"]
    assert amounts(admin_conn, contract_id)[1] == D("45.00")
    assert admin_conn.execute("SELECT count(*), sum(amount) FROM payments").fetchone() == (1, D("55.00"))


def test_two_concurrent_payments_that_fit_both_succeed(db, second_db, admin_conn, staff):
    contract_id = contract_for(admin_conn, staff["bill"].id, total="100.00")
    results = _pay_at_once(db, second_db, staff, contract_id, "40", "60")
    assert [kind for kind, _ in results] == ["ok", "ok"]
    assert amounts(admin_conn, contract_id)[1:] == (D("0.00"), False, 3)
    assert admin_conn.execute("SELECT count(*), sum(amount) FROM payments").fetchone() == (2, D("100.00"))


# No lost updates ------------------------------------------------------------------------------------


def test_the_second_of_two_concurrent_edits_is_refused(db, second_db, admin_conn, staff):
    contract_id = contract_for(admin_conn, staff["bill"].id, total="1000.00")
    mine = service.get_contract(db, contract_id)
    theirs = service.get_contract(second_db, contract_id)
    service.update_contract(db, staff["manager"], contract_id, mine.version, D("900"), False)
    with pytest.raises(StaleRecord, match="Changed by someone else meanwhile — reload and try again"):
        service.update_contract(second_db, staff["bill"], contract_id, theirs.version, D("2000"), True)
    assert amounts(admin_conn, contract_id) == (D("900.00"), D("900.00"), False, 2)


def test_an_edit_started_before_a_payment_is_refused(db, second_db, admin_conn, staff):
    contract_id = contract_for(admin_conn, staff["bill"].id, total="1000.00")
    seen = service.get_contract(second_db, contract_id)
    service.record_payment(db, staff["bill"], contract_id, D("250"))
    with pytest.raises(StaleRecord):
        service.update_contract(second_db, staff["manager"], contract_id, seen.version, D("1000"), True)
    assert amounts(admin_conn, contract_id) == (D("1000.00"), D("750.00"), False, 2)


def test_a_save_at_an_old_version_touches_no_row(db, second_db, admin_conn, staff):
    contract_id = contract_for(admin_conn, staff["bill"].id, total="1000.00")
    with second_db.transaction(staff["manager"].id):
        assert ContractRepository(second_db.conn).update(contract_id, 1, D("500"), D("500"), False)
    with db.transaction(staff["manager"].id):
        assert not ContractRepository(db.conn).update(contract_id, 1, D("10"), D("10"), True)
    assert amounts(admin_conn, contract_id) == (D("500.00"), D("500.00"), False, 2)


def test_a_sales_employee_loses_a_contract_whose_client_was_reassigned(db, second_db, admin_conn, staff):
    client_id = make_client(admin_conn, staff["bill"].id)
    contract_id = make_contract(admin_conn, client_id, total="100.00")
    seen = service.get_contract(second_db, contract_id)
    client_service.reassign_client(db, staff["manager"], client_id, 1, staff["sam"].id)
    before = contract_rows(admin_conn)
    with pytest.raises(PermissionDenied, match="Only the client's sales contact can update this contract"):
        service.update_contract(second_db, staff["bill"], contract_id, seen.version, D("100"), True)
    with pytest.raises(PermissionDenied, match="Only the client's sales contact can record a payment"):
        service.record_payment(second_db, staff["bill"], contract_id, D("1"))
    assert contract_rows(admin_conn) == before
    service.record_payment(second_db, staff["sam"], contract_id, D("1"))
    assert amounts(admin_conn, contract_id)[1] == D("99.00")


# Text round-trips ----------------------------------------------------------------------------------


def test_sql_looking_and_non_latin_client_names_round_trip_in_contracts(db, admin_conn, staff):
    client_id = make_client(admin_conn, staff["bill"].id, SQL_LIKE, email="a@b.jp", company=NON_LATIN)
    other_id = make_client(admin_conn, staff["bill"].id, NON_LATIN, email="c@d.jp")
    first = service.create_contract(db, staff["manager"], client_id, D("10"))
    second = service.create_contract(db, staff["manager"], other_id, D("10"))
    assert [c.client_name for c in service.list_contracts(db, 0, 10)] == [NON_LATIN, SQL_LIKE]
    assert service.get_contract_detail(db, first.id).contract.client_name == SQL_LIKE
    assert service.get_contract(db, second.id).client_name == NON_LATIN
    assert admin_conn.execute("SELECT count(*) FROM contracts").fetchone() == (2,)
