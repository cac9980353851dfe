"""Correcting a payment recorded by mistake (management): a correction row of the opposite amount
cancels it, the remaining amount goes back up, once per payment; the database keeps the same
rules for any other writer (sql/0009_payment_corrections.sql)."""

from __future__ import annotations

import threading
from decimal import Decimal as D

import psycopg
import pytest

from crm import setup
from crm.db import Database, connect
from crm.errors import NotFound, PermissionDenied, ValidationError
from crm.services import contracts as service
from crm.ui.contracts import contracts_section
from crm.ui.history import history_section
from crm.ui.menu import Outcome, run_team_menu
from tests.conftest import database_before, wait_for_lock_waiters
from tests.factories import DEFAULT_PASSWORD, make_client, make_contract, make_employee, make_staff
from tests.scripted import Clock, ScriptedPrompts, session_for


@pytest.fixture
def staff(admin_conn):
    return make_staff(admin_conn, "manager", "bill", "kate")


def paid_contract(db, admin_conn, bill, *amounts: str) -> tuple[int, list[int]]:
    """A signed 1,000.00 contract of a new client of bill's, with bill's payments; (id, payment ids)."""
    clients = admin_conn.execute("SELECT count(*) FROM clients").fetchone()[0]
    client_id = make_client(admin_conn, bill.id, f"Client {clients + 1}")
    contract_id = make_contract(admin_conn, client_id, total="1000.00", signed=True)
    for amount in amounts:
        service.record_payment(db, bill, contract_id, D(amount))
    ids = admin_conn.execute("SELECT id FROM payments WHERE contract_id = %s ORDER BY id", (contract_id,))
    return contract_id, [row[0] for row in ids.fetchall()]


def state(admin_conn, contract_id):
    """The contract's remaining amount and version, and its payment rows."""
    contract = admin_conn.execute(
        "SELECT remaining_amount, version FROM contracts WHERE id = %s", (contract_id,)
    ).fetchone()
    payments = admin_conn.execute(
        "SELECT id, amount, recorded_by, corrects_payment_id FROM payments"
        " WHERE contract_id = %s ORDER BY id",
        (contract_id,),
    ).fetchall()
    return contract, payments


def test_a_correction_cancels_the_payment_and_gives_its_amount_back(db, admin_conn, staff):
    manager, bill = staff["manager"], staff["bill"]
    contract_id, [typo, good] = paid_contract(db, admin_conn, bill, "900.00", "50.00")  # 90.00 was meant
    saved = service.correct_payment(db, manager, typo)
    assert saved.remaining_amount == D("950.00")
    (remaining, version), payments = state(admin_conn, contract_id)
    correction = payments[-1][0]
    assert (remaining, version) == (D("950.00"), 4)  # two payments, then the correction
    assert payments == [
        (typo, D("900.00"), bill.id, None),
        (good, D("50.00"), bill.id, None),
        (correction, D("-900.00"), manager.id, typo),
    ]
    detail = service.get_contract_detail(db, contract_id)
    assert (detail.payment_count, detail.paid_total) == (3, D("50.00"))
    notes = {p.id: (p.corrects_payment_id, p.corrected_by_id) for p in detail.payments}
    assert notes == {typo: (None, correction), good: (None, None), correction: (typo, None)}
    service.record_payment(db, bill, contract_id, D("90.00"))  # the right amount, recorded again
    assert state(admin_conn, contract_id)[0][0] == D("860.00")


def test_the_correction_is_in_the_audit_trail_with_who_made_it(db, admin_conn, staff):
    contract_id, [payment] = paid_contract(db, admin_conn, staff["bill"], "300.00")
    service.correct_payment(db, staff["manager"], payment)
    correction = state(admin_conn, contract_id)[1][-1][0]
    [(who, action, changes)] = admin_conn.execute(
        "SELECT employee_id, action, changes FROM audit_log WHERE table_name = 'payments' AND record_id = %s",
        (correction,),
    ).fetchall()
    assert (who, action) == (staff["manager"].id, "insert")
    assert changes["amount"] == [None, -300.0] and changes["corrects_payment_id"] == [None, payment]
    [(changes,)] = admin_conn.execute(
        "SELECT changes FROM audit_log WHERE table_name = 'contracts' AND record_id = %s"
        " AND employee_id = %s",
        (contract_id, staff["manager"].id),
    ).fetchall()
    assert changes["remaining_amount"] == [700.0, 1000.0]


def test_a_payment_is_corrected_once_and_a_correction_never(db, admin_conn, staff):
    manager = staff["manager"]
    contract_id, [payment] = paid_contract(db, admin_conn, staff["bill"], "300.00")
    service.correct_payment(db, manager, payment)
    before = state(admin_conn, contract_id)
    correction = before[1][-1][0]
    with pytest.raises(ValidationError, match=rf"^Payment {payment} has already been corrected \(by payment"):
        service.correct_payment(db, manager, payment)
    with pytest.raises(ValidationError, match=rf"^Payment {correction} is itself a correction"):
        service.correct_payment(db, manager, correction)
    with pytest.raises(NotFound, match="^No payment with id 999999.$"):
        service.correct_payment(db, manager, 999999)
    assert state(admin_conn, contract_id) == before


