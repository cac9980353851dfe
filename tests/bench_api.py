"""Benchmark of the HTTP API: requests a second and p50 / p99 latency at 1, 10 and 50 clients.

    python -m tests.bench_api --clients 100000 [--seconds 5] [--workers 1]

Seeds a scratch database (on $CRM_TEST_DSN, else an embedded server) with the demo loader, starts
`python -m main serve` on it as a real process on 127.0.0.1 (its own [api] pool), and from this
process drives it with 1, 10 and 50 concurrent clients (threads, one keep-alive httpx connection
each), each level bounded in time, for: a first page of clients, a client's detail, and a
write (a payment of 0.01 on a contract with something left to pay). Afterwards the invariants
are checked (no remaining amount below zero, remaining = total - payments) and no request may
have failed. Prints figures; exits 1 on an error or a broken invariant.
"""

from __future__ import annotations

import argparse
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from crm import demo
from crm.db import Database, connect
from tests.api import API, start_serve
from tests.configs import write_config

LEVELS = (1, 10, 50)


def drive(
    base: str, clients: int, seconds: float, request: Callable[[httpx.Client, random.Random], httpx.Response]
) -> tuple[list[float], dict[int, int], float]:
    """`clients` threads sending requests for `seconds`: latencies (ms), answers by status, elapsed s."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def worker(index: int) -> None:
        rng = random.Random(index)
        with httpx.Client(base_url=base, timeout=30) as http:
            request(http, rng)  # a warm-up on this connection
            barrier.wait()
            mine = latencies[index]
            stop_at = time.perf_counter() + seconds
            while time.perf_counter() < stop_at:
                start = time.perf_counter()
                try:
                    status = request(http, rng).status_code
                except httpx.HTTPError:
                    status = 0
                mine.append((time.perf_counter() - start) * 1000)
                with lock:
                    statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    begin = time.perf_counter()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    return [ms for part in latencies for ms in part], statuses, time.perf_counter() - begin


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench_api", description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100_000, help="demo clients to seed (default 100000)")
    parser.add_argument("--seconds", type=float, default=5.0, help="time at each level (default 5)")
    parser.add_argument("--workers", type=int, default=1, help="serve --workers (default 1)")
    args = parser.parse_args(argv)

    from tests.conftest import admin_server, drop_database, fresh_database

    failures = []
    rows = []
    with admin_server("bench-api") as (admin_dsn, _server):
        crm = fresh_database(admin_dsn, "crm_bench_api")
        try:
            db = Database(connect(crm.app_dsn))
            start = time.perf_counter()
            result = demo.load(db, args.clients, seed=2026)
            load_s = time.perf_counter() - start
            with connect(crm.admin_dsn) as admin:
                admin.execute("VACUUM ANALYZE")
                client_ids = [r[0] for r in admin.execute("SELECT id FROM clients").fetchall()]
                unpaid = [
                    r[0]
                    for r in admin.execute(
                        "SELECT id FROM contracts WHERE remaining_amount >= 1000"
                    ).fetchall()
                ]
            db.close()
            manager = next(a for a in result.accounts if a.team == "management")
            with tempfile.TemporaryDirectory(prefix="crm-bench-api-") as folder:
                config = write_config(Path(folder) / "crm.ini", crm)
                process, base = start_serve(
                    config.path, "--workers", str(args.workers), output=subprocess.DEVNULL
                )
                try:
                    login = httpx.post(
                        f"{base}{API}/sessions",
                        json={"username": manager.username, "password": manager.password},
                    )
                    login.raise_for_status()
                    auth = {"Authorization": f"Bearer {login.json()['token']}"}
                    cases: dict[str, Callable[[httpx.Client, random.Random], httpx.Response]] = {
                        "list (first page of 20 clients)": lambda h, r: h.get(f"{API}/clients", headers=auth),
                        "detail (one client)": lambda h, r: h.get(
                            f"{API}/clients/{r.choice(client_ids)}", headers=auth
                        ),
                        "write (a payment of 0.01)": lambda h, r: h.post(
                            f"{API}/contracts/{r.choice(unpaid)}/payments",
                            json={"amount": "0.01"},
                            headers=auth,
                        ),
                    }
                    for name, request in cases.items():
                        for level in LEVELS:
                            ms, statuses, elapsed = drive(base, level, args.seconds, request)
                            bad = {s: n for s, n in statuses.items() if s >= 300 or s == 0}
                            if bad:
                                failures.append(f"{name} at {level}: {bad}")
                            rows.append(
                                (
                                    name,
                                    level,
                                    len(ms) / elapsed,
                                    statistics.median(ms),
                                    percentile(ms, 0.99),
                                    sum(bad.values()),
                                )
                            )
                finally:
                    process.send_signal(signal.SIGTERM)
                    process.communicate(timeout=30)
            with connect(crm.admin_dsn) as admin:
                below = admin.execute("SELECT count(*) FROM contracts WHERE remaining_amount < 0").fetchone()[
                    0
                ]
                off = admin.execute(
                    "SELECT count(*) FROM contracts c WHERE c.remaining_amount <> c.total_amount"
                    " - (SELECT coalesce(sum(amount), 0) FROM payments p WHERE p.contract_id = c.id)"
                ).fetchone()[0]
            if below or off:
                failures.append(f"broken invariant: {below} below zero, {off} not total - payments")
        finally:
            drop_database(admin_dsn, crm)

    from tabulate import tabulate

    print(
        f"\nDemo data: {result.counts} loaded in {load_s:.1f} s; serve --workers {args.workers}, pool 1-10."
    )
    print(
        tabulate(
            [(n, c, f"{rps:,.0f}", f"{p50:.1f}", f"{p99:.1f}", e) for n, c, rps, p50, p99, e in rows],
            headers=("request", "clients", "req/s", "p50 ms", "p99 ms", "errors"),
            tablefmt="github",
        )
    )
    if failures:
        print("FAILED: " + "; ".join(failures))
        return 1
    print("No error, invariants kept (no remaining amount below zero; remaining = total - payments).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
