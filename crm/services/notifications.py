"""Support employees' notifications: what changed on their events, by whom, when (issue 15 §2).

The rows are written by the database, in the transaction of the change (sql/0015: a trigger on
events), so a change that was rolled back never notifies anyone and no write path can forget to.
This module reads them, counts the unread ones (the main menu's title, the login digest) and
marks them read; `describe` turns one into the lines a face shows (and the e-mail says).
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from crm import formats, permissions
from crm.db import Database
from crm.models import Employee, Notification
from crm.permissions import Action
from crm.repositories.notifications import NotificationRepository
from crm.services.actor import recheck_actor

__all__ = [
    "describe",
    "headline",
    "list_notifications",
    "mark_read",
    "unread_count",
]

FIELD_NAMES = {
    "starts_at": "Start",
    "ends_at": "End",
    "location": "Location",
    "attendees": "Attendees",
    "status": "Status",
    "cancel_reason": "Reason",
    "support_contact": "Support contact",
}
_MOMENTS = ("starts_at", "ends_at")


def list_notifications(
    db: Database, actor: Employee, unread_only: bool = False, offset: int = 0, limit: int = 15
) -> list[Notification]:
    """A page of the actor's notifications, newest first (only the unread ones if asked)."""
    permissions.require(actor, Action.READ_NOTIFICATIONS)
    return NotificationRepository(db.conn).list_for(actor.id, unread_only, offset, limit)


def unread_count(db: Database, actor: Employee) -> int:
    """How many notifications the actor has not read (0 for a team that gets none)."""
    if not permissions.visible(actor, Action.READ_NOTIFICATIONS):
        return 0
    return NotificationRepository(db.conn).unread_count(actor.id)


def mark_read(db: Database, actor: Employee, ids: list[int] | None = None) -> int:
    """Mark the actor's unread notifications read (only those of `ids` when given); how many.
    Nobody marks someone else's: the database refuses it too (notifications_read_once)."""
    with db.transaction(actor.id):
        recheck_actor(db, actor, Action.READ_NOTIFICATIONS)
        return NotificationRepository(db.conn).mark_read(actor.id, ids)


# How a notification reads ----------------------------------------------------------------------------


def headline(notification: Notification) -> str:
    """One line: what happened to which event, and who did it."""
    who = notification.changed_by_name or "someone outside the program"
    event = f"event {notification.event_id} ({notification.event_name})"
    if notification.kind == "assigned":
        return f"{who} assigned you {event}."
    if notification.kind == "unassigned":
        return f"{who} took {event} away from you."
    return f"{who} changed {event}."


def _value(field: str, value: object, tz: tzinfo) -> str:
    if value is None or value == "":
        return "—"
    if field in _MOMENTS and isinstance(value, str):
        moment = datetime.fromisoformat(value)
        if formats.french():  # "vendredi 4 juin 2027 13:00" (crm/formats.py)
            return formats.moment(moment, tz)
        return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    return str(value)


def describe(notification: Notification, tz: tzinfo) -> list[str]:
    """What changed, one line a field: "Start: 2027-06-04 13:00 → 2027-06-04 15:00" (dates in tz)."""
    lines = []
    for field, name in FIELD_NAMES.items():
        change = notification.changes.get(field)
        if not isinstance(change, list) or len(change) != 2:
            continue
        old, new = change
        lines.append(f"{name}: {_value(field, old, tz)} → {_value(field, new, tz)}")
    return lines
