"""Employee management on the service layer, against the real database: lists, details, each
management action with its refusals, own password changes, and that sales and support cannot
reach any employee write (the database is unchanged after each refusal)."""

from __future__ import annotations

import threading
from dataclasses import fields as dataclass_fields
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial

import psycopg
import pytest

from crm.db import Database, connect
from crm.errors import AuthenticationError, NotFound, PermissionDenied, StaleRecord, ValidationError
from crm.models import Employee, Team
from crm.repositories.employees import EmployeeRepository
from crm.services import auth
from crm.services import employees as service
from crm.services.employees import EmployeeFields
from tests.conftest import wait_for_lock_waiters, with_sessions
from tests.factories import (
    DEFAULT_PASSWORD,
    fields_from,
    make_client,
    make_contract,
    make_employee,
    make_event,
)

NOW = datetime.now(UTC).replace(microsecond=0)
NEW_PASSWORD = "violet tractor on the moon"


def new_fields(**changes) -> EmployeeFields:
    values = dict(
        username="kate.h",
        full_name="Kate Hastroff",
        email="kate@epicevents.test",
        phone="+33 6 12 34 56 78",
        team=Team.SUPPORT,
    )
    values.update(changes)
    return EmployeeFields(**values)


fields_of = partial(fields_from, EmployeeFields)  # fields_of(employee, **changes)


def snapshot(admin_conn):
    return (
        admin_conn.execute("SELECT * FROM employees ORDER BY id").fetchall(),
        # What counts against a username (a right password leaves its row cleared, not removed).
        admin_conn.execute(
            "SELECT * FROM login_throttle WHERE failures > 0 OR locked_until IS NOT NULL"
            " ORDER BY throttle_key"
        ).fetchall(),
    )


def row(admin_conn, employee_id):
    return admin_conn.execute(
        "SELECT username, full_name, email, phone, team, is_active, version FROM employees WHERE id = %s",
        (employee_id,),
    ).fetchone()


@pytest.fixture
def boss(admin_conn):
    return make_employee(admin_conn, "management", "marie", full_name="Marie Boss")


# Reads -----------------------------------------------------------------------------------------------


def test_list_filters_by_team_and_status_in_name_order(db, admin_conn, boss):
    make_employee(admin_conn, "sales", "bill", full_name="Bill Boquet")
    make_employee(admin_conn, "sales", "zoe", full_name="zoé Ancienne", active=False)
    make_employee(admin_conn, "support", "kate", full_name="Kate Hastroff")
    make_employee(admin_conn, "support", "alienor", full_name="Aliénor Vichum")

    def names(**filters):
        return [e.username for e in service.list_employees(db, 0, 50, **filters)]

    assert names() == ["alienor", "bill", "kate", "marie", "zoe"]
    assert names(team=Team.SALES) == ["bill", "zoe"]
    assert names(team=Team.SALES, active=True) == ["bill"]
    assert names(active=False) == ["zoe"]
    assert names(team=Team.SUPPORT, active=False) == []
    assert names(team=Team.MANAGEMENT, active=True) == ["marie"]


def test_list_pages(db, admin_conn):
    for n in range(7):
        make_employee(admin_conn, "sales", f"sales_{n}", full_name=f"Person {n}")
    pages = [[e.username for e in service.list_employees(db, offset, 3)] for offset in (0, 3, 6, 9)]
    assert pages == [["sales_0", "sales_1", "sales_2"], ["sales_3", "sales_4", "sales_5"], ["sales_6"], []]


def test_employees_never_carry_a_password_hash(db, admin_conn, boss):
    assert "password_hash" not in {f.name for f in dataclass_fields(Employee)}
    listed = service.list_employees(db, 0, 10)[0]
    assert "$argon2" not in repr(listed) and "$argon2" not in repr(service.get_employee(db, boss.id))


def test_get_an_unknown_employee_is_not_found(db):
    with pytest.raises(NotFound, match="No employee with id 999."):
        service.get_employee(db, 999)


# Create ----------------------------------------------------------------------------------------------


