"""Sample data to try the program, at any scale: `python -m main --demo-data --clients N`.

Everything is loaded in one transaction, in bulk (COPY, or batched INSERTs from arrays into the
tables under row-level security, where PostgreSQL refuses COPY), never row by row, through the
application role, so the database's own rules (CHECKs, triggers, audit) apply to demo rows as to
real ones. A demo load writes without a logged-in employee, which the database allows only in a
database holding no real data (sql/0017): beside real data (--force) it refuses.
Demo rows are recognisable: demo employees' e-mails end in DEMO_EMPLOYEE_DOMAIN and demo
clients' e-mails in the reserved `.example` top-level domain (sql/0011 names both too). The loader
refuses a database that holds anything else than demo data and management accounts, unless
forced. Creation, signature and payment dates are the database's for every other writer; a demo
load into a database without real data may write realistic past ones (demo_load_begin()), one
forced beside real data gets today's.
"""

from __future__ import annotations

import random
import re
import secrets
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import psycopg
from psycopg import sql

from crm import security
from crm.db import Database
from crm.errors import CRMError
from crm.i18n import N_, _
from crm.repositories.rows import scalar

DEMO_EMPLOYEE_DOMAIN = "demo.epicevents.example"
DEMO_CLIENT_TLD = ".example"
CLIENTS_MAX = 1_000_000
MIXED_REFUSED = (
    "This database already holds real data: the database takes demo data only into a database "
    "without it (writes without a logged-in employee are refused)."
)
EXTRA_UNSIGNED_EVERY = 10  # every 10th client also has a contract not signed yet
UNASSIGNED_EVERY = 8  # every 8th event has no support employee yet

FIRST_NAMES = (
    "Kevin", "Aliénor", "Kate", "John", "Lou", "Jacky", "Chloé", "Zoë", "Łukasz", "Mehmet",
    "Amélie", "Noah", "Inès", "Sven", "Björn", "Olga", "Dmitri", "Yuki", "Wei", "Fatima",
    "Jean-Luc", "Maëlle", "Oscar", "Léa", "Hugo", "Nadia", "Paolo", "Sofía", "Raphaël", "Emma",
    "Дмитрий", "Анна", "王伟", "李娜", "さくら", "Αλέξανδρος",
)  # fmt: skip
LAST_NAMES = (
    "Casey", "Ouick", "Bouzin", "Vichum", "Hastroff", "Blangier", "Martin", "Bernard", "Dubois",
    "Durand", "Lefèvre", "Moreau", "Laurent", "Simon", "Müller", "Schmidt", "García", "Rossi",
    "Nowak", "Kowalski", "Yılmaz", "Tanaka", "Nguyen", "O'Brien", "Van der Berg", "Søndergaard",
    "Иванов", "张", "佐藤", "Παπαδόπουλος",
)  # fmt: skip
COMPANY_WORDS = (
    "Cool Startup", "Lou Bouzin", "Atelier", "Maison", "Horizon", "Nordic", "Blue Ocean",
    "Château", "Quantum", "Green Leaf", "Studio", "Alpine", "Riviera", "Pixel", "Gourmet",
)  # fmt: skip
COMPANY_KINDS = ("LLC", "SA", "SARL", "GmbH", "Ltd", "& Co", "Inc.", "SAS")
EVENT_KINDS = (
    "Wedding", "General Assembly", "Birthday Party", "Off-site Meeting", "Product Launch",
    "Gala Dinner", "Team Building", "Anniversary", "Conference", "Summer Party",
)  # fmt: skip
LOCATIONS = (
    "53 Rue du Château, 41120 Candé-sur-Beuvron, France", "Salle des fêtes de Mufflins",
    "Domaine des Oliviers, Aix-en-Provence", "Palais Brongniart, Paris", "Hôtel de Ville, Lyon",
    "Kulturbrauerei, Berlin", "The Old Truman Brewery, London", "Castello di Vincigliata, Firenze",
    "Strandhotel, Scheveningen", "Le Grand Bleu, Marseille", "Villa Èze, Côte d'Azur",
)  # fmt: skip
# The catalogue: (name, description, unit price, unit). The first is what a won opportunity quotes:
# the whole event at its contract's total.
SERVICES = (
    ("Event package", "Everything for the event, as agreed in its contract", Decimal("0.00"), "event"),
    ("Venue finding", "Short list, visits and booking of the venue", Decimal("1500.00"), "event"),
    ("Catering", "Three courses, drinks included", Decimal("45.00"), "guest"),
    ("Cocktail reception", "Canapés and drinks before dinner", Decimal("18.50"), "guest"),
    ("Sound and light", "PA system, lights and a technician", Decimal("1200.00"), "event"),
    ("DJ", "From the first dance to closing time", Decimal("150.00"), "hour"),
    ("Decoration", "Flowers, tables, signage", Decimal("12.00"), "guest"),
    ("Transport", "Coaches between the hotel and the venue", Decimal("95.00"), "hour"),
    ("Photographer", "Photos of the whole event, edited", Decimal("120.00"), "hour"),
    ("Security staff", "Entrance and cloakroom", Decimal("40.00"), "hour"),
)  # fmt: skip
PIPELINE_STAGES = ("new", "qualified", "proposal", "negotiation", "won", "lost")
LOST_REASONS = (
    "Went with a competitor", "Budget cut", "Event cancelled", "Too expensive",
    "No answer since the proposal",
)  # fmt: skip
OPPORTUNITIES_PER_CLIENT = 4  # one opportunity for every 4 clients (at least 12: two of each stage)

