"""`notifications …` commands: what changed on your events (support), and marking it read."""

from __future__ import annotations

import click

from crm.cli.common import list_options, pass_context, show_list
from crm.cli.context import CommandContext
from crm.cli.output import Table, note
from crm.i18n import ngettext
from crm.models import Notification
from crm.services import notifications as service
from crm.ui.notifications import NOTIFICATION_HEADERS, notification_row

TABLE = Table(NOTIFICATION_HEADERS, notification_row)


@click.group(invoke_without_command=True)
@click.option("--unread", is_flag=True, help="Only the notifications not read yet.")
@list_options
@pass_context
@click.pass_context
def notifications(
    click_ctx: click.Context,
    ctx: CommandContext,
    unread: bool,
    page: int,
    page_size: int,
    every: bool,
    fmt: str,
    excel: bool,
) -> None:
    """Your notifications, newest first (support): events assigned to you, taken away, or whose
    dates, location, attendees or status someone else changed. Listing does not mark them read:
    `notifications read` does.

    \b
    Examples:
      python -m main notifications --unread
      python -m main notifications --format json
      python -m main notifications read
    """
    if click_ctx.invoked_subcommand is not None:
        return
    actor = ctx.employee()
    backend = ctx.backend
    fetch = lambda o, n: backend.act(actor, service.list_notifications, unread, o, n)  # noqa: E731
    show_list(
        ctx, fetch, Notification, TABLE, page=page, page_size=page_size, every=every, fmt=fmt, excel=excel
    )


@notifications.command("read")
@click.argument("ids", nargs=-1, type=click.IntRange(min=1), metavar="[ID]...")
@pass_context
def read(ctx: CommandContext, ids: tuple[int, ...]) -> None:
    """Mark your notifications read: all the unread ones, or only the ids given."""
    actor = ctx.employee()
    count = ctx.backend.act(actor, service.mark_read, list(ids) if ids else None)
    note(
        ngettext("{count} notification marked read.", "{count} notifications marked read.", count).format(
            count=count
        )
    )
