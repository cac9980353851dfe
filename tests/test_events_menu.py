"""The Events section driven through the team menu loop with scripted answers."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from crm.services import events as event_service
from crm.ui.events import events_section, local_zone
from crm.ui.menu import run_team_menu
from crm.ui.menus import all_sections
from crm.ui.session import Session
from tests.factories import (
    DEFAULT_PASSWORD,
    audit_count,
    make_client,
    make_contract,
    make_employee,
    make_event,
    make_staff,
    signed_contract,
    versions,
)
from tests.scripted import Clock, CtrlC, ScriptedPrompts, run_menu

pytestmark = pytest.mark.usefixtures("menu_variant")

PARIS = ZoneInfo("Europe/Paris")
SQL_LIKE = "'; DROP TABLE clients; --"
NON_LATIN = "Assemblée générale 東京"


def run(db, employee, answers, clock=None):
    """The team menu with only the Events section, dates in Paris time (tests.scripted.run_menu)."""
    return run_menu(db, employee, [events_section(PARIS)], answers, clock=clock)


def event_rows(admin_conn):
    return admin_conn.execute("SELECT * FROM events ORDER BY id").fetchall()


@pytest.fixture
def staff(admin_conn):
    staff = make_staff(admin_conn, "manager", "bill", "kate", "alienor")
    return {**staff, "rita": make_employee(admin_conn, "support", "retired_rita", active=False)}


def test_events_is_one_of_the_menu_sections():
    assert "Events" in [section.title for section in all_sections()]


@pytest.mark.parametrize(
    "team, expected",
    [
        (
            "management",
            [
                "List events",
                "Show an event",
                "Search events",
                "Reports",
                "Assign support",
                "Update an event",
                "Add a note",
                "Export to CSV",
                "Change an event's status",
                "Help (?)",
                "Back",
            ],
        ),
        (
            "sales",
            [
                "List events",
                "Show an event",
                "Search events",
                "Create an event",
                "Export to CSV",
                "Help (?)",
                "Back",
            ],
        ),
        (
            "support",
            [
                "List events",
                "Show an event",
                "Search events",
                "My events",
                "Update an event",
                "Add a note",
                "Export to CSV",
                "Change an event's status",
                "Help (?)",
                "Back",
            ],
        ),
    ],
)
def test_each_team_is_offered_its_event_actions_only(db, admin_conn, team, expected):
    employee = make_employee(admin_conn, team, "someone")
    prompts = run(db, employee, ["Events", "Back", "Quit"])
    assert prompts.shown["Events"] == expected
    if team == "management":  # the lists of management's follow-up, one level down
        prompts = run(db, employee, ["Events", "Reports", "Back", "Back", "Quit"])
        assert prompts.shown["Reports"] == [
            "Events without support",
            "Events of a support employee",
            "Help (?)",
            "Back",
        ]


def test_support_is_not_offered_assign(db, admin_conn, staff):
    prompts = ScriptedPrompts(["Events", "Assign support"])
    with pytest.raises(AssertionError, match="no choice starting with 'Assign support'"):
        run_team_menu(Session(db, staff["kate"], prompts, clock=Clock()), [events_section(PARIS)])


def test_sales_creates_an_event_for_a_signed_contract(db, admin_conn, staff, capsys):
    bill = staff["bill"]
    unsigned = make_contract(admin_conn, make_client(admin_conn, bill.id, "Unsigned Client"))
    taken = signed_contract(admin_conn, bill.id, "Taken Client")
    make_event(admin_conn, taken, "Existing")
    contract = signed_contract(admin_conn, bill.id, "Kevin Casey")
    answers = [
        "Events",
        "Create an event",
        str(unsigned),
        str(taken),
        str(contract),
        "Lou Bouzin General Assembly",
        None,  # keep the client's contact details offered
        "4 June 2026",
        "2026-05-31 10:00",
        "2026-06-04 13:00",
        "2026-06-04 12:59",
        "2026-06-05 02:00",
        "Salle des fêtes de Mufflins",
        "-3",
        "lots",
        "200",
        NON_LATIN,
        DEFAULT_PASSWORD,
        "Back",
        "Quit",
    ]
    run(db, bill, answers, clock=Clock(datetime(2026, 6, 1, 9, 0, tzinfo=UTC)))
    out = capsys.readouterr().out
    assert f"Contract {unsigned} is not signed yet: an event needs a signed contract." in out
    assert f"Contract {taken} already has an event" in out
    assert "Start must look like 2026-07-01 13:00." in out  # next month: in the future (issue 20.5)
    assert "The start cannot be in the past." in out
    assert "The end cannot be before the start." in out
    assert "Attendees must be a whole number, 0 or more." in out
    assert "Attendees must be a whole number, 0 or more." in out
    row = admin_conn.execute(
        "SELECT name, client_contact, starts_at, ends_at, location, attendees, notes, support_contact_id"
        " FROM events WHERE contract_id = %s",
        (contract,),
    ).fetchone()
    assert row == (
        "Lou Bouzin General Assembly",
        f"Kevin Casey, kevin.casey.{bill.id}@client.test, +678 123 456 78",
        datetime(2026, 6, 4, 11, 0, tzinfo=UTC),  # 13:00 in Paris, summer time
        datetime(2026, 6, 5, 0, 0, tzinfo=UTC),
        "Salle des fêtes de Mufflins",
        200,
        NON_LATIN,
        None,
    )
    assert admin_conn.execute("SELECT count(*) FROM events").fetchone() == (2,)


def test_sales_without_a_waiting_contract_is_told_so(db, admin_conn, staff, capsys):
    make_contract(admin_conn, make_client(admin_conn, staff["bill"].id))
    run(db, staff["bill"], ["Events", "Create an event", "Back", "Quit"])
    assert "None of your clients' signed contracts is waiting for an event." in capsys.readouterr().out
    assert event_rows(admin_conn) == []


def test_ctrl_c_while_creating_saves_nothing(db, admin_conn, staff, capsys):
    contract = signed_contract(admin_conn, staff["bill"].id)
    run(db, staff["bill"], ["Events", "Create an event", str(contract), "Gala", CtrlC, "Back", "Quit"])
    assert "Cancelled; nothing was saved." in capsys.readouterr().out
    assert event_rows(admin_conn) == []


def test_management_assigns_an_active_support_employee(db, admin_conn, staff, capsys):
    event_id = make_event(admin_conn, signed_contract(admin_conn, staff["bill"].id))
    answers = [
        "Events",
        "Assign support",
        "999",
        str(event_id),
        str(staff["bill"].id),
        str(staff["rita"].id),
        "zero",
        str(staff["kate"].id),
        DEFAULT_PASSWORD,
        "Back",
        "Quit",
    ]
    run(db, staff["manager"], answers)
    out = capsys.readouterr().out
    assert "No event with id 999." in out
    assert f"Employee {staff['bill'].id} is not another active support employee" in out
    assert f"Employee {staff['rita'].id} is not another active support employee" in out
    assert "No employee's name or username contains 'zero'." in out  # not an id: a search
    assert "Kate Hastroff" in out and "Aliénor Vichum" in out and "retired_rita" not in out
    assert f"Kate Hastroff is now the support contact of event {event_id}." in out
    assert admin_conn.execute(
        "SELECT support_contact_id, version FROM events WHERE id = %s", (event_id,)
    ).fetchone() == (staff["kate"].id, 2)


def test_the_support_employee_already_assigned_is_not_offered_again(db, admin_conn, staff, capsys):
    event_id = make_event(
        admin_conn, signed_contract(admin_conn, staff["bill"].id), support_id=staff["kate"].id
    )
    answers = ["Events", "Assign support", str(event_id), str(staff["kate"].id), CtrlC, "Back", "Quit"]
    prompts = run(db, staff["manager"], answers)
    out = capsys.readouterr().out
    offered = out.split("support contact Kate Hastroff.")[1].split("Kate Hastroff is already")[0]
    assert "Aliénor Vichum" in offered and "Kate Hastroff" not in offered
    assert "Kate Hastroff is already this event's support contact." in out
    assert ("password", "Password for marie:") not in prompts.asked
    assert admin_conn.execute("SELECT version FROM events WHERE id = %s", (event_id,)).fetchone() == (1,)


def test_support_updates_the_notes_of_their_event_and_nothing_else(db, admin_conn, staff, capsys):
    event_id = make_event(
        admin_conn, signed_contract(admin_conn, staff["bill"].id), support_id=staff["kate"].id
    )
    before = admin_conn.execute(
        "SELECT name, client_contact, starts_at, ends_at, location, attendees, support_contact_id"
        " FROM events WHERE id = %s",
        (event_id,),
    ).fetchone()
    answers = ["Events", "Update an event", str(event_id)] + [None] * 6
    answers += [SQL_LIKE, DEFAULT_PASSWORD, "Back", "Quit"]
    run(db, staff["kate"], answers)
    assert f"Event {event_id} saved." in capsys.readouterr().out
    after = admin_conn.execute(
        "SELECT name, client_contact, starts_at, ends_at, location, attendees, support_contact_id"
        " FROM events WHERE id = %s",
        (event_id,),
    ).fetchone()
    assert after == before
    assert admin_conn.execute("SELECT notes, version FROM events WHERE id = %s", (event_id,)).fetchone() == (
        SQL_LIKE,
        2,
    )


def test_a_wrong_password_at_the_save_saves_nothing(db, admin_conn, staff, capsys):
    event_id = make_event(
        admin_conn, signed_contract(admin_conn, staff["bill"].id), support_id=staff["kate"].id
    )
    before = event_rows(admin_conn)
    answers = ["Events", "Update an event", str(event_id)] + [None] * 6
    answers += ["New notes", "not my password", "Back", "Quit"]
    run(db, staff["kate"], answers)
    assert "Wrong password; nothing was saved." in capsys.readouterr().out
    assert event_rows(admin_conn) == before


def test_support_cannot_open_someone_elses_event_for_update(db, admin_conn, staff, capsys):
    event_id = make_event(
        admin_conn, signed_contract(admin_conn, staff["bill"].id), support_id=staff["alienor"].id
    )
    before = event_rows(admin_conn)
    run(db, staff["kate"], ["Events", "Update an event", str(event_id), "Back", "Quit"])
    assert "Only the support employee assigned to this event can update it." in capsys.readouterr().out
    assert event_rows(admin_conn) == before


def test_the_list_pages_through_all_events(db, admin_conn, staff, capsys):
    for i in range(16):
        make_event(
            admin_conn, signed_contract(admin_conn, staff["bill"].id, f"Client {i:02}"), f"Event-{i:02}"
        )
    prompts = run(
        db,
        staff["kate"],
        ["Events", "List events", "Next page", "Previous page", "Back", "Back", "Quit"],
    )
    out = capsys.readouterr().out
    first, second, third = out.split("Events (newest first) — page ")[1:]
    assert "Event-15" in first and "Event-01" in first and "Event-00" not in first
    assert second.startswith("2") and "Event-00" in second and "Event-01" not in second
    assert third.startswith("1")
    assert "unassigned" in first
    assert ("choose", "Page:") in prompts.asked


def test_a_list_that_fits_one_page_asks_nothing_more(db, admin_conn, staff, capsys):
    for i in range(15):
        make_event(
            admin_conn, signed_contract(admin_conn, staff["bill"].id, f"Client {i:02}"), f"Event-{i:02}"
        )
    prompts = run(db, staff["bill"], ["Events", "List events", "Back", "Quit"])
    assert ("choose", "Page:") not in prompts.asked
    assert "Event-00" in capsys.readouterr().out


def test_the_list_shows_dates_in_the_chosen_zone_and_the_support_contact(db, admin_conn, staff, capsys):
    event_id = make_event(admin_conn, signed_contract(admin_conn, staff["bill"].id), "Gala")
    admin_conn.execute(
        "UPDATE events SET starts_at = '2026-12-24 18:00+00', ends_at = '2026-12-24 23:30+00',"
        " support_contact_id = %s WHERE id = %s",
        (staff["alienor"].id, event_id),
    )
    run(db, staff["bill"], ["Events", "List events", "Back", "Quit"])
    out = capsys.readouterr().out
    assert "2026-12-24 19:00" in out and "2026-12-25 00:30" in out  # Paris, winter time
    assert "Aliénor Vichum" in out and "Kevin Casey" in out


def test_search_finds_sql_looking_names_and_shows_them_as_typed(db, admin_conn, staff, capsys):
    make_event(admin_conn, signed_contract(admin_conn, staff["bill"].id, NON_LATIN), SQL_LIKE)
    make_event(admin_conn, signed_contract(admin_conn, staff["bill"].id, "Other"), "Other gala")
    run(db, staff["bill"], ["Events", "Search events", "  ", "'; drop", "Back", "Quit"])
    out = capsys.readouterr().out
    assert "Search text cannot be blank." in out
    assert SQL_LIKE in out and NON_LATIN in out and "Other gala" not in out


def test_show_an_event_gives_client_contact_contract_and_support(db, admin_conn, staff, capsys):
    contract = signed_contract(admin_conn, staff["bill"].id)
    event_id = make_event(admin_conn, contract, "John Ouick Wedding")
    run(db, staff["kate"], ["Events", "Show an event", "abc", "999", str(event_id), "Back", "Quit"])
    out = capsys.readouterr().out
    assert "No event's name or client's name contains 'abc'." in out  # not an id: a search
    assert "No event with id 999." in out
    for expected in (
        f"Event {event_id}",
        "John Ouick Wedding",
        "Kevin Casey",
        f"kevin.casey.{staff['bill'].id}@client.test",
        "+678 123 456 78",
        "john.ouick@gmail.com, +1 234 567 8901",
        f"Contract         {contract}",
        "unassigned",
    ):
        assert expected in out


def test_my_events_and_events_without_support_through_the_menu(db, admin_conn, staff, capsys):
    make_event(
        admin_conn, signed_contract(admin_conn, staff["bill"].id, "A"), "Kate past", staff["kate"].id, -3
    )
    make_event(
        admin_conn, signed_contract(admin_conn, staff["bill"].id, "B"), "Kate soon", staff["kate"].id, 3
    )
    make_event(
        admin_conn, signed_contract(admin_conn, staff["bill"].id, "C"), "Alienor's", staff["alienor"].id
    )
    make_event(admin_conn, signed_contract(admin_conn, staff["bill"].id, "D"), "Open one")
    run(db, staff["kate"], ["Events", "My events", "Back", "Quit"])
    mine = capsys.readouterr().out
    assert mine.index("Kate soon") < mine.index("Kate past")
    assert "Alienor's" not in mine and "Open one" not in mine
    run(db, staff["manager"], ["Events", "Reports", "Events without support", "Back", "Back", "Quit"])
    open_ones = capsys.readouterr().out
    assert "Open one" in open_ones
    assert "Kate soon" not in open_ones and "Alienor's" not in open_ones


def test_the_default_zone_is_the_systems(monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    assert local_zone() == ZoneInfo("Asia/Tokyo")
    monkeypatch.delenv("TZ")
    assert local_zone().utcoffset(datetime(2026, 1, 1)) == datetime(2026, 1, 1).astimezone().utcoffset()


def test_management_lists_the_events_of_a_deactivated_support_employee(db, admin_conn, staff, capsys):
    make_event(
        admin_conn, signed_contract(admin_conn, staff["bill"].id, "A"), "Kate soon", staff["kate"].id, 3
    )
    make_event(
        admin_conn, signed_contract(admin_conn, staff["bill"].id, "B"), "Kate past", staff["kate"].id, -3
    )
    make_event(
        admin_conn, signed_contract(admin_conn, staff["bill"].id, "C"), "Alienor's", staff["alienor"].id
    )
    admin_conn.execute("UPDATE employees SET is_active = false WHERE id = %s", (staff["kate"].id,))
    answers = [
        "Events",
        "Reports",
        "Events of a support employee",
        str(staff["bill"].id),
        str(staff["kate"].id),
    ]
    run(db, staff["manager"], answers + ["Back", "Back", "Quit"])
    out = capsys.readouterr().out
    assert "(deactivated)" in out  # the picker says who has left
    assert f"Employee {staff['bill'].id} is not a support employee" in out  # a sales id is refused
    listed = out[out.index("Events of ") :]
    assert listed.index("Kate soon") < listed.index("Kate past") and "Alienor's" not in listed


def test_an_event_form_refuses_dates_that_do_not_exist_before_the_password(db, admin_conn, staff, capsys):
    sales = staff["bill"]
    contract = signed_contract(admin_conn, sales.id)
    answers = ["Events", "Create an event", str(contract), "Spring gala", None]
    answers += ["2027-02-30 10:00", "2027-03-28 02:30", "2027-03-28 01:30"]  # start
    answers += ["2027-03-28 02:45", "2027-03-28 01:20", "2027-03-28 03:15"]  # end
    answers += ["Lyon", "120", "", DEFAULT_PASSWORD, "Back", "Quit"]
    prompts = run(db, sales, answers, clock=Clock(datetime(2027, 1, 4, tzinfo=UTC)))
    out = capsys.readouterr().out
    assert "Start: the date 2027-02-30 does not exist." in out
    assert "Start: 2027-03-28 02:30 does not exist in Europe/Paris (clocks go forward)." in out
    assert "End: 2027-03-28 02:45 does not exist in Europe/Paris (clocks go forward)." in out
    assert "The end cannot be before the start." in out
    assert prompts.passwords == 1
    assert admin_conn.execute("SELECT starts_at, ends_at, attendees FROM events").fetchall() == [
        (datetime(2027, 3, 28, 0, 30, tzinfo=UTC), datetime(2027, 3, 28, 1, 15, tzinfo=UTC), 120)
    ]


# issue 17.3: the hour that happens twice when clocks go back (2027-10-31 02:00-03:00 in Paris).
FIRST_0230 = datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # 02:30 summer time (UTC+02:00)
SECOND_0230 = datetime(2027, 10, 31, 1, 30, tzinfo=UTC)  # 02:30 again, winter time (UTC+01:00)
SECOND_0245 = datetime(2027, 10, 31, 1, 45, tzinfo=UTC)
START_PROMPT = "Start (YYYY-MM-DD HH:MM, Europe/Paris time):"
END_PROMPT = "End (YYYY-MM-DD HH:MM, Europe/Paris time):"
TWICE_END = "End: 2027-10-31 02:30 happens twice in Europe/Paris (clocks go back). Which one?"


def test_a_typed_time_that_happens_twice_is_asked_which_one(db, admin_conn, staff, capsys):
    sales = staff["bill"]
    contract = signed_contract(admin_conn, sales.id)
    answers = ["Events", "Create an event", str(contract), "Night party", None, "2027-10-31 01:30"]
    answers += ["2027-10-31 02:30", "2027-10-31 02:30 (UTC+01:00)"]  # the second 02:30
    answers += ["Paris", "40", "", DEFAULT_PASSWORD, "Back", "Quit"]
    prompts = run(db, sales, answers, clock=Clock(datetime(2027, 1, 4, tzinfo=UTC)))
    assert prompts.shown[TWICE_END] == [
        "2027-10-31 02:30 (UTC+02:00), before the clocks go back",
        "2027-10-31 02:30 (UTC+01:00), after the clocks go back",
    ]
    assert admin_conn.execute("SELECT starts_at, ends_at FROM events").fetchall() == [
        (datetime(2027, 10, 30, 23, 30, tzinfo=UTC), SECOND_0230)
    ]


def test_a_time_typed_with_its_offset_is_not_asked_about(db, admin_conn, staff):
    sales = staff["bill"]
    contract = signed_contract(admin_conn, sales.id)
    answers = ["Events", "Create an event", str(contract), "Night party", None]
    answers += ["2027-10-31 02:30 (UTC+02:00)", "2027-10-31 02:45 (UTC+01:00)"]
    answers += ["Paris", "40", "", DEFAULT_PASSWORD, "Back", "Quit"]
    prompts = run(db, sales, answers, clock=Clock(datetime(2027, 1, 4, tzinfo=UTC)))
    assert not any("happens twice" in message for message in prompts.messages)
    assert admin_conn.execute("SELECT starts_at, ends_at FROM events").fetchall() == [
        (FIRST_0230, SECOND_0245)
    ]


def test_ctrl_c_at_which_one_cancels_the_form(db, admin_conn, staff, capsys):
    sales = staff["bill"]
    contract = signed_contract(admin_conn, sales.id)
    answers = ["Events", "Create an event", str(contract), "Night party", None, "2027-10-31 01:30"]
    answers += ["2027-10-31 02:30", CtrlC, "Back", "Quit"]
    run(db, sales, answers, clock=Clock(datetime(2027, 1, 4, tzinfo=UTC)))
    assert "Cancelled; nothing was saved." in capsys.readouterr().out
    assert event_rows(admin_conn) == []


def at_the_second_0230(admin_conn, staff):
    """An event of kate's starting and ending at the second 02:30, as another writer (an import)
    could have saved it."""
    event_id = make_event(
        admin_conn, signed_contract(admin_conn, staff["bill"].id), support_id=staff["kate"].id
    )
    admin_conn.execute(
        "UPDATE events SET starts_at = %s, ends_at = %s WHERE id = %s", (SECOND_0230, SECOND_0245, event_id)
    )
    return event_id


def test_a_kept_time_that_happens_twice_is_saved_as_it_was(db, admin_conn, staff, capsys):
    event_id = at_the_second_0230(admin_conn, staff)
    answers = ["Events", "Update an event", str(event_id)] + [None] * 6  # Enter: keep every value
    answers += ["Moved indoors", DEFAULT_PASSWORD, "Back", "Quit"]
    prompts = run(db, staff["kate"], answers, clock=Clock(datetime(2027, 1, 4, tzinfo=UTC)))
    out = capsys.readouterr().out
    assert prompts.defaults[START_PROMPT] == ["2027-10-31 02:30 (UTC+01:00)"]
    assert prompts.defaults[END_PROMPT] == ["2027-10-31 02:45 (UTC+01:00)"]
    assert "2027-10-31 02:30 (UTC+01:00)" in out  # the details shown before the form
    assert f"Event {event_id} saved." in out
    assert admin_conn.execute("SELECT starts_at, ends_at, notes, version FROM events").fetchone() == (
        SECOND_0230,
        SECOND_0245,
        "Moved indoors",
        2,
    )


def test_keeping_a_time_that_happens_twice_changes_nothing_and_asks_nothing(db, admin_conn, staff, capsys):
    event_id = at_the_second_0230(admin_conn, staff)
    answers = ["Events", "Update an event", str(event_id)] + [None] * 7 + ["Back", "Quit"]
    prompts = run(db, staff["kate"], answers, clock=Clock(datetime(2027, 1, 4, tzinfo=UTC)))
    assert "Nothing changed." in capsys.readouterr().out and prompts.passwords == 0
    assert admin_conn.execute("SELECT starts_at, version FROM events").fetchone() == (SECOND_0230, 1)


def test_moving_to_the_other_02_30_is_a_change(db, admin_conn, staff, capsys):
    event_id = at_the_second_0230(admin_conn, staff)
    answers = ["Events", "Update an event", str(event_id), None, None, "2027-10-31 02:30", 1]
    answers += [None] * 4 + [DEFAULT_PASSWORD, "Back", "Quit"]  # the first 02:30 (summer time)
    run(db, staff["kate"], answers, clock=Clock(datetime(2027, 1, 4, tzinfo=UTC)))
    assert f"Event {event_id} saved." in capsys.readouterr().out
    assert admin_conn.execute("SELECT starts_at, ends_at, version FROM events").fetchone() == (
        FIRST_0230,
        SECOND_0245,
        2,
    )


def test_the_events_list_shows_the_offset_of_a_time_that_happens_twice(db, admin_conn, staff, capsys):
    at_the_second_0230(admin_conn, staff)
    run(db, staff["kate"], ["Events", "List events", "Back", "Quit"])
    out = capsys.readouterr().out
    assert "2027-10-31 02:30 (+01:00)" in out and "02:45 (+01:00)" in out  # compact in a table


def test_a_new_event_form_offers_no_attendees_default_and_an_update_keeps_the_current(db, admin_conn, staff):
    sales = staff["bill"]
    contract = signed_contract(admin_conn, sales.id)
    answers = [
        "Events",
        "Create an event",
        str(contract),
        "Gala",
        None,
        "2027-06-04 18:00",
        "2027-06-04 23:00",
    ]
    answers += ["Lyon", "", "200", "", DEFAULT_PASSWORD, "Back", "Quit"]
    prompts = run(
        db,
        sales,
        answers,
        clock=Clock(datetime(2027, 1, 4, tzinfo=UTC)),
    )
    assert prompts.defaults["Attendees:"] == ["", ""]
    assert all(
        defaults == [""] * len(defaults)
        for message, defaults in prompts.defaults.items()
        if message not in ("Client contact details:",)
    )
    assert admin_conn.execute("SELECT attendees FROM events").fetchall() == [(200,)]

    support = staff["kate"]
    admin_conn.execute("UPDATE events SET support_contact_id = %s", (support.id,))
    event_id = admin_conn.execute("SELECT id FROM events").fetchone()[0]
    answers = ["Events", "Update an event", str(event_id)] + [None] * 5 + ["250", None, DEFAULT_PASSWORD]
    answers += ["Back", "Quit"]
    prompts = run(
        db,
        support,
        answers,
        clock=Clock(datetime(2027, 1, 4, tzinfo=UTC)),
    )
    assert prompts.defaults["Attendees:"] == ["200"]
    assert prompts.defaults["Start (YYYY-MM-DD HH:MM, Europe/Paris time):"] == ["2027-06-04 18:00"]
    assert admin_conn.execute("SELECT attendees, version FROM events").fetchall() == [(250, 2)]


def test_an_event_update_that_changes_nothing_writes_nothing(db, admin_conn, staff, capsys):
    sales, kate = staff["bill"], staff["kate"]
    event_id = make_event(admin_conn, signed_contract(admin_conn, sales.id), support_id=kate.id)
    before, audited = versions(admin_conn, "events"), audit_count(admin_conn)
    answers = ["Events", "Update an event", str(event_id)] + [None] * 7 + ["Back", "Quit"]
    prompts = run(db, kate, answers)
    assert "Nothing changed." in capsys.readouterr().out
    assert prompts.passwords == 0
    assert versions(admin_conn, "events") == before and audit_count(admin_conn) == audited

    answers = ["Events", "Update an event", str(event_id)] + [None] * 5 + ["76", None, DEFAULT_PASSWORD]
    run(db, kate, [*answers, "Back", "Quit"])
    assert f"Event {event_id} saved." in capsys.readouterr().out
    assert admin_conn.execute("SELECT attendees, version FROM events").fetchone() == (76, 2)


def test_events_without_support_show_upcoming_soonest_first_then_past(db, admin_conn, staff, capsys):
    sales, manager, kate = staff["bill"], staff["manager"], staff["kate"]
    for name, days in [("Far past", -20), ("Late", 40), ("Recent past", -2), ("Soon", 3)]:
        make_event(
            admin_conn, signed_contract(admin_conn, sales.id, f"Client {name}"), name, starts_in_days=days
        )
    make_event(
        admin_conn, signed_contract(admin_conn, sales.id, "Client X"), "Staffed", kate.id, starts_in_days=1
    )
    now = datetime.now(UTC)
    expected = ["Soon", "Late", "Recent past", "Far past"]
    assert [e.name for e in event_service.events_without_support(db, 0, 10, now)] == expected
    assert [e.name for e in event_service.events_without_support(db, 1, 2, now)] == expected[1:3]
    assert [e.name for e in event_service.events_without_support(db, 3, 2, now)] == expected[3:]
    assert event_service.events_without_support(db, 4, 2, now) == []

    run(db, manager, ["Events", "Reports", "Events without support", "Back", "Back", "Quit"])
    out = capsys.readouterr().out
    assert "Events without support (upcoming first)" in out
    positions = [out.index(name) for name in expected]
    assert positions == sorted(positions) and "Staffed" not in out


def test_a_negative_event_id_is_told_the_rule_and_asked_again(db, admin_conn, staff, capsys):
    event_id = make_event(admin_conn, signed_contract(admin_conn, staff["bill"].id))
    run(db, staff["kate"], ["Events", "Show an event", "-1", str(event_id), "Back", "Quit"])
    out = capsys.readouterr().out
    assert "Event id must be a positive whole number." in out and f"Event {event_id}" in out