NOTES = (
    "Wedding starts at 3PM, by the river. Catering is organized, reception starts at 5PM.",
    "Assemblée générale des actionnaires (~200 personnes).",
    "Vegetarian menu for a third of the guests. Parking for 40 cars.",
    "DJ from 10PM; the venue closes at 2AM sharp.",
    "",
)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    team: str
    password: str


@dataclass
class DemoResult:
    accounts: list[DemoAccount]
    counts: dict[str, int] = field(default_factory=dict)


class Progress:
    """A one-line progress bar on stderr (or nothing, for tests)."""

    def __init__(self, total: int, stream=sys.stderr, width: int = 30) -> None:
        self.total, self.done, self.stream, self.width = max(total, 1), 0, stream, width
        self._shown = -1

    def advance(self, rows: int = 1) -> None:
        self.done += rows
        percent = min(100, self.done * 100 // self.total)
        if percent != self._shown and self.stream is not None:
            filled = self.width * percent // 100
            bar = "#" * filled + "." * (self.width - filled)
            self.stream.write(f"\rLoading demo data [{bar}] {percent:3d}%")
            if percent == 100:
                self.stream.write("\n")
            self.stream.flush()
            self._shown = percent


def holds_real_data(conn: psycopg.Connection) -> bool:
    """Whether the database holds anything but demo rows and management accounts (the database's
    rule, sql/0011: it also decides whether a demo load may write past dates)."""
    return scalar(conn.execute("SELECT demo_holds_real_data()"))


def holds_demo_data(conn: psycopg.Connection) -> bool:
    cur = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM employees WHERE email LIKE %s)", ("%@" + DEMO_EMPLOYEE_DOMAIN,)
    )
    return scalar(cur)


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in ascii_text.lower() if c.isalnum()) or "client"


