"""Showing records: tables (tabulate), one record's details, and paged lists.

Plain print() so tests capture it; nothing here touches the database directly: lists get a
`fetch(offset, limit)` function from the caller, which asks a repository for one page.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, tzinfo
from decimal import Decimal
from enum import Enum
from typing import Any, TextIO, TypeVar

from crm import formats, validation
from crm.i18n import N_, _
from crm.ui.prompts import Keyed, Prompts, PromptsWrapper, same_keys

T = TypeVar("T")
PAGE_SIZE = 15
DISPLAY_FORMAT = "%Y-%m-%d %H:%M"


def local_moment(value: datetime, tz: tzinfo | None = None, *, compact: bool = False) -> str:
    """A date-time to the minute in tz (the computer's zone when None), in the current language
    (crm/formats.py moment): 2027-06-04 13:00; in French "vendredi 4 juin 2027 13:00", compact
    (tables) "04/06/2027 13:00". In a zone tz where that local time happens twice (clocks go
    back), with its offset: "2027-10-31 02:30 (UTC+01:00)" (compact: "2027-10-31 02:30 (+01:00)").

    A moment that zone cannot show (past year 9999 there) is shown as it is, with its zone's name.
    """
    try:
        if tz is not None:
            return formats.moment(value, tz, compact=compact)
        local = value.astimezone()
        if formats.french() and local.tzinfo is not None:
            return formats.moment(local, local.tzinfo, compact=compact)
        return local.strftime(DISPLAY_FORMAT)
    except (OverflowError, ValueError):
        return f"{value.strftime(DISPLAY_FORMAT)} {value.tzname() or ''}".rstrip()


def column_moment(value: datetime, tz: tzinfo | None = None) -> str:
    """A moment in a fixed-width column (the digest's lines): local_moment, in French its compact
    form (04/06/2027 13:00: as wide as the English 2027-06-04 13:00)."""
    return local_moment(value, tz, compact=formats.french())


def local_day(value: datetime, tz: tzinfo | None = None) -> str:
    """The day of local_moment: 2027-06-04, in French 04/06/2027 (list columns where the minute
    is noise)."""
    try:
        return formats.day(value, tz)
    except (OverflowError, ValueError):
        return local_moment(value, tz)[:10]


def local_time(value: datetime, tz: tzinfo) -> str:
    """The time of day of a moment in tz, HH:MM (both languages), with its offset when that local
    time happens twice there: "02:30 (UTC+01:00)"."""
    try:
        return formats.time_of_day(value, tz)
    except (OverflowError, ValueError):
        return local_moment(value, tz)[11:]


def day_heading(day: date) -> str:
    """A day as a heading: "Friday 2027-06-04", in French "vendredi 4 juin 2027"."""
    return formats.long_day(day)


def money(value: Decimal) -> str:
    """An amount as people read it (crm/formats.py money): 1,500.50, in French "1 500,50 €"."""
    return formats.money(value)


# The words stored for a team, an event's status, a unit and an opportunity's stage, as shown.
TERMS = {
    "management": N_("management"),
    "sales": N_("sales"),
    "support": N_("support"),
    "planned": N_("planned"),
    "confirmed": N_("confirmed"),
    "done": N_("done"),
    "cancelled": N_("cancelled"),
    "event": N_("event"),
    "guest": N_("guest"),
    "hour": N_("hour"),
    "new": N_("new"),
    "qualified": N_("qualified"),
    "proposal": N_("proposal"),
    "negotiation": N_("negotiation"),
    "won": N_("won"),
    "lost": N_("lost"),
}


def term(value: object) -> str:
    """A stored word (a team, a status, a stage: an enum's value) in the current language."""
    text = str(value.value if isinstance(value, Enum) else value)
    return _(TERMS[text]) if text in TERMS else text


def clear_screen() -> None:
    """Wipe the terminal and its scrollback (a session that ended while idle leaves nothing to read)."""
    out = getattr(sys.stdout, "terminal", sys.stdout)  # the terminal itself, under visible_output()
    if out.isatty():
        out.write("\x1b[H\x1b[2J\x1b[3J")
        out.flush()


def _picture(c: str) -> str:
    """How one unsafe character is shown: C0 as its control picture (ESC as ␛), DEL as ␡, anything
    else (C1, bidi controls, zero-width characters) as its code point, <U+202E>."""
    code = ord(c)
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    return f"<U+{code:04X}>"


def visible(text: str, *, multiline: bool = False) -> str:
    """Text made safe for a terminal, whatever the database holds: every character the text rule
    refuses (crm/validation.py unsafe_characters: control, escape, bidi and zero-width characters)
    is shown as a visible stand-in (_picture), so no value can move the cursor, change colours,
    retitle the window or reorder what is around it. multiline keeps tab and line feed."""
    if text.isascii() and text.isprintable():
        return text
    unsafe = {i for i, _kind in validation.unsafe_characters(text, allow_newlines=multiline)}
    if not unsafe:
        return text
    return "".join(_picture(c) if i in unsafe else c for i, c in enumerate(text))


class VisibleStream:
    """A text stream that shows control and invisible characters (visible) before they reach the
    terminal; `terminal` is the stream underneath, for the program's own escape sequences."""

    def __init__(self, terminal: TextIO) -> None:
        self.terminal = terminal

    def write(self, text: str) -> int:
        self.terminal.write(visible(text, multiline=True))
        return len(text)

    def __getattr__(self, name: str) -> Any:  # flush, isatty, encoding... as the terminal's
        return getattr(self.terminal, name)


@contextmanager
def visible_output() -> Iterator[None]:
    """Everything print()ed inside goes through VisibleStream: the messages that name records
    ("Client 7 (…) created") are as safe as the tables. Prompts draw through prompt_toolkit's own
    output (made at the login prompt, before this), which VisiblePrompts feeds safe text."""
    previous = sys.stdout
    sys.stdout = VisibleStream(previous)
    try:
        yield
    finally:
        sys.stdout = previous


class VisiblePrompts(PromptsWrapper):
    """Prompts whose questions, default values and choices are shown translated (a constant marked
    with N_() is translated here; an already translated text is left as it is) and through
    visible(). A default
    shown changed and kept with Enter is given back as it was stored, so the form's parser (not
    the display) decides about it: a stored ESC is refused, never silently rewritten."""

    def text(self, message: str, default: str = "") -> str:
        shown = visible(default)
        answer = self.inner.text(visible(_(message)), shown)
        return default if answer == shown else answer

    def password(self, message: str) -> str:
        return self.inner.password(visible(_(message)))

    def choose(self, message: str, choices: Sequence[tuple[str, T]]) -> T:
        shown = [(same_keys(visible(_(title)), title), value) for title, value in choices]
        return self.inner.choose(visible(_(message)), shown)

    def confirm(self, message: str, default: bool = False) -> bool:
        return self.inner.confirm(visible(_(message)), default)


def cell(value: Any, *, multiline: bool = False, compact: bool = False) -> str:
    """How one value is shown: local dates to the minute, money with 2 decimals (local_moment,
    money: in the current language; compact dates in tables), none as '—', text through visible()
    (a table cell is one line: a line feed shows as ␊)."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return local_moment(value, compact=compact)
    if isinstance(value, date) and formats.french():  # English: 2027-06-04, as str() writes it
        return formats.typed_day(value) if compact else formats.long_day(value)
    if isinstance(value, Decimal):
        return money(value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, Enum):
        return term(value)
    return visible(str(value), multiline=multiline)


# How a column gives way when a table is too wide for the terminal.
WHOLE = "whole"  # ids, numbers, amounts, dates, phones: never cut (dropped only if droppable)
NAME = "name"  # what the record is called: cut last, down to its least width
TEXT = "text"  # free text: cut first, down to its least width
GAP = 2  # tabulate's "simple" format: two spaces between columns
PAD = 2  # tabulate's MIN_PADDING: a column is at least its header plus 2


class Column(str):
    """A column header that also says how the column gives way when the table is too wide:
    its kind (WHOLE, NAME, TEXT), the narrowest it is cut to (least; 0: its header, and at
    least 8 for text, 12 for a name), the widest it ever gets (most; 0: no limit), and drop:
    0 never dropped, else dropped in that order (1 first) once cutting is not enough.
    A plain str header is a Column of inferred kind."""

    kind: str
    least: int
    most: int
    drop: int

    def __new__(
        cls, header: str, kind: str = TEXT, *, least: int = 0, most: int = 0, drop: int = 0
    ) -> Column:
        column = super().__new__(cls, header)
        column.kind, column.least, column.most, column.drop = kind, least, most, drop
        return column


class Columns(tuple):
    """A table's columns, and where the whole record is ("Show a client gives the whole
    record"), said under a table whose columns were cut or left out."""

    show: str

    def __new__(cls, *columns: Column | str, show: str = N_("Show … gives the whole record")) -> Columns:
        spec = super().__new__(cls, columns)
        spec.show = show
        return spec


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], width: int | None = None) -> str:
    """A text table of rows that fits in `width` columns (see fit); a line under it says when
    something was cut or left out, and which action shows the whole record.

    width defaults to the terminal's width when the output is a terminal (no limit otherwise).
    """
    from tabulate import tabulate

    headers = translated(headers)
    names = [str(h) for h in headers]
    cells = [[cell(v, compact=True) for v in row] for row in rows]
    if width is None:
        width = terminal_width()
    note = ""
    if width is not None:
        kept, widths = fit(headers, cells, width)
        cut = len(kept) < len(names) or any(_width(row[i]) > widths[i] for row in cells for i in kept)
        names = [names[i] for i in kept]
        cells = [[_shorten(row[i], widths[i]) for i in kept] for row in cells]
        if cut:
            import textwrap

            show = getattr(headers, "show", _("Show … gives the whole record"))
            note = "\n" + textwrap.fill(_("(Cut to fit the screen: {show}.)").format(show=show), width)
    return tabulate(cells, headers=names, tablefmt="simple", disable_numparse=True) + note


def translated(headers: Sequence[str]) -> Sequence[str]:
    """A table's headers (and its Columns' "show" line) in the current language: headers are
    constants marked with N_(), translated when the table is drawn."""
    columns = [
        Column(_(h), h.kind, least=h.least, most=h.most, drop=h.drop) if isinstance(h, Column) else _(h)
        for h in headers
    ]
    if isinstance(headers, Columns):
        return Columns(*columns, show=_(headers.show))
    return columns


def terminal_width() -> int | None:
    """The terminal's width in columns, or None when the output is not a terminal."""
    import shutil

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


def _spec(headers: Sequence[str], rows: list[list[str]]) -> list[Column]:
    """The Column of each header; a plain str is WHOLE when no value has a letter (ids, dates,
    amounts), else TEXT — the second column, what the record is called, NAME."""
    spec = []
    for i, header in enumerate(headers):
        if isinstance(header, Column):
            spec.append(header)
        elif all(not any(c.isalpha() for c in row[i]) for row in rows):
            spec.append(Column(header, WHOLE))
        else:
            spec.append(Column(header, NAME if i == 1 else TEXT))
    return spec


def fit(headers: Sequence[str], rows: list[list[str]], width: int) -> tuple[list[int], list[int]]:
    """Which columns to show and how wide each is, so the table fits in `width`.

    TEXT columns are cut first (the widest first), then NAME columns, each down to their least
    width (see passes); WHOLE values are never cut. When that is not enough, droppable columns are left
    out in their order and the cutting starts again. A table that still does not fit (a very
    narrow terminal) keeps its whole values and goes past the width.
    Returns (indices of the columns kept, width of every column by index).
    """
    spec = _spec(headers, rows)
    natural = [max([_width(h) + PAD] + [_width(r[i]) for r in rows]) for i, h in enumerate(spec)]
    natural = [
        min(w, max(col.most, _width(col) + PAD)) if col.most else w
        for w, col in zip(natural, spec, strict=True)
    ]
    floors = [
        natural[i]
        if col.kind == WHOLE
        else min(natural[i], max(_width(col) + PAD, col.least or (12 if col.kind == NAME else 8)))
        for i, col in enumerate(spec)
    ]
    # Long texts give way first, down to 16, then names down to 30; then texts and names down to
    # their least widths.
    passes = [
        (TEXT, [max(f, min(n, 16)) for f, n in zip(floors, natural, strict=True)]),
        (NAME, [max(f, min(n, 30)) for f, n in zip(floors, natural, strict=True)]),
        (TEXT, floors),
        (NAME, floors),
    ]
    droppable = sorted((col.drop, i) for i, col in enumerate(spec) if col.drop)
    kept = list(range(len(spec)))
    while True:
        widths = list(natural)
        budget = width - GAP * (len(kept) - 1)
        for kind, floor in passes:
            while sum(widths[i] for i in kept) > budget:
                shrinkable = [i for i in kept if spec[i].kind == kind and widths[i] > floor[i]]
                if not shrinkable:
                    break
                widest = max(shrinkable, key=lambda i: widths[i])
                widths[widest] -= 1
        if sum(widths[i] for i in kept) <= budget or not droppable:
            return kept, widths
        kept.remove(droppable.pop(0)[1])


def show_table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], empty: str = N_("Nothing to show.")
) -> None:
    print(table(headers, rows) if rows else _(empty))


