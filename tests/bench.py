"""Benchmark: the CRM's own code paths against the bare SQL they run, at scale.

    python -m tests.bench --clients 100000

Seeds a scratch database (on $CRM_TEST_DSN, else an embedded server) with the demo loader, then
for every list, filter, search and detail view of the menus times the program's path — service,
repository and the rendering of one page — and, beside it, the same SQL statements run bare by
psycopg on the same connection (recorded while the program's path ran). Writes and login are
timed through their services. It also times `python -m main` to the login prompt and the peak
memory of walking a whole list. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import psycopg
from argon2 import PasswordHasher

from crm import config as config_file
from crm import demo, security
from crm.config import Config, DatabaseSettings
from crm.db import Database, connect
from crm.models import Team
from crm.ui import render
from crm.ui.render import PAGE_SIZE
from tests.e2e import REPO

BENCH_WRITES = 50  # timed runs of each write (plus one warm-up)


# Recording the SQL the program runs ------------------------------------------------------------


class RecordingCursor(psycopg.Cursor):
    """A cursor that notes every statement and its parameters while `log` is a list."""

    log: list[tuple] | None = None

    def execute(self, query, params=None, **kwargs):
        if RecordingCursor.log is not None:
            RecordingCursor.log.append((query, params, kwargs))
        return super().execute(query, params, **kwargs)


@contextlib.contextmanager
def recording() -> Iterator[list[tuple]]:
    RecordingCursor.log = []
    try:
        yield RecordingCursor.log
    finally:
        RecordingCursor.log = None


def run_raw(conn: psycopg.Connection, statements: list[tuple]) -> None:
    """The recorded statements, bare: plain cursor, tuple rows, every row fetched."""
    with conn.cursor() as cur:
        for query, params, kwargs in statements:
            cur.execute(query, params, **kwargs)
            if cur.description is not None:
                cur.fetchall()


# Timing -----------------------------------------------------------------------------------------


@dataclass
class Figure:
    action: str
    table: str
    median_ms: float
    p95_ms: float
    raw_median_ms: float | None

    @property
    def ratio(self) -> float | None:
        if self.raw_median_ms in (None, 0):
            return None
        return self.median_ms / self.raw_median_ms


def timings(fn: Callable[[], object], repeat: int) -> list[float]:
    fn()  # warm-up: caches, prepared plans
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


def quiet(fn: Callable[[], object]) -> Callable[[], object]:
    """fn with its printing (the rendering) sent to a string."""

    def run() -> object:
        with contextlib.redirect_stdout(io.StringIO()):
            return fn()

    return run


def measure_read(db: Database, action: str, table: str, fn: Callable[[], object], repeat: int) -> Figure:
    program = quiet(fn)
    with recording() as statements:
        program()
    statements = list(statements)
    ms = timings(program, repeat)
    raw = timings(lambda: run_raw(db.conn, statements), repeat)
    return Figure(action, table, statistics.median(ms), p95(ms), statistics.median(raw))


def measure_write(action: str, table: str, fn: Callable[[int], object], repeat: int) -> Figure:
    counter = iter(range(10**9))
    ms = timings(lambda: fn(next(counter)), repeat)
    return Figure(action, table, statistics.median(ms), p95(ms), None)


# The cases --------------------------------------------------------------------------------------


@dataclass
class Actors:
    manager: object
    sales: object
    support: object


def page(items: list, to_row: Callable, headers) -> str:
    """What a list screen renders: one page as a table, fitted to a 120-column terminal."""
    return render.table(headers, [to_row(item) for item in items[:PAGE_SIZE]], width=120)


def read_cases(db: Database, actors: Actors, now: datetime) -> Iterator[tuple[str, str, Callable]]:
    """(action, table, program path) for every read the menus offer."""
    from crm.services import events
    from crm.ui import events as events_ui

    tz = UTC
    first = PAGE_SIZE + 1

    def ev_page(items):
        return page(items, lambda e: events_ui.event_row(e, tz), events_ui.LIST_HEADERS)

    some_event = events.list_events(db, 0, 1)[0].id
    last_events = max(0, db.conn.execute("SELECT count(*) FROM events").fetchone()[0] - PAGE_SIZE)
    yield "list events (page 1)", "events", lambda: ev_page(events.list_events(db, 0, first))
    yield "list events (last page)", "events", lambda: ev_page(events.list_events(db, last_events, first))
    yield "events without support", "events", lambda: ev_page(events.events_without_support(db, 0, first))
    yield (
        "my events (support)",
        "events",
        lambda: ev_page(events.my_events(db, actors.support, now, 0, first)),
    )
    yield "search events 'wedding'", "events", lambda: ev_page(events.search_events(db, "wedding", 0, first))
    yield "search events 'martin'", "events", lambda: ev_page(events.search_events(db, "martin", 0, first))
    yield "event detail", "events", lambda: events_ui.show_event(events.get_event(db, some_event), tz)
    yield from more_read_cases(db, actors)


def more_read_cases(db: Database, actors: Actors) -> Iterator[tuple[str, str, Callable]]:
    """Clients, contracts and employees."""
    from crm.services import clients, contracts, employees
    from crm.ui import clients as clients_ui
    from crm.ui import contracts as contracts_ui
    from crm.ui import employees as employees_ui

    first = PAGE_SIZE + 1
    # What the detail views read from the session.
    screen = SimpleNamespace(db=db, run=lambda fn, *args, **kwargs: fn(db, *args, **kwargs))

    def cl_page(items):
        return page(items, clients_ui.client_row, clients_ui.LIST_HEADERS)

    def co_page(items):
        return page(items, contracts_ui.contract_row, contracts_ui.LIST_HEADERS)

    def em_page(items):
        return page(items, employees_ui.employee_row, employees_ui.LIST_HEADERS)

    some_client = clients.list_clients(db, 0, 1)[0].id
    some_contract = contracts.list_contracts(db, 0, 1)[0].id
    sales_id = actors.sales.id
    last_clients = max(0, db.conn.execute("SELECT count(*) FROM clients").fetchone()[0] - PAGE_SIZE)
    yield "list clients (page 1)", "clients", lambda: cl_page(clients.list_clients(db, 0, first))
    yield (
        "list clients (last page)",
        "clients",
        lambda: cl_page(clients.list_clients(db, last_clients, first)),
    )
    yield "my clients (sales)", "clients", lambda: cl_page(clients.my_clients(db, actors.sales, 0, first))
    yield "search clients 'nowak'", "clients", lambda: cl_page(clients.search_clients(db, "nowak", 0, first))
    yield "search clients 'pixel'", "clients", lambda: cl_page(clients.search_clients(db, "pixel", 0, first))
    yield (
        "client detail + contracts",
        "clients",
        lambda: clients_ui.show_client(screen, clients.get_client(db, some_client)),
    )
    yield "list contracts (page 1)", "contracts", lambda: co_page(contracts.list_contracts(db, 0, first))
    yield (
        "contracts not signed (sales)",
        "contracts",
        lambda: co_page(contracts.contracts_not_signed(db, 0, first, sales_id)),
    )
    yield (
        "contracts not fully paid (sales)",
        "contracts",
        lambda: co_page(contracts.contracts_not_fully_paid(db, 0, first, sales_id)),
    )
    yield (
        "contract detail + payments",
        "contracts",
        lambda: contracts_ui.show_contract(contracts.get_contract_detail(db, some_contract)),
    )
    yield "list employees", "employees", lambda: em_page(employees.list_employees(db, 0, first))
    yield (
        "employee detail",
        "employees",
        lambda: employees_ui.show_employee(employees.get_employee(db, actors.sales.id)),
    )


def digest_cases(db: Database, actors: Actors, now: datetime, changes: int = 2000) -> Iterator[tuple]:
    """The digest at login of each team (its statements and the rendering), the support employee's
    with `changes` event changes by someone else since their "seen up to" mark."""
    from crm.repositories.digest import DigestRepository
    from crm.services import digest
    from crm.ui import digest as digest_ui

    with db.transaction(actors.support.id):
        mark = db.conn.execute("SELECT coalesce(max(id), 0) FROM audit_log").fetchone()[0]
        DigestRepository(db.conn).mark_seen(actors.support.id, mark)
    with db.transaction(actors.manager.id):
        db.conn.execute(
            "UPDATE events SET attendees = attendees + 1, version = version + 1 WHERE id IN"
            " (SELECT id FROM events WHERE support_contact_id = %s ORDER BY id LIMIT %s)",
            (actors.support.id, changes // 4),
        )
        db.conn.execute(
            "UPDATE events SET attendees = attendees + 1, version = version + 1 WHERE id IN"
            " (SELECT id FROM events ORDER BY id DESC LIMIT %s)",
            (changes - changes // 4,),
        )
    for team, who, table in (
        ("support", actors.support, "events"),
        ("sales", actors.sales, "contracts"),
        ("management", actors.manager, "contracts"),
    ):
        yield (
            f"digest at login ({team})",
            table,
            lambda who=who: digest_ui.print_digest(digest.digest(db, who, now)),
        )


def write_cases(
    db: Database, actors: Actors, now: datetime
) -> Iterator[tuple[str, str, Callable[[int], object]]]:
    """(action, table, one write as its service runs it); n makes each call's data unique."""
    from crm.repositories.events import EventFields
    from crm.services import events

    starts = now + timedelta(days=30)
    assigned = events.my_events(db, actors.support, now, 0, 200)

    def update_event(n: int) -> None:
        event = events.get_event(db, assigned[n % len(assigned)].id)
        fields = EventFields(
            name=event.name,
            client_contact=event.client_contact,
            starts_at=starts,
            ends_at=starts + timedelta(hours=4),
            location=event.location,
            attendees=event.attendees,
            notes=f"bench note {n}",
        )
        events.update_event(db, actors.support, event.id, event.version, fields, now)

    yield "update an event (support)", "events", update_event
    yield from more_write_cases(db, actors, now)


