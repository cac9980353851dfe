"""Importing clients from CSV through the service, against the real database: the dry run's
report (line, column, message) for broken files with nothing written, all-or-nothing imports,
duplicates skipped or updated, who owns the new clients, and an export → import round trip."""

from __future__ import annotations

import io

import pytest

from crm.errors import PermissionDenied, ValidationError
from crm.models import ExportRequest
from crm.services import client_imports as service
from crm.services import exports as export_service
from tests.factories import audit_count, make_client, make_employee, make_staff

SQL_LIKE = "'; DROP TABLE clients; --"
HEADER = "full_name,email,phone,company_name\r\n"


@pytest.fixture
def staff(admin_conn):
    return make_staff(admin_conn, "manager", "bill", "sam", "kate")


def table(admin_conn) -> list[tuple]:
    return admin_conn.execute(
        "SELECT full_name, email, phone, company_name, sales_contact_id, version FROM clients ORDER BY id"
    ).fetchall()


def problems(report) -> list[tuple]:
    return [(p.line, p.column, p.message) for p in report.problems]


def refused(db, actor, data: bytes, on_duplicate: str = "skip", dry_run: bool = False):
    with pytest.raises(service.ImportRefused) as caught:
        service.import_clients(db, actor, data, on_duplicate, dry_run=dry_run)
    assert str(caught.value).startswith("Nothing was imported:")
    return caught.value.report


def test_sales_import_clients_who_become_theirs(db, admin_conn, staff):
    data = (
        HEADER + "Zoé Lefèvre 東京,zoe@client.test,+33 6 12 34 56 78,Château SARL\r\n"
        f'"Casey, Kevin",KEVIN@Startup.io,,"{SQL_LIKE}"\r\n'
    ).encode()
    before = audit_count(admin_conn)
    dry = service.import_clients(db, staff["bill"], data, dry_run=True)
    assert (dry.rows, dry.created, dry.written, dry.problems) == (2, 2, False, ())
    assert table(admin_conn) == []
    report = service.import_clients(db, staff["bill"], data)
    assert (report.created, report.updated, report.skipped, report.written) == (2, 0, 0, True)
    assert table(admin_conn) == [
        ("Zoé Lefèvre 東京", "zoe@client.test", "+33 6 12 34 56 78", "Château SARL", staff["bill"].id, 1),
        ("Casey, Kevin", "KEVIN@startup.io", None, SQL_LIKE, staff["bill"].id, 1),
    ]
    assert audit_count(admin_conn) == before + 2  # one audit row per client, by the triggers
    who = admin_conn.execute("SELECT DISTINCT employee_id FROM audit_log WHERE table_name = 'clients'")
    assert who.fetchall() == [(staff["bill"].id,)]


def test_management_names_the_sales_contact(db, admin_conn, staff):
    data = (
        "email,full_name,company_name,phone,sales_contact_id\n"
        f"a@client.test,Anne,,,{staff['sam'].id}\n"
        f"b@client.test,Bob,,,{staff['bill'].id}\n"
    ).encode()
    service.import_clients(db, staff["manager"], data)
    assert [(r[0], r[4]) for r in table(admin_conn)] == [("Anne", staff["sam"].id), ("Bob", staff["bill"].id)]


def test_management_must_give_an_active_sales_contact(db, admin_conn, staff):
    gone = make_employee(admin_conn, "sales", "gone", active=False)
    data = (
        "full_name,email,phone,company_name,sales_contact_id\n"
        f"Anne,a@client.test,,,{staff['kate'].id}\n"
        f"Bob,b@client.test,,,{gone.id}\n"
        "Carl,c@client.test,,,abc\n"
    ).encode()
    report = refused(db, staff["manager"], data)
    assert [(p[0], p[1]) for p in problems(report)] == [
        (2, "sales_contact_id"),
        (3, "sales_contact_id"),
        (4, "sales_contact_id"),
    ]
    assert f"Employee {staff['kate'].id} is not an active sales employee." == report.problems[0].message
    assert table(admin_conn) == []
    missing = refused(db, staff["manager"], HEADER.encode() + b"Anne,a@client.test,,\n")
    assert problems(missing)[0][:2] == (1, "sales_contact_id")


def test_support_cannot_import(db, admin_conn, staff):
    with pytest.raises(PermissionDenied, match="Only management or sales can import clients from CSV"):
        service.import_clients(db, staff["kate"], HEADER.encode() + b"Anne,a@client.test,,\n")
    assert table(admin_conn) == []


