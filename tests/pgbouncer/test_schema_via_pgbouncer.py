"""The migration lock, and why `[database] prepare_threshold = none` is needed, through PgBouncer
1.18 in transaction mode."""

from __future__ import annotations

import psycopg
import pytest

from crm import db as crm_db_module
from crm.db import Database, connect
from crm.services import clients
from tests.test_audit import (  # noqa: F401 — collected here and run through PgBouncer
    staff,
    test_writes_made_outside_the_program_are_recorded_as_system,
)
from tests.test_migrations import (  # noqa: F401
    test_upgrades_started_at_the_same_time_take_turns_and_apply_each_file_once,
)


def test_with_automatic_prepared_statements_pgbouncer_1_18_breaks_and_with_none_it_does_not(crm_db, db):
    """Two programs whose connections share PgBouncer's server connections: psycopg prepares a
    statement run often (prepare_threshold 5) under the same name on each, and PostgreSQL then
    finds the name taken, or missing, on the server connection the next transaction got."""
    crm_db_module.use_prepare_threshold(5)
    try:
        programs = [Database(connect(crm_db.app_dsn)) for _ in range(2)]
    finally:
        crm_db_module.use_prepare_threshold(None)
    try:
        with pytest.raises(
            (psycopg.errors.DuplicatePreparedStatement, psycopg.errors.InvalidSqlStatementName)
        ):
            for _ in range(10):
                for program in programs:
                    clients.list_clients(program, 0, 15)
    finally:
        for program in programs:
            program.close()

    programs = [Database(connect(crm_db.app_dsn)) for _ in range(2)]  # prepare_threshold none
    try:
        for _ in range(10):
            for program in programs:
                assert clients.list_clients(program, 0, 15) == []
        assert all(program.conn.prepare_threshold is None for program in programs)
    finally:
        for program in programs:
            program.close()
