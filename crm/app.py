"""Top-level flow: config? → wizard : open the database → login loop → team menu."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg

from crm import config as config_file
from crm import i18n, monitoring
from crm.cli import exits
from crm.config import Config
from crm.db import Database, app_conninfo, connect, use_prepare_threshold
from crm.errors import ConfigError, CRMError
from crm.i18n import N_, _
from crm.ui.prompts import Prompts

if TYPE_CHECKING:
    from crm.embedded import EmbeddedServer

# The exit statuses of crm/cli/exits.py, which the interactive program shares.
EXIT_OK, EXIT_CANCELLED = exits.OK, exits.REFUSED
EXIT_UNAVAILABLE, EXIT_CONFIG, EXIT_INTERRUPTED, EXIT_BUG = (
    exits.UNAVAILABLE,
    exits.CONFIG,
    exits.INTERRUPTED,
    exits.BUG,
)
EMBEDDED_RESTARTED = N_("The embedded database server had stopped; it has been started again.")


class Runtime:
    """What the program holds while it runs: the embedded server (if any) and the connection."""

    def __init__(self, linger: float = 0) -> None:
        self.server: EmbeddedServer | None = None
        # seconds the embedded server stays up after the last instance exits: the commands'
        # [embedded] linger_seconds; 0 (the interactive program) stops it at once
        self.linger = linger
        self.db: Database | None = None

    def start_embedded(self, data_dir: Path, keep_running: bool = False, create: bool = False) -> str:
        """Start (or reuse) the embedded server; return its superuser conninfo.

        create: make the cluster if the folder has none (the setup wizard only).
        """
        from crm.embedded import DataFolderMissing, EmbeddedError, EmbeddedServer

        server = self.server
        if server is None or server.data_dir != Path(data_dir).absolute():  # the wizard may retry
            server = self.server = EmbeddedServer(data_dir, keep_running=keep_running, linger=self.linger)
        try:
            server.start(create=create)
        except DataFolderMissing as error:  # the config names data that is not there
            raise ConfigError(str(error)) from None
        except EmbeddedError as error:
            raise CRMError(str(error)) from None
        return server.conninfo()

    def create_embedded(self, data_dir: Path) -> str:
        """The setup wizard's start: as start_embedded, making the cluster the first time."""
        return self.start_embedded(data_dir, create=True)

    def open(self, config: Config, notify: Callable[[str], None] | None = None) -> Database:
        """Connect as the application role, applying pending migrations first when we can.

        notify is told, in one line each, when the connection was lost and opened again, and
        when the embedded server had stopped and was started again on the way.
        """
        from crm import migrations

        say = notify or (lambda message: None)
        socket_dir = None
        if config.embedded:
            admin = self.start_embedded(config.data_dir, config.keep_running)
            socket_dir = self._server().host
        conn = connect(app_conninfo(config, socket_dir))
        waiting, changed = migrations.status(conn)
        if waiting and config.embedded:
            from crm import setup  # the bootstrap's module: only when there is something to apply

            conn.close()
            setup.upgrade(admin, config.database.name)
            conn = connect(app_conninfo(config, socket_dir))
        elif waiting:
            conn.close()
            names = ", ".join(p.name for p in waiting)
            raise ConfigError(
                _(
                    "The database needs schema upgrades ({names}): run `python -m main --upgrade` "
                    "with the server's superuser credentials."
                ).format(names=names)
            )
        for name in changed:
            print(
                _(
                    "Warning: sql/{name} has changed since it was applied to this database (not re-applied)."
                ).format(name=name)
            )
        self.db = Database(conn, reconnect=lambda: self._reconnect(config, say), notify=say)
        return self.db

    def _reconnect(self, config: Config, say: Callable[[str], None]) -> psycopg.Connection:
        """A new application-role connection after one was lost; the embedded server is started
        again first when it is no longer running (its postmaster stopped or was killed)."""
        socket_dir = None
        if config.embedded:
            if not self._server().is_running():
                self.start_embedded(config.data_dir, config.keep_running)
                say(_(EMBEDDED_RESTARTED))
            socket_dir = self._server().host
        return connect(app_conninfo(config, socket_dir))

    def _server(self) -> EmbeddedServer:
        """The embedded server start_embedded() prepared (open() starts it first)."""
        if self.server is None:
            raise CRMError(_("The embedded database server has not been started."))
        return self.server

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
        if self.server is not None:
            try:
                self.server.release()
            except CRMError as error:  # the server could not be stopped: say so, exit anyway
                print(error)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m main", description="Epic Events CRM")
    action = parser.add_mutually_exclusive_group()
    action.add_argument(
        "--upgrade",
        action="store_true",
        help=_("apply schema upgrades on an existing server (asks for superuser credentials)"),
    )
    action.add_argument(
        "--backup",
        metavar="FILE",
        help=_("write a backup of the CRM database to FILE (pg_dump custom format, mode 0600), then exit"),
    )
    action.add_argument(
        "--restore",
        metavar="FILE",
        help=_("restore a backup into a new embedded or server database and write its configuration"),
    )
    action.add_argument(
        "--unlock",
        metavar="USERNAME",
        help=_(
            "forget an employee's failed logins and lift their lock (embedded server, or asks for "
            "the server's superuser credentials)"
        ),
    )
    demo = parser.add_argument_group(_("sample data"))
    demo.add_argument(
        "--demo-data", action="store_true", help=_("load sample data to try the program, then exit")
    )
    demo.add_argument(
        "--clients",
        type=_positive,
        default=1000,
        metavar="N",
        help=_("number of demo clients (default 1000)"),
    )
    demo.add_argument("--force", action="store_true", help=_("load demo data even beside real data"))
    return parser.parse_args(argv)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(_("must be a positive whole number"))
    return value


