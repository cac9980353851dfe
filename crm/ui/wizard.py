"""The first-run setup wizard: asks, then hands everything to crm.setup in one go.

Nothing is written to the server before every answer is known and checked, and the INI file is
written last; a failure or Ctrl-C leaves no config behind (and crm.setup drops what it created).

Three deployments: the embedded PostgreSQL (one machine), an employee's computer connecting to a
CRM server (its URL and maybe a CA file: no database, nothing secret in the INI), and the CRM
server itself, set up on a PostgreSQL server (then `python -m main serve`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from psycopg.conninfo import make_conninfo

from crm import config as config_file
from crm import setup, validation
from crm.config import Config, DatabaseSettings, ServerSettings
from crm.errors import ConfigError, CRMError, SetupError
from crm.i18n import N_, _
from crm.services import crm_server
from crm.ui.prompts import Prompts, ask, ask_new_password

DEFAULT_DBNAME = "epic_events"

EMBEDDED = "embedded"
SERVER = "server"
REMOTE = "crm-server"  # an employee's computer: connect to a CRM server

LOCATION = N_("Where should the CRM keep its data?")
EMBEDDED_CHOICE = (N_("Embedded PostgreSQL (recommended: nothing to install)"), EMBEDDED)
SERVER_CHOICE = (N_("An existing PostgreSQL server (superuser needed once)"), SERVER)
FIRST_RUN_CHOICES = [
    (N_("Embedded PostgreSQL (one computer: nothing to install)"), EMBEDDED),
    (N_("Connect to a CRM server (a team: the server's address is all you need)"), REMOTE),
    (N_("An existing PostgreSQL server: set up the CRM server on it (superuser needed once)"), SERVER),
]
SERVE_NEXT = N_(
    "This computer now holds the CRM server's configuration: run `python -m main serve` here (behind"
    " TLS: see the README's Deployments) and give employees its address, like https://crm.example.com;"
    ' on their computers they choose "Connect to a CRM server".'
)


class WizardCancelled(Exception):
    """The user chose to leave the wizard."""


def _port(raw: str) -> int:
    port = validation.whole_number(raw, _("Port"), minimum=1)
    if port > 65535:
        raise validation.ValidationError(_("Port must be at most 65535."))
    return port


def _ca_file(raw: str) -> str:
    """A CA certificate file (PEM) as an absolute path, or "" for none."""
    raw = raw.strip()
    if not raw:
        return ""
    path = Path(raw).expanduser().absolute()
    try:
        text = path.read_text(encoding="ascii", errors="replace")
    except OSError:
        raise validation.ValidationError(
            _("Cannot read {path}: give the CA certificate file (PEM).").format(path=path)
        ) from None
    if "-----BEGIN CERTIFICATE-----" not in text:
        raise validation.ValidationError(
            _("{path} holds no PEM certificate (-----BEGIN CERTIFICATE-----).").format(path=path)
        )
    return str(path)


def _ask_tls(prompts: Prompts, default: str = "") -> dict[str, str]:
    """The libpq TLS settings: verify-full against a CA file when one is given, else prefer."""
    ca_file = ask(prompts, _("CA certificate file of the server (Enter for none):"), _ca_file, default)
    if ca_file:
        print(
            _(
                "The server's certificate will be checked against it and its name against the host "
                "(verify-full)."
            )
        )
        return {"sslmode": "verify-full", "sslrootcert": ca_file}
    print(_("Without a CA file the server's certificate is not checked (sslmode prefer)."))
    return {"sslmode": "prefer"}


def ask_server(prompts: Prompts, *, retry: bool = True) -> tuple[str, DatabaseSettings]:
    """Ask for an existing server's superuser connection until it works; (its conninfo, the
    server's address and TLS settings). WizardCancelled when the user gives up; without retry,
    the SetupError of the first connection that fails. After a failure, "Try again" offers what
    was typed as the defaults (every answer but the password)."""
    typed = {"host": "localhost", "port": "5432", "ca_file": "", "user": "postgres"}
    while True:
        host = ask(prompts, _("PostgreSQL host:"), lambda s: validation.name(s, _("Host")), typed["host"])
        port = ask(prompts, _("Port:"), _port, typed["port"])
        tls = _ask_tls(prompts, typed["ca_file"])
        user = ask(
            prompts, _("Superuser name:"), lambda s: validation.name(s, _("Superuser name")), typed["user"]
        )
        typed = {"host": host, "port": str(port), "ca_file": tls.get("sslrootcert", ""), "user": user}
        while True:
            password = prompts.password(_("Superuser password (not stored):"))
            if prompts.password(_("Superuser password again:")) == password:
                break
            print(_("The two passwords differ; try again."))
        admin = make_conninfo(
            host=host, port=port, user=user, password=password, dbname="postgres", connect_timeout=5, **tls
        )
        try:
            setup.inspect_server(admin)
        except SetupError as error:
            if not retry:
                raise
            print(error)
            if prompts.choose(_("What now?"), [(_("Try again"), True), (_("Cancel setup"), False)]):
                continue
            raise WizardCancelled from None
        settings = DatabaseSettings(mode=SERVER, name="", user="", password="", host=host, port=port)
        return admin, replace(settings, sslmode=tls["sslmode"], sslrootcert=tls.get("sslrootcert", ""))


def _ask_data_folder(
    prompts: Prompts, start_embedded: Callable[[Path], str], default: Path
) -> tuple[Path, str]:
    """Ask for the embedded server's data folder until its server starts there."""
    while True:
        data_dir = ask(
            prompts,
            _("Data folder:"),
            lambda s: Path(validation.name(s, _("Folder"))).absolute(),
            str(default),
        )
        try:
            return data_dir, start_embedded(data_dir)
        except CRMError as error:  # e.g. a folder above it that the server's user cannot reach
            print(error)
            if not prompts.choose(_("What now?"), [(_("Try again"), True), (_("Cancel setup"), False)]):
                raise WizardCancelled from None
            default = data_dir


