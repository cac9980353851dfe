"""Tables that fit the terminal, and the pager's fixed page menu."""

from __future__ import annotations

from wcwidth import wcswidth

from crm.ui import render
from tests.scripted import ScriptedPrompts

HEADERS = ("Id", "Name", "Client", "Location", "Notes")
ROWS = [
    (
        1,
        "Lou Bouzin General Assembly",
        "王伟 Παπαδόπουλος",
        "53 Rue du Château, 41120 Candé-sur-Beuvron",
        "x" * 80,
    ),
    (2, "Short", "Ann", "Lyon", ""),
]


def test_a_wide_table_is_shortened_to_the_width_keeping_the_name():
    text = render.table(HEADERS, ROWS, width=80)
    lines = text.splitlines()
    assert max(wcswidth(line) for line in lines) <= 80
    assert "Lou Bouzin General Assembly" in text  # the record's name is kept (up to 30)
    assert "…" in lines[2]  # the long location and notes are cut
    assert lines[3].split()[:2] == ["2", "Short"]


def test_a_table_that_fits_is_unchanged():
    assert render.table(HEADERS, ROWS[1:], width=200) == render.table(HEADERS, ROWS[1:], width=None)
    assert "…" not in render.table(HEADERS, ROWS, width=400)


def test_not_a_terminal_means_no_limit(capsys):
    assert render.terminal_width() is None  # pytest captures stdout
    assert "x" * 80 in render.table(HEADERS, ROWS)


def pages(n):
    items = list(range(1, n + 1))
    return lambda offset, limit: items[offset : offset + limit]


def test_the_page_menu_keeps_its_numbers_and_says_where_the_ends_are(capsys):
    touched = []
    prompts = ScriptedPrompts(["Previous page", "Next page", "Next page", "Previous page", "Back"])
    render.browse(
        prompts,
        "Numbers",
        pages(20),
        ("N",),
        lambda n: (n,),
        page_size=15,
        on_answer=lambda: touched.append(1),
    )
    out = capsys.readouterr().out
    assert "This is the first page." in out and "This is the last page." in out
    assert out.count("Numbers — page 1") == 2 and out.count("Numbers — page 2 (last)") == 1
    menus = [m for k, m in prompts.asked if k == "choose"]
    assert len(menus) == 5 and len(touched) == 5


def test_a_single_page_asks_nothing(capsys):
    prompts = ScriptedPrompts([])
    render.browse(prompts, "Numbers", pages(3), ("N",), lambda n: (n,), on_answer=lambda: None)
    assert "Numbers — page 1 (last)" in capsys.readouterr().out


def test_short_values_like_dates_stay_whole_while_long_texts_give_way():
    rows = [(7, "Maëlle Bouzin Birthday Party", "2027-10-19 14:00", "18:00", "Strandhotel, Scheveningen" * 2)]
    text = render.table(("Id", "Name", "Start", "End", "Location"), rows, width=80)
    assert "2027-10-19 14:00" in text and "Maëlle Bouzin Birthday Party" in text
    assert "Strandhotel, Sch" in text and "…" in text
    assert max(wcswidth(line) for line in text.splitlines()) <= 80