def show_record(title: str, fields: Sequence[tuple[str, Any]]) -> None:
    """One record as 'label: value' lines (a value's own lines, like notes, kept)."""
    print(visible(title))
    fields = [(_(label), value) for label, value in fields]
    width = max(len(label) for label, _value in fields)
    for label, value in fields:
        print(f"  {label.ljust(width)}  {cell(value, multiline=True)}")


HELP = object()  # the value of the Help entry of every menu


def help_entry() -> tuple[str, object]:
    """The Help entry of a menu: key h, or ?."""
    return Keyed(_("Help (?)"), "h", ("?",)), HELP


def show_keys() -> None:
    """What the Help entry of a menu says: the keys of the menus."""
    print(_("The keys of the menus:"))
    print(_("  1 to 9   choose the entry with that number"))
    print(_("  0        go back to the menu above (at the main menu: quit)"))
    print(_("  n and p  show the next and the previous page of a list"))
    print(_("  h or ?   show this help"))
    print(_("Type the key, then press Enter. Ctrl-C cancels what you are doing."))
    print(_("Ctrl-D at a menu offers to quit the program."))


def page_choices() -> list[tuple[str, str | object]]:
    """The choices under a page of a list: 1 or n next, 2 or p previous, h or ? help, 0 back."""
    return [
        (Keyed(_("Next page (n)"), "1", ("n",)), "next"),
        (Keyed(_("Previous page (p)"), "2", ("p",)), "previous"),
        help_entry(),
        (Keyed(_("Back"), "0"), "back"),
    ]


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
    choices = page_choices()
    while True:
        items = list(fetch(offset, page_size + 1))
        more = len(items) > page_size
        items = items[:page_size]
        page = offset // page_size + 1
        if more:
            print(_("{title} — page {page}").format(title=visible(title), page=page))
        else:
            print(_("{title} — page {page} (last)").format(title=visible(title), page=page))
        show_table(headers, [to_row(item) for item in items])
        if not more and offset == 0:
            return
        while True:  # the same keys on every page: 1 or n next, 2 or p previous, 0 back
            try:
                move = prompts.choose(_("Page:"), choices)
            except (KeyboardInterrupt, EOFError):  # Ctrl-C / Ctrl-D: done reading, as Back
                return
            on_answer()
            if move is HELP:
                show_keys()
            elif move == "next" and not more:
                print(_("This is the last page."))
            elif move == "previous" and offset == 0:
                print(_("This is the first page."))
            else:
                break
        if move == "back":
            return
        offset = offset + page_size if move == "next" else max(0, offset - page_size)