@pytest.mark.parametrize("who", ["bill", "kate", "deactivated manager"])
def test_only_an_active_manager_corrects_a_payment(db, admin_conn, staff, who):
    contract_id, [payment] = paid_contract(db, admin_conn, staff["bill"], "300.00")
    actor = staff[who] if who != "deactivated manager" else staff["manager"]
    if who == "deactivated manager":
        admin_conn.execute("UPDATE employees SET is_active = false WHERE id = %s", (actor.id,))
    before = state(admin_conn, contract_id)
    with pytest.raises(PermissionDenied) as refused:
        service.correct_payment(db, actor, payment)
    expected = "Your account is deactivated." if who == "deactivated manager" else "Only management can"
    assert str(refused.value).startswith(expected)
    assert state(admin_conn, contract_id) == before


def test_two_managers_correcting_the_same_payment_at_once_cancel_it_once(db, second_db, admin_conn, staff):
    """Both pass the first check, then queue on the contract's lock; the second sees, under the
    lock, the correction the first made (the database's UNIQUE would have said it less clearly)."""
    other = make_employee(admin_conn, "management", "mona")
    contract_id, [payment] = paid_contract(db, admin_conn, staff["bill"], "300.00")
    results: list[str] = []

    def correct(database, actor):
        try:
            service.correct_payment(database, actor, payment)
            results.append("ok")
        except ValidationError as error:
            results.append(str(error))

    threads = [threading.Thread(target=correct, args=a) for a in ((db, staff["manager"]), (second_db, other))]
    with admin_conn.transaction():
        admin_conn.execute("SELECT 1 FROM contracts WHERE id = %s FOR UPDATE", (contract_id,))
        for thread in threads:
            thread.start()
        wait_for_lock_waiters(admin_conn, 2)
    for thread in threads:
        thread.join(timeout=30)
    already = f"Payment {payment} has already been corrected (by payment {payment + 1})."
    assert sorted(results) == [already, "ok"]
    (remaining, _), payments = state(admin_conn, contract_id)
    assert remaining == D("1000.00") and [p[1] for p in payments] == [D("300.00"), D("-300.00")]


# The database's own rules, for a writer that skips the service ---------------------------------------


@pytest.mark.parametrize(
    "amount, corrects, rule",
    [
        ("-50.00", None, "payments_amount_sign"),  # a negative payment that cancels nothing
        ("50.00", "payment", "payments_correction_matches"),  # a correction is negative
        ("-100.00", "payment", "payments_correction_matches"),  # not the whole amount
        ("-300.00", "other contract's", "payments_correction_matches"),
    ],
)
def test_the_database_refuses_corrections_that_do_not_match(db, admin_conn, staff, amount, corrects, rule):
    contract_id, [payment] = paid_contract(db, admin_conn, staff["bill"], "300.00")
    _, [elsewhere] = paid_contract(db, admin_conn, staff["bill"], "300.00")
    target = {None: None, "payment": payment, "other contract's": elsewhere}[corrects]
    before = state(admin_conn, contract_id)
    with pytest.raises(psycopg.errors.CheckViolation) as broken:
        with db.transaction(staff["manager"].id):
            db.conn.execute(
                "UPDATE contracts SET remaining_amount = remaining_amount - %s, version = version + 1"
                " WHERE id = %s",
                (D(amount), contract_id),
            )
            db.conn.execute(
                "INSERT INTO payments (contract_id, amount, recorded_by, corrects_payment_id)"
                " VALUES (%s, %s, %s, %s)",
                (contract_id, D(amount), staff["manager"].id, target),
            )
    assert broken.value.diag.constraint_name == rule
    assert state(admin_conn, contract_id) == before


def test_the_database_refuses_a_second_correction_of_one_payment(db, admin_conn, staff):
    contract_id, [payment, _] = paid_contract(db, admin_conn, staff["bill"], "300.00", "200.00")
    service.correct_payment(db, staff["manager"], payment)
    before = state(admin_conn, contract_id)
    with pytest.raises(psycopg.errors.UniqueViolation):
        with db.transaction(staff["manager"].id):
            db.conn.execute(
                "INSERT INTO payments (contract_id, amount, recorded_by, corrects_payment_id)"
                " VALUES (%s, -300, %s, %s)",
                (contract_id, staff["manager"].id, payment),
            )
    assert state(admin_conn, contract_id) == before


