"""Driving `python -m main` in a pseudo-terminal (pexpect), as a person at a keyboard would."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pexpect

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "a long enough secret"


class Crm:
    """One run of `python -m main` with its config at workdir/crm.ini."""

    def __init__(self, workdir: Path, *args: str, timeout: float = 60) -> None:
        env = dict(
            os.environ,
            CRM_CONFIG=str(workdir / "crm.ini"),
            PROMPT_TOOLKIT_NO_CPR="1",
            COLUMNS="120",
            LINES="40",
            TERM="xterm",
        )
        self.child = pexpect.spawn(
            sys.executable,
            ["-m", "main", *args],
            cwd=str(REPO),
            env=env,
            encoding="utf-8",
            timeout=timeout,
            dimensions=(40, 120),
        )
        self.transcript = workdir / "transcript.txt"
        self.child.logfile_read = self.transcript.open("a", encoding="utf-8")

    def expect(self, text: str) -> str:
        """Wait for text on the screen; return what came before it."""
        self.child.expect(re.escape(text))
        return self.child.before

    def answer(self, prompt: str, text: str, *, clear: bool = False) -> None:
        """Wait for a question and type an answer (clear: erase the default first)."""
        self.expect(prompt)
        self.child.send(("\x15" if clear else "") + text + "\r")

    def pick(self, prompt: str, label: str) -> None:
        """Wait for a numbered menu and choose the entry with this label by its number."""
        self.expect(prompt)
        self.child.expect(r"([0-9a-z])\) " + re.escape(label))
        self.child.send(self.child.match.group(1) + "\r")

    def login(self, username: str, password: str = PASSWORD) -> None:
        self.answer("Username (Ctrl-D to quit):", username)
        self.answer("Password:", password)

    def log_out(self, section: str) -> None:
        """From a section's menu back to the main menu, then Log out."""
        self.pick(section, "Back")
        self.pick("main menu", "Log out")
        self.expect("Logged out.")

    def confirm_write(self, username: str, password: str = PASSWORD) -> None:
        """Type the password asked again before a save."""
        self.answer(f"Password for {username}:", password)

    def quit_at_login(self) -> int:
        """Ctrl-D at the login prompt; return the exit status."""
        self.expect("Username (Ctrl-D to quit):")
        self.child.sendcontrol("d")
        return self.wait()

    def wait(self) -> int:
        self.child.expect(pexpect.EOF)
        self.child.close()
        return self.child.exitstatus

    def close(self) -> None:
        if self.child.isalive():
            self.child.terminate(force=True)


def embedded_wizard(crm: Crm, data_dir: Path, username: str = "boss", full_name: str = "Bill Boss") -> None:
    """Answer the first-run wizard: embedded server in data_dir, first manager `username`."""
    crm.pick("Where should the CRM keep its data?", "Embedded PostgreSQL")
    crm.answer("Data folder:", str(data_dir), clear=True)
    crm.answer("Database name:", "")
    crm.answer("Username:", username)
    crm.answer("Full name:", full_name)
    crm.answer("E-mail:", f"{username}@epicevents.test")
    crm.answer("Password:", PASSWORD)
    crm.answer("Password again:", PASSWORD)
    crm.expect("Configuration written")
