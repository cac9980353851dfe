"""The Notifications section (support): what changed on their events, by whom, when.

"Unread notifications" shows each unread one in full and marks those shown read; "All
notifications" pages through every one, newest first. The main menu's title counts the unread
ones (crm/ui/menu.py).
"""

from __future__ import annotations

from crm.models import Notification
from crm.permissions import Action
from crm.services import notifications as service
from crm.ui.events import local_zone, when
from crm.ui.menu import MenuAction, Section
from crm.ui.render import NAME, TEXT, WHOLE, Column, Columns, visible
from crm.ui.session import Session

UNREAD_SHOWN = 50
NOTIFICATION_HEADERS = Columns(
    Column("Id", WHOLE),
    Column("When", WHOLE),
    Column("Event", NAME, least=14, most=36),
    Column("What", least=10, most=12),
    Column("Changes", TEXT, least=16),
    Column("By", least=10, most=24, drop=1),
    Column("Read", WHOLE, drop=2),
    show="Unread notifications shows each change in full",
)
KINDS = {"assigned": "assigned", "unassigned": "taken away", "changed": "changed"}


def notification_row(notification: Notification) -> tuple:
    """One line of a notifications table (dates in the computer's zone)."""
    return (
        notification.id,
        notification.created_at,
        f"{notification.event_id} {notification.event_name}",
        KINDS.get(notification.kind, notification.kind),
        "; ".join(service.describe(notification, local_zone())),
        notification.changed_by_name or "outside the program",
        "yes" if notification.read_at else "new",
    )


def show_unread(session: Session) -> None:
    """Each unread notification in full, oldest first; then they are marked read."""
    unread = session.act(service.list_notifications, True, 0, UNREAD_SHOWN)
    if not unread:
        print("No unread notifications.")
        return
    tz = local_zone()
    for notification in reversed(unread):
        print(visible(f"{when(notification.created_at, tz)}  {service.headline(notification)}"))
        for line in service.describe(notification, tz):
            print(visible(f"    {line}"))
    marked = session.act(service.mark_read, [n.id for n in unread])
    print(f"{marked} notification{'' if marked == 1 else 's'} marked read.")


def all_notifications(session: Session) -> None:
    """Every notification, newest first, a page at a time."""
    session.browse(
        "Notifications (newest first)",
        session.pages_as(service.list_notifications, False),
        NOTIFICATION_HEADERS,
        notification_row,
    )


def notifications_section() -> Section:
    return Section(
        "Notifications",
        (
            MenuAction("Unread notifications", show_unread, Action.READ_NOTIFICATIONS),
            MenuAction("All notifications", all_notifications, Action.READ_NOTIFICATIONS),
        ),
    )