def _ask_database_name(prompts: Prompts, admin: str) -> tuple[str, setup.DatabaseState]:
    """Ask for a database name until it is valid and usable (absent, empty or this CRM's)."""
    while True:
        dbname = ask(prompts, _("Database name:"), validation.database_name, DEFAULT_DBNAME)
        state = setup.inspect_database(admin, dbname)
        if state is setup.DatabaseState.FOREIGN:
            print(
                _(
                    "Database {dbname!r} already holds tables that are not this CRM's; choose another name."
                ).format(dbname=dbname)
            )
            continue
        return dbname, state


def _ask_manager(prompts: Prompts) -> setup.NewManager:
    print(_("Now the first management account."))
    username = ask(prompts, _("Username:"), validation.username)
    full_name = ask(prompts, _("Full name:"), lambda s: validation.name(s, _("Full name")))
    email = ask(prompts, _("E-mail:"), validation.email)
    password = ask_new_password(prompts, lambda p: setup.check_password_policy(p, username))
    return setup.NewManager.with_password(username, full_name, email, password)


def _server_address(raw: str) -> str:
    try:
        return config_file.server_url(raw, _("The address"))
    except ConfigError as error:
        raise validation.ValidationError(str(error)) from None


def _server_ca_file(raw: str) -> str:
    return _ca_file(raw) if raw.strip() else ""


def ask_crm_server(prompts: Prompts, check: Callable[[str, str], str]) -> ServerSettings:
    """Ask for a CRM server's address (and, for https, an optional CA file) until one answers:
    check(url, ca_file) returns its version or raises a CRMError in one line. After a failure,
    "Try again" offers what was typed as the defaults. WizardCancelled when the user gives up."""
    typed = {"url": "", "ca_file": ""}
    while True:
        url = ask(
            prompts,
            _("The CRM server's address (like https://crm.example.com):"),
            _server_address,
            typed["url"],
        )
        ca_file = ""
        if url.startswith("https://"):
            ca_file = ask(
                prompts,
                _("CA certificate file of the CRM server (Enter for this computer's trusted CAs):"),
                _server_ca_file,
                typed["ca_file"],
            )
        typed = {"url": url, "ca_file": ca_file}
        print(_("Checking {url}…").format(url=url))
        try:
            version = check(url, ca_file)
        except CRMError as error:
            print(error)
            if prompts.choose(_("What now?"), [(_("Try again"), True), (_("Cancel setup"), False)]):
                continue
            raise WizardCancelled from None
        if version:
            print(_("The CRM server at {url} answers (version {version}).").format(url=url, version=version))
        else:
            print(_("The CRM server at {url} answers.").format(url=url))
        return ServerSettings(url=url, ca_file=ca_file)