def test_manager_creates_an_employee_who_can_log_in(db, admin_conn, boss):
    created = service.create_employee(db, boss, new_fields(), NEW_PASSWORD)
    assert row(admin_conn, created.id) == (
        "kate.h",
        "Kate Hastroff",
        "kate@epicevents.test",
        "+33 6 12 34 56 78",
        "support",
        True,
        1,
    )
    stored = admin_conn.execute("SELECT password_hash FROM employees WHERE id = %s", (created.id,)).fetchone()
    assert stored[0].startswith("$argon2id$v=19$")
    assert auth.login(db, "Kate.H", NEW_PASSWORD).id == created.id


def test_phone_is_optional_and_fields_are_trimmed(db, admin_conn, boss):
    created = service.create_employee(
        db,
        boss,
        new_fields(phone="  ", full_name="  Kate Hastroff ", email=" kate@epicevents.test "),
        NEW_PASSWORD,
    )
    assert row(admin_conn, created.id)[1:4] == ("Kate Hastroff", "kate@epicevents.test", None)


@pytest.mark.parametrize(
    "changes, message",
    [
        (dict(username="k"), "A username is 3 to 40 characters"),
        (dict(username="kate h"), "A username is 3 to 40 characters"),
        (dict(full_name="   "), "Full name cannot be blank."),
        (dict(email="kate@"), "Enter a valid e-mail address"),
        (dict(phone="call me"), "A phone number has at least 6 digits"),
        (dict(team="marketing"), "The team must be management, sales or support."),
    ],
)
def test_create_validates_each_field(db, admin_conn, boss, changes, message):
    before = snapshot(admin_conn)
    with pytest.raises(ValidationError, match=message):
        service.create_employee(db, boss, new_fields(**changes), NEW_PASSWORD)
    assert snapshot(admin_conn) == before


@pytest.mark.parametrize(
    "password, message",
    [
        ("too short", "at least 12 characters"),
        ("kate.h is my name", "cannot contain the username"),
        ("Password1234", "list of common passwords"),
    ],
)
def test_create_needs_a_password_that_meets_the_policy(db, admin_conn, boss, password, message):
    before = snapshot(admin_conn)
    with pytest.raises(ValidationError, match=message):
        service.create_employee(db, boss, new_fields(), password)
    assert snapshot(admin_conn) == before


def test_username_and_email_are_unique_in_any_case_and_the_message_names_them(db, admin_conn, boss):
    make_employee(admin_conn, "sales", "bill")
    before = snapshot(admin_conn)
    with pytest.raises(ValidationError) as taken:
        service.create_employee(db, boss, new_fields(username="BILL"), NEW_PASSWORD)
    assert str(taken.value) == "The username 'BILL' is already taken."
    with pytest.raises(ValidationError) as used:
        service.create_employee(db, boss, new_fields(email="Bill@EpicEvents.test"), NEW_PASSWORD)
    # The address is normalised (its domain lower-cased) before it is compared and named.
    assert str(used.value) == "The e-mail address 'Bill@epicevents.test' is already used by another employee."
    assert snapshot(admin_conn) == before


def test_a_duplicate_that_slips_past_the_check_is_reported_by_the_database_rule(
    db, admin_conn, boss, monkeypatch
):
    make_employee(admin_conn, "sales", "bill")
    monkeypatch.setattr(service, "check_username_free", lambda *args: None)
    with pytest.raises(ValidationError, match="That username is already taken."):
        service.create_employee(db, boss, new_fields(username="bill"), NEW_PASSWORD)


# Update ----------------------------------------------------------------------------------------------


def test_manager_updates_every_field(db, admin_conn, boss):
    bill = make_employee(admin_conn, "sales", "bill")
    changed = fields_of(
        bill,
        username="bill.b",
        full_name="Bill Boquet",
        email="b@x.test",
        phone="0123456789",
        team=Team.SUPPORT,
    )
    saved = service.update_employee(db, boss, bill.id, bill.version, changed, NOW)
    assert row(admin_conn, bill.id) == ("bill.b", "Bill Boquet", "b@x.test", "0123456789", "support", True, 2)
    assert saved.version == 2


