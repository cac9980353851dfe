"""Support employees told of changes to their events (issue 15 §2): a notification for each kind
of change, written in the transaction of the change (none for a rolled-back one, none for one's
own change), read and marked read by their employee only; and the e-mail outbox drained into a
real SMTP server (aiosmtpd on 127.0.0.1): down, then up — each e-mail sent exactly once."""

from __future__ import annotations

import logging
import socket
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default
from zoneinfo import ZoneInfo

import pytest
from psycopg import errors as pg_errors

from crm.config import MailSettings
from crm.db import Database, connect
from crm.models import EventFields
from crm.services import events as event_service
from crm.services import mail
from crm.services import notifications as service
from tests.factories import make_client_of, make_contract, make_event, make_staff

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def staff(admin_conn):
    return make_staff(admin_conn, "manager", "bill", "kate", "alienor")


@pytest.fixture
def event(admin_conn, staff):
    """An event of Bill's client, supported by nobody yet."""
    contract = make_contract(admin_conn, make_client_of(admin_conn, staff["bill"]), signed=True)
    return make_event(admin_conn, contract, starts_in_days=20)


def rows(admin_conn) -> list[tuple]:
    return admin_conn.execute(
        "SELECT employee_id, event_id, kind, changes, changed_by, read_at FROM notifications ORDER BY id"
    ).fetchall()


def fields_of(current, **changes) -> EventFields:
    kept = EventFields(current.name, current.client_contact, current.starts_at, current.ends_at,
                       current.location, current.attendees, current.notes)  # fmt: skip
    return replace(kept, **changes)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


# One notification per kind of change -----------------------------------------------------------------


def test_an_assignment_tells_the_new_support_employee(db, admin_conn, staff, event):
    event_service.assign_support(db, staff["manager"], event, 1, staff["kate"].id)
    assert rows(admin_conn) == [
        (
            staff["kate"].id,
            event,
            "assigned",
            {"support_contact": [None, "Kate Hastroff"]},
            staff["manager"].id,
            None,
        )
    ]
    # and its e-mail waits in the outbox, written by the same transaction
    assert admin_conn.execute("SELECT status, attempts FROM mail_outbox").fetchall() == [("pending", 0)]


def test_a_reassignment_tells_both_support_employees(db, admin_conn, staff, event):
    event_service.assign_support(db, staff["manager"], event, 1, staff["kate"].id)
    event_service.assign_support(db, staff["manager"], event, 2, staff["alienor"].id)
    change = {"support_contact": ["Kate Hastroff", "Aliénor Vichum"]}
    assert rows(admin_conn)[1:] == [
        (staff["kate"].id, event, "unassigned", change, staff["manager"].id, None),
        (staff["alienor"].id, event, "assigned", change, staff["manager"].id, None),
    ]


@pytest.mark.parametrize("field", ["starts_at", "ends_at", "location", "attendees"])
def test_each_watched_change_by_someone_else_tells_the_support_employee(db, admin_conn, staff, event, field):
    now = datetime.now(UTC)
    event_service.assign_support(db, staff["manager"], event, 1, staff["kate"].id)
    current = event_service.get_event(db, event)
    new = {
        "starts_at": current.starts_at + timedelta(hours=1),
        "ends_at": current.ends_at + timedelta(hours=2),
        "location": "Château de Chambord",
        "attendees": 120,
    }[field]
    event_service.update_event(db, staff["manager"], event, 2, fields_of(current, **{field: new}), now)
    old = getattr(current, field)
    expected = [iso(old), iso(new)] if field.endswith("_at") else [old, new]
    assert rows(admin_conn)[-1] == (
        staff["kate"].id,
        event,
        "changed",
        {field: expected},
        staff["manager"].id,
        None,
    )
    assert len(rows(admin_conn)) == 2


def test_a_status_change_by_management_tells_the_support_employee(db, admin_conn, staff, event):
    event_service.assign_support(db, staff["manager"], event, 1, staff["kate"].id)
    event_service.change_status(db, staff["manager"], event, 2, "cancelled", "Client cancelled")
    assert rows(admin_conn)[-1][2:4] == (
        "changed",
        {"status": ["planned", "cancelled"], "cancel_reason": [None, "Client cancelled"]},
    )


def test_no_notification_for_ones_own_change_nor_for_unwatched_fields(db, admin_conn, staff, event):
    now = datetime.now(UTC)
    event_service.assign_support(db, staff["manager"], event, 1, staff["kate"].id)
    current = event_service.get_event(db, event)
    # Kate moves her own event: she knows.
    event_service.update_event(db, staff["kate"], event, 2, fields_of(current, location="Blois"), now)
    event_service.change_status(db, staff["kate"], event, 3, "confirmed")
    # Management renames it and edits its notes: not what support is told about.
    current = event_service.get_event(db, event)
    event_service.update_event(
        db, staff["manager"], event, 4, fields_of(current, name="New name", notes="x"), now
    )
    assert len(rows(admin_conn)) == 1  # the assignment only


