"""Issue 15 §1, §4, §6 as a user meets them in the menus, with scripted answers: the digest after
login (and turning it off in My account), Add a note and the notes of a detail view, Hand over on
its own and when deactivating someone who still owns clients or events."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crm.ui.clients import clients_section
from crm.ui.digest import NOTHING
from crm.ui.employees import employees_section, my_account_section
from crm.ui.events import events_section
from crm.ui.login import login_loop
from crm.ui.menu import run_team_menu
from crm.ui.menus import all_sections
from crm.ui.session import Session
from tests.factories import (
    DEFAULT_PASSWORD,
    make_client,
    make_contract,
    make_employee,
    make_event,
    make_staff,
)
from tests.scripted import Clock, CtrlD, ScriptedPrompts, run_menu

pytestmark = pytest.mark.usefixtures("menu_variant")

PW = DEFAULT_PASSWORD


@pytest.fixture
def staff(admin_conn):
    return make_staff(admin_conn, "manager", "bill", "sam", "kate", "alienor")


def notes(admin_conn) -> list[tuple]:
    return admin_conn.execute("SELECT client_id, event_id, author_id, body FROM notes ORDER BY id").fetchall()


def owners(admin_conn) -> list[tuple]:
    return admin_conn.execute("SELECT id, sales_contact_id, version FROM clients ORDER BY id").fetchall()


# §1 The digest at login ----------------------------------------------------------------------------


def login(db, answers, capsys) -> tuple[ScriptedPrompts, str]:
    prompts = ScriptedPrompts(answers)
    login_loop(db, prompts, all_sections(), clock=lambda: datetime.now(UTC))
    assert prompts.answers == []
    return prompts, capsys.readouterr().out


def test_the_digest_comes_after_login_before_the_menu(db, admin_conn, staff, capsys):
    client = make_client(admin_conn, staff["bill"].id)
    make_event(admin_conn, make_contract(admin_conn, client, signed=True), "Gala Dinner", staff["kate"].id, 2)
    _, out = login(db, ["kate", PW, "Log out", CtrlD], capsys)
    welcome = out.index("Welcome, Kate Hastroff (support).")
    assert welcome < out.index("Your digest:") < out.index("Logged out.")
    assert "My events in the next 7 days: 1" in out and "Gala Dinner" in out
    assert "My events changed by others" not in out  # nothing to say: not shown


def test_support_is_shown_what_others_changed_since_the_last_login(db, admin_conn, staff, capsys):
    client = make_client(admin_conn, staff["bill"].id)
    event = make_event(
        admin_conn, make_contract(admin_conn, client, signed=True), "Gala", staff["kate"].id, 20
    )
    login(db, ["kate", PW, "Log out", CtrlD], capsys)
    # The manager moves it, through the menus.
    answers = ["Events", "Update an event", str(event), None, None, None, None, "Salle Pleyel", None, None]
    run_menu(db, staff["manager"], [events_section()], answers + [PW, "Back", "Quit"])
    _, out = login(db, ["kate", PW, "Log out", CtrlD], capsys)
    assert "My events changed by others since my last login: 1" in out
    assert "location — by Marie Manager" in out
    _, out = login(db, ["kate", PW, "Log out", CtrlD], capsys)
    assert "changed by others" not in out


def test_the_digest_can_be_turned_off_in_my_account(db, admin_conn, staff, capsys):
    make_contract(admin_conn, make_client(admin_conn, staff["bill"].id))  # an unsigned contract
    answers = ["bill", PW, "My account", "Digest at login", "No, turn it off", PW, "Back", "Log out"]
    _, out = login(db, answers + ["bill", PW, "Log out", CtrlD], capsys)
    first, second = out.split("Welcome, Bill Boquet (sales).")[1:]
    assert "My contracts not signed: 1" in first and "The digest at login is now off." in first
    assert "Your digest" not in second
    assert admin_conn.execute("SELECT enabled FROM employee_digest").fetchone() == (False,)
    # Shown on demand, still.
    run_menu(db, staff["bill"], [my_account_section()], ["My account", "Show my digest", "Back", "Quit"])
    assert "My contracts not signed: 1" in capsys.readouterr().out


def test_a_login_with_nothing_to_look_at_says_so_in_one_line(db, admin_conn, staff, capsys):
    _, out = login(db, ["alienor", PW, "Log out", CtrlD], capsys)
    assert f"Welcome, Aliénor Vichum (support).\n{NOTHING}\nLogged out." in out


# §4 Notes ------------------------------------------------------------------------------------------


def test_sales_add_a_note_to_their_client_each_bad_answer_asked_again(db, admin_conn, staff, capsys):
    client = make_client(admin_conn, staff["bill"].id, "Kevin Casey")
    answers = ["Clients", "Add a note", str(client), "", "x" * 2001, "Evil\x1b[2J", "called, wants a DJ", PW]
    prompts = run_menu(db, staff["bill"], [clients_section()], answers + ["Back", "Quit"])
    out = capsys.readouterr().out
    assert "A note cannot be empty." in out and "at most 2000 characters" in out
    assert "control characters" in out and f"Note added to client {client}." in out
    assert prompts.passwords == 1
    assert notes(admin_conn) == [(client, None, staff["bill"].id, "called, wants a DJ")]


def test_sales_cannot_note_someone_elses_client_and_no_text_is_asked(db, admin_conn, staff, capsys):
    client = make_client(admin_conn, staff["sam"].id)
    prompts = run_menu(
        db, staff["bill"], [clients_section()], ["Clients", "Add a note", str(client), "Back", "Quit"]
    )
    assert "Only the client's sales contact can add a note to this client." in capsys.readouterr().out
    assert not any("Note (" in m for m in prompts.messages)
    assert notes(admin_conn) == []


def test_show_a_client_lists_notes_latest_first_and_older_on_demand(db, admin_conn, staff, capsys):
    client = make_client(admin_conn, staff["bill"].id)
    for n in range(7):
        admin_conn.execute(
            "INSERT INTO notes (client_id, author_id, body, created_at)"
            " VALUES (%s, %s, %s, now() - make_interval(mins => %s))",
            (client, staff["bill"].id, f"note {n}\nsecond line", 10 - n),
        )
    answers = ["Clients", "Show a client", str(client), "Older notes", "Back", "Quit"]
    run_menu(db, staff["kate"], [clients_section()], answers)
    out = capsys.readouterr().out
    assert "Notes (latest first, 7 in all):" in out
    assert out.index("note 6") < out.index("note 2") < out.index("note 1") < out.index("note 0")
    assert "    second line" in out


def test_support_notes_their_event_and_show_an_event_lists_it(db, admin_conn, staff, capsys):
    client = make_client(admin_conn, staff["bill"].id)
    event = make_event(
        admin_conn, make_contract(admin_conn, client, signed=True), support_id=staff["kate"].id
    )
    other = make_event(admin_conn, make_contract(admin_conn, client, signed=True), "Other")
    answers = ["Events", "Add a note", str(event), "venue confirmed for 14:00", PW]
    answers += ["Add a note", str(other), "Show an event", str(event), "Back", "Quit"]
    run_menu(db, staff["kate"], [events_section()], answers)
    out = capsys.readouterr().out
    assert "Only the support employee assigned to this event can add a note to it." in out
    assert "venue confirmed for 14:00" in out.split(f"Event {event}\n")[-1]
    assert notes(admin_conn) == [(None, event, staff["kate"].id, "venue confirmed for 14:00")]


# §6 Handing over ---------------------------------------------------------------------------------


def test_hand_over_moves_all_of_an_employees_clients_in_one_step(db, admin_conn, staff, capsys):
    bill, sam = staff["bill"], staff["sam"]
    clients = [make_client(admin_conn, bill.id, f"Client {n}") for n in range(3)]
    answers = ["Employees", "Hand over", str(bill.id), str(staff["kate"].id), str(bill.id), str(sam.id), PW]
    run_menu(db, staff["manager"], [employees_section()], answers + ["Back", "Quit"])
    out = capsys.readouterr().out
    assert "Bill Boquet still has 3 clients:" in out
    assert f"Employee {staff['kate'].id} is not another active sales employee" in out
    assert "Choose another active sales employee." in out
    assert "3 clients of Bill Boquet handed over to Sam Seller." in out
    assert owners(admin_conn) == [(c, sam.id, 2) for c in clients]
    assert admin_conn.execute("SELECT is_active FROM employees WHERE id = %s", (bill.id,)).fetchone() == (
        True,
    )


def test_deactivating_offers_the_hand_over_in_the_same_step(db, admin_conn, staff, capsys):
    kate, alienor = staff["kate"], staff["alienor"]
    client = make_client(admin_conn, staff["bill"].id)
    event = make_event(admin_conn, make_contract(admin_conn, client, signed=True), "Gala", kate.id)
    answers = [
        "Employees",
        "Deactivate an employee",
        str(kate.id),
        "Hand all the events",
        str(alienor.id),
        PW,
    ]
    prompts = run_menu(db, staff["manager"], [employees_section()], answers + ["Back", "Quit"])
    out = capsys.readouterr().out
    assert (
        prompts.shown["What becomes of them?"][0]
        == "Hand all the events to another support employee, then deactivate"
    )
    assert "1 event of Kate Hastroff handed over to Aliénor Vichum." in out
    assert "Kate Hastroff (kate) is deactivated." in out
    assert admin_conn.execute("SELECT support_contact_id FROM events WHERE id = %s", (event,)).fetchone() == (
        alienor.id,
    )
    assert admin_conn.execute("SELECT is_active FROM employees WHERE id = %s", (kate.id,)).fetchone() == (
        False,
    )


class EditWhileAsking(ScriptedPrompts):
    """Scripted prompts where, as the password is asked, someone else saves one of the clients."""

    def __init__(self, answers, edit) -> None:
        super().__init__(answers)
        self.edit = edit

    def password(self, message: str) -> str:
        self.edit()
        return super().password(message)


def test_a_client_changed_during_the_hand_over_form_stops_it_whole(db, admin_conn, staff, capsys):
    bill, sam = staff["bill"], staff["sam"]
    first, second = make_client(admin_conn, bill.id, "First"), make_client(admin_conn, bill.id, "Second")

    def edit():
        admin_conn.execute(
            "UPDATE clients SET full_name = 'Renamed', version = version + 1 WHERE id = %s", (second,)
        )

    prompts = EditWhileAsking(["Employees", "Hand over", str(bill.id), str(sam.id), PW, "Back", "Quit"], edit)
    run_team_menu(Session(db, staff["manager"], prompts, clock=Clock()), [employees_section()])
    assert "Bill Boquet's clients changed meanwhile — reload and try again." in capsys.readouterr().out
    assert owners(admin_conn) == [(first, bill.id, 1), (second, bill.id, 2)]


def test_hand_over_of_someone_with_nothing(db, admin_conn, staff, capsys):
    make_employee(admin_conn, "sales", "newbie", full_name="New Bie")
    newbie = admin_conn.execute("SELECT id FROM employees WHERE username = 'newbie'").fetchone()[0]
    run_menu(
        db, staff["manager"], [employees_section()], ["Employees", "Hand over", str(newbie), "Back", "Quit"]
    )
    assert "New Bie has no clients to hand over." in capsys.readouterr().out


def test_a_clients_history_lists_its_notes(db, admin_conn, staff, capsys):
    from crm.ui.history import history_section

    client = make_client(admin_conn, staff["bill"].id)
    run_menu(
        db,
        staff["bill"],
        [clients_section()],
        ["Clients", "Add a note", str(client), "called", PW, "Back", "Quit"],
    )
    capsys.readouterr()
    run_menu(
        db,
        staff["manager"],
        [history_section()],
        ["History", "History of a record", "Clients", str(client), "Back", "Quit"],
    )
    out = capsys.readouterr().out
    first = out.splitlines()[3]  # the newest line, under the title, the header and its rule
    assert "Bill Boquet" in first and "note added" in first and "called" in first