def team_sizes(clients: int) -> dict[str, int]:
    """How many demo employees of each team a scale needs."""
    return {
        "management": 2,
        "sales": min(40, max(3, clients // 2500)),
        "support": min(40, max(3, clients // 2500)),
    }


def _demo_password() -> str:
    return "demo-" + secrets.token_urlsafe(12)


def _insert_employees(conn: psycopg.Connection, clients: int) -> tuple[list[DemoAccount], dict[str, list]]:
    """The demo accounts, one password per team (hashed once), and the ids of each team."""
    accounts: list[DemoAccount] = []
    ids: dict[str, list[int]] = {}
    for team, size in team_sizes(clients).items():
        password = _demo_password()
        password_hash = security.hash_password(password)
        rows = []
        for n in range(1, size + 1):
            username = f"demo-{team}-{n}"
            first, last = FIRST_NAMES[(n * 7 + len(team)) % len(FIRST_NAMES)], LAST_NAMES[n % len(LAST_NAMES)]
            rows.append(
                (username, f"{first} {last}", f"{username}@{DEMO_EMPLOYEE_DOMAIN}", team, password_hash)
            )
            accounts.append(DemoAccount(username, team, password))
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO employees (username, full_name, email, team, password_hash)"
                " VALUES (%s, %s, %s, %s, %s) RETURNING id",
                rows,
                returning=True,
            )
            team_ids = []
            while True:
                team_ids.append(scalar(cur))
                if not cur.nextset():
                    break
        ids[team] = team_ids
    return accounts, ids


def _client_rows(rng: random.Random, clients: int, sales_ids: list[int], now: datetime) -> Iterator[tuple]:
    for i in range(clients):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        company = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)}"
        email = f"{_slug(first)}.{_slug(last)}.{i}@{_slug(company)}{DEMO_CLIENT_TLD}"
        phone = (
            f"+33 6 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
        )
        created = now - timedelta(days=rng.uniform(30, 3 * 365))
        updated = created + timedelta(days=rng.uniform(0, (now - created).days))
        yield (f"{first} {last}", email, phone, company, sales_ids[i % len(sales_ids)], created, updated)


# PostgreSQL refuses COPY FROM into a table with row-level security (sql/0017).
ROW_SECURED = ("clients", "contracts", "payments", "events")
BATCH = 5000

_COPY = re.compile(r"^COPY (\w+) \(([^)]*)\) FROM STDIN$")


def _insert(
    conn: psycopg.Connection, table: str, columns: list[str], rows: Iterable[tuple], progress: Progress
) -> None:
    """INSERT rows into a table BATCH at a time, each batch one statement (unnest of one array a
    column), moving the progress bar."""
    types: dict[str, str] = dict(
        conn.execute(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute"
            " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
            (f"public.{table}",),
        ).fetchall()
    )
    statement = sql.SQL("INSERT INTO {} ({}) SELECT * FROM unnest({})").format(
        sql.Identifier(table),
        sql.SQL(", ").join(sql.Identifier(c) for c in columns),
        sql.SQL(", ").join([sql.SQL("%s::{}[]").format(sql.SQL(types[c])) for c in columns]),
    )
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            conn.execute(statement, [list(values) for values in zip(*batch, strict=True)])
            progress.advance(len(batch))
            batch = []
    if batch:
        conn.execute(statement, [list(values) for values in zip(*batch, strict=True)])
        progress.advance(len(batch))


def _copy(conn: psycopg.Connection, statement: str, rows: Iterable[tuple], progress: Progress) -> None:
    """COPY rows into a table (batched INSERTs into ROW_SECURED ones), moving the progress bar
    every few thousand rows."""
    shape = _COPY.match(statement)
    if shape and shape.group(1) in ROW_SECURED:
        columns = [c.strip() for c in shape.group(2).split(",")]
        _insert(conn, shape.group(1), columns, rows, progress)
        return
    written = 0
    with conn.cursor() as cur, cur.copy(statement) as copy:
        for written, row in enumerate(rows, 1):
            copy.write_row(row)
            if written % 5000 == 0:
                progress.advance(5000)
    progress.advance(written % 5000)


def load(
    db: Database,
    clients: int = 1000,
    *,
    force: bool = False,
    seed: int | None = None,
    progress_stream=sys.stderr,
    now: datetime | None = None,
) -> DemoResult:
    """Fill the database with demo employees, clients, contracts, payments and events."""
    if not 1 <= clients <= CLIENTS_MAX:
        raise CRMError(_("The number of clients must be between 1 and {max:,}.").format(max=CLIENTS_MAX))
    conn = db.conn
    if holds_demo_data(conn):
        raise CRMError(_("This database already holds demo data."))
    if holds_real_data(conn) and not force:
        raise CRMError(
            _(
                "This database already holds real data; demo data would mix with it. "
                "Use --force to load it anyway."
            )
        )
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    extra = (clients + EXTRA_UNSIGNED_EVERY - 1) // EXTRA_UNSIGNED_EVERY
    total_rows = clients + (2 * clients + extra) * 2 + 2 * clients  # clients, contracts, payments, events
    progress = Progress(total_rows, progress_stream)
    with db.transaction():
        # The rows get the dates below (past ones). Beside real data (--force) the database refuses
        # writes made without a logged-in employee (sql/0017).
        if not scalar(conn.execute("SELECT demo_load_begin()")):
            raise CRMError(MIXED_REFUSED)
        accounts, team_ids = _insert_employees(conn, clients)
        sales_ids, support_ids = team_ids["sales"], team_ids["support"]
        first_id = scalar(conn.execute("SELECT coalesce(max(id), 0) FROM clients"))
        client_rows = list(_client_rows(rng, clients, sales_ids, now))
        _copy(
            conn,
            "COPY clients (full_name, email, phone, company_name, sales_contact_id, created_at, updated_at)"
            " FROM STDIN",
            iter(client_rows),
            progress,
        )
        by_email = {row[1]: i for i, row in enumerate(client_rows)}
        client_ids = [0] * clients
        for client_id, email in conn.execute(
            "SELECT id, email FROM clients WHERE id > %s AND email LIKE %s", (first_id, "%" + DEMO_CLIENT_TLD)
        ):
            client_ids[by_email[email]] = client_id

        contracts = list(_contract_rows(rng, client_rows, client_ids, now))
        first_contract = scalar(conn.execute("SELECT coalesce(max(id), 0) FROM contracts"))
        _copy(
            conn,
            "COPY contracts (client_id, total_amount, remaining_amount, is_signed, signed_at, created_at,"
            " updated_at) FROM STDIN",
            (c.row for c in contracts),
            progress,
        )
        ids = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM contracts WHERE id > %s AND client_id = ANY(%s) ORDER BY id",
                (first_contract, client_ids),
            )
        ]
        for contract, contract_id in zip(contracts, ids, strict=True):
            contract.id = contract_id
        payments = [p for c in contracts for p in _payment_rows(rng, c, now)]
        _copy(
            conn,
            "COPY payments (contract_id, amount, paid_at, recorded_by, created_at) FROM STDIN",
            iter(payments),
            progress,
        )
        events = [
            _event_row(rng, c, i, support_ids, now) for i, c in enumerate(c for c in contracts if c.signed)
        ]
        _copy(
            conn,
            "COPY events (name, contract_id, support_contact_id, client_contact, starts_at, ends_at,"
            " location, attendees, notes, created_at, updated_at) FROM STDIN",
            iter(events),
            progress,
        )
        pipeline_counts = _load_pipeline(conn, rng, client_ids, client_rows, contracts, now, progress)
    progress.advance(total_rows)  # the estimate of payments is rough; finish the bar
    return DemoResult(
        accounts,
        {
            "employees": len(accounts),
            "clients": clients,
            "contracts": len(contracts),
            "payments": len(payments),
            "events": len(events),
            **pipeline_counts,
        },
    )