def test_no_notification_for_a_rolled_back_change(db, admin_conn, staff, event):
    event_service.assign_support(db, staff["manager"], event, 1, staff["kate"].id)
    before = rows(admin_conn), admin_conn.execute("SELECT count(*) FROM mail_outbox").fetchone()
    with pytest.raises(RuntimeError):
        with db.transaction(staff["manager"].id):
            db.conn.execute(
                "UPDATE events SET location = 'Somewhere else', version = version + 1 WHERE id = %s", (event,)
            )
            assert db.conn.execute("SELECT count(*) FROM notifications").fetchone() == (2,)  # written...
            raise RuntimeError("the save fails after the change")
    # ... and gone with the change
    assert (rows(admin_conn), admin_conn.execute("SELECT count(*) FROM mail_outbox").fetchone()) == before
    # A save the database refuses leaves none either.
    with pytest.raises(pg_errors.CheckViolation):
        with db.transaction(staff["manager"].id):
            db.conn.execute(
                "UPDATE events SET starts_at = ends_at + interval '1 day', version = version + 1"
                " WHERE id = %s",
                (event,),
            )
    assert rows(admin_conn) == before[0]


# Reading them --------------------------------------------------------------------------------------------


def test_list_count_and_mark_read(db, admin_conn, staff, event):
    event_service.assign_support(db, staff["manager"], event, 1, staff["kate"].id)
    event_service.change_status(db, staff["manager"], event, 2, "confirmed")
    kate = staff["kate"]
    assert service.unread_count(db, kate) == 2
    assert service.unread_count(db, staff["manager"]) == 0  # management gets none
    listed = service.list_notifications(db, kate)
    assert [n.kind for n in listed] == ["changed", "assigned"]  # newest first
    assert service.headline(listed[1]) == f"Marie Manager assigned you event {event} (John Ouick Wedding)."
    assert service.describe(listed[0], PARIS) == ["Status: planned → confirmed"]
    assert service.mark_read(db, kate, [listed[1].id]) == 1
    assert [n.kind for n in service.list_notifications(db, kate, unread_only=True)] == ["changed"]
    assert service.mark_read(db, kate) == 1
    assert service.mark_read(db, kate) == 0
    assert service.unread_count(db, kate) == 0
    assert all(r[5] is not None for r in rows(admin_conn))


def test_nobody_marks_someone_elses_notifications_read(db, admin_conn, staff, event):
    event_service.assign_support(db, staff["manager"], event, 1, staff["kate"].id)
    assert service.mark_read(db, staff["alienor"]) == 0  # only her own (she has none)
    with pytest.raises(pg_errors.CheckViolation) as refused:
        with db.transaction(staff["alienor"].id):
            db.conn.execute("UPDATE notifications SET read_at = now()")
    assert refused.value.diag.constraint_name == "notifications_read_once"
    assert rows(admin_conn)[0][5] is None


def test_dates_are_described_in_the_zone_asked(db, admin_conn, staff, event):
    now = datetime.now(UTC)
    event_service.assign_support(db, staff["manager"], event, 1, staff["kate"].id)
    current = event_service.get_event(db, event)
    start = datetime(2030, 6, 4, 13, 0, tzinfo=PARIS)
    event_service.update_event(
        db,
        staff["manager"],
        event,
        2,
        fields_of(current, starts_at=start, ends_at=start + timedelta(hours=3)),
        now,
    )
    latest = service.list_notifications(db, staff["kate"])[0]
    lines = service.describe(latest, PARIS)
    assert "Start: " in lines[0] and lines[0].endswith("→ 2030-06-04 13:00")
    assert lines[1].endswith("→ 2030-06-04 16:00")


# The outbox against a real SMTP server ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """An aiosmtpd server on 127.0.0.1 keeping what it receives."""

    def __init__(self, port: int) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list = []
        inbox = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802 — aiosmtpd's name
                inbox.messages.append(envelope)
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=port)

    def __enter__(self) -> Inbox:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


def settings(port: int) -> MailSettings:
    return MailSettings(host="127.0.0.1", port=port, sender="crm@epicevents.test", security="none",
                        password="never-logged-Secret", timeout=3)  # fmt: skip


def outbox(admin_conn) -> list[tuple]:
    return admin_conn.execute(
        "SELECT status, attempts, sent_at IS NOT NULL FROM mail_outbox ORDER BY id"
    ).fetchall()