def more_write_cases(db: Database, actors: Actors, now: datetime) -> Iterator[tuple[str, str, Callable]]:
    from crm.repositories.clients import ClientFields
    from crm.services import clients, contracts

    def create_client(n: int) -> None:
        fields = ClientFields(
            f"Bench Client {n}", f"bench.{n}@bench.example", "+33 6 12 34 56 78", "Bench SA"
        )
        clients.create_client(db, actors.sales, fields)

    unpaid = contracts.contracts_not_fully_paid(db, 0, 500, actors.sales.id)

    def record_payment(n: int) -> None:
        contract = unpaid[n % len(unpaid)]
        contracts.record_payment(db, actors.sales, contract.id, Decimal("0.01"))

    some_client = clients.my_clients(db, actors.sales, 0, 1)[0].id

    def create_contract(n: int) -> None:
        contracts.create_contract(db, actors.manager, some_client, Decimal("1000.00"))

    def update_client(n: int) -> None:
        client = clients.get_client(db, some_client)
        fields = ClientFields(
            client.full_name, client.email, f"+33 6 00 00 {n % 100:02d} 00", client.company_name
        )
        clients.update_client(db, actors.sales, client.id, client.version, fields)

    def update_contract(n: int) -> None:
        contract = contracts.get_contract(db, unpaid[0].id)
        contracts.update_contract(
            db, actors.manager, contract.id, contract.version, contract.total_amount, contract.is_signed,
        )  # fmt: skip

    yield "create a client (sales)", "clients", create_client
    yield "update a client (sales)", "clients", update_client
    yield "create a contract (management)", "contracts", create_contract
    yield "update a contract (management)", "contracts", update_contract
    yield "record a payment (sales)", "payments", record_payment
    yield from event_write_cases(db, actors, now, some_client)
    yield from employee_write_cases(db, actors)