@dataclass
class _Contract:
    client_row: tuple
    client_id: int
    total: Decimal
    remaining: Decimal
    signed: bool
    signed_at: datetime | None
    created: datetime
    id: int = 0  # known once copied

    @property
    def sales_id(self) -> int:
        return self.client_row[4]

    @property
    def row(self) -> tuple:
        return (
            self.client_id, self.total, self.remaining, self.signed, self.signed_at, self.created,
            self.signed_at or self.created,
        )  # fmt: skip


def _contract_rows(
    rng: random.Random, client_rows: list[tuple], client_ids: list[int], now: datetime
) -> Iterator[_Contract]:
    for i, (client_row, client_id) in enumerate(zip(client_rows, client_ids, strict=True)):
        client_created = client_row[5]
        kinds = [True, True] + ([False] if i % EXTRA_UNSIGNED_EVERY == 0 else [])
        for signed in kinds:
            total = Decimal(rng.randrange(50_000, 5_000_000)) / 100
            created = min(now, client_created + timedelta(days=rng.uniform(0, (now - client_created).days)))
            signed_at = min(now, created + timedelta(days=rng.uniform(0.1, 14))) if signed else None
            paid_share = rng.choice((0, 0, 30, 50, 100, 100)) if signed else 0
            remaining = (total - (total * paid_share / 100)).quantize(Decimal("0.01"))
            yield _Contract(client_row, client_id, total, remaining, signed, signed_at, created)