def test_update_reports_a_stale_record_and_changes_nothing(db, admin_conn, boss):
    bill = make_employee(admin_conn, "sales", "bill")
    service.update_employee(db, boss, bill.id, bill.version, fields_of(bill, full_name="First Edit"), NOW)
    before = snapshot(admin_conn)
    with pytest.raises(StaleRecord, match="Changed by someone else meanwhile"):
        service.update_employee(
            db, boss, bill.id, bill.version, fields_of(bill, full_name="Second Edit"), NOW
        )
    assert snapshot(admin_conn) == before


def test_update_reports_username_and_email_conflicts(db, admin_conn, boss):
    bill = make_employee(admin_conn, "sales", "bill")
    make_employee(admin_conn, "sales", "anna")
    before = snapshot(admin_conn)
    with pytest.raises(ValidationError, match="The username 'Anna' is already taken."):
        service.update_employee(db, boss, bill.id, bill.version, fields_of(bill, username="Anna"), NOW)
    with pytest.raises(ValidationError, match="e-mail address 'anna@epicevents.test' is already used"):
        service.update_employee(
            db, boss, bill.id, bill.version, fields_of(bill, email="anna@epicevents.test"), NOW
        )
    assert snapshot(admin_conn) == before
    # Keeping one's own username and e-mail (in another case) is fine.
    service.update_employee(db, boss, bill.id, bill.version, fields_of(bill, username="BILL"), NOW)
    assert row(admin_conn, bill.id)[0] == "BILL"


def test_a_manager_cannot_change_their_own_team(db, admin_conn, boss):
    make_employee(admin_conn, "management", "other_boss")
    with pytest.raises(PermissionDenied, match="You cannot change your own team."):
        service.update_employee(db, boss, boss.id, boss.version, fields_of(boss, team=Team.SALES), NOW)
    # Their other fields they may edit.
    service.update_employee(db, boss, boss.id, boss.version, fields_of(boss, full_name="Marie Curie"), NOW)
    assert row(admin_conn, boss.id)[1:5] == ("Marie Curie", "marie@epicevents.test", None, "management")


def test_another_manager_may_move_to_another_team(db, admin_conn, boss):
    target = make_employee(admin_conn, "management", "target")
    service.update_employee(db, boss, target.id, 1, fields_of(target, team=Team.SALES), NOW)
    assert row(admin_conn, target.id)[4] == "sales"


def test_sales_with_clients_or_support_with_events_cannot_change_team(db, admin_conn, boss):
    bill = make_employee(admin_conn, "sales", "bill")
    kate = make_employee(admin_conn, "support", "kate")
    contract = make_contract(admin_conn, make_client(admin_conn, bill.id), signed=True)
    make_event(admin_conn, contract, support_id=kate.id)
    before = snapshot(admin_conn)
    with pytest.raises(ValidationError, match="Bill still has 1 client: reassign them"):
        service.update_employee(db, boss, bill.id, 1, fields_of(bill, team=Team.SUPPORT), NOW)
    with pytest.raises(ValidationError, match="Kate still has 1 upcoming event: reassign them"):
        service.update_employee(db, boss, kate.id, 1, fields_of(kate, team=Team.SALES), NOW)
    assert snapshot(admin_conn) == before


# Reset a password ------------------------------------------------------------------------------------


def test_manager_resets_a_password_and_lifts_a_lock(db, admin_conn, boss):
    bill = make_employee(admin_conn, "sales", "bill")
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            auth.login(db, "bill", "wrong password!", now=NOW)
    service.reset_password(db, boss, bill.id, NEW_PASSWORD)
    assert row(admin_conn, bill.id)[6] == 2
    with pytest.raises(AuthenticationError, match="Invalid username or password."):
        auth.login(db, "bill", DEFAULT_PASSWORD, now=NOW)
    assert auth.login(db, "bill", NEW_PASSWORD, now=NOW).id == bill.id


