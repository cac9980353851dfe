"""End to end through `python -m main` in a pseudo-terminal, in accessible mode (CRM_ACCESSIBLE=1
or `[ui] accessible = true`): every question is a plain line, a menu's choices numbered lines, the
answer a line typed; no escape sequence ever reaches the terminal (no cursor movement, no colour,
no redraw) and no password is echoed."""

from __future__ import annotations

import re

import pytest

from crm.config import UiSettings
from crm.ui.accessible import choice_keys, menu_keys
from crm.ui.prompts import Keyed
from tests.configs import write_config
from tests.e2e import PASSWORD, Crm
from tests.factories import make_employee

ESCAPE = "\x1b"


@pytest.fixture
def workdir(tmp_path, crm_db, admin_conn):
    """A server-mode config for the module's database, with a sales employee."""
    make_employee(admin_conn, "sales", "bill", PASSWORD, full_name="Bill Boquet")
    write_config(tmp_path / "crm.ini", crm_db)
    return tmp_path


def choose(crm: Crm, question: str, label: str) -> str:
    """Wait for a menu, read its lines ("1. Clients" … "0. Back"), type the key printed before
    `label`; return the menu as it was shown."""
    crm.expect(question)
    shown = crm.expect("Your choice (")
    crm.expect("):")
    keyed = re.findall(r"^([0-9a-z])\. (.*?)\r?$", shown, re.MULTILINE)
    keys = [key for key, _ in keyed]
    assert keys == choice_keys(len(keyed)) or keys == menu_keys([Keyed(t, k) for k, t in keyed]), shown
    key = next(key for key, title in keyed if title == label)
    crm.child.send(key + "\r")
    return shown


def test_a_sales_employee_works_through_a_whole_flow_in_plain_lines(workdir, monkeypatch):
    monkeypatch.setenv("CRM_ACCESSIBLE", "1")
    crm = Crm(workdir)
    try:
        crm.answer("Username (Ctrl-D to quit):", "bill")
        crm.answer("Password:", PASSWORD)
        crm.expect("Welcome, Bill Boquet (sales).")
        menu = choose(crm, "Bill Boquet (sales) — main menu", "Clients")
        assert "1. Clients\r\n" in menu

        section = choose(crm, "Clients", "Create a client")
        assert (
            "9. Import clients from CSV\r\nh. Help (?)\r\n0. Back\r\n" in section
        )  # the menus' own keys: Help on h, Back on 0
        crm.answer("Full name:", "Kevin Casey")
        crm.answer("E-mail:", "not an address")  # refused in one line, then asked again
        crm.answer("E-mail:", "kevin@startup.io")
        crm.answer("Phone (optional):", "")
        crm.answer("Company name (optional):", "Cool Startup LLC")
        crm.confirm_write("bill")  # the password asked again before the save
        crm.expect("Client 1 (Kevin Casey) created; you are their sales contact.")

        choose(crm, "Clients", "List clients")
        listed = crm.expect("Your choice (")
        assert "Kevin Casey" in listed and "Cool Startup LLC" in listed
        crm.child.send("42\r")  # a number no choice has: one line, then the question again
        crm.expect("There is no choice 42.")
        crm.expect("Your choice (")

        crm.child.send("create\r")  # the start of a title picks it too
        crm.expect("Full name:")
        crm.child.sendcontrol("c")  # Ctrl-C cancels the form
        crm.expect("Cancelled; nothing was saved.")

        choose(crm, "Clients", "Back")
        choose(crm, "main menu", "Quit")
        crm.expect("Goodbye.")
        assert crm.wait() == 0
    finally:
        crm.close()
    transcript = crm.transcript.read_text(encoding="utf-8")
    assert ESCAPE not in transcript  # no cursor movement, colour or redraw
    assert PASSWORD not in transcript  # neither at login nor before the save
    assert "Password for bill: \n" in transcript  # (read with universal newlines)


def test_the_config_alone_turns_it_on_and_ctrl_d_ends_as_at_the_normal_menus(
    tmp_path, crm_db, admin_conn, monkeypatch
):
    monkeypatch.delenv("CRM_ACCESSIBLE", raising=False)
    make_employee(admin_conn, "sales", "anna", PASSWORD, full_name="Anna Sales")
    write_config(tmp_path / "crm.ini", crm_db, ui=UiSettings(accessible=True))
    crm = Crm(tmp_path)
    try:
        crm.answer("Username (Ctrl-D to quit):", "anna")
        crm.answer("Password:", PASSWORD)
        choose(crm, "Anna Sales (sales) — main menu", "Clients")
        crm.expect("Your choice (")
        crm.child.sendcontrol("d")  # Ctrl-D in a section: asks before quitting
        crm.answer("Quit the program? (yes or no; Enter: no)", "oui")
        crm.expect("Goodbye.")
        assert crm.wait() == 0
    finally:
        crm.close()
    assert ESCAPE not in crm.transcript.read_text(encoding="utf-8")


def test_the_setup_wizard_asks_in_plain_lines_too(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_ACCESSIBLE", "1")
    crm = Crm(tmp_path)  # no crm.ini: the first-run wizard
    try:
        menu = choose(
            crm,
            "Where should the CRM keep its data?",
            "Embedded PostgreSQL (one computer: nothing to install)",
        )
        assert "1. Embedded PostgreSQL (one computer: nothing to install)\r\n" in menu
        assert "2. Connect to a CRM server (a team: the server's address is all you need)\r\n" in menu
        crm.expect("Data folder: (Enter keeps “")
        crm.child.sendcontrol("d")
        crm.expect("Setup cancelled; no configuration was written.")
        crm.wait()
    finally:
        crm.close()
    assert not (tmp_path / "crm.ini").exists()
    assert ESCAPE not in crm.transcript.read_text(encoding="utf-8")
