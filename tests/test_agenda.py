"""The week's agenda and the calendar export (issue 15 §3): days are Paris days, across the change
back from summer time on 2027-10-31; who sees whose agenda; the .ics file parsed back by the
icalendar package (VTIMEZONE, stable UIDs, only upcoming open events); the file written 0600."""

from __future__ import annotations

import os
import stat
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from crm.errors import PermissionDenied, ValidationError
from crm.services import agenda as service
from crm.services import events as event_service
from tests.factories import make_client_of, make_contract, make_event, make_staff

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def staff(admin_conn):
    return make_staff(admin_conn, "manager", "bill", "kate", "alienor")


def event_on(
    admin_conn, staff, name: str, start: datetime, end: datetime, support: str | None = "kate"
) -> int:
    """An event at chosen (local) times, as the owner writes it."""
    contract = make_contract(
        admin_conn, make_client_of(admin_conn, staff["bill"], f"Client of {name}"), signed=True
    )
    event = make_event(admin_conn, contract, name=name, support_id=staff[support].id if support else None)
    admin_conn.execute("UPDATE events SET starts_at = %s, ends_at = %s WHERE id = %s", (start, end, event))
    return event


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def names_by_day(agenda) -> dict[date, list[str]]:
    return {day.day: [e.name for e in day.events] for day in agenda}


def test_days_are_paris_days_across_the_change_back_from_summer_time(db, admin_conn, staff):
    hour = timedelta(hours=1)
    # 00:30 on Sunday the 31st is still summer time (22:30 UTC on the 30th): Sunday.
    event_on(admin_conn, staff, "Early Sunday", paris(2027, 10, 31, 0, 30), paris(2027, 10, 31, 1, 30))
    # 23:30 on the 31st is winter time (22:30 UTC): still Sunday, the day that lasted 25 hours.
    event_on(admin_conn, staff, "Late Sunday", paris(2027, 10, 31, 23, 30), paris(2027, 10, 31, 23, 45))
    # 00:30 on Monday 1 November is 23:30 UTC on the 31st: the next week.
    event_on(admin_conn, staff, "Next Monday", paris(2027, 11, 1, 0, 30), paris(2027, 11, 1, 1, 30))
    # 00:15 on Monday the 25th (22:15 UTC on Sunday the 24th): this week's Monday.
    event_on(admin_conn, staff, "Monday", paris(2027, 10, 25, 0, 15), paris(2027, 10, 25, 0, 15) + hour)
    event_on(admin_conn, staff, "Sunday before", paris(2027, 10, 24, 23, 30), paris(2027, 10, 24, 23, 50))
    # Saturday night to Sunday morning: on both days.
    event_on(admin_conn, staff, "Night party", paris(2027, 10, 30, 20, 0), paris(2027, 10, 31, 2, 0))
    cancelled = event_on(
        admin_conn, staff, "Cancelled", paris(2027, 10, 27, 10, 0), paris(2027, 10, 27, 12, 0)
    )
    admin_conn.execute(
        "UPDATE events SET status = 'cancelled', cancel_reason = 'Rain' WHERE id = %s", (cancelled,)
    )
    event_on(
        admin_conn, staff, "Alienor's", paris(2027, 10, 27, 10, 0), paris(2027, 10, 27, 12, 0), "alienor"
    )

    agenda = service.week_agenda(db, staff["kate"], date(2027, 10, 28))  # any day of the week
    assert [d.day for d in agenda] == [date(2027, 10, 25) + timedelta(days=n) for n in range(7)]
    assert names_by_day(agenda) == {
        date(2027, 10, 25): ["Monday"],
        date(2027, 10, 26): [],
        date(2027, 10, 27): [],
        date(2027, 10, 28): [],
        date(2027, 10, 29): [],
        date(2027, 10, 30): ["Night party"],
        date(2027, 10, 31): ["Night party", "Early Sunday", "Late Sunday"],
    }
    # Management: everyone's, or one support employee's.
    everyone = names_by_day(service.week_agenda(db, staff["manager"], date(2027, 10, 25)))
    assert everyone[date(2027, 10, 27)] == ["Alienor's"]
    hers = names_by_day(service.week_agenda(db, staff["manager"], date(2027, 10, 31), staff["alienor"].id))
    assert [n for names in hers.values() for n in names] == ["Alienor's"]