def event_write_cases(db: Database, actors: Actors, now: datetime, client_id: int) -> Iterator[tuple]:
    from crm.repositories.events import EventFields
    from crm.services import contracts, events

    signed = [
        contracts.create_contract(db, actors.manager, client_id, Decimal("500"), True).id
        for _ in range(BENCH_WRITES + 1)
    ]
    starts = now + timedelta(days=30)

    def create_event(n: int) -> None:
        fields = EventFields(f"Bench Event {n}", "", starts, starts + timedelta(hours=3), "Lyon", 10, "")
        events.create_event(db, actors.sales, signed[n], fields, now)

    unassigned = events.events_without_support(db, 0, BENCH_WRITES + 1)

    def assign_support(n: int) -> None:
        event = events.get_event(db, unassigned[n].id)
        events.assign_support(db, actors.manager, event.id, event.version, actors.support.id)

    yield "create an event (sales)", "events", create_event
    yield "assign support (management)", "events", assign_support


def employee_write_cases(db: Database, actors: Actors) -> Iterator[tuple]:
    from crm.models import Team
    from crm.repositories.employees import EmployeeFields
    from crm.services import employees

    def create_employee(n: int) -> None:
        fields = EmployeeFields(f"bench-{n}", f"Bench {n}", f"bench-{n}@bench.example", None, Team.SUPPORT)
        employees.create_employee(db, actors.manager, fields, "a long bench password 1")

    yield "create an employee (management)*", "employees", create_employee


