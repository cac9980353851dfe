"""The digest at login: a short screen of what the employee's team needs to look at today.

A digest is a list of lines, each computed by one function of a DigestContext (one indexed SQL
statement each, crm/repositories/digest.py) that returns a DigestLine: a count and the first few
records. FIRST holds the lines every team sees first; TEAM_LINES each team's own, in order. A new
line is a new function added to one of them (unread notifications go first in FIRST).

"Changed since my last login": every digest at login moves the employee's "seen up to" mark to
the newest audit row it covered (employee_digest, sql/0014_daily.sql); the next one reads the
audit rows after it. Before an employee's first digest there is no mark, and nothing is "changed".
A write whose audit row was numbered before the mark but committed after it is not shown (a
transaction that ran across the login).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from crm import permissions
from crm.db import Database
from crm.i18n import _
from crm.models import Digest, DigestItem, DigestLine, Employee, Notification, Team
from crm.permissions import Action
from crm.repositories.digest import DigestRepository
from crm.repositories.notifications import NotificationRepository
from crm.services.actor import recheck_actor

__all__ = [
    "FIRST",
    "TEAM_LINES",
    "DigestContext",
    "digest",
    "digest_enabled",
    "login_digest",
    "set_digest_enabled",
]

SHOWN = 5  # records listed under each line
COUNT_MAX = 1000  # a line counts up to this many ("1,000+" beyond), so no count costs more
UPCOMING_DAYS = 7  # support: my events in the next 7 days
QUIET_DAYS = 90  # sales: my clients not contacted for 90 days
UNSTAFFED_DAYS = 30  # management: events in the next 30 days without support
OVERDUE_DAYS = 30  # management: signed contracts not fully paid 30 days after signing

# How an event's changed fields are named on screen.
FIELD_LABELS = {
    "name": "name",
    "client_contact": "client contact",
    "starts_at": "start",
    "ends_at": "end",
    "location": "location",
    "attendees": "attendees",
    "notes": "notes",
    "support_contact_id": "support contact",
}


@dataclass(frozen=True)
class DigestContext:
    """What a line's function gets: the reads, who it is for, now, and the audit window of
    "since my last login" (seen: the mark, None before the first digest; upto: the newest audit
    row now)."""

    db: Database
    repo: DigestRepository
    actor: Employee
    now: datetime
    seen: int | None
    upto: int


LineFunction = Callable[[DigestContext], DigestLine]


CAP = COUNT_MAX + 1  # what the statements count up to: one more tells "more than COUNT_MAX"


def _line(key: str, title: str, found: tuple[int, list[DigestItem]]) -> DigestLine:
    count, items = found
    return DigestLine(
        key=key, title=title, count=min(count, COUNT_MAX), items=items, capped=count > COUNT_MAX
    )


# Support -------------------------------------------------------------------------------------------


def upcoming_events(ctx: DigestContext) -> DigestLine:
    """My events in the next 7 days, soonest first."""
    found = ctx.repo.upcoming_events(ctx.actor.id, ctx.now, UPCOMING_DAYS, SHOWN, CAP)
    return _line(
        "upcoming_events",
        _("My events in the next {UPCOMING_DAYS} days").format(UPCOMING_DAYS=UPCOMING_DAYS),
        found,
    )


def changed_events(ctx: DigestContext) -> DigestLine:
    """My events someone else changed since my last login, latest change first."""
    title = _("My events changed by others since my last login")
    if ctx.seen is None or ctx.seen >= ctx.upto:
        return DigestLine("changed_events", title, 0, [])
    count, rows = ctx.repo.changed_events(ctx.actor.id, ctx.seen, ctx.upto, SHOWN, CAP)
    items = [
        DigestItem(
            "event",
            row["id"],
            row["name"],
            row["at"],
            ", ".join(FIELD_LABELS.get(f, f) for f in row["fields"])
            + " — by "
            + ", ".join(sorted(row["who"])),
        )
        for row in rows
    ]
    return DigestLine("changed_events", title, min(count, COUNT_MAX), items, capped=count > COUNT_MAX)


# Sales ---------------------------------------------------------------------------------------------


def unsigned_contracts(ctx: DigestContext) -> DigestLine:
    """My clients' contracts not signed yet, oldest first."""
    return _line(
        "unsigned_contracts",
        _("My contracts not signed"),
        ctx.repo.unsigned_contracts(ctx.actor.id, SHOWN, CAP),
    )


def unpaid_contracts(ctx: DigestContext) -> DigestLine:
    """My clients' contracts not fully paid, oldest first."""
    return _line(
        "unpaid_contracts",
        _("My contracts not fully paid"),
        ctx.repo.unpaid_contracts(ctx.actor.id, SHOWN, CAP),
    )


def quiet_clients(ctx: DigestContext) -> DigestLine:
    """My clients with no save and no note for 90 days, oldest save first."""
    since = ctx.now - timedelta(days=QUIET_DAYS)
    found = ctx.repo.quiet_clients(ctx.actor.id, since, SHOWN, CAP)
    return _line(
        "quiet_clients",
        _("My clients not contacted for {QUIET_DAYS} days").format(QUIET_DAYS=QUIET_DAYS),
        found,
    )


# Management ----------------------------------------------------------------------------------------


