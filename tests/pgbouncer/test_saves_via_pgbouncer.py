"""Versioned saves and concurrent payments, through PgBouncer in transaction mode."""

from tests.test_contracts import (  # noqa: F401 — collected here and run through PgBouncer
    staff,
    test_a_payment_waiting_on_another_one_sees_what_it_left,
    test_an_edit_started_before_a_payment_is_refused,
    test_the_second_of_two_concurrent_edits_is_refused,
    test_two_concurrent_payments_that_exceed_what_remains_one_succeeds,
    test_two_concurrent_payments_that_fit_both_succeed,
    test_two_payments_racing_freely_never_overdraw,
)
