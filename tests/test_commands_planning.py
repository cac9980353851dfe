"""The issue 15 commands as a user meets them: `python -m main …` as real subprocesses —
notifications and marking them read, event status, the week's agenda, the .ics export, signed
contracts without an event, and `mail drain` against a real SMTP server."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from crm.config import MailSettings
from crm.services import events as event_service
from tests.commands import Commands
from tests.configs import write_config
from tests.factories import DEFAULT_PASSWORD, make_client_of, make_contract, make_event, make_staff
from tests.test_notifications import Inbox, free_port

PW = DEFAULT_PASSWORD + "\n"
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def staff(admin_conn):
    return make_staff(admin_conn, "manager", "bill", "kate", "alienor")


def logged_in(crm_db, folder, username) -> Commands:
    folder.mkdir()
    cli = Commands(crm_db, folder)
    done = cli.process("login", "--username", username, "--password-stdin", stdin=PW)
    assert done.status == 0, done.err
    return cli


def test_support_reads_notifications_moves_status_and_exports_the_calendar(
    db, admin_conn, crm_db, tmp_path, staff
):
    contract = make_contract(admin_conn, make_client_of(admin_conn, staff["bill"]), signed=True)
    event = make_event(admin_conn, contract, starts_in_days=10)
    event_service.assign_support(db, staff["manager"], event, 1, staff["kate"].id)
    kate = logged_in(crm_db, tmp_path / "kate", "kate")

    done = kate.process("notifications", "--unread", "--format", "json")
    assert done.status == 0, done.err
    listed = json.loads(done.out)
    assert [(n["kind"], n["event_id"], n["changed_by_name"]) for n in listed] == [
        ("assigned", event, "Marie Manager")
    ]
    table = kate.process("notifications")
    assert "Marie Manager" in table.out and "assigned" in table.out
    done = kate.process("notifications", "read")
    assert (done.status, done.err) == (0, "1 notification marked read.\n")
    assert json.loads(kate.process("notifications", "--unread", "--format", "json").out) == []
    assert admin_conn.execute("SELECT read_at IS NOT NULL FROM notifications").fetchall() == [(True,)]

    done = kate.process("event", "status", str(event), "confirmed", "--password-stdin", stdin=PW)
    assert done.status == 0, done.err
    assert f"Event {event} is now confirmed." in done.err
    done = kate.process(
        "event", "status", str(event), "cancelled", "--reason", "Ill", "--password-stdin", stdin=PW
    )
    assert (done.status, done.err) == (4, "Only management can cancel an event.\n")
    done = kate.process("event", "status", str(event), "cancelled", "--password-stdin", stdin=PW)
    assert done.status == 4
    assert admin_conn.execute("SELECT status FROM events").fetchone() == ("confirmed",)

    start = event_service.get_event(db, event).starts_at.astimezone(PARIS)
    done = kate.process("event", "agenda", "--week", start.date().isoformat(), "--format", "json")
    assert done.status == 0, done.err
    days = json.loads(done.out)
    assert len(days) == 7 and [e["id"] for d in days for e in d["events"]] == [event]
    shown = kate.process("event", "agenda", "--week", start.date().isoformat())
    assert start.strftime("%A %Y-%m-%d") in shown.out and "John Ouick Wedding" in shown.out
    done = kate.process("event", "agenda", "--support", str(staff["alienor"].id))
    assert (done.status, done.err) == (4, "Support employees see their own agenda only.\n")
    done = kate.process("event", "agenda", "--week", "2027-02-30")
    assert done.status == 1 and "YYYY-MM-DD" in done.err

    target = tmp_path / "kate.ics"
    done = kate.process("event", "ics", "--output", str(target))
    assert (done.status, done.err) == (0, f"1 upcoming event written to {target}.\n")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    entries = Calendar.from_ical(target.read_bytes()).walk("VEVENT")
    assert [str(e["UID"]) for e in entries] == [f"event-{event}@{crm_db.name}.epic-events-crm"]
    assert entries[0].decoded("DTSTART") == start


def test_management_cancels_lists_contracts_without_event_and_sees_everyones_agenda(
    db, admin_conn, crm_db, tmp_path, staff
):
    waiting = make_contract(admin_conn, make_client_of(admin_conn, staff["bill"], "Waiting"), signed=True)
    contract = make_contract(admin_conn, make_client_of(admin_conn, staff["bill"]), signed=True)
    event = make_event(admin_conn, contract, support_id=staff["kate"].id, starts_in_days=3)
    marie = logged_in(crm_db, tmp_path / "marie", "marie")

    done = marie.process("contract", "list", "--no-event", "--format", "json")
    assert done.status == 0, done.err
    assert [c["id"] for c in json.loads(done.out)] == [waiting]
    done = marie.process("contract", "list", "--no-event", "--unsigned")
    assert done.status == 2 and "Choose one of" in done.err

    done = marie.process("event", "agenda", "--format", "json")
    week = json.loads(done.out)
    assert [e["id"] for d in week for e in d["events"]] in ([event], [])  # this week, or the next
    start = event_service.get_event(db, event).starts_at.astimezone(PARIS).date().isoformat()
    done = marie.process(
        "event", "agenda", "--week", start, "--support", str(staff["kate"].id), "--format", "json"
    )
    assert [e["id"] for d in json.loads(done.out) for e in d["events"]] == [event]

    done = marie.process("event", "status", str(event), "cancelled", "--password-stdin", stdin=PW)
    assert (done.status, done.err) == (1, "A cancellation needs a reason.\n")
    done = marie.process(
        "event", "status", str(event), "cancelled", "--reason", "Venue flooded", "--password-stdin", stdin=PW
    )
    assert done.status == 0, done.err
    assert admin_conn.execute("SELECT status, cancel_reason FROM events").fetchone() == (
        "cancelled",
        "Venue flooded",
    )
    # Kate is told, and the cancelled event leaves her agenda.
    assert admin_conn.execute("SELECT kind, changes->'status' FROM notifications").fetchall() == [
        ("changed", ["planned", "cancelled"]),
    ]
    done = marie.process("event", "status", str(event), "confirmed", "--password-stdin", stdin=PW)
    assert (done.status, done.err) == (1, f"Event {event} is cancelled: it cannot become confirmed.\n")
    done = marie.process("event", "ics", "--output", str(tmp_path / "x.ics"))
    assert done.status == 4 and not (tmp_path / "x.ics").exists()
    done = marie.process("notifications")
    assert (done.status, done.err) == (4, "Only support can read their notifications.\n")


def test_mail_drain_sends_the_outbox_once(db, admin_conn, crm_db, tmp_path, staff):
    contract = make_contract(admin_conn, make_client_of(admin_conn, staff["bill"]), signed=True)
    event = make_event(admin_conn, contract, starts_in_days=5)
    event_service.assign_support(db, staff["manager"], event, 1, staff["kate"].id)
    cli = Commands(crm_db, tmp_path)
    done = cli.process("mail", "drain")
    assert done.status == 78 and "no [mail] host" in done.err
    port = free_port()
    mail = MailSettings(host="127.0.0.1", port=port, sender="crm@epicevents.test", security="none", timeout=3)
    write_config(cli.config, crm_db, mail=mail)
    done = cli.process("mail", "drain")  # the server is down
    assert done.status == 0 and "0 sent, 1 to try again later" in done.err
    admin_conn.execute("UPDATE mail_outbox SET next_attempt_at = now()")
    with Inbox(port) as inbox:
        done = cli.process("mail", "drain")
        assert (done.status, done.err) == (
            0,
            "1 sent, 0 to try again later, 0 given up, 0 too old to send.\n",
        )
        assert cli.process("mail", "drain").err.startswith("0 sent")
        assert len(inbox.messages) == 1
    assert admin_conn.execute("SELECT status, attempts FROM mail_outbox").fetchall() == [("sent", 2)]
    assert (
        datetime.now(UTC) - timedelta(minutes=5)
        < admin_conn.execute("SELECT sent_at FROM mail_outbox").fetchone()[0]
    )
