"""Versioned client saves and searches, through PgBouncer in transaction mode."""

from tests.test_clients import (  # noqa: F401 — collected here and run through PgBouncer
    staff,
    test_an_edit_started_before_a_reassignment_is_refused,
    test_sales_updates_every_field_of_their_client_and_the_version_moves,
    test_search_ignores_accents_both_ways_and_case,
    test_the_second_of_two_concurrent_edits_is_refused,
)
