"""Newest-first pages that stay fast however deep they go.

The page's ids are read from the table's own (created_at DESC, id DESC) index first; only those
ids are then joined with what the list shows. A plain OFFSET over the joined query would join
every row it skips.
"""

from __future__ import annotations

from psycopg import sql


def newest_page(
    table: str, alias: str, select: sql.Composable, where: sql.Composable | None = None
) -> sql.Composed:
    """`select` (whose FROM names `table` as `alias`) for one page: params %(offset)s, %(limit)s.

    `where` filters the table's own columns, unqualified (e.g. " WHERE sales_contact_id = %(sales)s").
    """
    a = sql.Identifier(alias)
    return (
        sql.SQL(
            "WITH page AS (SELECT id FROM {table}{where} ORDER BY created_at DESC, id DESC"
            " OFFSET %(offset)s LIMIT %(limit)s) "
        ).format(table=sql.Identifier(table), where=where or sql.SQL(""))
        + select
        + sql.SQL(" JOIN page ON page.id = {a}.id ORDER BY {a}.created_at DESC, {a}.id DESC").format(a=a)
    )