def test_reset_password_refusals(db, admin_conn, boss):
    bill = make_employee(admin_conn, "sales", "bill")
    before = snapshot(admin_conn)
    with pytest.raises(ValidationError, match="at least 12 characters"):
        service.reset_password(db, boss, bill.id, "short")
    with pytest.raises(ValidationError, match="cannot contain the username"):
        service.reset_password(db, boss, bill.id, "hello bill, welcome")
    with pytest.raises(PermissionDenied, match="My account"):
        service.reset_password(db, boss, boss.id, NEW_PASSWORD)
    with pytest.raises(NotFound):
        service.reset_password(db, boss, 999, NEW_PASSWORD)
    assert snapshot(admin_conn) == before


# Deactivate / reactivate -----------------------------------------------------------------------------


def test_manager_deactivates_and_reactivates_an_employee(db, admin_conn, boss):
    kate = make_employee(admin_conn, "support", "kate")
    assert not service.deactivation_check(db, boss, kate.id, NOW)
    saved = service.deactivate_employee(db, boss, kate.id, NOW)
    assert not saved.is_active and row(admin_conn, kate.id)[5:] == (False, 2)
    with pytest.raises(AuthenticationError, match="Invalid username or password."):
        auth.login(db, "kate", DEFAULT_PASSWORD)
    with pytest.raises(ValidationError, match="Kate is already deactivated."):
        service.deactivate_employee(db, boss, kate.id, NOW)

    service.reactivate_employee(db, boss, kate.id)
    assert row(admin_conn, kate.id)[5:] == (True, 3)
    assert auth.login(db, "kate", DEFAULT_PASSWORD).id == kate.id
    with pytest.raises(ValidationError, match="Kate is already active."):
        service.reactivate_employee(db, boss, kate.id)


def test_nobody_deactivates_themselves(db, admin_conn, boss):
    make_employee(admin_conn, "management", "other_boss")
    before = snapshot(admin_conn)
    with pytest.raises(PermissionDenied, match="You cannot deactivate your own account."):
        service.deactivation_check(db, boss, boss.id, NOW)
    with pytest.raises(PermissionDenied, match="You cannot deactivate your own account."):
        service.deactivate_employee(db, boss, boss.id, NOW)
    assert snapshot(admin_conn) == before


def test_a_manager_deactivates_another_manager_but_a_stale_actor_is_refused(db, admin_conn, boss):
    other = make_employee(admin_conn, "management", "other_boss", full_name="Other Boss")
    service.deactivate_employee(db, boss, other.id, NOW)  # two managers: fine
    before = snapshot(admin_conn)
    # `other` is deactivated now, whatever their own (stale) view says.
    with pytest.raises(PermissionDenied, match="Your account is deactivated."):
        service.deactivate_employee(db, other, boss.id, NOW)
    assert snapshot(admin_conn) == before


def test_the_last_active_manager_is_never_deactivated_nor_moved(db, admin_conn, boss, monkeypatch):
    # Only a race can make the target the last active manager (the actor is one too): see the
    # next test for the real race; here the locked managers' ids say so directly.
    other = make_employee(admin_conn, "management", "other_boss", full_name="Other Boss")
    monkeypatch.setattr(EmployeeRepository, "lock_active_managers", lambda self: [other.id])
    before = snapshot(admin_conn)
    with pytest.raises(PermissionDenied, match="Other Boss is the last active manager"):
        service.deactivate_employee(db, boss, other.id, NOW)
    with pytest.raises(PermissionDenied, match="Other Boss is the last active manager"):
        service.update_employee(db, boss, other.id, 1, fields_of(other, team=Team.SALES), NOW)
    assert snapshot(admin_conn) == before


