"""A form left open is no way around a deactivation or a team change.

The UI holds the Employee it read at login (or at the last menu pick). Every write of the
clients, contracts and events services re-reads its actor inside its transaction (locked FOR
SHARE) and asks crm.permissions again; the password asked before a save refuses a deactivated
account and logs the session out; a team change reaches the session at that moment too.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import psycopg
import pytest
from psycopg import errors as pg_errors

from crm.errors import AuthenticationError, PermissionDenied
from crm.repositories.clients import ClientFields, ClientRepository
from crm.repositories.events import EventFields
from crm.services import auth
from crm.services import clients as clients_service
from crm.services import contracts as contracts_service
from crm.services import events as events_service
from crm.ui.session import LoggedOut
from tests.factories import DEFAULT_PASSWORD, make_client, make_contract, make_employee, make_event
from tests.scripted import ScriptedPrompts, session_for

TABLES = ("employees", "clients", "contracts", "payments", "events")


def snapshot(admin_conn):
    query = psycopg.sql.SQL("SELECT * FROM {} ORDER BY id")
    return {t: admin_conn.execute(query.format(psycopg.sql.Identifier(t))).fetchall() for t in TABLES}


def deactivate(admin_conn, employee):
    admin_conn.execute("UPDATE employees SET is_active = false WHERE id = %s", (employee.id,))


def move(admin_conn, employee, team):
    admin_conn.execute("UPDATE employees SET team = %s WHERE id = %s", (team, employee.id))


def event_fields(now):
    return EventFields(
        name="Stale gala",
        client_contact="contact@client.test",
        starts_at=now + timedelta(days=3),
        ends_at=now + timedelta(days=3, hours=4),
        location="Lyon",
        attendees=10,
        notes="written with a stale actor",
    )


@pytest.fixture
def world(admin_conn):
    """A manager, a sales employee with a signed contract (and its event), a support employee."""
    manager = make_employee(admin_conn, "management", "marie")
    sales = make_employee(admin_conn, "sales", "bill")
    other_sales = make_employee(admin_conn, "sales", "sam")
    support = make_employee(admin_conn, "support", "kate")
    other_support = make_employee(admin_conn, "support", "ken")
    client = make_client(admin_conn, sales.id)
    signed = make_contract(admin_conn, client, signed=True)
    for_event = make_contract(admin_conn, client, signed=True)
    event = make_event(admin_conn, signed, support_id=support.id)
    return {
        "manager": manager,
        "sales": sales,
        "other_sales": other_sales,
        "support": support,
        "other_support": other_support,
        "client": client,
        "signed": signed,
        "for_event": for_event,
        "event": event,
    }


def writes(db, w):
    """Every write of the three services, by who may do it (actor key, call with that actor)."""
    now = datetime.now(UTC).replace(microsecond=0)
    fields = ClientFields("Stale Client", "stale@client.test", None, "")
    return {
        "create_client": ("sales", lambda a: clients_service.create_client(db, a, fields)),
        "update_client": ("sales", lambda a: clients_service.update_client(db, a, w["client"], 1, fields)),
        "record_payment": (
            "sales",
            lambda a: contracts_service.record_payment(db, a, w["signed"], Decimal("10.00")),
        ),
        "update_contract (sales)": (
            "sales",
            lambda a: contracts_service.update_contract(db, a, w["signed"], 1, Decimal("2000.00"), True),
        ),
        "update_contract (manager)": (
            "manager",
            lambda a: contracts_service.update_contract(db, a, w["signed"], 1, Decimal("2000.00"), True),
        ),
        "create_event": (
            "sales",
            lambda a: events_service.create_event(db, a, w["for_event"], event_fields(now), now),
        ),
        "reassign_client": (
            "manager",
            lambda a: clients_service.reassign_client(db, a, w["client"], 1, w["other_sales"].id),
        ),
        "create_contract": (
            "manager",
            lambda a: contracts_service.create_contract(db, a, w["client"], Decimal("5")),
        ),
        "assign_support": (
            "manager",
            lambda a: events_service.assign_support(db, a, w["event"], 1, w["other_support"].id),
        ),
        "update_event (manager)": (
            "manager",
            lambda a: events_service.update_event(db, a, w["event"], 1, event_fields(now), now),
        ),
        "update_event (support)": (
            "support",
            lambda a: events_service.update_event(db, a, w["event"], 1, event_fields(now), now),
        ),
    }


WRITES = [
    "create_client",
    "update_client",
    "record_payment",
    "update_contract (sales)",
    "update_contract (manager)",
    "create_event",
    "reassign_client",
    "create_contract",
    "assign_support",
    "update_event (manager)",
    "update_event (support)",
]


@pytest.mark.parametrize("write", WRITES)
def test_a_stale_actor_deactivated_meanwhile_writes_nothing(db, admin_conn, world, write):
    who, call = writes(db, world)[write]
    stale = world[who]  # read while still active: is_active is True in this object
    deactivate(admin_conn, stale)
    before = snapshot(admin_conn)
    with pytest.raises(PermissionDenied) as refused:
        call(stale)
    assert str(refused.value) == "Your account is deactivated."
    assert snapshot(admin_conn) == before


@pytest.mark.parametrize("write", WRITES)
def test_the_same_writes_succeed_for_the_active_actor(db, admin_conn, world, write):
    """The control: each write above does write when its actor is still what they were."""
    who, call = writes(db, world)[write]
    before = snapshot(admin_conn)
    call(world[who])
    assert snapshot(admin_conn) != before


def test_a_sales_employee_moved_to_support_cannot_create_a_client(db, admin_conn, world):
    stale = world["sales"]
    move(admin_conn, stale, "support")
    before = snapshot(admin_conn)
    with pytest.raises(PermissionDenied) as refused:
        clients_service.create_client(db, stale, ClientFields("New One", "new@client.test", None, ""))
    assert str(refused.value) == "Only sales can create a client."
    assert snapshot(admin_conn) == before


def test_a_manager_moved_to_sales_cannot_create_a_contract(db, admin_conn, world):
    stale = world["manager"]
    move(admin_conn, stale, "sales")
    before = snapshot(admin_conn)
    with pytest.raises(PermissionDenied):
        contracts_service.create_contract(db, stale, world["client"], Decimal("5"))
    assert snapshot(admin_conn) == before


def test_the_actor_row_is_locked_for_the_whole_write(db, admin_conn, world, monkeypatch):
    """While a client is being inserted, nobody can deactivate its sales employee (FOR SHARE)."""
    sales = world["sales"]
    seen = []
    insert = ClientRepository.insert

    def insert_and_try_to_deactivate(self, sales_id, fields):
        with pytest.raises(pg_errors.LockNotAvailable):
            admin_conn.execute("SELECT 1 FROM employees WHERE id = %s FOR UPDATE NOWAIT", (sales.id,))
        admin_conn.execute("SELECT 1")  # admin_conn is autocommit: the failed statement is over
        seen.append(sales_id)
        return insert(self, sales_id, fields)

    monkeypatch.setattr(ClientRepository, "insert", insert_and_try_to_deactivate)
    clients_service.create_client(db, sales, ClientFields("Locked Row", "locked@client.test", None, ""))
    assert seen == [sales.id]
    # Once the write is over, the row is free again.
    admin_conn.execute("SELECT 1 FROM employees WHERE id = %s FOR UPDATE NOWAIT", (sales.id,))


# Re-authentication before a save --------------------------------------------------------------------


def test_confirm_password_refuses_a_deactivated_account_and_says_so(db, admin_conn, world):
    sales = world["sales"]
    deactivate(admin_conn, sales)
    with pytest.raises(auth.AccountDeactivated) as refused:
        auth.confirm_password(db, sales, DEFAULT_PASSWORD)
    assert "deactivated" in str(refused.value)
    assert isinstance(refused.value, AuthenticationError)


@pytest.mark.usefixtures("menu_variant")
def test_confirm_write_logs_a_deactivated_employee_out_without_asking_the_password(db, admin_conn, world):
    sales = world["sales"]
    prompts = ScriptedPrompts([])  # no password is asked
    session = session_for(db, sales, prompts)
    deactivate(admin_conn, sales)
    with pytest.raises(LoggedOut) as ended:
        session.confirm_write()
    assert str(ended.value).startswith("Your account has been deactivated")
    assert prompts.asked == []


@pytest.mark.usefixtures("menu_variant")
def test_confirm_write_logs_out_when_deactivated_while_the_password_is_typed(db, admin_conn, world):
    sales = world["sales"]

    class DeactivatedWhileTyping(ScriptedPrompts):
        def password(self, message):
            deactivate(admin_conn, sales)
            return super().password(message)

    session = session_for(db, sales, DeactivatedWhileTyping([DEFAULT_PASSWORD]))
    with pytest.raises(LoggedOut) as ended:
        session.confirm_write()
    assert str(ended.value).startswith("Your account has been deactivated")


@pytest.mark.usefixtures("menu_variant")
def test_a_team_change_logs_out_before_the_save(db, admin_conn, world):
    sales = world["sales"]
    prompts = ScriptedPrompts([DEFAULT_PASSWORD])
    session = session_for(db, sales, prompts)
    move(admin_conn, sales, "support")
    before = snapshot(admin_conn)
    with pytest.raises(LoggedOut, match="Your team was changed: log in again."):
        session.confirm_write()
    assert prompts.answers == [DEFAULT_PASSWORD]  # no password asked
    with pytest.raises(PermissionDenied):  # and the stale employee cannot save either
        clients_service.create_client(db, sales, ClientFields("New One", "new@client.test", None, ""))
    assert snapshot(admin_conn) == before


@pytest.mark.usefixtures("menu_variant")
def test_a_create_client_form_left_open_saves_nothing_after_a_deactivation(db, admin_conn, world, capsys):
    """Through the menu: the form is filled, the employee is deactivated, then the save is asked."""
    from crm.ui.clients import clients_section
    from crm.ui.menu import Outcome, run_team_menu

    sales = world["sales"]

    class DeactivatedBeforeTheSave(ScriptedPrompts):
        def password(self, message):
            raise AssertionError("a deactivated employee is not asked their password")

        def text(self, message, default=""):
            answer = super().text(message, default)
            if message.startswith("Company"):
                deactivate(admin_conn, sales)
            return answer

    before = snapshot(admin_conn)["clients"]
    prompts = DeactivatedBeforeTheSave(
        ["Clients", "Create a client", "Form Left Open", "open@client.test", "", ""]
    )
    session = session_for(db, sales, prompts)
    assert run_team_menu(session, [clients_section()]) is Outcome.ENDED
    assert "Your account has been deactivated" in capsys.readouterr().out
    assert snapshot(admin_conn)["clients"] == before


def test_a_refused_write_leaves_no_transaction_open(db, admin_conn, world):
    """The recheck runs inside the service's own transaction, which the refusal rolls back."""
    sales = world["sales"]
    deactivate(admin_conn, sales)
    with pytest.raises(PermissionDenied):
        clients_service.create_client(db, sales, ClientFields("Again", "again@client.test", None, ""))
    assert db.conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
