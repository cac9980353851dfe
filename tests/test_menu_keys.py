"""Menus that scale: no menu of any team has more than 9 entries (keys 1 to 9), Back / Quit is 0,
Help (h or ?) lists the keys, and n / p turn the pages of a list as well as the numbers."""

from __future__ import annotations

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from crm.models import Team
from crm.ui.clients import clients_section
from crm.ui.menu import MOST_ENTRIES, MenuAction, Section, numbered
from crm.ui.menus import all_sections
from crm.ui.prompts import QuestionaryPrompts, keys_of
from crm.ui.render import HELP, page_choices
from tests.factories import make_client, make_staff
from tests.scripted import run_menu
from tests.test_permissions import person

HELP_LINE = "  h or ?   show this help"


def menus_of(actor, sections, path=()):
    """Every menu the actor can reach below `sections`: (path, entries offered)."""
    for section in sections:
        entries = section.visible_actions(actor)
        if not entries:
            continue
        yield (*path, section.title), entries
        yield from menus_of(actor, [e for e in entries if isinstance(e, Section)], (*path, section.title))


@pytest.mark.parametrize("team", list(Team))
def test_no_menu_of_any_team_has_more_than_nine_entries(team):
    actor = person(team, id_=7)
    top = [s for s in all_sections() if s.visible_actions(actor)]
    assert len(top) + 1 <= MOST_ENTRIES, "the main menu: its sections and Log out"
    menus = list(menus_of(actor, all_sections()))
    assert len(menus) >= 7
    for path, entries in menus:
        assert len(entries) <= MOST_ENTRIES, " → ".join(path)
        assert all(isinstance(e, MenuAction | Section) for e in entries)


def test_every_entry_has_its_single_key():
    entries = [(f"Entry {n}", n) for n in range(1, 10)]
    choices = numbered(entries, ("Back", None))
    assert [keys_of(title) for title, _ in choices] == [(str(n),) for n in range(1, 10)] + [
        ("h", "?"),
        ("0",),
    ]
    assert [keys_of(title) for title, _ in page_choices()] == [("1", "n"), ("2", "p"), ("h", "?"), ("0",)]


def test_the_menus_offer_their_keys(db, admin_conn):
    staff = make_staff(admin_conn, "bill")
    prompts = run_menu(db, staff["bill"], [clients_section()], ["Clients", "Back", "0"])
    main, clients = prompts.shown.values()
    assert [keys_of(t) for t in main] == [("1",), ("2",), ("h", "?"), ("0",)]  # Clients, Log out, Help, Quit
    assert main[-1] == "Quit" and clients[-1] == "Back" and clients[-2] == "Help (?)"
    assert [keys_of(t)[0] for t in clients[:-2]] == [str(n) for n in range(1, len(clients) - 1)]


def test_help_lists_the_keys_at_every_kind_of_menu(db, admin_conn, capsys):
    staff = make_staff(admin_conn, "bill")
    for n in range(20):
        make_client(admin_conn, staff["bill"].id, f"Client {n:02d}")
    answers = ["?", "Clients", "h", "List clients", "?", "Back", "Back", "Quit"]
    run_menu(db, staff["bill"], [clients_section()], answers)
    out = capsys.readouterr().out
    assert out.count("The keys of the menus:") == 3  # main menu, section, page of a list
    assert out.count(HELP_LINE) == 3
    assert "  n and p  show the next and the previous page of a list" in out
    assert "  0        go back to the menu above (at the main menu: quit)" in out


def test_n_and_p_turn_the_pages_of_a_list(db, admin_conn, capsys):
    staff = make_staff(admin_conn, "bill")
    for n in range(20):
        make_client(admin_conn, staff["bill"].id, f"Client {n:02d}")
    answers = ["Clients", "List clients", "n", "p", "p", "0", "Back", "Quit"]
    run_menu(db, staff["bill"], [clients_section()], answers)
    out = capsys.readouterr().out
    assert out.count("Clients — page 1") == 2
    assert out.count("Clients — page 2 (last)") == 1
    assert "This is the first page." in out
    assert "Client 00" in out.split("Clients — page 2 (last)")[1]


ENTER = "\r"


@pytest.mark.parametrize(
    "typed, chosen",
    [
        ("n", "next"),
        ("1", "next"),
        ("p", "previous"),
        ("2", "previous"),
        ("0", "back"),
        ("?", HELP),
        ("h", HELP),
    ],
)
def test_the_real_prompts_take_the_letters_as_well_as_the_numbers(typed, chosen):
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        pipe.send_text(typed + ENTER)
        assert QuestionaryPrompts().choose("Page:", page_choices()) == chosen


def test_the_real_prompts_put_back_on_zero_in_a_short_menu():
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        pipe.send_text("0" + ENTER)
        choices = numbered([("One", 1), ("Two", 2)], ("Back", None))
        assert QuestionaryPrompts().choose("Menu:", choices) is None
        pipe.send_text("2" + ENTER)
        assert QuestionaryPrompts().choose("Menu:", choices) == 2
