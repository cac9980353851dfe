"""`python -m main --version` (issue 16): the version, without a configuration or a database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import crm

REPO = Path(__file__).resolve().parent.parent


def test_the_version_is_printed_without_a_configuration(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env.update(PYTHONPATH=str(REPO), HOME=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-m", "main", "--version"],
        cwd=REPO,
        env=env | {"CRM_CONFIG": str(tmp_path / "missing.ini")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, f"Epic Events CRM {crm.__version__}\n", "")
