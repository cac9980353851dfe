"""The embedded server lingers after the last command: a script of many commands starts it once.

Always on a real embedded server of its own (never CRM_TEST_DSN), with commands run as real
`python -m main` processes: the next command reuses the lingering server (no second start), the
server stops once `[embedded] linger_seconds` have passed since the last command exited, each
command moves that moment on, commands started at once start one server, and the interactive
program's own rule (stop when the last instance exits) is kept by linger 0.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import psycopg
import pytest

from crm import config as config_file
from crm.config import Config, DatabaseSettings
from crm.embedded import EmbeddedServer
from crm.errors import ConfigError
from tests.conftest import embedded_folder, fresh_database
from tests.e2e import REPO
from tests.factories import DEFAULT_PASSWORD, make_employee

LINGER = 4  # seconds: short, so the tests see the server stop; long enough for a busy machine
READY = "database system is ready to accept connections"


@dataclass
class Setup:
    data_dir: Path
    config: Config
    env: dict[str, str]

    def server(self, **kwargs) -> EmbeddedServer:
        return EmbeddedServer(self.data_dir, **kwargs)

    def command(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "main", *args],
            cwd=REPO,
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env,
            timeout=120,
        )

    def starts(self) -> int:
        """How many times the server has started (its log says so each time)."""
        try:
            return (self.data_dir / "postgresql.log").read_text(errors="replace").count(READY)
        except FileNotFoundError:
            return 0

    def postmaster(self) -> int:
        info = self.server()._postmaster_info()
        assert info is not None
        return info[0]

    def with_linger(self, seconds: int) -> None:
        self.config = replace(self.config, linger_seconds=seconds)
        config_file.write(self.config)


@pytest.fixture(scope="module")
def lingering() -> Iterator[Setup]:
    """An embedded CRM database with a logged-in manager, its server stopped."""
    folder = embedded_folder("linger")
    data_dir = folder / "data"
    server = EmbeddedServer(data_dir)
    server.start(create=True)
    try:
        crm = fresh_database(server.conninfo(), "crm_linger")
        with psycopg.connect(crm.admin_dsn, autocommit=True) as conn:
            make_employee(conn, "management", "marie", full_name="Marie Manager")
        server.release()  # linger 0: stopped
        assert not server.is_running()
        params = psycopg.conninfo.conninfo_to_dict(crm.app_dsn)
        settings = DatabaseSettings(
            mode="embedded", name=crm.name, user=str(params["user"]), password=str(params["password"])
        )
        config = Config(database=settings, data_dir=data_dir, linger_seconds=LINGER, path=folder / "crm.ini")
        config_file.write(config)
        runtime = folder / "run"
        runtime.mkdir(mode=0o700)
        env = dict(os.environ, CRM_CONFIG=str(config.path), XDG_RUNTIME_DIR=str(runtime))
        env.pop("CRM_TEST_DSN", None)
        setup = Setup(data_dir, config, env)
        done = setup.command(
            "login", "--username", "marie", "--password-stdin", stdin=DEFAULT_PASSWORD + "\n"
        )
        assert done.returncode == 0, done.stderr
        yield setup
    finally:
        last = EmbeddedServer(data_dir)
        if last.is_running():
            last.stop()
        shutil.rmtree(last.host, ignore_errors=True)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def linger(lingering: Setup) -> Iterator[Setup]:
    """The module's setup with linger_seconds = LINGER and the server stopped, before and after."""
    lingering.with_linger(LINGER)
    if lingering.server().is_running():
        lingering.server().stop()
    yield lingering
    if lingering.server().is_running():
        lingering.server().stop()


def wait_until_stopped(setup: Setup, timeout: float) -> float:
    """Seconds until the server stopped (fails after `timeout`)."""
    began = time.monotonic()
    while setup.server().is_running():
        assert time.monotonic() - began < timeout, f"the server still runs after {timeout} s"
        time.sleep(0.05)
    return time.monotonic() - began


