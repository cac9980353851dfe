"""Showing records: tables (tabulate), one record's details, and paged lists.

Plain print() so tests capture it; nothing here touches the database directly: lists get a
`fetch(offset, limit)` function from the caller, which asks a repository for one page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any, TypeVar

from crm.ui.prompts import Prompts

T = TypeVar("T")
PAGE_SIZE = 15
DISPLAY_FORMAT = "%Y-%m-%d %H:%M"


def local_moment(value: datetime, tz: tzinfo | None = None) -> str:
    """A date-time to the minute in tz (the computer's zone when None).

    A moment that zone cannot show (past year 9999 there) is shown as it is, with its zone's name.
    """
    try:
        return value.astimezone(tz).strftime(DISPLAY_FORMAT)
    except (OverflowError, ValueError):
        return f"{value.strftime(DISPLAY_FORMAT)} {value.tzname() or ''}".rstrip()


def cell(value: Any) -> str:
    """How one value is shown: local dates to the minute, money with 2 decimals, none as '—'."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return local_moment(value)
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A text table of rows."""
    from tabulate import tabulate

    return tabulate(
        [[cell(v) for v in row] for row in rows],
        headers=list(headers),
        tablefmt="simple",
        disable_numparse=True,
    )


def show_table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], empty: str = "Nothing to show."
) -> None:
    print(table(headers, rows) if rows else empty)


def show_record(title: str, fields: Sequence[tuple[str, Any]]) -> None:
    """One record as 'label: value' lines."""
    print(title)
    width = max(len(label) for label, _ in fields)
    for label, value in fields:
        print(f"  {label.ljust(width)}  {cell(value)}")


def browse(
    prompts: Prompts,
    title: str,
    fetch: Callable[[int, int], Sequence[T]],
    headers: Sequence[str],
    to_row: Callable[[T], Sequence[Any]],
    page_size: int = PAGE_SIZE,
    *,
    on_answer: Callable[[], None],
) -> None:
    """Show a list one page at a time, with Next / Previous / Back.

    fetch(offset, limit) returns up to `limit` items; one extra is asked to know if more follow.
    on_answer runs after each answer, before the next page is read: the session's touch, so
    the idle timeout and a deactivation end the paging too (LoggedOut), not only the menu.
    """
    offset = 0
    while True:
        items = list(fetch(offset, page_size + 1))
        more = len(items) > page_size
        items = items[:page_size]
        page = offset // page_size + 1
        print(f"{title} — page {page}")
        show_table(headers, [to_row(item) for item in items])
        choices: list[tuple[str, str]] = []
        if more:
            choices.append(("Next page", "next"))
        if offset > 0:
            choices.append(("Previous page", "previous"))
        if not choices:
            return
        choices.append(("Back", "back"))
        move = prompts.choose("Page:", choices)
        on_answer()
        if move == "back":
            return
        offset = offset + page_size if move == "next" else max(0, offset - page_size)
