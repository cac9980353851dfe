"""SQL for the catalogue of services (sql/0013_pipeline.sql).

Services are listed by name (ignoring case); they are never deleted, only retired. Saves carry the
version the caller read: an UPDATE that finds another version touches no row.
"""

from __future__ import annotations

import psycopg
from psycopg import sql
from psycopg.rows import class_row

from crm.models import Service, ServiceFields
from crm.repositories.rows import scalar

_SERVICE_SELECT = sql.SQL(
    "SELECT s.id, s.name, s.description, s.unit_price, s.unit, s.is_active, s.created_at, s.updated_at,"
    " s.version FROM services s"
)


class ServiceRepository:
    """Reads and writes services."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def _services(self, query: sql.Composed, params: dict) -> list[Service]:
        with self.conn.cursor(row_factory=class_row(Service)) as cur:
            return cur.execute(query, params).fetchall()

    def get(self, service_id: int, *, lock: bool = False) -> Service | None:
        """One service by id, or None (lock: FOR UPDATE until the transaction ends)."""
        query = _SERVICE_SELECT + sql.SQL(" WHERE s.id = %(id)s")
        if lock:
            query += sql.SQL(" FOR UPDATE")
        rows = self._services(query, {"id": service_id})
        return rows[0] if rows else None

    def list_by_name(self, offset: int, limit: int, *, active_only: bool = False) -> list[Service]:
        """A page of services by name (ignoring case), then id; only the active ones if asked."""
        where = sql.SQL(" WHERE s.is_active") if active_only else sql.SQL("")
        query = (
            _SERVICE_SELECT
            + where
            + sql.SQL(" ORDER BY lower(s.name), s.id OFFSET %(offset)s LIMIT %(limit)s")
        )
        return self._services(query, {"offset": offset, "limit": limit})

    def name_in_use(self, name: str, except_id: int | None = None) -> bool:
        """Whether another service has this name (ignoring case)."""
        row = self.conn.execute(
            "SELECT EXISTS (SELECT 1 FROM services WHERE lower(name) = lower(%s) AND id IS DISTINCT FROM %s)",
            (name, except_id),
        )
        return bool(scalar(row))

    def insert(self, fields: ServiceFields) -> int:
        """Create an active service; return its id."""
        row = self.conn.execute(
            "INSERT INTO services (name, description, unit_price, unit) VALUES (%s, %s, %s, %s) RETURNING id",
            (fields.name, fields.description, fields.unit_price, str(fields.unit)),
        )
        return scalar(row)

    def update(self, service_id: int, version: int, fields: ServiceFields) -> bool:
        """Save a service's fields if it is still at `version`; False when it is not."""
        cur = self.conn.execute(
            "UPDATE services SET name = %s, description = %s, unit_price = %s, unit = %s,"
            " updated_at = now(), version = version + 1 WHERE id = %s AND version = %s",
            (fields.name, fields.description, fields.unit_price, str(fields.unit), service_id, version),
        )
        return cur.rowcount == 1

    def set_active(self, service_id: int, version: int, active: bool) -> bool:
        """Retire (or bring back) a service if it is still at `version`; False when it is not."""
        cur = self.conn.execute(
            "UPDATE services SET is_active = %s, updated_at = now(), version = version + 1"
            " WHERE id = %s AND version = %s",
            (active, service_id, version),
        )
        return cur.rowcount == 1
