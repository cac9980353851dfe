"""The issue 15 menus through the team menu loop with scripted answers: the Notifications section
and the unread count in the main menu's title, Change an event's status, the Planning section
(week agenda, signed contracts without an event, the .ics export)."""

from __future__ import annotations

import stat
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from crm.services import events as event_service
from crm.ui.events import events_section
from crm.ui.notifications import notifications_section
from crm.ui.planning import planning_section
from tests.factories import DEFAULT_PASSWORD, make_client_of, make_contract, make_event, make_staff
from tests.scripted import CtrlC, run_menu

pytestmark = pytest.mark.usefixtures("menu_variant")

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def staff(admin_conn):
    return make_staff(admin_conn, "manager", "bill", "kate", "alienor")


@pytest.fixture
def event(admin_conn, staff):
    contract = make_contract(admin_conn, make_client_of(admin_conn, staff["bill"]), signed=True)
    return make_event(admin_conn, contract, starts_in_days=12)


def sections():
    return [events_section(PARIS), planning_section(), notifications_section()]


def main_titles(prompts) -> list[str]:
    return [m for m in prompts.messages if "main menu" in m]


def test_support_sees_the_unread_count_reads_them_and_it_goes(db, admin_conn, staff, event, capsys):
    event_service.assign_support(db, staff["manager"], event, 1, staff["kate"].id)
    event_service.change_status(db, staff["manager"], event, 2, "confirmed")
    prompts = run_menu(
        db, staff["kate"], sections(),
        ["Notifications", "Unread notifications", "All notifications", "Back", "Quit"],
    )  # fmt: skip
    titles = main_titles(prompts)
    assert titles[0] == "Kate Hastroff (support) — main menu — 2 unread notifications"
    assert titles[-1] == "Kate Hastroff (support) — main menu"
    out = capsys.readouterr().out
    assert f"Marie Manager assigned you event {event} (John Ouick Wedding)." in out
    assert "Status: planned → confirmed" in out
    assert "2 notifications marked read." in out
    assert "Notifications (newest first) — page 1 (last)" in out
    assert admin_conn.execute("SELECT count(*) FROM notifications WHERE read_at IS NULL").fetchone() == (0,)
    # Nothing unread: said so.
    run_menu(db, staff["kate"], sections(), ["Notifications", "Unread notifications", "Back", "Quit"])
    assert "No unread notifications." in capsys.readouterr().out


def test_management_and_sales_have_no_notifications_entry(db, staff):
    for who in ("manager", "bill"):
        prompts = run_menu(db, staff[who], sections(), ["Quit"])
        assert "Notifications" not in prompts.shown[main_titles(prompts)[0]]


def test_support_confirms_their_event_and_cannot_cancel_it(db, admin_conn, staff, event, capsys):
    event_service.assign_support(db, staff["manager"], event, 1, staff["kate"].id)
    prompts = run_menu(
        db, staff["kate"], sections(),
        ["Events", "Change an event's status", str(event), "Confirm it", DEFAULT_PASSWORD, "Back", "Quit"],
    )  # fmt: skip
    assert prompts.shown["New status:"] == ["Confirm it", "Back"]  # support cannot cancel
    assert f"Event {event} is now confirmed." in capsys.readouterr().out
    assert admin_conn.execute("SELECT status, version FROM events").fetchone() == ("confirmed", 3)
    # Someone else's event: refused before anything is asked.
    other = make_event(
        admin_conn, make_contract(admin_conn, make_client_of(admin_conn, staff["bill"], "Other"), signed=True)
    )
    run_menu(
        db, staff["kate"], sections(), ["Events", "Change an event's status", str(other), "Back", "Quit"]
    )
    assert (
        "Only the support employee assigned to this event can change its status." in capsys.readouterr().out
    )