def test_who_sees_whose_agenda(db, admin_conn, staff):
    with pytest.raises(PermissionDenied, match="Support employees see their own agenda only."):
        service.week_agenda(db, staff["kate"], date(2027, 10, 25), staff["alienor"].id)
    with pytest.raises(PermissionDenied, match="Only management or support can see a week's agenda."):
        service.week_agenda(db, staff["bill"], date(2027, 10, 25))
    with pytest.raises(ValidationError, match=f"Employee {staff['bill'].id} is not a support employee."):
        service.week_agenda(db, staff["manager"], date(2027, 10, 25), staff["bill"].id)


# The calendar file -------------------------------------------------------------------------------------


def parsed(data: bytes) -> Calendar:
    return Calendar.from_ical(data)


def test_the_calendar_parses_back_with_its_time_zone_and_stable_uids(db, admin_conn, staff):
    now = datetime.now(UTC)
    soon = event_on(admin_conn, staff, "Gala", paris(2030, 7, 14, 20, 0), paris(2030, 7, 15, 1, 0))
    winter = event_on(admin_conn, staff, "Ski trip", paris(2030, 1, 10, 9, 0), paris(2030, 1, 10, 17, 0))
    event_on(admin_conn, staff, "Last year", now - timedelta(days=400), now - timedelta(days=399))
    event_on(admin_conn, staff, "Not hers", paris(2030, 3, 1, 9, 0), paris(2030, 3, 1, 10, 0), "alienor")
    done = event_on(admin_conn, staff, "Done", paris(2030, 4, 1, 9, 0), paris(2030, 4, 1, 10, 0))
    admin_conn.execute("UPDATE events SET status = 'confirmed' WHERE id = %s", (done,))
    admin_conn.execute("UPDATE events SET status = 'done' WHERE id = %s", (done,))
    admin_conn.execute("UPDATE events SET status = 'confirmed' WHERE id = %s", (soon,))

    data, count = service.export_calendar(db, staff["kate"], now)
    assert count == 2
    calendar = parsed(data)
    zones = calendar.walk("VTIMEZONE")
    assert [str(z["TZID"]) for z in zones] == ["Europe/Paris"]
    offsets = {str(sub["TZNAME"]): sub["TZOFFSETTO"].td for sub in zones[0].subcomponents}
    assert offsets["CET"] == timedelta(hours=1) and offsets["CEST"] == timedelta(hours=2)
    entries = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
    assert set(entries) == {"Gala", "Ski trip"}
    gala = entries["Gala"]
    assert gala.decoded("DTSTART") == paris(2030, 7, 14, 20, 0)
    assert gala["DTSTART"].params["TZID"] == "Europe/Paris"
    assert gala.decoded("DTSTART").utcoffset() == timedelta(hours=2)
    assert entries["Ski trip"].decoded("DTSTART").utcoffset() == timedelta(hours=1)
    assert str(gala["STATUS"]) == "CONFIRMED" and str(entries["Ski trip"]["STATUS"]) == "TENTATIVE"
    assert "53 Rue du Château" in str(gala["LOCATION"])
    # Stable UIDs: a new export after a change names the same event, with a higher SEQUENCE.
    current = event_service.get_event(db, winter)
    admin_conn.execute(
        "UPDATE events SET location = 'Chamonix', version = version + 1 WHERE id = %s", (winter,)
    )
    again = {
        str(e["SUMMARY"]): e
        for e in parsed(service.export_calendar(db, staff["kate"], now)[0]).walk("VEVENT")
    }
    assert {str(e["UID"]) for e in again.values()} == {str(e["UID"]) for e in entries.values()}
    assert str(again["Ski trip"]["UID"]).startswith(f"event-{winter}@")
    assert int(again["Ski trip"]["SEQUENCE"]) == current.version + 1
    assert str(again["Ski trip"]["LOCATION"]) == "Chamonix"


def test_only_support_exports_a_calendar(db, staff):
    for who in ("manager", "bill"):
        with pytest.raises(PermissionDenied, match="Only support can export their upcoming events"):
            service.export_calendar(db, staff[who], datetime.now(UTC))


def test_the_file_is_written_0600_and_atomically(tmp_path):
    target = tmp_path / "events.ics"
    target.write_bytes(b"old")
    os.chmod(target, 0o644)
    service.write_private(target, b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    assert target.read_bytes().startswith(b"BEGIN:VCALENDAR")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["events.ics"]  # no temporary file left
    with pytest.raises(ValidationError, match="is a folder"):
        service.write_private(tmp_path, b"x")
    with pytest.raises(ValidationError, match="does not exist"):
        service.write_private(tmp_path / "missing" / "x.ics", b"x")