def test_two_managers_deactivating_each_other_at_once_leave_one_active(db, admin_conn, crm_db, boss):
    other = make_employee(admin_conn, "management", "other_boss", full_name="Other Boss")
    # Connection 1 (another program) is deactivating `other` and has not committed yet.
    first = with_sessions(Database(connect(crm_db.app_dsn)))
    try:
        with first.transaction(boss.id):
            EmployeeRepository(first.conn).lock_active_managers()
            EmployeeRepository(first.conn).set_active(other.id, False)
            # Meanwhile `other` (still active in their own view) deactivates `boss` from this program.
            outcome = {}

            def second():
                try:
                    service.deactivate_employee(db, other, boss.id, NOW)
                    outcome["result"] = "deactivated"
                except PermissionDenied as refused:
                    outcome["result"] = str(refused)

            worker = threading.Thread(target=second)
            worker.start()
            # wait (bounded) until the second one waits for the row locks
            wait_for_lock_waiters(admin_conn, 1, done=lambda: not worker.is_alive())
            assert worker.is_alive(), "the second deactivation should wait for the first"
        worker.join(10)
    finally:
        first.close()
    # The second one waited for the first, then saw its own actor (`other`) deactivated: refused.
    assert outcome["result"] == "Your account is deactivated."
    active = admin_conn.execute(
        "SELECT username FROM employees WHERE team = 'management' AND is_active"
    ).fetchall()
    assert active == [("marie",)]


def test_deactivating_someone_with_clients_or_events_lists_them_first(db, admin_conn, boss):
    bill = make_employee(admin_conn, "sales", "bill", full_name="Bill Boquet")
    kate = make_employee(admin_conn, "support", "kate", full_name="Kate Hastroff")
    client_a = make_client(admin_conn, bill.id, "Kevin Casey")
    make_client(admin_conn, bill.id, "Anna Zed", company="Zed Corp")
    past = make_event(admin_conn, make_contract(admin_conn, client_a, signed=True), "Old gala", kate.id, -10)
    coming = make_event(admin_conn, make_contract(admin_conn, client_a, signed=True), "New gala", kate.id, 10)

    pending = service.deactivation_check(db, boss, bill.id, NOW)
    assert [c.name for c in pending.clients] == ["Anna Zed", "Kevin Casey"]
    assert pending.client_count == 2 and pending.clients[0].detail == "Zed Corp"
    assert pending.summary() == "2 clients"

    pending = service.deactivation_check(db, boss, kate.id, NOW)
    assert [(e.id, e.name, e.detail) for e in pending.events] == [(coming, "New gala", "Kevin Casey")]
    assert past not in [e.id for e in pending.events]

    before = snapshot(admin_conn)
    with pytest.raises(service.ReassignmentNeeded) as needed:
        service.deactivate_employee(db, boss, bill.id, NOW)
    assert str(needed.value).startswith("Bill Boquet still has 2 clients to reassign")
    assert needed.value.reassignments.client_count == 2
    assert snapshot(admin_conn) == before

    service.deactivate_employee(db, boss, bill.id, NOW, reassignments_seen=True)
    service.deactivate_employee(db, boss, kate.id, NOW, reassignments_seen=True)
    assert row(admin_conn, bill.id)[5] is False and row(admin_conn, kate.id)[5] is False
    # Their records stay theirs until someone reassigns them; nothing was deleted.
    assert (
        admin_conn.execute("SELECT count(*) FROM clients WHERE sales_contact_id = %s", (bill.id,)).fetchone()[
            0
        ]
        == 2
    )


def test_a_deactivated_employee_logged_in_loses_access(db, admin_conn, boss):
    kate = make_employee(admin_conn, "support", "kate")
    service.deactivate_employee(db, boss, kate.id, NOW)
    with pytest.raises(PermissionDenied, match="Your account is deactivated."):
        service.change_own_password(db, kate, DEFAULT_PASSWORD, NEW_PASSWORD)


# Own password ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("team", ["management", "sales", "support"])
def test_every_employee_changes_their_own_password(db, admin_conn, team):
    me = make_employee(admin_conn, team, "someone")
    service.change_own_password(db, me, DEFAULT_PASSWORD, NEW_PASSWORD)
    assert auth.login(db, "someone", NEW_PASSWORD).id == me.id
    with pytest.raises(AuthenticationError):
        auth.login(db, "someone", DEFAULT_PASSWORD)


