"""Logging in and proving it is still you: the only code that checks passwords."""

from __future__ import annotations

from crm import security
from crm.db import Database
from crm.errors import AuthenticationError
from crm.models import Employee
from crm.repositories.employees import EmployeeRepository

LOGIN_FAILED = "Invalid username or password."


def login(db: Database, username: str, password: str) -> Employee:
    """The active employee with these credentials, or AuthenticationError (always the same message)."""
    repo = EmployeeRepository(db.conn)
    row = repo.credentials(username.strip())
    if row is None:
        security.burn_verification_time(password)
        raise AuthenticationError(LOGIN_FAILED)
    employee_id, password_hash, is_active = row
    if not security.verify_password(password_hash, password) or not is_active:
        raise AuthenticationError(LOGIN_FAILED)
    if security.needs_rehash(password_hash):
        with db.transaction(employee_id):
            repo.set_password_hash(employee_id, security.hash_password(password))
    employee = repo.get(employee_id)
    assert employee is not None
    return employee


def confirm_password(db: Database, employee: Employee, password: str) -> None:
    """Check the acting employee's password again before a write."""
    password_hash = EmployeeRepository(db.conn).password_hash(employee.id)
    if password_hash is None or not security.verify_password(password_hash, password):
        raise AuthenticationError("Wrong password; nothing was saved.")
