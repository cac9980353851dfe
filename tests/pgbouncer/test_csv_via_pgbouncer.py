"""CSV exports (a server-side cursor and the export's trace in one transaction) and client
imports (the staging table, ON COMMIT DROP), through PgBouncer in transaction mode."""

from tests.test_client_imports import (  # noqa: F401 — collected here and run through PgBouncer
    staff,
    test_duplicates_are_reported_then_skipped,
    test_export_then_import_round_trip,
    test_sales_import_clients_who_become_theirs,
)
from tests.test_exports import (  # noqa: F401
    test_clients_export_with_accents_sql_text_and_formulas,
    test_rows_come_from_a_server_side_cursor_in_batches,
)
