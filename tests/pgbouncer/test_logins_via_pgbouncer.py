"""Logins and the lockout, through PgBouncer in transaction mode (tests of the suite, again)."""

from tests.test_auth import (  # noqa: F401 — collected here and run through PgBouncer
    test_a_successful_login_resets_the_count,
    test_five_failures_lock_the_username_for_fifteen_minutes,
    test_login_loop_shows_the_lock_and_when_to_try_again,
    test_the_lock_survives_a_restart,
    test_weaker_hash_is_replaced_at_the_next_successful_login,
    test_wrong_password_before_a_write_cancels_it_and_counts_as_a_failure,
)
from tests.test_login_race import (  # noqa: F401
    test_a_right_password_does_not_lift_a_lock_set_while_it_was_verified,
    test_parallel_right_passwords_all_log_in,
    test_parallel_wrong_passwords_get_at_most_five_verifications,
)