def test_management_cancels_with_a_reason_asked_again_until_given(db, admin_conn, staff, event, capsys):
    prompts = run_menu(
        db, staff["manager"], sections(),
        ["Events", "Change an event's status", str(event), "Cancel it", "   ", "Evil\x1b[2J", "Storm warning",
         DEFAULT_PASSWORD, "Back", "Quit"],
    )  # fmt: skip
    assert prompts.shown["New status:"] == ["Confirm it", "Cancel it", "Back"]
    out = capsys.readouterr().out
    assert "The reason cannot be blank." in out and "control characters" in out
    assert admin_conn.execute("SELECT status, cancel_reason FROM events").fetchone() == (
        "cancelled",
        "Storm warning",
    )
    # A cancelled event: nothing more to do.
    run_menu(
        db, staff["manager"], sections(), ["Events", "Change an event's status", str(event), "Back", "Quit"]
    )
    assert "Its status can no longer be changed." in capsys.readouterr().out


def test_ctrl_c_at_the_reason_saves_nothing(db, admin_conn, staff, event, capsys):
    run_menu(
        db, staff["manager"], sections(),
        ["Events", "Change an event's status", str(event), "Cancel it", CtrlC, "Back", "Quit"],
    )  # fmt: skip
    assert "Cancelled; nothing was saved." in capsys.readouterr().out
    assert admin_conn.execute("SELECT status, version FROM events").fetchone() == ("planned", 1)


def test_the_week_agenda_a_table_per_day(db, admin_conn, staff, event, capsys):
    event_service.assign_support(db, staff["manager"], event, 1, staff["kate"].id)
    start = event_service.get_event(db, event).starts_at.astimezone(PARIS)
    day = start.date().isoformat()
    run_menu(db, staff["kate"], sections(), ["Planning", "Week agenda", "2027-13-01", day, "Back", "Quit"])
    out = capsys.readouterr().out
    assert "Type a day as YYYY-MM-DD" in out
    assert "My agenda, week of" in out and "times in Europe/Paris" in out
    assert out.count("No events.") == 6
    assert f"{start.strftime('%A %Y-%m-%d')}" in out and "John Ouick Wedding" in out
    # Management: one support employee's (Alienor has none), or every event.
    run_menu(
        db, staff["manager"], sections(),
        ["Planning", "Week agenda", "One support employee", str(staff["alienor"].id), day,
         "Week agenda", "Every event", day, "Back", "Quit"],
    )  # fmt: skip
    out = capsys.readouterr().out
    first, second = out.split("Agenda of every event")
    assert "Agenda of Aliénor Vichum" in first and first.count("No events.") == 7
    assert "John Ouick Wedding" in second


def test_signed_contracts_without_an_event(db, admin_conn, staff, event, capsys):
    waiting = make_contract(admin_conn, make_client_of(admin_conn, staff["bill"], "Zoé Waiting"), signed=True)
    run_menu(db, staff["bill"], sections(), ["Planning", "Signed contracts without an event", "Back", "Quit"])
    out = capsys.readouterr().out
    assert "Signed contracts without an event (my clients)" in out and "Zoé Waiting" in out
    assert f"\n{waiting} " in out or f" {waiting} " in out


def test_support_exports_the_calendar_file(db, admin_conn, staff, event, tmp_path, capsys):
    event_service.assign_support(db, staff["manager"], event, 1, staff["kate"].id)
    target = tmp_path / "phone.ics"
    prompts = run_menu(
        db, staff["kate"], sections(),
        ["Planning", "Export my calendar (.ics)", str(tmp_path), str(target), "Back", "Quit"],
    )  # fmt: skip
    assert prompts.defaults["File to write (.ics):"][0] == "epic-events.ics"
    out = capsys.readouterr().out
    assert "is a folder: name a file." in out
    assert f"1 upcoming event written to {target} (readable by you only)." in out
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    [entry] = Calendar.from_ical(target.read_bytes()).walk("VEVENT")
    assert str(entry["SUMMARY"]) == "John Ouick Wedding" and entry.decoded("DTSTART").date() >= date.today()


def test_a_closed_event_is_refused_before_its_form(db, admin_conn, staff, event, capsys):
    admin_conn.execute(
        "UPDATE events SET status = 'cancelled', cancel_reason = 'Rain' WHERE id = %s", (event,)
    )
    prompts = run_menu(
        db, staff["manager"], sections(),
        ["Events", "Update an event", str(event), "Assign support", str(event), "Back", "Quit"],
    )  # fmt: skip
    assert capsys.readouterr().out.count(f"Event {event} is cancelled: it can no longer be changed.") == 2
    assert "Event name:" not in prompts.messages and prompts.passwords == 0
