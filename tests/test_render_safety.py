"""Rendering is safe whatever the database holds (issues 13, 17 item 5): text planted by another
writer — ESC sequences, bell, C1 controls, bidi overrides, zero-width characters — reaches the
terminal as visible stand-ins (␛, ␇, <U+009B>, <U+202E>) in lists, details, pickers, history,
prompts' questions and default values, and the messages printed around them.

The planted values are written as the superuser into this module's own database, with the text
CHECKs of sql/0010_text_rules.sql dropped first: the database refuses them otherwise (see
tests/test_text_rules_db.py), and rendering must not depend on that."""

from __future__ import annotations

import re

import pytest

from crm.ui import render
from crm.ui.clients import clients_section
from crm.ui.contracts import contracts_section
from crm.ui.events import events_section
from crm.ui.history import history_section
from crm.ui.menu import Outcome, run_team_menu
from tests.factories import DEFAULT_PASSWORD, make_client, make_contract, make_employee, make_event
from tests.scripted import Clock, ScriptedPrompts, session_for

pytestmark = pytest.mark.usefixtures("menu_variant")

# Clears the screen, homes the cursor, turns text red, retitles the window, rings, reverses.
PLANTED = "Evil\x1b[2J\x1b[H\x1b[31mRed\x1b]0;pwned\x07\x9b5n Corp\u202eesrever\u200b"
SHOWN = "Evil␛[2J␛[H␛[31mRed␛]0;pwned␇<U+009B>5n Corp<U+202E>esrever<U+200B>"
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200b\u200e\u200f]")


@pytest.fixture(scope="module", autouse=True)
def without_text_checks(crm_db):
    """Drop the text CHECKs in this module's database, as another writer's schema might lack them."""
    import psycopg

    with psycopg.connect(crm_db.admin_dsn, autocommit=True) as conn:
        names = conn.execute(
            "SELECT conrelid::regclass::text, conname FROM pg_constraint WHERE contype = 'c'"
            " AND (conname LIKE '%%\\_text' OR conname LIKE '%%email\\_check')"
        ).fetchall()
        for table, name in names:
            conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')  # noqa: S608 — catalog names


def run(db, employee, sections, answers, capsys):
    prompts = ScriptedPrompts(answers)
    outcome = run_team_menu(session_for(db, employee, prompts, clock=Clock()), sections)
    assert outcome is Outcome.QUIT and prompts.answers == []
    out = capsys.readouterr().out
    defaults = [default for offered in prompts.defaults.values() for default in offered]
    titles = [title for offered in prompts.shown.values() for title in offered]
    shown = out + "".join(prompts.messages) + "".join(defaults) + "".join(titles)
    assert not RAW.search(shown), RAW.search(shown)
    return out, prompts


@pytest.fixture
def planted(admin_conn):
    manager = make_employee(admin_conn, "management", "marie")
    sales = make_employee(admin_conn, "sales", "bill", full_name=PLANTED)
    client = make_client(admin_conn, sales.id, PLANTED, company=PLANTED, email="evil@example.com")
    contract = make_contract(admin_conn, client, signed=True)
    event = make_event(admin_conn, contract, name=PLANTED)
    admin_conn.execute("UPDATE events SET notes = %s WHERE id = %s", (f"line one\n{PLANTED}", event))
    assert admin_conn.execute("SELECT full_name FROM clients").fetchone()[0] == PLANTED  # really stored
    return {"manager": manager, "sales": sales, "client": client, "contract": contract, "event": event}


def test_the_clients_list_and_detail_show_planted_escapes_as_visible_text(db, planted, capsys):
    answers = ["Clients", "List clients", "Show a client", str(planted["client"]), "Back", "Quit"]
    out, _ = run(db, planted["manager"], [clients_section()], answers, capsys)
    assert "Evil␛[2J␛[H␛[31mRed" in out  # the list (shortened to its column)
    assert f"Full name      {SHOWN}" in out and f"Company        {SHOWN}" in out  # the detail


def test_pickers_show_them_as_visible_text(db, planted, capsys):
    # The sales-employee picker (a table of candidates), then the client search picker, and the
    # messages printed around a save that name the client.
    answers = ["Clients", "Clients of a sales employee", str(planted["sales"].id), "Back"]
    answers += [
        "Contracts",
        "Create a contract",
        "evil",
        str(planted["client"]),
        "1200",
        False,
        DEFAULT_PASSWORD,
    ]
    answers += ["Back", "Quit"]
    out, _ = run(db, planted["manager"], [clients_section(), contracts_section()], answers, capsys)
    picker, rest = out.split(f"Clients of {SHOWN}", 1)  # the list's title names the employee
    assert "Evil␛[2J␛[H␛[31mRed" in picker  # the employees picker's table
    search = rest.split("New contract for", 1)[0]
    assert "Evil␛[2J␛[H␛[31mRed" in search  # the client search's table
    assert f"New contract for {SHOWN} (client {planted['client']})" in out
    assert f"created for {SHOWN} (not signed yet)" in out


def test_a_default_value_is_shown_visible_and_kept_as_stored_so_the_form_refuses_it(db, planted, capsys):
    # Update a client, Enter at the full name: the stored value is what is checked (and refused).
    answers = ["Clients", "Update a client", str(planted["client"]), None, "Clean Name", None, None, "Acme"]
    answers += [DEFAULT_PASSWORD, "Back", "Quit"]
    out, prompts = run(db, planted["sales"], [clients_section()], answers, capsys)
    assert SHOWN in [default for offered in prompts.defaults.values() for default in offered]
    assert "Full name cannot contain control characters." in out
    assert f"Client {planted['client']} saved." in out


def test_events_details_history_and_messages_are_safe(db, planted, capsys):
    answers = ["Events", "List events", "Show an event", str(planted["event"]), "Back"]
    answers += ["History", "History of a record", "Clients", str(planted["client"]), "Back", "Quit"]
    out, _ = run(db, planted["manager"], [events_section(), history_section()], answers, capsys)
    assert f"Name             {SHOWN}" in out
    assert f"line one\n{SHOWN}" in out  # the notes keep their line break, nothing else
    assert "History of client" in out and "Evil␛[2J" in out


def test_the_main_menu_title_names_the_employee_safely(db, planted, capsys):
    _, prompts = run(db, planted["sales"], [clients_section()], ["Quit"], capsys)
    assert prompts.messages == [f"{SHOWN} (sales) — main menu"]


def test_visible_maps_each_kind_of_character():
    assert render.visible("a\x1bb\x07c\x00d\x7fe") == "a␛b␇c␀d␡e"
    assert render.visible("a\x9bb\u202ec\u200bd\ufeffe") == "a<U+009B>b<U+202E>c<U+200B>d<U+FEFF>e"
    assert render.visible("one\ttwo\nthree") == "one␉two␊three"
    assert render.visible("one\ttwo\nthree", multiline=True) == "one\ttwo\nthree"
    for kept in ("محمد\u200cرضا", "👩\u200d👩\u200d👧", "🏳\ufe0f\u200d🌈", "Zoé 王伟"):
        assert render.visible(kept) == kept
    assert render.visible("caf\udce9") == "caf<U+DCE9>"


def test_visible_output_makes_every_printed_line_safe(capsys):
    with render.visible_output():
        print(f"Client 7 ({PLANTED}) created.")
    assert capsys.readouterr().out == f"Client 7 ({SHOWN}) created.\n"
