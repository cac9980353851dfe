"""CSV exports through the service, against the real database: every list and filter, the
formula guard, accents and SQL-looking text, the atomic 0600 file, and the export's trace."""

from __future__ import annotations

import csv
import io
import json
import os
import stat

import pytest
from psycopg import errors

from crm.errors import PermissionDenied, ValidationError
from crm.models import ExportRequest
from crm.services import exports as service
from crm.services.csvio import atomic_file
from tests.factories import make_client, make_contract, make_event, make_staff

SQL_LIKE = "'; DROP TABLE clients; --"


@pytest.fixture
def staff(admin_conn):
    return make_staff(admin_conn, "manager", "bill", "sam", "kate")


def export_text(db, actor, request, **options) -> tuple[int, str]:
    stream = io.StringIO(newline="")
    count = service.export_csv(db, actor, request, stream, **options)
    return count, stream.getvalue()


def rows_of(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def traces(admin_conn) -> list[tuple]:
    return admin_conn.execute(
        "SELECT employee_id, kind, filters, row_count, excel, face FROM exports ORDER BY id"
    ).fetchall()


def test_clients_export_with_accents_sql_text_and_formulas(db, admin_conn, staff):
    bill = staff["bill"]
    make_client(admin_conn, bill.id, "Zoé Lefèvre 東京", company=SQL_LIKE, email="zoe@client.test")
    make_client(admin_conn, bill.id, '=HYPERLINK("http://evil")', company="@SUM(A1)", email="f@client.test")
    make_client(admin_conn, staff["sam"].id, "Other", email="o@client.test")
    count, text = export_text(db, bill, ExportRequest("clients", mine=True))
    assert count == 2
    assert text.startswith("id,full_name,email,phone,company_name,sales_contact_id,")
    assert "\r\n" in text
    rows = rows_of(text)
    assert [r["full_name"] for r in rows] == ['\'=HYPERLINK("http://evil")', "Zoé Lefèvre 東京"]
    assert rows[0]["company_name"] == "'@SUM(A1)"
    assert rows[1]["company_name"] == SQL_LIKE
    assert admin_conn.execute("SELECT count(*) FROM clients").fetchone() == (3,)
    assert traces(admin_conn) == [(bill.id, "clients", {"mine": True}, 2, False, "menus")]


def test_excel_starts_with_a_bom(db, admin_conn, staff):
    make_client(admin_conn, staff["bill"].id, "Zoé")
    _, text = export_text(db, staff["kate"], ExportRequest("clients"), excel=True, face="commands")
    assert text.startswith("\ufeffid,")
    assert traces(admin_conn)[0][4:] == (True, "commands")


def test_contracts_export_has_paid_and_remaining(db, admin_conn, staff):
    client = make_client(admin_conn, staff["bill"].id)
    make_contract(admin_conn, client, total="1000.00", remaining="250.50", signed=True)
    make_contract(admin_conn, client, total="300.00")
    _, text = export_text(db, staff["manager"], ExportRequest("contracts", unpaid=True, unsigned=True))
    rows = rows_of(text)
    assert [(r["total_amount"], r["paid_amount"], r["remaining_amount"]) for r in rows] == [
        ("300.00", "0.00", "300.00")
    ]
    _, text = export_text(db, staff["bill"], ExportRequest("contracts", mine=True))
    assert {(r["paid_amount"], r["remaining_amount"]) for r in rows_of(text)} == {
        ("749.50", "250.50"),
        ("0.00", "300.00"),
    }
    _, text = export_text(db, staff["sam"], ExportRequest("contracts", mine=True))
    assert rows_of(text) == []


def test_events_and_payments_exports(db, admin_conn, staff):
    client = make_client(admin_conn, staff["bill"].id)
    contract = make_contract(admin_conn, client, total="1000.00", remaining="400.00", signed=True)
    other = make_contract(admin_conn, client, signed=True)
    make_event(admin_conn, contract, "Mariage à Candé", support_id=staff["kate"].id)
    make_event(admin_conn, other, "Unstaffed")
    _, text = export_text(db, staff["kate"], ExportRequest("events", mine=True))
    assert [r["name"] for r in rows_of(text)] == ["Mariage à Candé"]
    _, text = export_text(db, staff["manager"], ExportRequest("events", no_support=True))
    assert [r["name"] for r in rows_of(text)] == ["Unstaffed"]
    _, text = export_text(db, staff["bill"], ExportRequest("events", search="mariage a cande"))
    assert [r["name"] for r in rows_of(text)] == ["Mariage à Candé"]
    _, text = export_text(db, staff["bill"], ExportRequest("payments", contract_id=contract))
    assert [(r["amount"], r["recorded_by"]) for r in rows_of(text)] == [("600.00", str(staff["bill"].id))]
    assert [t[1:4] for t in traces(admin_conn)] == [
        ("events", {"mine": True}, 1),
        ("events", {"no_support": True}, 1),
        ("events", {"search": "mariage a cande"}, 1),
        ("payments", {"contract_id": contract}, 1),
    ]


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (ExportRequest("employees"), "Export one of"),
        (ExportRequest("clients", unpaid=True), "does not take --unpaid"),
        (ExportRequest("clients", mine=True, search="x"), "Choose one of --mine, --search"),
        (ExportRequest("events", support_id=0), "--support must be a positive whole number"),
        (ExportRequest("clients", search="\x1b[2J"), "Search text"),
    ],
)
def test_bad_requests_are_refused_and_leave_no_trace(db, admin_conn, staff, request_, message):
    with pytest.raises(ValidationError, match=message):
        export_text(db, staff["manager"], request_)
    assert traces(admin_conn) == []


