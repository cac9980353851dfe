"""The Notifications section (support): what changed on their events, by whom, when.

"Unread notifications" shows each unread one in full and marks those shown read; "All
notifications" pages through every one, newest first. The main menu's title counts the unread
ones (crm/ui/menu.py).
"""

from __future__ import annotations

from crm.i18n import N_, _, ngettext
from crm.models import Notification
from crm.permissions import Action
from crm.services import notifications as service
from crm.ui.events import local_zone, when
from crm.ui.menu import MenuAction, Section
from crm.ui.render import NAME, TEXT, WHOLE, Column, Columns, visible
from crm.ui.session import Session

UNREAD_SHOWN = 50
NOTIFICATION_HEADERS = Columns(
    Column(N_("Id"), WHOLE),
    Column(N_("When"), WHOLE),
    Column(N_("Event"), NAME, least=14, most=36),
    Column(N_("What"), least=10, most=12),
    Column(N_("Changes"), TEXT, least=16),
    Column(N_("By"), least=10, most=24, drop=1),
    Column(N_("Read"), WHOLE, drop=2),
    show=N_("Unread notifications shows each change in full"),
)
KINDS = {"assigned": N_("assigned"), "unassigned": N_("taken away"), "changed": N_("changed")}


def notification_row(notification: Notification) -> tuple:
    """One line of a notifications table (dates in the computer's zone)."""
    return (
        notification.id,
        notification.created_at,
        f"{notification.event_id} {notification.event_name}",
        _(KINDS.get(notification.kind, notification.kind)),
        "; ".join(service.describe(notification, local_zone())),
        notification.changed_by_name or _("outside the program"),
        _("yes") if notification.read_at else _("new"),
    )


def show_unread(session: Session) -> None:
    """Each unread notification in full, oldest first; then they are marked read."""
    unread = session.act(service.list_notifications, True, 0, UNREAD_SHOWN)
    if not unread:
        print(_("No unread notifications."))
        return
    tz = local_zone()
    for notification in reversed(unread):
        print(visible(f"{when(notification.created_at, tz)}  {service.headline(notification)}"))
        for line in service.describe(notification, tz):
            print(visible(f"    {line}"))
    marked = session.act(service.mark_read, [n.id for n in unread])
    print(
        ngettext("{count} notification marked read.", "{count} notifications marked read.", marked).format(
            count=marked
        )
    )


def all_notifications(session: Session) -> None:
    """Every notification, newest first, a page at a time."""
    session.browse(
        _("Notifications (newest first)"),
        session.pages_as(service.list_notifications, False),
        NOTIFICATION_HEADERS,
        notification_row,
    )


def notifications_section() -> Section:
    return Section(
        N_("Notifications"),
        (
            MenuAction(N_("Unread notifications"), show_unread, Action.READ_NOTIFICATIONS),
            MenuAction(N_("All notifications"), all_notifications, Action.READ_NOTIFICATIONS),
        ),
    )
