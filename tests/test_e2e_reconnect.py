"""End to end: `python -m main` on its embedded server, whose server goes away under an open
session — killed with `kill -9`, or stopped (and started again by someone else). The open
program starts it again on demand, says so in one line, and the session goes on.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from crm.app import EMBEDDED_RESTARTED
from crm.db import RECONNECTED
from crm.embedded import EmbeddedServer
from tests.conftest import embedded_folder
from tests.e2e import PASSWORD, Crm, embedded_wizard

MAIN_MENU = "Bill Boss (management) — main menu"


def postmaster_pid(data_dir: Path) -> int:
    return int((data_dir / "pgdata" / "postmaster.pid").read_text().splitlines()[0])


def kill_postmaster(data_dir: Path) -> None:
    """kill -9 of the embedded postmaster, and wait until it is gone."""
    server = EmbeddedServer(data_dir)
    assert server.is_running()
    os.kill(postmaster_pid(data_dir), signal.SIGKILL)
    deadline = time.monotonic() + 20
    while server.is_running():
        assert time.monotonic() < deadline, "the postmaster survived kill -9"
        time.sleep(0.05)


def pick_now(crm: Crm, label: str) -> None:
    """Choose an entry of the menu already on the screen."""
    crm.child.expect(r"([0-9a-z])\) " + label)
    crm.child.send(crm.child.match.group(1) + "\r")


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Iterator[tuple[Path, Path]]:
    """(the folder of crm.ini, the data folder) of one embedded install made by the wizard."""
    workdir = tmp_path_factory.mktemp("install")
    folder = embedded_folder("reconnect")
    crm = Crm(workdir)
    try:
        embedded_wizard(crm, folder / "data")
        assert crm.quit_at_login() == 0
    finally:
        crm.close()
    try:
        yield workdir, folder / "data"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def logged_in(installed: tuple[Path, Path], tmp_path: Path) -> Crm:
    """`python -m main` with a copy of the install's config in tmp_path (and its own transcript)."""
    shutil.copy(installed[0] / "crm.ini", tmp_path / "crm.ini")
    crm = Crm(tmp_path)
    crm.login("boss")
    crm.expect("Welcome, Bill Boss (management).")
    crm.expect(MAIN_MENU)
    return crm


def create_support_employee(crm: Crm, username: str, *, before_save=None) -> None:
    """Employees → Create an employee; before_save() runs at the last question of the form, and
    then the lines the program prints before asking the password again are expected."""
    crm.pick("Employees", "Create an employee")
    crm.answer("Username:", username)
    crm.answer("Full name:", f"{username.title()} Support")
    crm.answer("E-mail:", f"{username}@epicevents.test")
    crm.answer("Phone (optional):", "")
    crm.pick("Team:", "support")
    crm.answer("Initial password:", "violet tractor on the moon")
    crm.expect("Initial password again:")
    if before_save is not None:
        before_save()
    crm.child.send("violet tractor on the moon\r")
    if before_save is not None:
        crm.expect(EMBEDDED_RESTARTED)
        crm.expect(RECONNECTED)
    crm.confirm_write("boss")


def test_kill_9_of_the_postmaster_under_an_open_session_restarts_it_and_the_session_goes_on(
    installed, tmp_path
):
    data_dir = installed[1]
    crm = logged_in(installed, tmp_path)
    try:
        killed = postmaster_pid(data_dir)
        kill_postmaster(data_dir)  # at the main menu
        pick_now(crm, "Employees")
        crm.expect(EMBEDDED_RESTARTED)
        crm.expect(RECONNECTED)
        assert postmaster_pid(data_dir) != killed
        create_support_employee(crm, "kate")
        # (ids jump after a crash: PostgreSQL hands out sequence values ahead, and forgets them)
        crm.child.expect(r"Employee \d+ created: kate \(Kate Support, support\)\.")

        # inside a form, just before the save: the save itself starts the server again
        create_support_employee(crm, "karl", before_save=lambda: kill_postmaster(data_dir))
        crm.child.expect(r"Employee \d+ created: karl \(Karl Support, support\)\.")
        crm.pick("Employees", "Back")
        crm.pick("main menu", "Quit")
        crm.expect("Goodbye.")
        assert crm.wait() == 0
    finally:
        crm.close()
    transcript = crm.transcript.read_text(encoding="utf-8")
    assert "Something went wrong" not in transcript and "Traceback" not in transcript
    assert transcript.count(EMBEDDED_RESTARTED) == 2 and "logged out" not in transcript.lower()
    assert not EmbeddedServer(data_dir).is_running(), "the last instance still stops the server"
    assert PASSWORD not in transcript


def test_a_stopped_server_is_started_again_and_a_restarted_one_is_simply_reconnected(installed, tmp_path):
    data_dir = installed[1]
    crm = logged_in(installed, tmp_path)
    other = EmbeddedServer(data_dir)  # another program, or a person with pg_ctl
    try:
        other.stop()
        pick_now(crm, "My account")
        crm.expect(EMBEDDED_RESTARTED)
        crm.expect(RECONNECTED)
        crm.pick("My account", "Show my details")
        crm.expect("boss@epicevents.test")

        crm.expect("My account")  # the section menu again
        other.stop()
        other.start()  # someone else starts it: nothing for this program to start
        other.release()
        pick_now(crm, "Back")
        crm.expect(RECONNECTED)
        crm.pick("main menu", "Quit")
        assert crm.wait() == 0
    finally:
        crm.close()
    transcript = crm.transcript.read_text(encoding="utf-8")
    assert transcript.count(EMBEDDED_RESTARTED) == 1 and transcript.count(RECONNECTED) == 2
    assert "Something went wrong" not in transcript
    assert not EmbeddedServer(data_dir).is_running()
