"""Review: README says "A file written by `export clients` imports as it is (its other columns
are ignored)" — true for management, but a sales employee's own export is refused whole because
it carries the sales_contact_id column (crm/services/client_imports.py IGNORED / _header)."""

from __future__ import annotations

import io

from crm.models import ExportRequest
from crm.services import client_imports as service
from crm.services import exports as export_service
from tests.factories import make_client, make_staff


def test_review_sales_export_then_import_round_trip(db, admin_conn):
    staff = make_staff(admin_conn, "manager", "bill")
    make_client(admin_conn, staff["bill"].id, "Zoé Lefèvre", email="zoe@client.test", company="Château")
    stream = io.StringIO(newline="")
    export_service.export_csv(db, staff["bill"], ExportRequest("clients", mine=True), stream)
    admin_conn.execute("TRUNCATE audit_log, exports, clients RESTART IDENTITY CASCADE")
    try:
        report = service.import_clients(db, staff["bill"], stream.getvalue().encode())
    except service.ImportRefused as refused:
        raise AssertionError(
            f"sales' own export refused on import: {[p.message for p in refused.report.problems]}"
        ) from None
    assert report.created == 1
    rows = admin_conn.execute("SELECT full_name, sales_contact_id FROM clients").fetchall()
    assert rows == [("Zoé Lefèvre", staff["bill"].id)]