def test_change_own_password_refusals(db, admin_conn):
    me = make_employee(admin_conn, "sales", "bill")
    before = snapshot(admin_conn)
    with pytest.raises(ValidationError, match="at least 12 characters"):
        service.change_own_password(db, me, DEFAULT_PASSWORD, "short")
    with pytest.raises(ValidationError, match="must differ from the current one"):
        service.change_own_password(db, me, DEFAULT_PASSWORD, DEFAULT_PASSWORD)
    with pytest.raises(ValidationError, match="common passwords"):
        service.change_own_password(db, me, DEFAULT_PASSWORD, "qwertyuiop123")
    assert snapshot(admin_conn) == before
    with pytest.raises(AuthenticationError, match="Wrong password; nothing was saved."):
        service.change_own_password(db, me, "not my password", NEW_PASSWORD)
    employees, throttle = snapshot(admin_conn)
    assert employees == before[0]
    assert [(r[0], r[1]) for r in throttle] == [(f"employee:{me.id}", 1)]  # a wrong current password counts


# Who may write -------------------------------------------------------------------------------------


def employee_writes(db, target, actor):
    return {
        "create": lambda: service.create_employee(db, actor, new_fields(), NEW_PASSWORD),
        "update": lambda: service.update_employee(
            db, actor, target.id, target.version, fields_of(target, full_name="Hacked"), NOW
        ),
        "reset password": lambda: service.reset_password(db, actor, target.id, NEW_PASSWORD),
        "deactivation check": lambda: service.deactivation_check(db, actor, target.id, NOW),
        "deactivate": lambda: service.deactivate_employee(db, actor, target.id, NOW, reassignments_seen=True),
        "reactivate": lambda: service.reactivate_employee(db, actor, target.id),
    }


WRITES = ["create", "update", "reset password", "deactivation check", "deactivate", "reactivate"]
ACTORS = ["sales", "support", "deactivated management"]


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize("write", WRITES)
def test_only_active_managers_reach_employee_writes(db, admin_conn, boss, who, write):
    team = who.split()[-1]
    actor = make_employee(admin_conn, team, "actor")
    if who.startswith("deactivated"):
        admin_conn.execute("UPDATE employees SET is_active = false WHERE id = %s", (actor.id,))
        actor = replace(actor, is_active=False)
    target = make_employee(admin_conn, "support", "target", active=(write != "reactivate"))
    before = snapshot(admin_conn)
    with pytest.raises(PermissionDenied) as refused:
        employee_writes(db, target, actor)[write]()
    expected = (
        "Your account is deactivated."
        if who.startswith("deactivated")
        else "Only management can manage employees."
    )
    assert str(refused.value) == expected
    assert snapshot(admin_conn) == before


def test_a_manager_deactivated_meanwhile_is_refused_inside_the_transaction(db, admin_conn, boss):
    kate = make_employee(admin_conn, "support", "tina")
    admin_conn.execute("UPDATE employees SET is_active = false WHERE id = %s", (boss.id,))
    before = snapshot(admin_conn)
    for write in WRITES:
        with pytest.raises(PermissionDenied, match="Your account is deactivated."):
            employee_writes(db, kate, boss)[write]()  # `boss` still says active
    assert snapshot(admin_conn) == before


def test_nobody_can_delete_an_employee(db, admin_conn, boss):
    assert not [name for name in dir(EmployeeRepository) if "delete" in name or "remove" in name]
    assert not [name for name in dir(service) if "delete" in name or "remove" in name]
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        db.conn.execute("DELETE FROM employees WHERE id = %s", (boss.id,))
    assert row(admin_conn, boss.id) is not None


def test_reads_hide_hashes_and_throttle_internals(db, admin_conn, boss):
    for _ in range(2):
        with pytest.raises(AuthenticationError):
            auth.login(db, "marie", "wrong password!")
    shown = repr(service.list_employees(db, 0, 10)) + repr(service.get_employee(db, boss.id))
    assert "argon2" not in shown and "failure" not in shown and "locked" not in shown


def test_deactivating_is_as_of_now(db, admin_conn, boss):
    kate = make_employee(admin_conn, "support", "kate")
    contract = make_contract(
        admin_conn, make_client(admin_conn, make_employee(admin_conn, "sales").id), signed=True
    )
    make_event(admin_conn, contract, support_id=kate.id, starts_in_days=2)
    assert service.deactivation_check(db, boss, kate.id, NOW).event_count == 1
    assert not service.deactivation_check(db, boss, kate.id, NOW + timedelta(days=3))
