"""SQL for sale opportunities, their lines and the pipeline report (sql/0013_pipeline.sql).

An opportunity's owner is its client's sales contact, so every read joins the client and the
client's sales contact, and its stage's probability. Lists go in pipeline order (stage, then
expected close date, then id). Saves carry the version the caller read; a line written changes
its opportunity's amount in the same transaction (the database checks amount = sum of lines at
commit). Each figure of the report is one statement.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import psycopg
from psycopg import sql
from psycopg.rows import class_row

from crm.models import (
    ClosedFigures,
    ConversionFigures,
    Opportunity,
    OpportunityFields,
    OpportunityLine,
    SalesFigures,
    StageFigures,
)
from crm.repositories.rows import scalar

# The columns of crm.models.Opportunity, from opportunities o, clients cl, employees sc (the
# sales contact) and opportunity_stages st.
_OPPORTUNITY_SELECT = sql.SQL(
    "SELECT o.id, o.client_id, cl.full_name AS client_name, cl.sales_contact_id,"
    " sc.full_name AS sales_contact_name, o.title, o.stage, st.probability::int AS probability,"
    " o.expected_close_on, o.expected_attendees, o.amount,"
    " round(o.amount * st.probability / 100.0, 2) AS weighted_amount,"
    " (SELECT count(*) FROM opportunity_lines l WHERE l.opportunity_id = o.id AND NOT l.is_removed)::int"
    " AS line_count,"
    " o.lost_reason, o.contract_id, o.closed_at, o.created_at, o.updated_at, o.version"
    " FROM opportunities o"
    " JOIN clients cl ON cl.id = o.client_id"
    " JOIN employees sc ON sc.id = cl.sales_contact_id"
    " JOIN opportunity_stages st ON st.stage = o.stage"
)
_PIPELINE_ORDER = sql.SQL(" ORDER BY st.position, o.expected_close_on NULLS LAST, o.id")

_LINE_SELECT = sql.SQL(
    "SELECT l.id, l.opportunity_id, l.service_id, s.name AS service_name, s.unit, l.quantity, l.unit_price,"
    " l.quantity * l.unit_price AS line_total, l.version"
    " FROM opportunity_lines l JOIN services s ON s.id = l.service_id"
)


class OpportunityRepository:
    """Reads and writes opportunities and their lines; computes the pipeline report."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def _opportunities(self, query: sql.Composed, params: dict) -> list[Opportunity]:
        with self.conn.cursor(row_factory=class_row(Opportunity)) as cur:
            return cur.execute(query, params).fetchall()

    # Reads -------------------------------------------------------------------------------------

    def get(self, opportunity_id: int, *, lock: bool = False) -> Opportunity | None:
        """One opportunity by id, or None.

        lock=True keeps the opportunity from changing, and its client from being reassigned, until
        the transaction ends (two managers winning it at once: the second waits, then sees it won).
        """
        if lock:
            # The lock first, on its own: a row another transaction changed meanwhile (its stage,
            # so its stage's row no longer joins) would drop out of the joined SELECT ... FOR UPDATE.
            # The read after it sees what that transaction committed.
            self.conn.execute(
                "SELECT 1 FROM opportunities o JOIN clients cl ON cl.id = o.client_id WHERE o.id = %s"
                " FOR UPDATE OF o FOR SHARE OF cl",
                (opportunity_id,),
            )
        rows = self._opportunities(
            _OPPORTUNITY_SELECT + sql.SQL(" WHERE o.id = %(id)s"), {"id": opportunity_id}
        )
        return rows[0] if rows else None

    def list_pipeline(
        self, offset: int, limit: int, *, stage: str | None = None, sales_id: int | None = None
    ) -> list[Opportunity]:
        """A page of opportunities in pipeline order: those at `stage`, or every open one; of
        sales_id's clients only if given."""
        where = sql.Composed([sql.SQL(" WHERE o.stage = %(stage)s" if stage else " WHERE NOT st.is_final")])
        if sales_id is not None:
            where += sql.SQL(" AND cl.sales_contact_id = %(sales)s")
        query = _OPPORTUNITY_SELECT + where + _PIPELINE_ORDER + sql.SQL(" OFFSET %(offset)s LIMIT %(limit)s")
        return self._opportunities(
            query, {"stage": stage, "sales": sales_id, "offset": offset, "limit": limit}
        )

    def for_contract(self, contract_id: int) -> tuple[int, str] | None:
        """The id and title of the opportunity a contract was won from, if any."""
        row = self.conn.execute(
            "SELECT id, title FROM opportunities WHERE contract_id = %s", (contract_id,)
        ).fetchone()
        return (row[0], row[1]) if row else None

    def lines(self, opportunity_id: int) -> list[OpportunityLine]:
        """An opportunity's lines (not removed), in the order they were added."""
        query = _LINE_SELECT + sql.SQL(" WHERE l.opportunity_id = %s AND NOT l.is_removed ORDER BY l.id")
        with self.conn.cursor(row_factory=class_row(OpportunityLine)) as cur:
            return cur.execute(query, (opportunity_id,)).fetchall()

    def line(self, line_id: int) -> OpportunityLine | None:
        """One line (not removed) by id, or None."""
        query = _LINE_SELECT + sql.SQL(" WHERE l.id = %s AND NOT l.is_removed")
        with self.conn.cursor(row_factory=class_row(OpportunityLine)) as cur:
            return cur.execute(query, (line_id,)).fetchone()

    # Writes ------------------------------------------------------------------------------------

    def insert(self, client_id: int, fields: OpportunityFields) -> int:
        """Create an opportunity (stage new, no lines, amount 0) for a client; return its id."""
        row = self.conn.execute(
            "INSERT INTO opportunities (client_id, title, expected_close_on, expected_attendees)"
            " VALUES (%s, %s, %s, %s) RETURNING id",
            (client_id, fields.title, fields.expected_close_on, fields.expected_attendees),
        )
        return scalar(row)

    def update(self, opportunity_id: int, version: int, fields: OpportunityFields) -> bool:
        """Save an opportunity's fields if it is still at `version`; False when it is not."""
        cur = self.conn.execute(
            "UPDATE opportunities SET title = %s, expected_close_on = %s, expected_attendees = %s,"
            " updated_at = now(), version = version + 1 WHERE id = %s AND version = %s",
            (fields.title, fields.expected_close_on, fields.expected_attendees, opportunity_id, version),
        )
        return cur.rowcount == 1

    def add_line(self, opportunity_id: int, service_id: int, quantity: int, unit_price: Decimal) -> int:
        """Add a line; return its id (the caller then refreshes the amount)."""
        row = self.conn.execute(
            "INSERT INTO opportunity_lines (opportunity_id, service_id, quantity, unit_price)"
            " VALUES (%s, %s, %s, %s) RETURNING id",
            (opportunity_id, service_id, quantity, unit_price),
        )
        return scalar(row)

    def update_line(self, line_id: int, version: int, quantity: int, unit_price: Decimal) -> bool:
        """Save a line's quantity and unit price if it is still at `version`."""
        cur = self.conn.execute(
            "UPDATE opportunity_lines SET quantity = %s, unit_price = %s, updated_at = now(),"
            " version = version + 1 WHERE id = %s AND version = %s AND NOT is_removed",
            (quantity, unit_price, line_id, version),
        )
        return cur.rowcount == 1

    def remove_line(self, line_id: int, version: int) -> bool:
        """Remove a line for good (kept, marked removed) if it is still at `version`."""
        cur = self.conn.execute(
            "UPDATE opportunity_lines SET is_removed = true, updated_at = now(), version = version + 1"
            " WHERE id = %s AND version = %s AND NOT is_removed",
            (line_id, version),
        )
        return cur.rowcount == 1

    def refresh_amount(self, opportunity_id: int, version: int) -> bool:
        """The amount becomes the sum of the lines, and the version moves (an edit started before
        a line changed is refused), if the opportunity is still at `version`."""
        cur = self.conn.execute(
            "UPDATE opportunities SET amount = (SELECT coalesce(sum(l.quantity * l.unit_price), 0)"
            " FROM opportunity_lines l WHERE l.opportunity_id = %(id)s AND NOT l.is_removed),"
            " updated_at = now(), version = version + 1 WHERE id = %(id)s AND version = %(version)s",
            {"id": opportunity_id, "version": version},
        )
        return cur.rowcount == 1

    def set_stage(self, opportunity_id: int, version: int, stage: str) -> bool:
        """Move to another open stage if still at `version` (the database keeps the stage machine)."""
        cur = self.conn.execute(
            "UPDATE opportunities SET stage = %s, updated_at = now(), version = version + 1"
            " WHERE id = %s AND version = %s",
            (stage, opportunity_id, version),
        )
        return cur.rowcount == 1

    def lose(self, opportunity_id: int, version: int, reason: str) -> bool:
        """Mark lost with a reason if still at `version`; the database sets when."""
        cur = self.conn.execute(
            "UPDATE opportunities SET stage = 'lost', lost_reason = %s, updated_at = now(),"
            " version = version + 1 WHERE id = %s AND version = %s",
            (reason, opportunity_id, version),
        )
        return cur.rowcount == 1

    def win(self, opportunity_id: int, version: int, contract_id: int) -> bool:
        """Mark won with the contract it became if still at `version`; the database sets when."""
        cur = self.conn.execute(
            "UPDATE opportunities SET stage = 'won', contract_id = %s, updated_at = now(),"
            " version = version + 1 WHERE id = %s AND version = %s",
            (contract_id, opportunity_id, version),
        )
        return cur.rowcount == 1

    # The pipeline report: one statement each ------------------------------------------------------

    def figures_by_stage(self) -> list[StageFigures]:
        """Every open stage: how many open opportunities, their amount and weighted amount."""
        with self.conn.cursor(row_factory=class_row(StageFigures)) as cur:
            return cur.execute(
                "SELECT st.stage, st.probability::int AS probability, count(o.id)::int AS count,"
                " coalesce(sum(o.amount), 0) AS amount,"
                " coalesce(sum(round(o.amount * st.probability / 100.0, 2)), 0) AS weighted_amount"
                " FROM opportunity_stages st LEFT JOIN opportunities o ON o.stage = st.stage"
                " WHERE NOT st.is_final"
                " GROUP BY st.stage, st.probability, st.position ORDER BY st.position"
            ).fetchall()

    def figures_by_sales(self) -> list[SalesFigures]:
        """Every active sales employee (and anyone else whose clients have open opportunities):
        their open opportunities, amount and weighted amount, the largest weighted first."""
        with self.conn.cursor(row_factory=class_row(SalesFigures)) as cur:
            return cur.execute(
                "SELECT e.id AS sales_id, e.full_name AS sales_name, count(o.id)::int AS count,"
                " coalesce(sum(o.amount), 0) AS amount,"
                " coalesce(sum(round(o.amount * st.probability / 100.0, 2)), 0) AS weighted_amount"
                " FROM employees e"
                " LEFT JOIN clients cl ON cl.sales_contact_id = e.id"
                " LEFT JOIN (opportunities o"
                " JOIN opportunity_stages st ON st.stage = o.stage AND NOT st.is_final)"
                " ON o.client_id = cl.id"
                " WHERE (e.team = 'sales' AND e.is_active) OR o.id IS NOT NULL"
                " GROUP BY e.id, e.full_name"
                " ORDER BY weighted_amount DESC, lower(e.full_name), e.id"
            ).fetchall()

    def figures_closed(self, month_start: datetime, quarter_start: datetime) -> list[ClosedFigures]:
        """Won and lost (how many, for how much) since the start of this month and of this quarter."""
        with self.conn.cursor(row_factory=class_row(ClosedFigures)) as cur:
            return cur.execute(
                "SELECT p.period, p.since,"
                " count(o.id) FILTER (WHERE o.stage = 'won')::int AS won_count,"
                " coalesce(sum(o.amount) FILTER (WHERE o.stage = 'won'), 0) AS won_amount,"
                " count(o.id) FILTER (WHERE o.stage = 'lost')::int AS lost_count,"
                " coalesce(sum(o.amount) FILTER (WHERE o.stage = 'lost'), 0) AS lost_amount"
                " FROM (VALUES ('this month', %(month)s::timestamptz, 1),"
                " ('this quarter', %(quarter)s::timestamptz, 2)) AS p (period, since, n)"
                " LEFT JOIN opportunities o ON o.closed_at >= p.since"
                " GROUP BY p.period, p.since, p.n ORDER BY p.n",
                {"month": month_start, "quarter": quarter_start},
            ).fetchall()

    def figures_conversion(self, month_start: datetime, quarter_start: datetime) -> list[ConversionFigures]:
        """Of the opportunities closed this month, this quarter and ever: how many, how many won,
        and the share won (percent, one decimal)."""
        with self.conn.cursor(row_factory=class_row(ConversionFigures)) as cur:
            return cur.execute(
                "SELECT p.period, p.since, count(o.id)::int AS closed_count,"
                " count(o.id) FILTER (WHERE o.stage = 'won')::int AS won_count,"
                " round(100.0 * count(o.id) FILTER (WHERE o.stage = 'won') / nullif(count(o.id), 0), 1)"
                " AS conversion_rate"
                " FROM (VALUES ('this month', %(month)s::timestamptz, 1),"
                " ('this quarter', %(quarter)s::timestamptz, 2), ('all time', NULL::timestamptz, 3))"
                " AS p (period, since, n)"
                " LEFT JOIN opportunities o ON o.closed_at IS NOT NULL"
                " AND (p.since IS NULL OR o.closed_at >= p.since)"
                " GROUP BY p.period, p.since, p.n ORDER BY p.n",
                {"month": month_start, "quarter": quarter_start},
            ).fetchall()