def _payment_rows(rng: random.Random, contract: _Contract, now: datetime) -> list[tuple]:
    paid = contract.total - contract.remaining
    if paid <= 0:
        return []
    start = contract.signed_at or contract.created
    if paid < 1000 or rng.random() < 0.5:
        parts = [paid]
    else:
        half = (paid / 2).quantize(Decimal("0.01"))
        parts = [half, paid - half]
    rows = []
    days_since = max(0.0, (now - start).total_seconds() / 86400)
    for part in parts:
        when = start + timedelta(days=rng.uniform(0, min(90.0, days_since)))
        rows.append((contract.id, part, when, contract.sales_id, when))
    return rows


def _event_row(
    rng: random.Random, contract: _Contract, n: int, support_ids: list[int], now: datetime
) -> tuple:
    client_name, client_email, client_phone, company = contract.client_row[:4]
    kind = rng.choice(EVENT_KINDS)
    name = (
        f"{company} {kind}"
        if kind in ("General Assembly", "Product Launch", "Conference")
        else (f"{client_name} {kind}")
    )
    signed_at = contract.signed_at or contract.created
    starts = (signed_at + timedelta(days=rng.uniform(14, 400))).replace(
        hour=rng.randint(9, 20), minute=rng.choice((0, 30)), second=0, microsecond=0
    )
    ends = starts + timedelta(hours=rng.choice((2, 3, 4, 6, 10)))
    support = None if n % UNASSIGNED_EVERY == 0 else rng.choice(support_ids)
    created = min(now, (contract.signed_at or contract.created) + timedelta(hours=1))
    return (
        name[:150], contract.id, support, f"{client_name}, {client_email}, {client_phone}", starts, ends,
        rng.choice(LOCATIONS), rng.choice((20, 50, 75, 120, 200, 350)), rng.choice(NOTES), created, created,
    )  # fmt: skip


# How each count of the demo data is said (the demo loads thousands: one form is enough).
COUNTED = {
    "employees": N_("{count:,} employees"),
    "clients": N_("{count:,} clients"),
    "contracts": N_("{count:,} contracts"),
    "payments": N_("{count:,} payments"),
    "events": N_("{count:,} events"),
    "services": N_("{count:,} services"),
    "opportunities": N_("{count:,} opportunities"),
}


def print_accounts(result: DemoResult, out: Callable[[str], None] = print) -> None:
    """Show the demo accounts and their passwords, once."""
    counts = ", ".join(
        _(COUNTED[what]).format(count=n) if what in COUNTED else f"{n:,} {what}"
        for what, n in result.counts.items()
    )
    out(_("Demo data loaded: {counts}.").format(counts=counts))
    out(_("Demo accounts (these passwords are shown only now):"))
    shown: set[str] = set()
    for account in result.accounts:
        if account.team in shown:
            continue
        shown.add(account.team)
        same = [a.username for a in result.accounts if a.team == account.team]
        names = f"{same[0]} … {same[-1]}" if len(same) > 1 else same[0]
        out(
            _("  {team:<10} {names:<40} password: {password}").format(
                team=_(account.team), names=names, password=account.password
            )
        )


