"""Options and steps every command shares: output format, paging, the password before a save."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import click

from crm.cli.context import CommandContext
from crm.cli.output import FORMATS, Table, write_list
from crm.i18n import _

F = TypeVar("F", bound=Callable[..., Any])
pass_context = click.make_pass_decorator(CommandContext, ensure=True)
PAGE_SIZE = 15
PAGE_SIZE_MAX = 1000


def format_options(f: F) -> F:
    """--format and --excel."""
    f = click.option("--excel", is_flag=True, help="With --format csv: a BOM first, so Excel reads UTF-8.")(f)
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="table",
        show_default=True,
        help="table for people; json (one document), ndjson (one object a line) or csv for scripts.",
    )(f)


def list_options(f: F) -> F:
    """--page, --page-size, --all, and the format options."""
    f = format_options(f)
    f = click.option("--all", "every", is_flag=True, help="Every row (streamed), not one page.")(f)
    f = click.option(
        "--page-size",
        type=click.IntRange(1, PAGE_SIZE_MAX),
        default=PAGE_SIZE,
        show_default=True,
        help="Rows a page.",
    )(f)
    return click.option(
        "--page", type=click.IntRange(min=1), default=1, show_default=True, help="Which page."
    )(f)


def password_option(f: F) -> F:
    """--password-stdin, for commands that save."""
    return click.option(
        "--password-stdin",
        is_flag=True,
        help="Read your password from standard input (first line) instead of asking at the terminal.",
    )(f)


def show_list(
    ctx: CommandContext,
    fetch: Callable[[int, int], Sequence[Any]],
    kind: type,
    table: Table,
    *,
    page: int,
    page_size: int,
    every: bool,
    fmt: str,
    excel: bool,
) -> None:
    """Print one page of a list service (fetch(offset, limit)), or all of it with --all."""
    if not every:
        write_list(fetch((page - 1) * page_size, page_size), kind, fmt, table, excel=excel)
        return
    from crm.services import exports

    written = 0

    def counted() -> Iterator[Any]:
        nonlocal written
        for record in ctx.every(fetch):
            written += 1
            yield record

    write_list(counted(), kind, fmt, table, excel=excel)
    # A whole list is an export: recorded like `export … --output` (crm/services/exports.py).
    filters = {"command": " ".join(click.get_current_context().command_path.split()[1:]), "format": fmt}
    ctx.backend.act(ctx.employee(), exports.record_listing, kind, filters, written, "commands")


def one_of(**flags: Any) -> str | None:
    """The one filter given (its name), or None; a usage error when several are."""
    given = [name for name, value in flags.items() if value not in (None, False)]
    if len(given) > 1:
        options = ", ".join("--" + name.replace("_", "-") for name in given)
        raise click.UsageError(_("Choose one of {options}.").format(options=options))
    return given[0] if given else None
