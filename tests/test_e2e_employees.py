"""End to end through `python -m main` in a pseudo-terminal: a manager creates a support
employee, who logs in; the manager deactivates them, and their next login is refused."""

from __future__ import annotations

import pytest

from tests.configs import write_config
from tests.e2e import PASSWORD, Crm
from tests.factories import make_employee

KATE_PASSWORD = "violet tractor on the moon"


@pytest.fixture
def workdir(tmp_path, crm_db, admin_conn):
    """An existing server-mode config for the module's database, with one manager (boss)."""
    make_employee(admin_conn, "management", "boss", PASSWORD, full_name="Bill Boss")
    path = write_config(tmp_path / "crm.ini", crm_db).path
    assert path.stat().st_mode & 0o777 == 0o600
    return tmp_path


def test_manager_creates_support_who_logs_in_then_is_deactivated_and_refused(workdir, admin_conn):
    crm = Crm(workdir)
    try:
        crm.login("boss")
        crm.expect("Welcome, Bill Boss (management).")
        crm.pick("main menu", "Employees")
        crm.pick("Employees", "Create an employee")
        crm.answer("Username:", "kate")
        crm.answer("Full name:", "Kate Hastroff")
        crm.answer("E-mail:", "kate@epicevents.test")
        crm.answer("Phone (optional):", "+33 6 12 34 56 78")
        crm.pick("Team:", "support")
        crm.answer("Initial password:", KATE_PASSWORD)
        crm.answer("Initial password again:", KATE_PASSWORD)
        crm.confirm_write("boss")
        crm.expect("Employee 2 created: kate (Kate Hastroff, support).")
        crm.log_out("Employees")

        crm.login("Kate", KATE_PASSWORD)
        crm.expect("Welcome, Kate Hastroff (support).")
        crm.pick("main menu", "Log out")
        crm.expect("Logged out.")

        crm.login("boss")
        crm.pick("main menu", "Employees")
        crm.pick("Employees", "Deactivate an employee")
        crm.answer("Employee id, or part of a name:", "2")
        crm.expect("Deactivate Kate Hastroff (kate)? They will not be able to log in.")
        crm.child.send("y\r")
        crm.confirm_write("boss")
        crm.expect("Kate Hastroff (kate) is deactivated.")
        crm.log_out("Employees")

        crm.login("kate", KATE_PASSWORD)
        crm.expect("Invalid username or password.")
        assert crm.quit_at_login() == 0
    finally:
        crm.close()
    row = admin_conn.execute(
        "SELECT username, full_name, phone, team, is_active FROM employees WHERE id = 2"
    ).fetchone()
    assert row == ("kate", "Kate Hastroff", "+33 6 12 34 56 78", "support", False)
    stored = admin_conn.execute("SELECT password_hash FROM employees WHERE id = 2").fetchone()[0]
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")  # the program's own profile
    transcript = (workdir / "transcript.txt").read_text(encoding="utf-8")
    assert KATE_PASSWORD not in transcript and PASSWORD not in transcript
    assert "Traceback" not in transcript