def test_the_next_command_reuses_the_lingering_server_which_then_stops(linger):
    starts = linger.starts()
    first = linger.command("client", "list", "--format", "json")
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "[]"
    assert linger.server().is_running(), "the server lingers after the command"
    assert (linger.data_dir / "linger").exists()
    pid = linger.postmaster()

    second = linger.command("client", "list", "--format", "json")
    exited = time.monotonic()
    assert second.returncode == 0, second.stderr
    assert linger.postmaster() == pid, "the second command reused the server"
    assert linger.starts() == starts + 1, "one start for both commands"

    wait_until_stopped(linger, LINGER + 15)
    stopped_after = time.monotonic() - exited
    assert LINGER - 0.5 <= stopped_after < LINGER + 10, f"stopped {stopped_after:.1f} s after the command"
    assert not (linger.data_dir / "linger").exists()
    assert not (linger.data_dir / "pgdata" / "postmaster.pid").exists()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(linger.server().conninfo(), connect_timeout=2)


def test_each_command_moves_the_stop_on(linger):
    linger.with_linger(2 * LINGER)
    assert linger.command("whoami").returncode == 0
    first_exited = time.monotonic()
    pid = linger.postmaster()
    time.sleep(LINGER)  # half the linger: the server still runs
    assert linger.command("whoami").returncode == 0
    exited = time.monotonic()
    time.sleep(max(0.0, first_exited + 2 * LINGER + 1 - time.monotonic()))  # past the first stop time
    assert linger.server().is_running(), "the second command moved the stop on"
    assert linger.postmaster() == pid
    wait_until_stopped(linger, 2 * LINGER + 15)
    assert time.monotonic() - exited >= 2 * LINGER - 0.5


def test_commands_started_at_once_start_one_server(linger):
    starts = linger.starts()
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "main", "client", "list", "--format", "json"],
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=linger.env,
        )
        for _ in range(4)
    ]
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        assert out.strip() == "[]"
    assert linger.starts() == starts + 1, "four commands at once started the server once"
    assert linger.server().is_running()
    wait_until_stopped(linger, LINGER + 15)


def test_a_running_instance_keeps_the_server_past_the_stop_time_and_its_release_lingers_anew(linger):
    first = linger.server(linger=1)
    first.start()
    first.release()
    holder = linger.server()  # linger 0, like the interactive program
    holder.start()
    time.sleep(2)  # past the stop time: the watcher leaves the server to the holder
    assert holder.is_running()
    later = linger.server(linger=1)
    later.start()
    holder._instance_lock, fd = None, holder._instance_lock  # let go without stopping
    assert fd is not None
    os.close(fd)
    later.release()  # the last one now: lingers 1 s more
    assert later.is_running()
    wait_until_stopped(linger, 15)


def test_linger_0_stops_the_server_when_the_command_exits(linger):
    linger.with_linger(0)
    done = linger.command("client", "list", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert not linger.server().is_running()


def test_stop_ends_the_linger_at_once(linger):
    assert linger.command("whoami").returncode == 0
    assert linger.server().is_running()
    linger.server().stop()
    assert not linger.server().is_running()
    assert not (linger.data_dir / "linger").exists()
    starts = linger.starts()
    assert linger.command("whoami").returncode == 0  # starts it again, and lingers again
    assert linger.starts() == starts + 1
    wait_until_stopped(linger, LINGER + 15)


def test_keep_running_is_not_stopped_by_the_linger(linger):
    linger.config = replace(linger.config, keep_running=True)
    config_file.write(linger.config)
    try:
        assert linger.command("whoami").returncode == 0
        time.sleep(LINGER + 1)
        assert linger.server().is_running()
    finally:
        linger.config = replace(linger.config, keep_running=False)
        config_file.write(linger.config)


@pytest.mark.parametrize("value", ["-1", "86401"])
def test_linger_seconds_out_of_range_is_a_config_error(tmp_path, value):
    settings = DatabaseSettings(mode="embedded", name="epic", user="epic_app", password="S3cret-app-pw")
    path = config_file.write(Config(database=settings, path=tmp_path / "crm.ini"))
    assert config_file.load(path).linger_seconds == 60  # the default, written with its comment
    text = path.read_text().replace("linger_seconds = 60", f"linger_seconds = {value}")
    path.write_text(text)
    with pytest.raises(ConfigError, match="linger_seconds"):
        config_file.load(path)
