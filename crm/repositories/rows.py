"""The rows a statement cannot fail to return, typed.

`fetchone()` answers `None` when there is no row. A statement that always returns one (a
function call, an aggregate, `EXISTS`, `INSERT … RETURNING`) reads it through `one_row()` or
`scalar()`: the row comes back typed as a row, and a missing one raises `MissingRow` — a bug
reported like any other, never a `None` handed on. A lookup that may find nothing keeps
`fetchone()` and its `None`. Used by the repositories and by the plumbing that holds SQL
(crm/db.py, crm/migrations.py, crm/setup.py, crm/demo.py, crm/backup.py).
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

Row = TypeVar("Row", covariant=True)


class _FetchesOne(Protocol[Row]):
    def fetchone(self) -> Row | None: ...


class MissingRow(RuntimeError):
    """A statement that always returns a row returned none."""


def one_row(cursor: _FetchesOne[Row]) -> Row:
    """The row of a statement that always returns one."""
    row = cursor.fetchone()
    if row is None:
        raise MissingRow("the statement returned no row")
    return row


def scalar(cursor: _FetchesOne[Any]) -> Any:
    """The first column of the row of a statement that always returns one."""
    return one_row(cursor)[0]