def test_one_bad_line_among_ten_thousand_imports_nothing(db, admin_conn, staff):
    lines = [
        f"Client {n},client{n}@client.test,+33 1 23 45 67 {n % 100:02d},Company {n}" for n in range(10_000)
    ]
    lines[7_321] = "Client bad,not-an-email,,"
    data = (HEADER + "\r\n".join(lines) + "\r\n").encode()
    report = refused(db, staff["bill"], data)
    assert problems(report) == [(7_323, "email", "Enter a valid e-mail address, like name@example.com.")]
    assert report.rows == 10_000
    assert table(admin_conn) == []
    lines[7_321] = "Client ok,ok@client.test,,"
    report = service.import_clients(db, staff["bill"], (HEADER + "\n".join(lines)).encode())
    assert report.created == 10_000
    assert admin_conn.execute("SELECT count(*) FROM clients").fetchone() == (10_000,)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            HEADER.encode() + "Zoé,z@client.test,,\n".encode("latin-1"),
            [
                (
                    2,
                    "",
                    "The file is not UTF-8 text (byte 0xE9 on line 2): save it as UTF-8 (in Excel: "
                    "CSV UTF-8) and try again.",
                )
            ],
        ),
        (
            b"full_name,email,company_name\nAnne,a@client.test,\n",
            [(1, "phone", "Missing column 'phone': the columns are full_name, email, phone, company_name.")],
        ),
        (
            b"full_name,email,phone,company_name,notes\nAnne,a@client.test,,,hi\n",
            [(1, "notes", "Unknown column 'notes': the columns are full_name, email, phone, company_name.")],
        ),
        (
            # A sales employee's own id is fine (their export imports back); another's is not.
            b"full_name,email,phone,company_name,sales_contact_id\nAnne,a@client.test,,,99\n",
            [
                (
                    2,
                    "sales_contact_id",
                    "Only management chooses the sales contact: the clients you import are yours"
                    " (employee 2); remove the column or leave your own id.",
                )
            ],
        ),
        (
            b"",
            [
                (
                    1,
                    "",
                    "The file is empty: its first line names the columns "
                    "(full_name, email, phone, company_name).",
                )
            ],
        ),
        (HEADER.encode(), [(2, "", "The file has a header but no client.")]),
        (
            HEADER.encode() + b"Anne,a@client.test,,\nBob,b@client.test\n",
            [(3, "", "2 values where the header has 4 columns.")],
        ),
        (
            HEADER.encode() + b'Anne,a@client.test,,"Open\n',
            [(2, "", "Not valid CSV (unexpected end of data): check the quotes on this line.")],
        ),
        (
            HEADER.encode() + b"Anne,a@client.test,,\nAnne Bis,A@CLIENT.TEST,,\n",
            [(3, "email", "The same e-mail address as line 2.")],
        ),
        (
            HEADER.encode() + "Zo\u202ee,z@client.test,12,=cmd|' /C calc'!A0\n,,,\n".encode(),
            [
                (
                    2,
                    "full_name",
                    "Full name cannot contain the invisible character U+202E (direction and zero-width "
                    "characters are refused).",
                ),
                (2, "phone", "A phone number has at least 6 digits and only digits, spaces, + - . ( )."),
                (3, "full_name", "Full name cannot be blank."),
                (3, "email", "Enter a valid e-mail address, like name@example.com."),
            ],
        ),
    ],
    ids=[
        "latin-1",
        "missing column",
        "extra column",
        "sales with an owner column",
        "empty file",
        "header only",
        "short line",
        "open quote",
        "same e-mail twice",
        "bad cells",
    ],
)
def test_broken_files_get_a_report_and_change_nothing(db, admin_conn, staff, data, expected):
    make_client(admin_conn, staff["sam"].id, "Existing", email="e@client.test")
    before = table(admin_conn), audit_count(admin_conn)
    for dry_run in (True, False):
        report = refused(db, staff["bill"], data, dry_run=dry_run)
        assert problems(report)[: len(expected)] == expected
        assert (table(admin_conn), audit_count(admin_conn)) == before


def test_duplicates_are_reported_then_skipped(db, admin_conn, staff):
    existing = make_client(admin_conn, staff["sam"].id, "Old Name", email="dup@client.test")
    data = (HEADER + "New Name,DUP@client.test,,\nFresh,fresh@client.test,,\n").encode()
    report = service.import_clients(db, staff["bill"], data, "skip", dry_run=True)
    assert [(d.line, d.client_id) for d in report.duplicates] == [(2, existing)]
    assert (report.created, report.skipped) == (1, 1)
    report = service.import_clients(db, staff["bill"], data, "skip")
    assert (report.created, report.updated, report.skipped) == (1, 0, 1)
    assert [r[0] for r in table(admin_conn)] == ["Old Name", "Fresh"]


