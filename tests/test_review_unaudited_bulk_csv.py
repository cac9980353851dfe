"""Review: sql/0016_exports.sql and docs/rules.md §5 — "every export leaves a trace … an export is
the bulk way out of the database". `export clients -o FILE` writes an `exports` row, but
`client list --all --format csv` (crm/cli/common.py show_list → crm/services/streaming.every)
writes the very same rows, as CSV, to standard output and records nothing. The audit of bulk
exports is bypassed by another command of the same face."""

from __future__ import annotations

import csv
import io

import pytest

from tests.commands import Commands
from tests.factories import DEFAULT_PASSWORD, make_client, make_staff


@pytest.fixture
def cli(crm_db, tmp_path):
    return Commands(crm_db, tmp_path)


def test_review_every_bulk_csv_of_a_list_is_recorded(cli, admin_conn):
    staff = make_staff(admin_conn, "manager", "bill", "kate")
    for n in range(30):
        make_client(admin_conn, staff["bill"].id, f"Client {n}", email=f"c{n}@client.test")
    login = cli.process("login", "--username", staff["kate"].username, "--password-stdin",
                        stdin=DEFAULT_PASSWORD + "\n")  # fmt: skip
    assert login.status == 0, login.err
    done = cli.process("client", "list", "--all", "--format", "csv")
    assert done.status == 0, done.err
    rows = list(csv.reader(io.StringIO(done.out)))
    assert len(rows) == 31  # the header and every client: a whole export of the list
    traces = admin_conn.execute("SELECT employee_id, kind, row_count FROM exports").fetchall()
    assert traces == [(staff["kate"].id, "clients", 30)]
