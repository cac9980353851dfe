"""`history KIND ID`: a record's changes from the audit trail, newest first (management)."""

from __future__ import annotations

import click

from crm.cli.common import list_options, pass_context, show_list
from crm.cli.context import CommandContext
from crm.cli.output import Table
from crm.models import HistoryLine
from crm.services import history as service
from crm.ui.history import HEADERS, history_row

KINDS = {"client": "clients", "contract": "contracts", "event": "events", "employee": "employees"}


@click.command("history")
@click.argument("kind", type=click.Choice(list(KINDS)))
@click.argument("record_id", type=click.IntRange(min=1), metavar="ID")
@list_options
@pass_context
def history(
    ctx: CommandContext,
    kind: str,
    record_id: int,
    page: int,
    page_size: int,
    every: bool,
    fmt: str,
    excel: bool,
) -> None:
    """The history of a record: one line per changed field (when, who, action, field, old, new).

    \b
    Example:
      python -m main history contract 31 --format json
    """
    actor = ctx.employee()
    backend = ctx.backend
    table = KINDS[kind]
    backend.act(actor, service.record_history, table, record_id, 0, 1)  # refused or NotFound first
    fetch = lambda o, n: backend.act(actor, service.record_history, table, record_id, o, n)  # noqa: E731
    show_list(
        ctx,
        fetch,
        HistoryLine,
        Table(HEADERS, history_row),
        page=page,
        page_size=page_size,
        every=every,
        fmt=fmt,
        excel=excel,
    )
