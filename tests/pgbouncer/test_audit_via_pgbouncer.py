"""The audit trail's actor (a transaction-local setting) and history paging, through PgBouncer in
transaction mode: a session-level setting would leak to other clients' transactions there."""

from tests.test_audit import (  # noqa: F401 — collected here and run through PgBouncer
    staff,
    test_a_rolled_back_write_leaves_no_audit_row,
    test_client_insert_and_update,
    test_history_menu_pages_long_histories,
    test_history_of_a_contract_shows_its_payments,
    test_payment_insert_and_the_remaining_amount_it_lowers,
    test_rehash_at_login_is_recorded_as_a_rehash_by_the_employee,
)