def test_mail_server_down_then_up_sends_each_email_exactly_once(db, admin_conn, staff, event, caplog):
    port = free_port()
    event_service.assign_support(db, staff["manager"], event, 1, staff["kate"].id)
    event_service.change_status(db, staff["manager"], event, 2, "confirmed")
    # Down: nothing is lost, the failure is logged (never the password), the rows wait.
    with caplog.at_level(logging.WARNING, logger="crm.mail"):
        report = mail.drain(db, settings(port))
    assert (report.sent, report.retried) == (0, 1)  # the first fails, the second waits its turn
    assert outbox(admin_conn) == [("pending", 1, False), ("pending", 0, False)]
    assert "not sent" in caplog.text and "never-logged-Secret" not in caplog.text
    # Not due yet: the next drain leaves the failed one alone, and takes the other.
    with Inbox(port) as inbox:
        report = mail.drain(db, settings(port))
        assert report.sent == 1 and len(inbox.messages) == 1
        # Due again (time passes): sent, once.
        admin_conn.execute("UPDATE mail_outbox SET next_attempt_at = now() WHERE status = 'pending'")
        assert mail.drain(db, settings(port)).sent == 1
        assert mail.drain(db, settings(port)).sent == 0  # nothing twice
        assert len(inbox.messages) == 2
        assert {m.rcpt_tos[0] for m in inbox.messages} == {"kate@epicevents.test"}
        subjects = sorted(
            str(message_from_bytes(m.content, policy=default)["Subject"]).strip() for m in inbox.messages
        )
        assert subjects[0].startswith("[Epic Events] Marie Manager assigned you event")
    assert outbox(admin_conn) == [("sent", 2, True), ("sent", 1, True)]
    # A sent row can never be made pending again by the program's role.
    with pytest.raises(pg_errors.CheckViolation):
        with db.transaction():
            db.conn.execute("UPDATE mail_outbox SET status = 'pending'")


def test_two_drains_at_once_never_send_the_same_email(db, admin_conn, crm_db, staff, event):
    for support in ("kate", "alienor", "kate", "alienor", "kate"):
        current = event_service.get_event(db, event)
        event_service.assign_support(db, staff["manager"], event, current.version, staff[support].id)
    queued = admin_conn.execute("SELECT count(*) FROM mail_outbox").fetchone()[0]
    port = free_port()
    with Inbox(port) as inbox:
        others = [Database(connect(crm_db.app_dsn)) for _ in range(3)]
        try:
            threads = [threading.Thread(target=mail.drain, args=(other, settings(port))) for other in others]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            for other in others:
                other.close()
        assert len(inbox.messages) == queued
    assert outbox(admin_conn) == [("sent", 1, True)] * queued


def test_a_write_drains_after_commit_when_mail_is_configured(db, admin_conn, staff, event):
    port = free_port()
    with Inbox(port) as inbox:
        mail.configure(settings(port))
        try:
            event_service.assign_support(db, staff["manager"], event, 1, staff["kate"].id)
        finally:
            mail.configure(None)
        assert len(inbox.messages) == 1
    assert outbox(admin_conn) == [("sent", 1, True)]


def test_a_write_succeeds_when_the_mail_server_is_down(db, admin_conn, staff, event):
    mail.configure(settings(free_port()))
    try:
        saved = event_service.assign_support(db, staff["manager"], event, 1, staff["kate"].id)
    finally:
        mail.configure(None)
    assert saved.support_contact_id == staff["kate"].id
    assert outbox(admin_conn) == [("pending", 1, False)]


def test_old_news_is_not_mailed_and_repeated_failures_give_up(db, admin_conn, staff, event):
    event_service.assign_support(db, staff["manager"], event, 1, staff["kate"].id)
    admin_conn.execute("UPDATE mail_outbox SET created_at = now() - interval '2 days'")
    assert mail.drain(db, settings(free_port())).expired == 1
    assert outbox(admin_conn) == [("expired", 0, False)]
    current = event_service.get_event(db, event)
    event_service.assign_support(db, staff["manager"], event, current.version, staff["alienor"].id)
    admin_conn.execute(
        "UPDATE mail_outbox SET attempts = %s WHERE status = 'pending'", (mail.MAX_ATTEMPTS - 1,)
    )
    report = mail.drain(db, settings(free_port()))
    assert (report.failed, report.retried) == (1, 0)  # given up; the server is down, the next waits
    statuses = admin_conn.execute("SELECT status FROM mail_outbox ORDER BY id").fetchall()
    assert statuses == [("expired",), ("failed",), ("pending",)]