def test_the_program_role_still_cannot_edit_or_delete_a_payment(db, admin_conn, staff):
    _, [payment] = paid_contract(db, admin_conn, staff["bill"], "300.00")
    for statement in ("UPDATE payments SET amount = 30 WHERE id = %s", "DELETE FROM payments WHERE id = %s"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            with db.conn.transaction():
                db.conn.execute(statement, (payment,))


# Through the menu ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("menu_variant")
def test_management_corrects_a_payment_through_the_menu(db, admin_conn, staff, capsys):
    contract_id, [payment] = paid_contract(db, admin_conn, staff["bill"], "300.00")
    _, [elsewhere] = paid_contract(db, admin_conn, staff["bill"], "100.00")
    answers = ["Contracts", "Correct a payment", str(contract_id), "x", str(elsewhere), "999999"]
    answers += [str(payment), DEFAULT_PASSWORD, "Show a contract", str(contract_id), "Back", "Quit"]
    prompts = ScriptedPrompts(answers)
    session = session_for(db, staff["manager"], prompts, clock=Clock())
    assert run_team_menu(session, [contracts_section()]) is Outcome.QUIT
    out = capsys.readouterr().out
    assert "Payment id must be a positive whole number." in out
    assert f"Payment {elsewhere} is not a payment of contract {contract_id}." in out
    assert "No payment with id 999999." in out
    assert f"Payment {payment} of 300.00 (" in out and "1,000.00 will remain to be paid." in out
    assert f"Payment {payment} cancelled; contract {contract_id} has 1,000.00 left to pay." in out
    correction = state(admin_conn, contract_id)[1][-1][0]
    history = out.split(f"Payment {payment} cancelled")[1]
    assert f"cancels payment {payment}" in history and f"cancelled by payment {correction}" in history
    assert ("password", "Password for marie:") in prompts.asked


@pytest.mark.usefixtures("menu_variant")
def test_a_contract_whose_payments_are_all_corrected_has_nothing_left_to_correct(
    db, admin_conn, staff, capsys
):
    contract_id, [payment] = paid_contract(db, admin_conn, staff["bill"], "300.00")
    service.correct_payment(db, staff["manager"], payment)
    prompts = ScriptedPrompts(["Contracts", "Correct a payment", str(contract_id), "Back", "Quit"])
    run_team_menu(session_for(db, staff["manager"], prompts, clock=Clock()), [contracts_section()])
    out = capsys.readouterr().out
    assert "Payments (2, corrections included; 0.00 paid in all; newest first):" in out
    assert f"Contract {contract_id} has no payment left to correct: each is a correction or corrected." in out
    assert [kind for kind, _ in prompts.asked].count("password") == 0


@pytest.mark.usefixtures("menu_variant")
def test_the_contract_history_says_which_payment_a_correction_cancels(db, admin_conn, staff, capsys):
    contract_id, [payment] = paid_contract(db, admin_conn, staff["bill"], "300.00")
    service.correct_payment(db, staff["manager"], payment)
    answers = ["History", "History of a record", "Contracts", str(contract_id), "Back", "Quit"]
    prompts = ScriptedPrompts(answers)
    run_team_menu(session_for(db, staff["manager"], prompts, clock=Clock()), [history_section()])
    lines = [
        line for line in capsys.readouterr().out.splitlines() if f"payment {payment + 1} recorded" in line
    ]
    assert any("corrects payment" in line and line.rstrip().endswith(str(payment)) for line in lines)
    assert any("amount" in line and "-300" in line for line in lines)


@pytest.mark.usefixtures("menu_variant")
def test_a_contract_without_payments_has_nothing_to_correct(db, admin_conn, staff, capsys):
    contract_id = make_contract(admin_conn, make_client(admin_conn, staff["bill"].id), total="500.00")
    prompts = ScriptedPrompts(["Contracts", "Correct a payment", str(contract_id), "Back", "Quit"])
    run_team_menu(session_for(db, staff["manager"], prompts, clock=Clock()), [contracts_section()])
    assert "No payment recorded yet." in capsys.readouterr().out
    assert [kind for kind, _ in prompts.asked].count("password") == 0


# Upgrading a database made before corrections --------------------------------------------------------


def test_payments_recorded_before_the_upgrade_can_be_corrected(admin_dsn, tmp_path, monkeypatch):
    with database_before(admin_dsn, tmp_path, monkeypatch, "0009") as crm:
        with connect(crm.admin_dsn) as conn:
            manager = make_employee(conn, "management", "marie")
            bill = make_employee(conn, "sales", "bill")
            contract_id = make_contract(conn, make_client(conn, bill.id), total="1000.00", signed=True)
            with conn.transaction():
                conn.execute("UPDATE contracts SET remaining_amount = 600 WHERE id = %s", (contract_id,))
                conn.execute(
                    "INSERT INTO payments (contract_id, amount, recorded_by) VALUES (%s, 400, %s)",
                    (contract_id, bill.id),
                )
            assert setup.upgrade(admin_dsn, crm.name)[0] == "0009_payment_corrections.sql"
            [payment] = conn.execute("SELECT id FROM payments").fetchone()
        db = Database(connect(crm.app_dsn))
        try:
            assert service.correct_payment(db, manager, payment).remaining_amount == D("1000.00")
        finally:
            db.close()
