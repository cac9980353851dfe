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


def local_day(value: datetime, tz: tzinfo | None = None) -> str:
    """The date part of local_moment: YYYY-MM-DD (list columns where the minute is noise)."""
    return local_moment(value, tz)[:10]


def clear_screen() -> None:
    """Wipe the terminal and its scrollback (a session that ended while idle leaves nothing to read)."""
    import sys

    if sys.stdout.isatty():
        sys.stdout.write("\x1b[H\x1b[2J\x1b[3J")
        sys.stdout.flush()


def short(text: str, width: int) -> str:
    """Text cut to `width` characters, ending in … when cut (list cells, history values)."""
    return text if len(text) <= width else text[: width - 1] + "…"


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


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], width: int | None = None) -> str:
    """A text table of rows, its widest columns shortened (…) to fit `width` columns.

    width defaults to the terminal's width when the output is a terminal (no limit otherwise).
    """
    from tabulate import tabulate

    cells = [[cell(v) for v in row] for row in rows]
    if width is None:
        width = terminal_width()
    if width is not None:
        cells = _fit(list(headers), cells, width)
    return tabulate(cells, headers=list(headers), tablefmt="simple", disable_numparse=True)


def terminal_width() -> int | None:
    """The terminal's width in columns, or None when the output is not a terminal."""
    import shutil
    import sys

    if not sys.stdout.isatty():
        return None
    return shutil.get_terminal_size().columns


def _width(text: str) -> int:
    """Columns the text takes on a terminal (CJK characters take two)."""
    if text.isascii():
        return len(text)
    from wcwidth import wcswidth

    return max(wcswidth(text), len(text))


def _shorten(text: str, width: int) -> str:
    if _width(text) <= width:
        return text
    if text.isascii():
        return text[: width - 1] + "…"
    while text and _width(text) > width - 1:
        text = text[:-1]
    return text + "…"


def _fit(headers: list[str], rows: list[list[str]], width: int, gap: int = 2) -> list[list[str]]:
    """Shorten the widest columns, one character at a time, until the table fits in width.

    The second column (what the record is called: name, client, username) keeps up to 30.
    """
    pad = 2  # tabulate's MIN_PADDING: a column is at least its header plus 2
    widths = [max([_width(h) + pad] + [_width(r[i]) for r in rows]) for i, h in enumerate(headers)]
    least = [max(_width(h) + pad, 6) for h in headers]
    # Long texts give way first, down to 16 then to their header; values without letters and the
    # name stay whole as long as possible; then those values; the name last.
    whole = [max(low, min(w, 16)) for low, w in zip(least, widths, strict=True)]
    # Values without letters (dates, times, amounts, phones, ids) are cut only as a last resort.
    atomic = [all(not any(c.isalpha() for c in r[i]) for r in rows) for i in range(len(headers))]
    short = [w if keep else low for low, w, keep in zip(least, widths, atomic, strict=True)]
    named = list(least)
    if len(whole) > 1:
        whole[1] = short[1] = named[1] = max(least[1], min(widths[1], 30))
    budget = width - gap * (len(headers) - 1) - 1
    for floors in (whole, short, named, least):
        while sum(widths) > budget:
            shrinkable = [i for i, w in enumerate(widths) if w > floors[i]]
            if not shrinkable:
                break
            widest = max(shrinkable, key=lambda i: widths[i])
            widths[widest] -= 1
    return [[_shorten(value, widths[i]) for i, value in enumerate(row)] for row in rows]


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
    """Show a list one page at a time, with Next / Previous / Back (or Ctrl-C / Ctrl-D).

    fetch(offset, limit) returns up to `limit` items; one extra is asked to know if more follow.
    on_answer runs after each answer, before the next page is read: the session's touch, so
    the idle timeout and a deactivation end the paging too (LoggedOut), not only the menu.
    """
    offset = 0
    choices = [("Next page", "next"), ("Previous page", "previous"), ("Back", "back")]
    while True:
        items = list(fetch(offset, page_size + 1))
        more = len(items) > page_size
        items = items[:page_size]
        page = offset // page_size + 1
        print(f"{title} — page {page}{'' if more else ' (last)'}")
        show_table(headers, [to_row(item) for item in items])
        if not more and offset == 0:
            return
        while True:  # the same numbers on every page: 1 next, 2 previous, 3 back
            try:
                move = prompts.choose("Page:", choices)
            except (KeyboardInterrupt, EOFError):  # Ctrl-C / Ctrl-D: done reading, as Back
                return
            on_answer()
            if move == "next" and not more:
                print("This is the last page.")
            elif move == "previous" and offset == 0:
                print("This is the first page.")
            else:
                break
        if move == "back":
            return
        offset = offset + page_size if move == "next" else max(0, offset - page_size)