def _exit_cleanly_on_signals() -> None:
    """SIGTERM, or SIGHUP (the terminal was closed), end the program through its `finally`: the
    database connection is closed and the embedded server released like at a normal exit."""
    import signal

    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, stop)


def main(argv: list[str] | None = None, prompts: Prompts | None = None) -> int:
    """Run the program; return its exit status (prompts: injected by tests)."""
    i18n.set_language(i18n.resolve("auto"))  # until the configuration says otherwise
    args = parse_args(argv)
    on_terminal = prompts is None  # our own prompts: the config may still switch them
    if prompts is None:
        prompts = terminal_prompts(accessible=False)
        _exit_cleanly_on_signals()
    runtime = Runtime()
    try:
        path = config_file.config_path()
        if args.restore:
            from crm.ui.backup import run_restore

            with monitoring.secret_in_memory():  # a superuser password may be typed in
                return run_restore(prompts, path, runtime.create_embedded, args.restore)
        if args.backup and not path.exists():
            print(
                _("No configuration at {path}: there is no CRM database to back up here.").format(path=path)
            )
            return EXIT_CONFIG
        if not path.exists():
            from crm.ui.wizard import run_wizard

            with monitoring.secret_in_memory():  # a superuser password may be typed in
                if run_wizard(prompts, path, runtime.create_embedded) is None:
                    return EXIT_CANCELLED
        try:
            config = config_file.load(path)
            i18n.set_language(i18n.resolve(config.ui.language))  # each employee's own after login
            if on_terminal:  # [ui] accessible (or CRM_ACCESSIBLE) from here on
                prompts = terminal_prompts(accessible=config.ui.accessible, current=prompts)
            monitoring.init(config)
            if config.remote:
                return _run_remote(config, prompts, args)
            use_prepare_threshold(config.database.prepare_threshold)
            from crm.services import mail

            mail.configure(config.mail)  # event writes e-mail their notifications after commit
            if args.upgrade:
                from crm.ui.upgrade import run_upgrade

                with monitoring.secret_in_memory():
                    return run_upgrade(prompts, config)
            if args.backup:
                from crm.ui.backup import run_backup

                with monitoring.secret_in_memory():
                    return run_backup(prompts, config, runtime.start_embedded, args.backup)
            if args.unlock is not None:
                from crm.ui.unlock import run_unlock

                with monitoring.secret_in_memory():
                    return run_unlock(prompts, config, args.unlock, runtime.start_embedded)
            db = runtime.open(config, notify=print)
        except ConfigError as error:
            print(error)
            return EXIT_CONFIG
        except CRMError as error:
            print(error)
            return EXIT_UNAVAILABLE
        if args.demo_data:
            return _load_demo(db, args)
        from crm.devices import DeviceTokens, devices_path
        from crm.ui.login import login_loop
        from crm.ui.menus import all_sections

        login_loop(
            db,
            prompts,
            all_sections(),
            idle_limit=timedelta(minutes=config.session_idle_minutes),
            policy=config.session_policy(idle_lock_of_its_own=True),
            devices=DeviceTokens(devices_path(config)),
        )
        return EXIT_OK
    except KeyboardInterrupt:
        print(_("\nGoodbye."))
        return EXIT_INTERRUPTED
    except Exception as error:  # noqa: BLE001 — reported with a reference, never a traceback
        print(monitoring.report(error))
        return EXIT_BUG
    finally:
        runtime.close()
        monitoring.flush()


