"""What commands print: tables for people, JSON / NDJSON / CSV for scripts.

JSON keys are the dataclasses' field names (stable snake_case), money is a string ("999.75",
never a float), a timestamp is ISO 8601 with its offset, an id an integer. CSV is RFC 4180 (the
csv module, CRLF), UTF-8, a BOM first with `excel`, and a text cell that a spreadsheet would run
as a formula (starting with = + - @, a tab or a carriage return) is prefixed with ' .
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, Any

# The one CSV writer (shared with the menus' and commands' exports): crm/services/csvio.py.
from crm.i18n import _
from crm.services.csvio import FORMULA_STARTS, CsvWriter, csv_cell, field_names  # noqa: F401
from crm.services.jsonable import jsonable  # shared with the HTTP API

FORMATS = ("table", "json", "ndjson", "csv")


@dataclasses.dataclass(frozen=True)
class Table:
    """How a list is shown to a person: headers and one row per record."""

    headers: Sequence[str]
    row: Callable[[Any], Sequence[Any]]


def machine_stdout() -> IO[str]:
    """Standard output for data, in UTF-8 whatever the locale says."""
    stream = sys.stdout
    if hasattr(stream, "reconfigure") and (stream.encoding or "").lower().replace("-", "") != "utf8":
        stream.reconfigure(encoding="utf-8")
    return stream


def write_list(
    records: Iterable[Any], kind: type, fmt: str, table: Table, *, excel: bool = False, chunk: int = 500
) -> int:
    """Print records in the format; return how many. Memory stays flat: records are written as
    they come (a table is printed one chunk of rows at a time)."""
    from crm.ui.render import table as render_table

    out = machine_stdout() if fmt != "table" else sys.stdout
    count = 0
    if fmt == "json":
        out.write("[")
        for count, record in enumerate(records, 1):
            out.write(("\n  " if count == 1 else ",\n  ") + json.dumps(jsonable(record), ensure_ascii=False))
        out.write("\n]\n" if count else "]\n")
    elif fmt == "ndjson":
        for record in records:
            out.write(json.dumps(jsonable(record), ensure_ascii=False) + "\n")
            count += 1
    elif fmt == "csv":
        writer = CsvWriter(out, field_names(kind), excel=excel)
        for record in records:
            writer.write(record)
            count += 1
    else:
        for rows in _chunks(records, chunk):
            count += len(rows)
            out.write(render_table(translated_headers(table.headers), [table.row(r) for r in rows]) + "\n")
        if not count:
            out.write(_("Nothing to show.") + "\n")
    out.flush()
    return count


def translated_headers(headers: Sequence[str]) -> Sequence[str]:
    """A table's headers in the current language, each keeping how its column gives way (a
    crm.ui.render.Column) and the table its "Show … gives the whole record" line."""
    from crm.ui.render import Column, Columns

    columns = [
        Column(_(str(h)), h.kind, least=h.least, most=h.most, drop=h.drop)
        if isinstance(h, Column)
        else _(str(h))
        for h in headers
    ]
    if isinstance(headers, Columns):
        return Columns(*columns, show=_(headers.show))
    return columns


def _chunks(records: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for record in records:
        batch.append(record)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def write_one(
    record: Any,
    fmt: str,
    detail: Callable[[], None],
    *,
    related: dict[str, Any] | None = None,
    excel: bool = False,
) -> None:
    """Print one record: its detail view for a person, else the whole record as data (JSON: its
    fields, then the `related` lists, such as a contract's payments)."""
    if fmt == "table":
        detail()
        return
    out = machine_stdout()
    if fmt == "csv":
        writer = CsvWriter(out, field_names(type(record)), excel=excel)
        writer.write(record)
    else:
        data = jsonable(record) | {key: jsonable(value) for key, value in (related or {}).items()}
        indent = 2 if fmt == "json" else None
        out.write(json.dumps(data, ensure_ascii=False, indent=indent) + "\n")
    out.flush()


def note(message: str) -> None:
    """A line for the person at the terminal (standard error): never mixed with the data."""
    print(message, file=sys.stderr)