def test_sales_update_their_own_duplicates_only(db, admin_conn, staff):
    mine = make_client(admin_conn, staff["bill"].id, "Old Name", email="mine@client.test")
    make_client(admin_conn, staff["sam"].id, "Sam's", email="sams@client.test")
    data = (
        HEADER + "New Name,mine@client.test,+33 1 23 45 67 89,New Co\nTaken,sams@client.test,,\n"
    ).encode()
    before = table(admin_conn)
    report = refused(db, staff["bill"], data, "update")
    assert problems(report) == [
        (
            3,
            "email",
            f"Client {mine + 1} has this e-mail address. "
            "Only the client's sales contact can update this client.",
        )
    ]
    assert table(admin_conn) == before
    report = service.import_clients(db, staff["bill"], data.split(b"Taken")[0], "update")
    assert (report.created, report.updated) == (0, 1)
    assert table(admin_conn)[0] == (
        "New Name",
        "mine@client.test",
        "+33 1 23 45 67 89",
        "New Co",
        staff["bill"].id,
        2,
    )
    # The same file again changes nothing.
    report = service.import_clients(db, staff["bill"], data.split(b"Taken")[0], "update")
    assert (report.updated, report.skipped) == (0, 1)
    assert table(admin_conn)[0][-1] == 2


def test_a_client_created_meanwhile_is_found_inside_the_transaction(db, admin_conn, staff, monkeypatch):
    data = (HEADER + "Anne,anne@client.test,,\nBob,bob@client.test,,\n").encode()
    check = service.check_client_file

    def and_someone_saves(*args, **kwargs):
        result = check(*args, **kwargs)
        make_client(admin_conn, staff["sam"].id, "Bob Elsewhere", email="BOB@client.test")
        return result

    monkeypatch.setattr(service, "check_client_file", and_someone_saves)
    report = service.import_clients(db, staff["bill"], data, "skip")
    assert (report.created, report.skipped) == (1, 1)  # skipped, and reported
    assert [r[0] for r in table(admin_conn)] == ["Bob Elsewhere", "Anne"]


def test_an_update_refused_inside_the_transaction_imports_nothing(db, admin_conn, staff, monkeypatch):
    data = (HEADER + "Carl,carl@client.test,,\nBob,bob@client.test,,\n").encode()
    check = service.check_client_file

    def and_someone_saves(*args, **kwargs):
        result = check(*args, **kwargs)
        make_client(admin_conn, staff["sam"].id, "Bob Elsewhere", email="bob@client.test")
        return result

    monkeypatch.setattr(service, "check_client_file", and_someone_saves)
    with pytest.raises(ValidationError, match="Line 3: client .* Only the client's sales contact"):
        service.import_clients(db, staff["bill"], data, "update")
    assert [r[0] for r in table(admin_conn)] == ["Bob Elsewhere"]


def test_export_then_import_round_trip(db, admin_conn, staff):
    names = ["Zoé Lefèvre", SQL_LIKE, "=1+1", "Aliénor Vichum 東京", 'Quote "this", please']
    for n, name in enumerate(names):
        make_client(admin_conn, staff["bill"].id, name, email=f"c{n}@client.test", company=f"{name} & Co")
    before = table(admin_conn)
    stream = io.StringIO(newline="")
    export_service.export_csv(db, staff["manager"], ExportRequest("clients"), stream, excel=True)
    admin_conn.execute("TRUNCATE audit_log, exports, clients RESTART IDENTITY CASCADE")
    report = service.import_clients(db, staff["manager"], stream.getvalue().encode())
    assert report.created == len(names)
    # The same clients (the file is newest first), the formula and the phone's + included.
    assert sorted(table(admin_conn)) == sorted(before)
    assert '"\'=1+1"' not in stream.getvalue() and "'=1+1" in stream.getvalue()


def test_the_staging_table_lives_only_in_its_transaction(db, admin_conn, staff):
    from psycopg import errors

    with db.transaction(staff["bill"].id):
        db.conn.execute("SELECT client_import_staging()")
        db.conn.execute("INSERT INTO pg_temp.client_import VALUES (2, 'A', 'a@client.test', NULL, '', 1)")
        assert db.conn.execute("SELECT count(*) FROM pg_temp.client_import").fetchone() == (1,)
        with pytest.raises(errors.ObjectInUse), db.conn.transaction(savepoint_name="again"):
            db.conn.execute("SELECT client_import_staging()")
        # It is the owner's table: the application role may fill and read it, nothing else.
        with pytest.raises(errors.InsufficientPrivilege), db.conn.transaction(savepoint_name="drop"):
            db.conn.execute("DROP TABLE pg_temp.client_import")
    assert db.conn.execute("SELECT to_regclass('pg_temp.client_import')").fetchone() == (None,)
    with pytest.raises(errors.InsufficientPrivilege), db.transaction(staff["bill"].id):
        db.conn.execute("CREATE TEMP TABLE mine (id int)")
