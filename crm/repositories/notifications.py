"""SQL for support employees' notifications and the e-mail outbox (sql/0015).

Both tables are written by the owner's trigger on events, in the transaction of the change; the
program only reads notifications and marks them read, and moves outbox rows forward.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg.rows import class_row

from crm.models import Notification
from crm.repositories.rows import scalar

_NOTIFICATION_SELECT = (
    "SELECT n.id, n.employee_id, n.event_id, ev.name AS event_name, n.kind, n.changes, n.changed_by,"
    " chg.full_name AS changed_by_name, n.created_at, n.read_at"
    " FROM notifications n JOIN events ev ON ev.id = n.event_id"
    " LEFT JOIN employees chg ON chg.id = n.changed_by"
)


@dataclass(frozen=True)
class OutboxMail:
    """A claimed outbox row and what its e-mail says."""

    id: int
    attempts: int
    created_at: datetime
    to_address: str
    to_name: str
    notification_id: int
    event_id: int
    event_name: str
    kind: str
    changes: dict
    changed_by_name: str | None
    notified_at: datetime


class NotificationRepository:
    """Reads notifications and marks them read."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def list_for(self, employee_id: int, unread_only: bool, offset: int, limit: int) -> list[Notification]:
        """A page of an employee's notifications, newest first (unread ones only if asked)."""
        query = _NOTIFICATION_SELECT + " WHERE n.employee_id = %(who)s"
        if unread_only:
            query += " AND n.read_at IS NULL"
        query += " ORDER BY n.id DESC OFFSET %(offset)s LIMIT %(limit)s"
        with self.conn.cursor(row_factory=class_row(Notification)) as cur:
            return cur.execute(query, {"who": employee_id, "offset": offset, "limit": limit}).fetchall()

    def unread_count(self, employee_id: int) -> int:
        """How many of an employee's notifications are unread (from the partial index)."""
        return scalar(
            self.conn.execute(
                "SELECT count(*) FROM notifications WHERE employee_id = %s AND read_at IS NULL",
                (employee_id,),
            )
        )

    def mark_read(self, employee_id: int, ids: list[int] | None) -> int:
        """Mark an employee's unread notifications read (only `ids` when given); how many."""
        query = "UPDATE notifications SET read_at = now() WHERE employee_id = %(who)s AND read_at IS NULL"
        if ids is not None:
            query += " AND id = ANY(%(ids)s)"
        return self.conn.execute(query, {"who": employee_id, "ids": ids}).rowcount


class OutboxRepository:
    """Claims outbox rows and records what their sending did."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def claim_next(self) -> OutboxMail | None:
        """The oldest pending row that is due, locked until the transaction ends; rows another
        drain holds are skipped (FOR UPDATE SKIP LOCKED), so no e-mail is sent by two at once."""
        query = (
            "SELECT o.id, o.attempts, o.created_at, emp.email AS to_address, emp.full_name AS to_name,"
            " n.id AS notification_id, n.event_id, ev.name AS event_name, n.kind, n.changes,"
            " chg.full_name AS changed_by_name, n.created_at AS notified_at"
            " FROM (SELECT * FROM mail_outbox WHERE status = 'pending' AND next_attempt_at <= now()"
            "       ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) o"
            " JOIN notifications n ON n.id = o.notification_id"
            " JOIN employees emp ON emp.id = n.employee_id"
            " JOIN events ev ON ev.id = n.event_id"
            " LEFT JOIN employees chg ON chg.id = n.changed_by"
        )
        with self.conn.cursor(row_factory=class_row(OutboxMail)) as cur:
            return cur.execute(query).fetchone()

    def mark_sent(self, outbox_id: int) -> None:
        self.conn.execute(
            "UPDATE mail_outbox SET status = 'sent', attempts = attempts + 1, last_error = NULL"
            " WHERE id = %s",
            (outbox_id,),
        )

    def mark_failed(self, outbox_id: int, error: str, retry_at: datetime | None) -> None:
        """One more failed attempt: tried again at retry_at, or given up (None)."""
        self.conn.execute(
            "UPDATE mail_outbox SET attempts = attempts + 1, last_error = %s,"
            " status = CASE WHEN %s::timestamptz IS NULL THEN 'failed' ELSE 'pending' END,"
            " next_attempt_at = coalesce(%s::timestamptz, next_attempt_at) WHERE id = %s",
            (error, retry_at, retry_at, outbox_id),
        )

    def expire_older_than(self, moment: datetime) -> int:
        """Give up the pending rows queued before `moment` (news too old to mail); how many."""
        return self.conn.execute(
            "UPDATE mail_outbox SET status = 'expired' WHERE status = 'pending' AND created_at < %s",
            (moment,),
        ).rowcount

    def pending_count(self) -> int:
        """How many e-mails wait in the outbox."""
        return scalar(self.conn.execute("SELECT count(*) FROM mail_outbox WHERE status = 'pending'"))
