"""Migrations applied by several programs at once: one transaction-level advisory lock makes them
take turns, so each sql/ file is applied once and nobody fails (this works through PgBouncer in
transaction mode too: the lock lives and dies with the migrating transaction)."""

from __future__ import annotations

import threading

from crm import migrations, setup
from crm.db import connect
from tests.conftest import database_before

LOCK_WAIT = (
    "SELECT count(*) FROM pg_stat_activity"
    " WHERE datname = %s AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
)


def test_upgrades_started_at_the_same_time_take_turns_and_apply_each_file_once(
    admin_dsn, tmp_path, monkeypatch
):
    with database_before(admin_dsn, tmp_path, monkeypatch, "0008") as crm:
        results: list = []

        def upgrade():
            try:
                results.append(setup.upgrade(admin_dsn, crm.name))
            except BaseException as error:  # noqa: BLE001 — collected for the assertion
                results.append(error)

        with connect(crm.admin_dsn) as holder, connect(crm.admin_dsn) as observer:
            with holder.transaction():  # hold the migration lock: both upgrades queue behind it
                migrations.lock(holder)
                threads = [threading.Thread(target=upgrade) for _ in range(2)]
                for thread in threads:
                    thread.start()
                _wait(lambda: observer.execute(LOCK_WAIT, (crm.name,)).fetchone()[0] == 2)
            for thread in threads:
                thread.join(60)
            later = [p.name for p in migrations.migration_files() if p.name >= "0008"]
            assert all(isinstance(r, list) for r in results), results
            assert sorted(results, key=len) == [[], later]
            rows = observer.execute(
                "SELECT filename, count(*) FROM schema_migrations GROUP BY filename HAVING count(*) > 1"
            ).fetchall()
            assert rows == []
            assert migrations.pending(observer) == []


def _wait(condition, seconds: float = 20) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the upgrades never queued on the migration lock"
        time.sleep(0.02)