def terminal_prompts(accessible: bool, current: Prompts | None = None) -> Prompts:
    """The prompts of the terminal: plain lines in accessible mode (crm/ui/accessible.py: CRM_ACCESSIBLE
    when set, else `accessible`, the config's [ui] accessible), questionary's otherwise; `current`
    is kept when it is already of the right kind."""
    from crm.ui.accessible import AccessiblePrompts, accessible_wanted

    if accessible_wanted(accessible):
        return current if isinstance(current, AccessiblePrompts) else AccessiblePrompts()
    from crm.ui.prompts import QuestionaryPrompts

    return current if isinstance(current, QuestionaryPrompts) else QuestionaryPrompts()


# What the options that need the database itself say in "CRM server" mode: they run on the server.
ON_THE_SERVER = {
    "upgrade": N_(
        "This computer connects to the CRM server at {url}: schema upgrades are applied on the"
        " server (`python -m main --upgrade` there)."
    ),
    "backup": N_(
        "This computer connects to the CRM server at {url}: backups are made on the server"
        " (`python -m main --backup FILE` there)."
    ),
    "unlock": N_(
        "This computer connects to the CRM server at {url}: a login lock is lifted on the server"
        " (`python -m main --unlock USERNAME` there)."
    ),
    "demo_data": N_(
        "This computer connects to the CRM server at {url}: demo data is loaded on the server"
        " (`python -m main --demo-data` there)."
    ),
}


def remote_refusal(config: Config, args: argparse.Namespace) -> str | None:
    """The one line refusing an option that needs the database, in "CRM server" mode (else None)."""
    for option, message in ON_THE_SERVER.items():
        if getattr(args, option) not in (None, False):
            return _(message).format(url=config.server.url if config.server else "")
    return None


def _run_remote(config: Config, prompts: Prompts, args: argparse.Namespace) -> int:
    """ "CRM server" mode: no database here, no embedded server, no migrations; the login loop and
    the menus run on the server's HTTP API (crm.services.remote), with the employee's own login."""
    refused = remote_refusal(config, args)
    if refused:
        print(refused)
        return EXIT_CONFIG
    from crm.devices import DeviceTokens, devices_path
    from crm.services.remote import RemoteBackend
    from crm.ui.login import login_loop
    from crm.ui.menus import all_sections

    assert config.server is not None
    backend = RemoteBackend(config.server.url, ca_file=config.server.ca_file or None, face="menus")
    try:
        login_loop(
            backend,
            prompts,
            all_sections(),
            idle_limit=timedelta(minutes=config.session_idle_minutes),
            devices=DeviceTokens(devices_path(config)),
        )
    finally:
        close = getattr(backend, "close", None)
        if close is not None:
            close()
    return EXIT_OK


def _load_demo(db: Database, args: argparse.Namespace) -> int:
    from crm import demo

    try:
        result = demo.load(db, args.clients, force=args.force)
    except CRMError as error:
        print(error)
        return EXIT_CANCELLED
    demo.print_accounts(result)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
