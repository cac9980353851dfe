"""Login throttling holds against attempts made at the same time (several programs, one username).

Each attempt is counted before its password is verified, in one atomic statement, so no more
than MAX_FAILURES verifications happen before the lock whatever the parallelism; a right
password accepted while parallel attempts locked the username is refused too.
Threads with one connection each stand for separate programs.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest

from crm import security
from crm.db import Database, connect
from crm.errors import AuthenticationError
from crm.services import auth
from tests import factories
from tests.factories import DEFAULT_PASSWORD, make_employee

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
ATTEMPTS = 20


class CountingVerifier:
    """Counts password verifications (thread-safe) and makes each one last a little, as argon2
    does in production, so that parallel attempts overlap."""

    def __init__(self, monkeypatch):
        self.real = security.verify_password
        self.count = 0
        self.guard = threading.Lock()
        monkeypatch.setattr(security, "verify_password", self)

    def __call__(self, password_hash, password):
        with self.guard:
            self.count += 1
        time.sleep(0.05)
        return self.real(password_hash, password)


def throttle_row(admin_conn, username):
    return factories.throttle_row(admin_conn, username, "failures, locked_until")


def in_parallel(crm_db, attempt, n=ATTEMPTS):
    """Run attempt(db) in n threads at once, each on its own connection; what each raised."""
    databases = [Database(connect(crm_db.app_dsn)) for _ in range(n)]
    start = threading.Barrier(n)
    outcomes: list[BaseException | None] = [None] * n

    def run(i):
        start.wait()
        try:
            attempt(databases[i])
        except BaseException as error:  # noqa: BLE001 — collected for the assertions
            outcomes[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not any(thread.is_alive() for thread in threads)
    finally:
        for database in databases:
            database.close()
    return outcomes


@pytest.mark.parametrize("username", ["bill", "nobody_here"], ids=["known", "unknown"])
def test_parallel_wrong_passwords_get_at_most_five_verifications(
    db, admin_conn, crm_db, monkeypatch, username
):
    make_employee(admin_conn, "sales", "bill")
    verifier = CountingVerifier(monkeypatch)
    outcomes = in_parallel(crm_db, lambda d: auth.login(d, username, "not the password", now=T0))
    assert all(isinstance(outcome, AuthenticationError) for outcome in outcomes), outcomes
    assert verifier.count <= security.MAX_FAILURES
    assert sum(isinstance(o, auth.AccountLocked) for o in outcomes) >= ATTEMPTS - security.MAX_FAILURES
    failures, locked_until = throttle_row(admin_conn, username)
    assert locked_until == T0 + security.LOCK_TIME
    # The lock holds: the right password is refused, without a verification.
    before = verifier.count
    with pytest.raises(auth.AccountLocked):
        auth.login(db, username, DEFAULT_PASSWORD, now=T0)
    assert verifier.count == before
    assert throttle_row(admin_conn, username)[1] == T0 + security.LOCK_TIME


def test_parallel_wrong_passwords_before_a_write_lock_and_log_out(db, admin_conn, crm_db, monkeypatch):
    bill = make_employee(admin_conn, "sales", "bill")
    verifier = CountingVerifier(monkeypatch)
    outcomes = in_parallel(crm_db, lambda d: auth.confirm_password(d, bill, "not the password", now=T0))
    assert all(isinstance(outcome, AuthenticationError) for outcome in outcomes), outcomes
    assert verifier.count <= security.MAX_FAILURES
    assert throttle_row(admin_conn, "bill")[1] == T0 + security.LOCK_TIME
    with pytest.raises(auth.AccountLocked):
        auth.confirm_password(db, bill, DEFAULT_PASSWORD, now=T0)


def test_the_attempt_is_counted_before_the_password_is_verified(db, admin_conn, monkeypatch):
    make_employee(admin_conn, "sales", "bill")
    real = security.verify_password
    seen = []

    def verify(password_hash, password):
        seen.append(throttle_row(admin_conn, "bill"))
        return real(password_hash, password)

    monkeypatch.setattr(security, "verify_password", verify)
    with pytest.raises(AuthenticationError):
        auth.login(db, "bill", "not the password", now=T0)
    assert seen == [(1, None)]
    assert throttle_row(admin_conn, "bill") == (1, None)


def test_a_right_password_does_not_lift_a_lock_set_while_it_was_verified(db, admin_conn, crm_db, monkeypatch):
    """The right password is being verified while another program makes five wrong attempts."""
    make_employee(admin_conn, "sales", "bill")
    real = security.verify_password
    other = Database(connect(crm_db.app_dsn))

    def verify(password_hash, password):
        if password == DEFAULT_PASSWORD:
            for _ in range(security.MAX_FAILURES):
                with pytest.raises(AuthenticationError):
                    auth.login(other, "bill", "not the password", now=T0)
        return real(password_hash, password)

    monkeypatch.setattr(security, "verify_password", verify)
    try:
        with pytest.raises(auth.AccountLocked):
            auth.login(db, "bill", DEFAULT_PASSWORD, now=T0)
    finally:
        other.close()
    assert throttle_row(admin_conn, "bill")[1] == T0 + security.LOCK_TIME


def test_a_right_password_after_four_failures_still_logs_in_and_clears_the_count(db, admin_conn):
    make_employee(admin_conn, "sales", "bill")
    for _ in range(security.MAX_FAILURES - 1):
        with pytest.raises(AuthenticationError):
            auth.login(db, "bill", "not the password", now=T0)
    assert auth.login(db, "bill", DEFAULT_PASSWORD, now=T0).username == "bill"
    assert throttle_row(admin_conn, "bill") == (0, None)


def test_parallel_right_passwords_all_log_in(db, admin_conn, crm_db):
    """Counting before verifying does not refuse an employee who logs in from a few programs at once."""
    make_employee(admin_conn, "sales", "bill")
    outcomes = in_parallel(crm_db, lambda d: auth.login(d, "bill", DEFAULT_PASSWORD, now=T0), n=4)
    assert outcomes == [None] * 4
    assert throttle_row(admin_conn, "bill") in (None, (0, None))
