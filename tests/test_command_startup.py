"""A read command imports only what it needs: `python -m main client list` (a real process, logged
in, on a real database) loads neither the interactive program's prompts, nor the setup, backup
or demo code, nor the e-mail validator or the password-strength checker, nor Sentry (off)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.commands import Commands
from tests.e2e import REPO
from tests.factories import DEFAULT_PASSWORD, make_client, make_employee

# Modules a `client list` never needs (the list is read, shown and done).
NOT_NEEDED = (
    "questionary",
    "prompt_toolkit",
    "email_validator",
    "zxcvbn",
    "sentry_sdk",
    "crm.setup",
    "crm.backup",
    "crm.demo",
    "crm.ui.wizard",
    "crm.ui.login",
)


def imported(*args: str, env: dict[str, str]) -> tuple[subprocess.CompletedProcess, set[str]]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "main", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=dict(os.environ, **env),
        timeout=120,
    )
    names = set(re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)$", done.stderr, re.MULTILINE))
    return done, names


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_client_list_imports_only_what_it_needs(crm_db, tmp_path, admin_conn, fmt):
    cli = Commands(crm_db, tmp_path)
    bill = make_employee(admin_conn, "sales", "bill", full_name="Bill Boquet")
    make_client(admin_conn, bill.id, "Zoé Müller")
    login = cli.process("login", "--username", "bill", "--password-stdin", stdin=DEFAULT_PASSWORD + "\n")
    assert login.status == 0, login.err

    done, names = imported("client", "list", "--format", fmt, env=cli.env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Zoé Müller" in done.stdout
    assert {"crm.cli.common", "psycopg", "click"} <= names  # the measurement sees the imports
    wrong = sorted(name for name in names if name.split(".")[0] in NOT_NEEDED or name in NOT_NEEDED)
    assert not wrong, f"client list imports {wrong}"


def test_help_needs_no_database_code(tmp_path):
    done, names = imported("--help", env={"CRM_CONFIG": str(tmp_path / "none.ini")})
    assert done.returncode == 0
    assert "client" in done.stdout
    assert not {"psycopg", "crm.db", "crm.cli.common"} & names