# Whole-program figures --------------------------------------------------------------------------


def login_figure(db: Database, repeat: int) -> Figure:
    """Login with the production argon2id profile (the hasher tests use is cheaper)."""
    from crm.services import auth

    username = "bench-login"
    password = "a bench password of some length"
    security.use_hasher(PasswordHasher())
    with db.transaction():
        db.conn.execute(
            "INSERT INTO employees (username, full_name, email, team, password_hash)"
            " VALUES (%s, 'Bench Login', 'bench-login@bench.example', 'sales', %s)",
            (username, security.hash_password(password)),
        )
    ms = timings(lambda: auth.login(db, username, password), max(3, repeat // 10))
    return Figure("login (argon2id default profile)", "employees", statistics.median(ms), p95(ms), None)


# Typical new passwords (passphrases, random ones) and the longest the rule scores whole.
POLICY_SAMPLES = (
    "violet tractor on the moon",
    "vache bleue sur le toit",
    "Kx9#mQ2vLp7!",
    "q7Rt-Zp2m_Vw9",
    "correct horse battery staple",
    "jz w9 kq 3x mp 8v rt 2l yd 6c fh",
)


def password_policy_ms(repeat: int) -> tuple[float, list[float]]:
    """The first password check (loads zxcvbn and the French words), then one check's time."""
    start = time.perf_counter()
    security.check_password_policy(POLICY_SAMPLES[0], "bench-user")
    first = (time.perf_counter() - start) * 1000
    ms = []
    for _ in range(max(3, repeat // 5)):
        for password in POLICY_SAMPLES:
            start = time.perf_counter()
            security.check_password_policy(password, "bench-user")
            ms.append((time.perf_counter() - start) * 1000)
    return first, ms


def startup_ms(config_path: Path, repeat: int = 7) -> list[float]:
    """`python -m main` until the login prompt shows, with an existing config."""
    import pexpect

    env = dict(os.environ, CRM_CONFIG=str(config_path), PROMPT_TOOLKIT_NO_CPR="1", TERM="xterm")
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        child = pexpect.spawn(
            sys.executable, ["-m", "main"], cwd=str(REPO), env=env, encoding="utf-8", timeout=30
        )
        child.expect("Username")
        out.append((time.perf_counter() - start) * 1000)
        child.sendcontrol("d")
        child.expect(pexpect.EOF)
        child.close()
    return out


def list_walk_peak_kib(db: Database, page_size: int = 1000) -> tuple[int, int, int]:
    """(rows walked, peak KiB of Python memory walking every page, peak KiB for page 1 only)."""
    from crm.services import events
    from crm.ui import events as events_ui

    def walk(pages: int | None) -> tuple[int, int]:
        tracemalloc.start()
        offset = rows = 0
        while pages is None or offset // page_size < pages:
            items = events.list_events(db, offset, page_size)
            render.table(events_ui.LIST_HEADERS, [events_ui.event_row(e, UTC) for e in items])
            rows += len(items)
            offset += page_size
            if len(items) < page_size:
                break
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return rows, peak // 1024

    rows, whole = walk(None)
    _, one = walk(1)
    return rows, whole, one


# CSV export and import (issue 15 §5) -------------------------------------------------------------


def csv_figures(db: Database, actors: Actors, import_rows: int = 50_000) -> list[str]:
    """Lines to print: exporting every client and every event to a file (time, rows, size, peak
    Python memory beside one sales employee's clients), and importing `import_rows` new clients
    from a file (the dry run, then the whole import, which checks the file again)."""
    from crm.models import ExportRequest
    from crm.services import client_imports, exports
    from crm.services.csvio import atomic_file

    lines = []
    with tempfile.TemporaryDirectory(prefix="crm-bench-csv-") as folder:

        def export(request: ExportRequest, name: str, traced: bool = False) -> tuple[float, int, int, int]:
            target = Path(folder) / name
            if traced:
                tracemalloc.start()
            start = time.perf_counter()
            with atomic_file(target) as stream:
                count = exports.export_csv(db, actors.support, request, stream, progress=lambda d, t: None)
            seconds = time.perf_counter() - start
            peak = tracemalloc.get_traced_memory()[1] // 1024 if traced else 0
            if traced:
                tracemalloc.stop()
            return seconds, count, target.stat().st_size, peak

        for request, name in ((ExportRequest("clients"), "clients"), (ExportRequest("events"), "events")):
            runs = [export(request, f"{name}.csv") for _ in range(3)]
            seconds, count, size, _ = min(runs)
            lines.append(
                f"Export every {name[:-1]} to CSV ({count:,} rows, {size / 1e6:.1f} MB): "
                f"best {seconds:.2f} s, median {statistics.median(r[0] for r in runs):.2f} s of 3."
            )
        _, whole, _, whole_kib = export(ExportRequest("clients"), "traced.csv", traced=True)
        _, few, _, few_kib = export(
            ExportRequest("clients", sales_id=actors.sales.id), "few.csv", traced=True
        )
        lines.append(
            f"Peak Python memory exporting {whole:,} clients: {whole_kib:,} KiB "
            f"({few:,} clients of one sales employee: {few_kib:,} KiB)."
        )
        body = "".join(
            f"Imported Client {n},bench.import.{n}@import.example,+33 1 23 45 {n % 100:02d} {n % 97:02d},"
            f"Company {n % 1000}\r\n"
            for n in range(import_rows)
        )
        data = ("full_name,email,phone,company_name\r\n" + body).encode()
        start = time.perf_counter()
        dry = client_imports.import_clients(db, actors.sales, data, dry_run=True)
        dry_s = time.perf_counter() - start
        start = time.perf_counter()
        done = client_imports.import_clients(db, actors.sales, data)
        import_s = time.perf_counter() - start
        lines.append(
            f"Import {import_rows:,} clients from CSV ({len(data) / 1e6:.1f} MB): dry run {dry_s:.2f} s "
            f"({dry.created:,} to create); import {import_s:.2f} s ({done.created:,} created, its own "
            "check of every line included)."
        )
    return lines


# Set-up -----------------------------------------------------------------------------------------


def safety_overhead_us(app_dsn: str, repeat: int = 3000) -> dict[str, tuple[float, float]]:
    """What surviving a lost connection costs (crm.db): (median µs through Database, bare
    psycopg) for a one-row read, a write transaction with an actor, and one without. The two
    sides run alternately on two connections of the same role, so noise hits both alike."""
    bare = connect(app_dsn)
    db = Database(connect(app_dsn))
    bare.execute("INSERT INTO login_throttle (username, failures) VALUES ('bench-overhead', 0)"
                 " ON CONFLICT (username) DO NOTHING")  # fmt: skip
    update = "UPDATE login_throttle SET failures = 0 WHERE username = 'bench-overhead'"

    def bare_write(actor: int | None) -> None:
        with bare.transaction():
            if actor is not None:
                bare.execute("SELECT set_config('crm.employee_id', %s, true)", (str(actor),))
            bare.execute(update)

    def crm_write(actor: int | None) -> None:
        with db.transaction(actor):
            db.conn.execute(update)

    read = "SELECT id, username FROM employees ORDER BY id LIMIT 1"
    pairs = {
        "one-row read": (lambda: db.conn.execute(read).fetchone(), lambda: bare.execute(read).fetchone()),
        "write with an actor": (lambda: crm_write(1), lambda: bare_write(1)),
        "write without an actor": (lambda: crm_write(None), lambda: bare_write(None)),
    }
    figures = {}
    for name, (ours, theirs) in pairs.items():
        mine, raw = [], []
        for _ in range(repeat):
            for fn, out in ((ours, mine), (theirs, raw)):
                start = time.perf_counter()
                fn()
                out.append((time.perf_counter() - start) * 1e6)
        figures[name] = (statistics.median(mine), statistics.median(raw))
    bare.close()
    db.close()
    return figures


def write_config(path: Path, app_dsn: str, server) -> Path:
    params = psycopg.conninfo.conninfo_to_dict(app_dsn)
    settings = DatabaseSettings(
        mode="embedded" if server is not None else "server",
        name=params["dbname"],
        user=params["user"],
        password=params["password"],
        host=params.get("host") or "localhost",
        port=int(params.get("port") or 5432),
        sslmode="prefer",
    )
    data_dir = server.data_dir if server is not None else Path("data")
    config_file.write(Config(database=settings, data_dir=data_dir, keep_running=True, path=path))
    return path


def pick_actors(db: Database) -> Actors:
    from crm.repositories.employees import EmployeeRepository

    repo = EmployeeRepository(db.conn)

    def first(team: Team):
        row = db.conn.execute(
            "SELECT id FROM employees WHERE team = %s AND email LIKE %s ORDER BY id LIMIT 1",
            (team.value, "%@" + demo.DEMO_EMPLOYEE_DOMAIN),
        ).fetchone()
        return repo.get(row[0])

    return Actors(first(Team.MANAGEMENT), first(Team.SALES), first(Team.SUPPORT))


def print_table(figures: list[Figure], rows: dict[str, int]) -> None:
    from tabulate import tabulate

    def num(value: float | None, fmt: str = "{:.2f}") -> str:
        return "—" if value is None else fmt.format(value)

    print(
        tabulate(
            [
                (
                    f.action,
                    f"{rows[f.table]:,}",
                    num(f.median_ms),
                    num(f.p95_ms),
                    num(f.raw_median_ms),
                    num(f.ratio, "{:.1f}x"),
                )
                for f in figures
            ],
            headers=["action", "rows in table", "median ms", "p95 ms", "raw SQL median ms", "ratio"],
            tablefmt="github",
            disable_numparse=True,
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100_000, help="demo clients to seed (default 100000)")
    parser.add_argument("--repeat", type=int, default=50, help="timed runs per action (default 50)")
    parser.add_argument("--csv-only", action="store_true", help="only the CSV export and import figures")
    args = parser.parse_args(argv)

    # Importing conftest also installs the cheap test hasher.
    from tests.conftest import admin_server, drop_database, fresh_database

    with admin_server("bench") as (admin_dsn, server):
        crm = fresh_database(admin_dsn, "crm_bench")
        try:
            conn = connect(crm.app_dsn)
            conn.cursor_factory = RecordingCursor
            db = Database(conn)
            start = time.perf_counter()
            result = demo.load(db, args.clients, seed=2026)
            load_s = time.perf_counter() - start
            with connect(crm.admin_dsn) as admin:
                admin.execute("VACUUM ANALYZE")
            rows = {t: db.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608
                    for t in ("employees", "clients", "contracts", "payments", "events")}  # fmt: skip
            now = datetime.now(UTC)
            actors = pick_actors(db)

            if args.csv_only:
                csv_lines = csv_figures(db, actors)
                db.close()
                where = "embedded server" if server is not None else "server at $CRM_TEST_DSN"
                print(f"\nDemo data: {result.counts} loaded in {load_s:.1f} s ({where}).\n")
                print("\n".join(csv_lines))
                return 0
            figures = [measure_read(db, *case, args.repeat) for case in read_cases(db, actors, now)]
            writes = min(args.repeat, BENCH_WRITES)
            figures += [measure_write(*case, writes) for case in write_cases(db, actors, now)]
            figures.append(login_figure(db, args.repeat))
            figures += [measure_read(db, *case, args.repeat) for case in digest_cases(db, actors, now)]
            policy_first, policy = password_policy_ms(args.repeat)
            rows["employees"] = db.conn.execute("SELECT count(*) FROM employees").fetchone()[0]

            walked, whole_kib, one_kib = list_walk_peak_kib(db)
            csv_lines = csv_figures(db, actors)
            with tempfile.TemporaryDirectory(prefix="crm-bench-cfg-") as folder:
                startup = startup_ms(write_config(Path(folder) / "crm.ini", crm.app_dsn, server))
            db.close()
            safety = safety_overhead_us(crm.app_dsn)
        finally:
            drop_database(admin_dsn, crm)

    where = "embedded server" if server is not None else "server at $CRM_TEST_DSN"
    print(f"\nDemo data: {result.counts} loaded in {load_s:.1f} s ({where}).\n")
    print_table(figures, rows)
    print(
        f"\nStart-up to the login prompt (existing config, server running): median "
        f"{statistics.median(startup):.0f} ms, best {min(startup):.0f} ms over {len(startup)} runs."
    )
    print(
        f"Password rule (crm/security.py check_password_policy, zxcvbn with French words, read as"
        f" typed and as AZERTY keys): median {statistics.median(policy):.1f} ms, p95 {p95(policy):.1f} ms"
        f" per check; the first check {policy_first:.0f} ms (loads the dictionaries)."
    )
    print(
        f"Peak Python memory walking all {walked:,} events in pages of 1,000: {whole_kib:,} KiB "
        f"(first page only: {one_kib:,} KiB)."
    )
    print("\n".join(csv_lines))
    print("Surviving a lost connection (crm.db), median µs through Database vs bare psycopg:")
    for name, (ours, bare) in safety.items():
        print(f"  {name}: {ours:.0f} vs {bare:.0f} (+{ours - bare:.0f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