def ask_location(
    prompts: Prompts,
    path: Path,
    start_embedded: Callable[[Path], str],
    *,
    retry: bool = True,
    mode: str | None = None,
) -> tuple[str, DatabaseSettings, Path]:
    """Where the data goes: (a superuser conninfo, the server's settings, the data folder).

    Embedded: the data folder is asked and its server started. A server: see ask_server. mode:
    already chosen (the first-run wizard asks it with its third choice), else asked here.
    """
    if mode is None:
        mode = prompts.choose(
            _(LOCATION), [(_(title), value) for title, value in (EMBEDDED_CHOICE, SERVER_CHOICE)]
        )
    data_dir = path.parent / config_file.DEFAULT_DATA_DIR
    if mode == SERVER:
        admin, settings = ask_server(prompts, retry=retry)
        return admin, settings, data_dir
    data_dir, admin = _ask_data_folder(prompts, start_embedded, data_dir)
    return admin, DatabaseSettings(mode=EMBEDDED, name="", user="", password=""), data_dir


def config_for(
    settings: DatabaseSettings, dbname: str, app_password: str, data_dir: Path, path: Path
) -> Config:
    """The config of a database just set up: where it is, and its application role."""
    database = replace(settings, name=dbname, user=setup.role_names(dbname).app, password=app_password)
    return Config(database=database, data_dir=data_dir, path=path)


def connect_to_server(prompts: Prompts, path: Path, check: Callable[[str, str], str]) -> Config:
    """The "CRM server" config of an employee's computer: the server's address, and no secret."""
    server = ask_crm_server(prompts, check)
    config = Config(database=config_file.NO_DATABASE, path=path, server=server)
    config_file.write(config)
    return config


def run_wizard(
    prompts: Prompts,
    path: Path,
    start_embedded: Callable[[Path], str],
    check_server: Callable[[str, str], str] = crm_server.check,
) -> Config | None:
    """Set up the database (or the connection to a CRM server) and write the config at `path`;
    None when cancelled.

    start_embedded(data_dir) starts the embedded server, making its cluster the first time, and
    returns its superuser conninfo. check_server(url, ca_file): a CRM server answers there (its
    version), else a CRMError.
    """
    print(_("Welcome to Epic Events CRM. No configuration was found: let's set up this computer."))
    try:
        mode = prompts.choose(_(LOCATION), [(_(title), value) for title, value in FIRST_RUN_CHOICES])
        if mode == REMOTE:
            remote = connect_to_server(prompts, path, check_server)
            print(
                _("Configuration written to {path}: no password in it, only the server's address.").format(
                    path=path
                )
            )
            return remote
        admin, settings, data_dir = ask_location(prompts, path, start_embedded, mode=mode)
        dbname, state = _ask_database_name(prompts, admin)
        manager = None
        if state is setup.DatabaseState.CRM and setup.has_active_manager(admin, dbname):
            print(_("Database {dbname!r} already holds this CRM and its employees.").format(dbname=dbname))
            if not prompts.confirm(
                _(
                    "Give its application role a new password? "
                    "(Other machines then need this machine's new config file.)"
                )
            ):
                raise WizardCancelled
        else:
            manager = _ask_manager(prompts)
        print(_("Preparing the database…"))
        app_password = setup.bootstrap(admin, dbname, manager)
        config = config_for(settings, dbname, app_password, data_dir, path)
        config_file.write(config)
    except (KeyboardInterrupt, EOFError, WizardCancelled):
        print(_("Setup cancelled; no configuration was written."))
        return None
    except CRMError as error:
        print(error)
        print(_("Setup did not finish; no configuration was written."))
        return None
    print(_("Configuration written to {path} (readable only by you).").format(path=path))
    if settings.mode == SERVER:
        print(_(SERVE_NEXT))
    return config