def test_a_deactivated_employee_exports_nothing(db, admin_conn, staff):
    make_client(admin_conn, staff["bill"].id)
    admin_conn.execute("UPDATE employees SET is_active = false WHERE id = %s", (staff["sam"].id,))
    with pytest.raises(PermissionDenied):
        export_text(db, staff["sam"], ExportRequest("clients"))
    assert traces(admin_conn) == []


def test_the_file_is_0600_and_appears_only_whole(db, admin_conn, staff, tmp_path):
    make_client(admin_conn, staff["bill"].id, "Zoé")
    target = tmp_path / "clients.csv"
    with atomic_file(target) as stream:
        service.export_csv(db, staff["bill"], ExportRequest("clients"), stream)
        assert not target.exists()  # written under a temporary name until complete
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert rows_of(target.read_text(encoding="utf-8"))[0]["full_name"] == "Zoé"
    # A failed export leaves the existing file as it was, and no temporary file.
    with pytest.raises(ValidationError), atomic_file(target) as stream:
        service.export_csv(db, staff["bill"], ExportRequest("clients", unpaid=True), stream)
    assert rows_of(target.read_text(encoding="utf-8"))[0]["full_name"] == "Zoé"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clients.csv"]


def test_atomic_file_refuses_a_missing_folder_and_a_folder(tmp_path):
    with pytest.raises(ValidationError, match="does not exist"), atomic_file(tmp_path / "no" / "x.csv"):
        pass
    with pytest.raises(ValidationError, match="is a folder"), atomic_file(tmp_path):
        pass


def test_progress_is_reported(db, admin_conn, staff, monkeypatch):
    monkeypatch.setattr(service, "PROGRESS_EVERY", 2)
    for n in range(5):
        make_client(admin_conn, staff["bill"].id, f"Client {n}")
    seen = []
    count, _ = export_text(
        db, staff["bill"], ExportRequest("clients"), progress=lambda d, t: seen.append((d, t))
    )
    assert count == 5
    assert seen == [(2, 5), (4, 5), (5, 5)]


def test_the_trace_names_the_acting_employee_whatever_the_writer_sends(db, admin_conn, staff):
    with db.transaction(staff["bill"].id):
        db.conn.execute(
            "INSERT INTO exports (id, employee_id, kind, row_count, face, created_at)"
            " VALUES (999, %s, 'clients', 1, 'menus', '2001-01-01')",
            (staff["manager"].id,),
        )
    row = admin_conn.execute("SELECT id, employee_id, created_at > now() - interval '1 minute' FROM exports")
    assert row.fetchone() == (1, staff["bill"].id, True)
    with pytest.raises(errors.CheckViolation), db.transaction():
        db.conn.execute(
            "INSERT INTO exports (employee_id, kind, row_count, face) VALUES (1, 'clients', 1, 'menus')"
        )
    with pytest.raises(errors.InsufficientPrivilege), db.transaction(staff["bill"].id):
        db.conn.execute("UPDATE exports SET row_count = 0")
    assert json.loads(json.dumps(traces(admin_conn)[0][2])) == {}


def test_rows_come_from_a_server_side_cursor_in_batches(db, admin_conn, staff, monkeypatch):
    from crm.repositories import exports as repository

    monkeypatch.setattr(repository, "BATCH", 3)
    monkeypatch.setattr(service, "PROGRESS_EVERY", 1)
    for n in range(7):
        make_client(admin_conn, staff["bill"].id, f"Client {n}")
    cursors = []

    def look(done, expected):
        if done < 7:  # inside the export's transaction: its cursor is open on the server
            cursors.append(
                db.conn.execute("SELECT name, is_holdable FROM pg_cursors WHERE name <> ''").fetchall()
            )

    count, _ = export_text(db, staff["bill"], ExportRequest("clients"), progress=look)
    assert count == 7
    assert cursors and all(c == [("crm_export", False)] for c in cursors)
    assert db.conn.execute("SELECT count(*) FROM pg_cursors WHERE name <> ''").fetchone() == (0,)