def unstaffed_events(ctx: DigestContext) -> DigestLine:
    """Events in the next 30 days without a support employee, soonest first."""
    found = ctx.repo.unstaffed_events(ctx.now, UNSTAFFED_DAYS, SHOWN, CAP)
    return _line(
        "unstaffed_events",
        _("Events in the next {UNSTAFFED_DAYS} days without support").format(UNSTAFFED_DAYS=UNSTAFFED_DAYS),
        found,
    )


def overdue_contracts(ctx: DigestContext) -> DigestLine:
    """Contracts signed more than 30 days ago and not fully paid, oldest signature first."""
    found = ctx.repo.overdue_contracts(ctx.now - timedelta(days=OVERDUE_DAYS), SHOWN, CAP)
    return _line(
        "overdue_contracts",
        _("Contracts signed over {OVERDUE_DAYS} days ago, not fully paid").format(OVERDUE_DAYS=OVERDUE_DAYS),
        found,
    )


def deactivated_owners(ctx: DigestContext) -> DigestLine:
    """Deactivated employees still owning clients or events that have not ended."""
    found = ctx.repo.deactivated_owners(ctx.now, SHOWN, CAP)
    return _line("deactivated_owners", _("Deactivated employees still owning clients or events"), found)


# Every team ---------------------------------------------------------------------------------------


def unread_notifications(ctx: DigestContext) -> DigestLine:
    """My unread notifications (support: changes to my events), newest first."""
    title = _("Unread notifications")
    if not permissions.visible(ctx.actor, Action.READ_NOTIFICATIONS):
        return DigestLine("unread_notifications", title, 0, [])
    repo = NotificationRepository(ctx.db.conn)
    count = repo.unread_count(ctx.actor.id)
    shown = repo.list_for(ctx.actor.id, True, 0, SHOWN) if count else []
    items = [
        DigestItem("event", n.event_id, n.event_name, n.created_at, notification_summary(n)) for n in shown
    ]
    return DigestLine("unread_notifications", title, min(count, COUNT_MAX), items, capped=count > COUNT_MAX)


def notification_summary(notification: Notification) -> str:
    """What a notification says, in a few words: the kind, the fields changed, by whom."""
    fields = ", ".join(FIELD_LABELS.get(f, f) for f in notification.changes)
    what = (
        f"{notification.kind}: {fields}" if fields and notification.kind == "changed" else notification.kind
    )
    return f"{what} — by {notification.changed_by_name}" if notification.changed_by_name else what


# Lines every team sees first, before its own (none today: only support get notifications).
FIRST: list[LineFunction] = []

# Each team's lines, in the order they are shown.
TEAM_LINES: dict[Team, list[LineFunction]] = {
    Team.SUPPORT: [unread_notifications, upcoming_events, changed_events],
    Team.SALES: [unsigned_contracts, unpaid_contracts, quiet_clients],
    Team.MANAGEMENT: [unstaffed_events, overdue_contracts, deactivated_owners],
}


# Use cases -----------------------------------------------------------------------------------------


def _compute(db: Database, actor: Employee, now: datetime) -> tuple[Digest, int]:
    permissions.require(actor, Action.READ_DIGEST)
    repo = DigestRepository(db.conn)
    enabled, seen, upto = repo.settings(actor.id)
    ctx = DigestContext(db=db, repo=repo, actor=actor, now=now, seen=seen, upto=upto)
    lines = [line(ctx) for line in (*FIRST, *TEAM_LINES.get(actor.team, []))]
    return Digest(employee_id=actor.id, team=actor.team, enabled=enabled, lines=lines), upto


def _mark_seen(db: Database, actor: Employee, upto: int) -> None:
    with db.transaction(actor.id):
        recheck_actor(db, actor, Action.READ_DIGEST)
        DigestRepository(db.conn).mark_seen(actor.id, upto)


def digest(db: Database, actor: Employee, now: datetime, *, mark_seen: bool = False) -> Digest:
    """The actor's digest now (whether or not it is on at login); mark_seen moves their "seen up
    to" mark past what it covered, as a login does."""
    result, upto = _compute(db, actor, now)
    if mark_seen:
        _mark_seen(db, actor, upto)
    return result


def login_digest(db: Database, actor: Employee, now: datetime) -> Digest | None:
    """What a login shows: the digest, or None when the actor turned it off; either way the
    "seen up to" mark moves, so the next digest lists only what changed after this login."""
    permissions.require(actor, Action.READ_DIGEST)
    enabled, _seen, upto = DigestRepository(db.conn).settings(actor.id)
    result = None
    if enabled:
        result, upto = _compute(db, actor, now)
    _mark_seen(db, actor, upto)
    return result


def digest_enabled(db: Database, actor: Employee) -> bool:
    """Whether the actor's digest is shown at login (it is until they turn it off)."""
    permissions.require(actor, Action.READ_DIGEST)
    return DigestRepository(db.conn).settings(actor.id)[0]


def set_digest_enabled(db: Database, actor: Employee, enabled: bool) -> bool:
    """Turn the actor's own digest at login on or off; the new setting."""
    if not isinstance(enabled, bool):
        raise TypeError("enabled is True or False")
    with db.transaction(actor.id):
        recheck_actor(db, actor, Action.CHANGE_OWN_DIGEST, owner_id=actor.id)
        DigestRepository(db.conn).set_enabled(actor.id, enabled)
    return enabled
