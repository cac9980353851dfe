"""The one CSV writer of the program (commands' `--format csv`, exports), and files written safely.

CSV is RFC 4180 (the csv module, CRLF line ends), UTF-8, a BOM first for Excel when asked, and a
text cell a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage
return) is prefixed with ' . JSON's text is used for every value: money as "999.75", timestamps
in ISO 8601 with their offset.

`atomic_file` writes a file that either appears whole or not at all: a temporary file in the
same folder (mode 0600 from the moment it exists), flushed to disk, then renamed over the name.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from crm.errors import ValidationError
from crm.i18n import _
from crm.services.jsonable import jsonable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
FILE_MODE = 0o600


def csv_cell(value: Any) -> str:
    """One CSV cell: JSON's text for a value; a formula-looking text made inert."""
    flat = jsonable(value)
    if flat is None:
        return ""
    if isinstance(flat, bool):
        return "true" if flat else "false"
    if isinstance(flat, list | dict):
        return json.dumps(flat, ensure_ascii=False)
    text = str(flat)
    if isinstance(value, str) and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def cell_text(cell: str) -> str:
    """A CSV cell read back: the ' that csv_cell put before a formula-looking text taken off
    again (so an exported file imports as it was)."""
    if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS):
        return cell[1:]
    return cell


def field_names(kind: type) -> list[str]:
    """The columns of a record type: its dataclass fields."""
    return [f.name for f in dataclasses.fields(kind)]


class CsvWriter:
    """Rows of records to a CSV stream, the header first (shared by every CSV the program writes)."""

    def __init__(self, stream: IO[str], fields: Sequence[str], *, excel: bool = False) -> None:
        if excel:
            stream.write(BOM)
        self.fields = list(fields)
        self.writer = csv.writer(stream, lineterminator="\r\n")
        self.writer.writerow(self.fields)

    def write(self, record: Any) -> None:
        self.writer.writerow([csv_cell(getattr(record, name)) for name in self.fields])


def writable_target(path: str | os.PathLike[str], *, overwrite: bool = True) -> Path:
    """The path a file may be written at (ValidationError, one line, when it may not: a folder
    that does not exist, a path that is a folder, an existing file when overwrite is False)."""
    target = Path(path).expanduser()
    if target.is_dir():
        raise ValidationError(_("{target} is a folder: give a file name.").format(target=target))
    if not target.parent.is_dir():
        raise ValidationError(_("The folder {parent} does not exist.").format(parent=target.parent))
    if not overwrite and target.exists():
        raise ValidationError(_("{target} already exists.").format(target=target))
    return target


@contextmanager
def atomic_file(path: str | os.PathLike[str], *, overwrite: bool = True) -> Iterator[IO[str]]:
    """A text file (UTF-8, newlines as written) that appears at `path` whole, mode 0600, once the
    block ends without error; on an error the temporary file is removed and `path` is untouched.

    ValidationError (one line) for a folder that does not exist or cannot be written, a path that
    is a folder, or an existing file when overwrite is False.
    """
    target = writable_target(path, overwrite=overwrite)
    folder = target.parent
    try:
        # mkstemp creates the file with O_EXCL and mode 0600.
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    except OSError as error:
        raise ValidationError(
            _("Cannot write in {folder}: {value}.").format(folder=folder, value=error.strerror or error)
        ) from None
    try:
        os.fchmod(handle, FILE_MODE)
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
