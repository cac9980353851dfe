"""Every row of a list, without holding them all: pages read in one consistent snapshot."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from crm.db import Database

T = TypeVar("T")
PAGE = 1000


def every(db: Database, fetch: Callable[[int, int], Sequence[T]], size: int = PAGE) -> Iterator[T]:
    """The rows of a list service (fetch(offset, limit), bound to db), page after page, all from the
    same snapshot (a read-only REPEATABLE READ transaction), so none is missed or seen twice."""
    with db.snapshot():
        offset = 0
        while True:
            page = fetch(offset, size)
            yield from page
            if len(page) < size:
                return
            offset += size
