"""Benchmark: the scriptable commands end to end, as a script runs them, on the embedded server.

    python -m tests.bench_cli --clients 100000

Always on an embedded server of its own (whatever $CRM_TEST_DSN says): seeds a CRM database with
the demo loader, logs a manager in through `python -m main login`, then times real
`python -m main …` processes from start to exit — `client list` (table, JSON), `event list`,
`client show`, `whoami` — with the server running; twenty `client list` in a row with the
server lingering (`[embedded] linger_seconds = 60`) against `linger_seconds = 0` (a start and a
stop per command); and what `client list` imports (`python -X importtime`). Prints figures;
asserts nothing (the tests assert the behaviour).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import psycopg

from crm import config as config_file
from crm import demo
from crm.config import Config, DatabaseSettings
from crm.db import Database, connect
from crm.embedded import EmbeddedServer
from tests.e2e import REPO

PASSWORD = "a long enough secret for the bench"


@dataclass
class Bench:
    data_dir: Path
    config: Config
    env: dict[str, str]

    def run(self, *args: str, stdin: str = "") -> float:
        """One `python -m main …` process, start to exit: milliseconds (fails loudly on an error)."""
        return self.timed(*args, stdin=stdin)[0]

    def timed(self, *args: str, stdin: str = "") -> tuple[float, float]:
        """(wall ms, CPU ms of the process: user + system) of one `python -m main …`."""
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "main", *args],
            cwd=REPO,
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env,
            timeout=300,
        )
        ms = (time.perf_counter() - start) * 1000
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            raise SystemExit(f"`{' '.join(args)}` failed ({done.returncode}): {done.stderr.strip()}")
        cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
        return ms, cpu

    def set(self, **changes: object) -> None:
        self.config = replace(self.config, **changes)
        config_file.write(self.config)


@contextmanager
def seeded(clients: int) -> Iterator[tuple[Bench, dict[str, int], float]]:
    from tests.conftest import embedded_folder, fresh_database  # installs the cheap test hasher

    folder = embedded_folder("bench-cli")
    data_dir = folder / "data"
    server = EmbeddedServer(data_dir)
    server.start(create=True)
    try:
        crm = fresh_database(server.conninfo(), "crm_bench_cli")
        db = Database(connect(crm.app_dsn))
        start = time.perf_counter()
        result = demo.load(db, clients, seed=2026)
        load_s = time.perf_counter() - start
        db.close()
        with connect(crm.admin_dsn) as admin:
            admin.execute("VACUUM ANALYZE")
            # a manager whose password hash is the program's own (the demo accounts' are cheap)
            from crm import security

            admin.execute(
                "INSERT INTO employees (username, full_name, email, team, password_hash)"
                " VALUES ('benchboss', 'Bench Boss', 'bench.boss@example.com', 'management', %s)",
                (security.hash_password(PASSWORD),),
            )
        params = psycopg.conninfo.conninfo_to_dict(crm.app_dsn)
        settings = DatabaseSettings(
            mode="embedded", name=crm.name, user=str(params["user"]), password=str(params["password"])
        )
        config = Config(database=settings, data_dir=data_dir, path=folder / "crm.ini")
        config_file.write(config)
        (folder / "run").mkdir(mode=0o700)
        env = dict(os.environ, CRM_CONFIG=str(config.path), XDG_RUNTIME_DIR=str(folder / "run"))
        env.pop("CRM_TEST_DSN", None)
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # bytecode caches, as an installed program has
        server.release()  # stopped: the commands start it
        bench = Bench(data_dir, config, env)
        bench.run("login", "--username", "benchboss", "--password-stdin", stdin=PASSWORD + "\n")
        yield bench, result.counts, load_s
    finally:
        last = EmbeddedServer(data_dir)
        if last.is_running():
            last.stop()
        shutil.rmtree(last.host, ignore_errors=True)
        shutil.rmtree(folder, ignore_errors=True)


def imports(bench: Bench, *args: str, top: int = 12) -> tuple[float, list[tuple[float, str]]]:
    """(total import ms, the slowest top-level imports) of one `python -X importtime -m main …`."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "main", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=bench.env,
        timeout=300,
    )
    rows = []
    for line in done.stderr.splitlines():
        found = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if found and len(found.group(3)) <= 1:  # imported by the program itself, not by a library
            rows.append((int(found.group(2)) / 1000, found.group(4)))
    total = sum(ms for ms, _ in rows)
    return total, sorted(rows, reverse=True)[:top]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench_cli", description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100_000, help="demo clients to seed (default 100000)")
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per command (default 15)")
    parser.add_argument("--script", type=int, default=20, help="commands in the scripted run (default 20)")
    args = parser.parse_args(argv)

    with seeded(args.clients) as (bench, counts, load_s):
        bench.set(linger_seconds=60)
        bench.run("whoami")  # the server is running (and lingering) from here on
        some_client = "1"
        commands = {
            "client list": ("client", "list"),
            "client list --format json": ("client", "list", "--format", "json"),
            "event list": ("event", "list"),
            "client show ID": ("client", "show", some_client),
            "whoami": ("whoami",),
            "--help": ("--help",),
        }
        for command in commands.values():
            bench.run(*command)  # warm: bytecode caches written, files in the page cache
        figures = {
            name: [bench.timed(*command) for _ in range(args.repeat)] for name, command in commands.items()
        }
        import_total, slowest = imports(bench, "client", "list")

        script = {}
        for linger in (60, 0):
            bench.set(linger_seconds=linger)
            EmbeddedServer(bench.data_dir).stop()  # the script starts with the server stopped
            start = time.perf_counter()
            for _ in range(args.script):
                bench.run("client", "list", "--format", "json")
            script[linger] = time.perf_counter() - start

    print(f"\nDemo data: {counts} loaded in {load_s:.1f} s (embedded server).\n")
    print(
        f"`python -m main …` start to exit, server running, {args.repeat} runs each "
        f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores):\n"
    )
    rows = []
    for name, runs in figures.items():
        wall, cpu = [w for w, _ in runs], [c for _, c in runs]
        rows.append((name, statistics.median(wall), min(wall), max(wall), statistics.median(cpu)))
    from tabulate import tabulate

    headers = ("command", "median ms", "best ms", "worst ms", "CPU median ms")
    print(tabulate(rows, headers=headers, tablefmt="github", floatfmt=".0f"))
    print(
        f"\n{args.script} × `client list --format json` in a row, from a stopped server: "
        f"{script[60]:.1f} s with linger_seconds = 60 (one start), {script[0]:.1f} s with "
        f"linger_seconds = 0 (a start and a stop per command)."
    )
    print(f"\n`client list` spends {import_total:.0f} ms importing (python -X importtime); the slowest:")
    for ms, name in slowest:
        print(f"  {ms:6.1f} ms  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
