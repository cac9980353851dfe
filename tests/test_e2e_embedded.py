"""End to end on the embedded server, in a pseudo-terminal: `python -m main` from nothing to a
logged-in manager and a second run straight to the login, and the server stopped however the
program ends.

Always on the embedded server (its own data folder), whatever CRM_TEST_DSN says.
"""

from __future__ import annotations

import signal
import stat

import pexpect
import pytest

from crm import config as config_file
from crm.embedded import EmbeddedServer
from tests.e2e import Crm, embedded_wizard

WIZARD = "No configuration was found"


def test_first_run_wizard_then_login_and_a_second_run_straight_to_login(tmp_path, embedded_tmp):
    data_dir = embedded_tmp / "data"  # the config and the transcript stay in tmp_path
    ini = tmp_path / "crm.ini"

    first = Crm(tmp_path)
    try:
        first.expect(WIZARD)
        embedded_wizard(first, data_dir)
        first.login("boss")
        first.expect("Welcome, Bill Boss (management).")
        first.pick("Bill Boss (management) — main menu", "Log out")
        first.expect("Logged out.")
        assert first.quit_at_login() == 0
    finally:
        first.close()

    assert stat.S_IMODE(ini.stat().st_mode) == 0o600
    config = config_file.load(ini)
    assert config.embedded and config.data_dir == data_dir
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    assert not EmbeddedServer(data_dir).is_running(), "the last instance stops the server"

    second = Crm(tmp_path)
    try:
        before_login = second.expect("Username (Ctrl-D to quit):")
        assert WIZARD not in before_login
        second.child.send("boss\r")
        second.answer("Password:", "a long enough secret")
        second.expect("Welcome, Bill Boss (management).")
        second.pick("Bill Boss (management) — main menu", "Quit")
        second.expect("Goodbye.")
        assert second.wait() == 0
    finally:
        second.close()

    assert not EmbeddedServer(data_dir).is_running()
    assert not (data_dir / "pgdata" / "postmaster.pid").exists()
    assert stat.S_IMODE(ini.stat().st_mode) == 0o600
    assert config_file.load(ini).database.password == config.database.password  # no wizard again


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["sigterm", "sighup"])
def test_a_program_terminated_or_whose_terminal_closes_still_stops_the_server(tmp_path, embedded_tmp, signum):
    data_dir = embedded_tmp / "data"
    first = Crm(tmp_path)
    try:
        embedded_wizard(first, data_dir)
        first.expect("Username (Ctrl-D to quit):")
        assert EmbeddedServer(data_dir).is_running()
        first.child.kill(signum)
        first.child.expect(pexpect.EOF)
        first.child.close()
        assert first.child.exitstatus == 128 + signum or first.child.signalstatus == signum
    finally:
        first.close()
    assert not EmbeddedServer(data_dir).is_running(), "the server was released on the way out"
