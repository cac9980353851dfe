"""Running the commands in tests: in this process (fast, for matrices) or as a real subprocess."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from crm.cli.root import run
from tests.configs import write_config
from tests.e2e import REPO


@dataclass(frozen=True)
class Result:
    status: int
    out: str
    err: str


class Commands:
    """`python -m main …` against one test database, with its own config and session folder."""

    def __init__(self, crm_db, folder: Path) -> None:
        self.folder = folder
        self.config = write_config(folder / "crm.ini", crm_db).path
        self.runtime_dir = folder / "run"
        self.runtime_dir.mkdir(mode=0o700, exist_ok=True)
        self.env = {"CRM_CONFIG": str(self.config), "XDG_RUNTIME_DIR": str(self.runtime_dir)}

    def __call__(self, *args: str, stdin: str = "", capsys=None, monkeypatch=None) -> Result:
        """Run in this process (capsys and monkeypatch: the test's fixtures)."""
        for key, value in self.env.items():
            monkeypatch.setenv(key, value)
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        capsys.readouterr()
        status = run(list(args))
        captured = capsys.readouterr()
        return Result(status, captured.out, captured.err)

    def process(self, *args: str, stdin: str = "", env: dict[str, str] | None = None) -> Result:
        """Run `python -m main …` as a real subprocess (no terminal attached)."""
        done = subprocess.run(
            [sys.executable, "-m", "main", *args],
            cwd=REPO,
            input=stdin,
            capture_output=True,
            text=True,
            env=dict(os.environ, **self.env, **(env or {})),
            timeout=120,
        )
        return Result(done.returncode, done.stdout, done.stderr)