def _load_pipeline(
    conn: psycopg.Connection,
    rng: random.Random,
    client_ids: list[int],
    client_rows: list[tuple],
    contracts: list[_Contract],
    now: datetime,
    progress: Progress,
) -> dict[str, int]:
    """The catalogue, and opportunities at every stage (sql/0013): each starts at new, as every
    opportunity does, and walks the stage machine; a won one is the origin of one of its client's
    signed contracts (its one line: the event package at the contract's total)."""
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO services (name, description, unit_price, unit) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT DO NOTHING",
            SERVICES,
        )
    ids: dict[str, int] = dict(
        conn.execute(
            "SELECT lower(name), id FROM services WHERE lower(name) = ANY(%s)",
            ([name.lower() for name, *_ in SERVICES],),
        ).fetchall()
    )
    catalogue = [(ids[name.lower()], price, unit) for name, _, price, unit in SERVICES]
    package, offered = catalogue[0][0], catalogue[1:]
    # client id -> its signed contracts not yet the origin of an opportunity
    signed: dict[int, list[_Contract]] = {}
    for made in contracts:
        if made.signed:
            signed.setdefault(made.client_id, []).append(made)
    count = max(12, len(client_ids) // OPPORTUNITIES_PER_CLIENT)
    rows, lines, plans = [], [], []
    for i in range(count):
        n = (i * 7919) % len(client_ids)
        client_id, client_row = client_ids[n], client_rows[n]
        stage = PIPELINE_STAGES[i % len(PIPELINE_STAGES)]
        contract: _Contract | None = None
        if stage == "won" and signed.get(client_id):
            contract = signed[client_id].pop()
        if stage == "won" and contract is None:
            stage = "lost"
        attendees = rng.choice((20, 50, 75, 120, 200, 350))
        if contract is not None:
            created = contract.created - timedelta(days=rng.uniform(7, 60))
            closed = contract.created
            quoted = [(package, 1, contract.total)]
        else:
            created = now - timedelta(days=rng.uniform(1, 200))
            closed = min(now, created + timedelta(days=rng.uniform(1, 60)))
            quoted = []
            for service_id, price, unit in rng.sample(offered, rng.randint(1, 3)):
                quantity = attendees if unit == "guest" else 1 if unit == "event" else rng.randint(3, 10)
                quoted.append((service_id, quantity, price))
        amount = sum((quantity * price for _, quantity, price in quoted), Decimal("0.00"))
        title = f"{rng.choice(EVENT_KINDS)} for {client_row[0]}"[:150]
        close_on = (created + timedelta(days=rng.uniform(20, 120))).date()
        rows.append((client_id, title, close_on, attendees, amount, created, created))
        lines.append(
            [(service_id, quantity, price, created, created) for service_id, quantity, price in quoted]
        )
        plans.append((stage, contract, closed))
    first = scalar(conn.execute("SELECT coalesce(max(id), 0) FROM opportunities"))
    _copy(
        conn,
        "COPY opportunities (client_id, title, expected_close_on, expected_attendees, amount, created_at,"
        " updated_at) FROM STDIN",
        iter(rows),
        progress,
    )
    opportunity_ids = [
        r[0] for r in conn.execute("SELECT id FROM opportunities WHERE id > %s ORDER BY id", (first,))
    ]
    _copy(
        conn,
        "COPY opportunity_lines (opportunity_id, service_id, quantity, unit_price, created_at, updated_at)"
        " FROM STDIN",
        ((oid, *line) for oid, quoted in zip(opportunity_ids, lines, strict=True) for line in quoted),
        progress,
    )
    # Up the stages, one move at a time for every opportunity that goes further (a lost one was
    # lost at some open stage, a won one in negotiation).
    lost_at = {i: PIPELINE_STAGES[(i // 6) % 4] for i, (stage, _, _) in enumerate(plans) if stage == "lost"}
    for position, step in enumerate(PIPELINE_STAGES[1:4], start=1):
        moving = [
            oid
            for i, (oid, (stage, _, _)) in enumerate(zip(opportunity_ids, plans, strict=True))
            if (stage == "won")
            or (stage == "lost" and PIPELINE_STAGES.index(lost_at[i]) >= position)
            or (stage in PIPELINE_STAGES[:4] and PIPELINE_STAGES.index(stage) >= position)
        ]
        conn.execute(
            "UPDATE opportunities SET stage = %s, version = version + 1 WHERE id = ANY(%s)", (step, moving)
        )
    lost = [
        (oid, closed)
        for oid, (stage, _, closed) in zip(opportunity_ids, plans, strict=True)
        if stage == "lost"
    ]
    won = [(oid, c.id, closed) for oid, (stage, c, closed) in zip(opportunity_ids, plans, strict=True) if c]
    conn.execute(
        "UPDATE opportunities o SET stage = 'lost', lost_reason = v.reason, closed_at = v.closed,"
        " version = o.version + 1"
        " FROM unnest(%s::bigint[], %s::text[], %s::timestamptz[]) AS v (id, reason, closed)"
        " WHERE o.id = v.id",
        ([o for o, _ in lost], [rng.choice(LOST_REASONS) for _ in lost], [c for _, c in lost]),
    )
    conn.execute(
        "UPDATE opportunities o SET stage = 'won', contract_id = v.contract, closed_at = v.closed,"
        " version = o.version + 1"
        " FROM unnest(%s::bigint[], %s::bigint[], %s::timestamptz[]) AS v (id, contract, closed)"
        " WHERE o.id = v.id",
        ([o for o, _, _ in won], [c for _, c, _ in won], [c for _, _, c in won]),
    )
    return {"services": len(SERVICES), "opportunities": len(rows)}
