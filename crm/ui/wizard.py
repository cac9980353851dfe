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
from crm.services import crm_server
from crm.ui.prompts import Prompts, ask, ask_new_password

DEFAULT_DBNAME = "epic_events"

EMBEDDED = "embedded"
SERVER = "server"
REMOTE = "crm-server"  # an employee's computer: connect to a CRM server

LOCATION = "Where should the CRM keep its data?"
EMBEDDED_CHOICE = ("Embedded PostgreSQL (recommended: nothing to install)", EMBEDDED)
SERVER_CHOICE = ("An existing PostgreSQL server (superuser needed once)", SERVER)
FIRST_RUN_CHOICES = [
    ("Embedded PostgreSQL (one computer: nothing to install)", EMBEDDED),
    ("Connect to a CRM server (a team: the server's address is all you need)", REMOTE),
    ("An existing PostgreSQL server: set up the CRM server on it (superuser needed once)", SERVER),
]
SERVE_NEXT = (
    "This computer now holds the CRM server's configuration: run `python -m main serve` here (behind"
    " TLS: see the README's Deployments) and give employees its address, like https://crm.example.com;"
    ' on their computers they choose "Connect to a CRM server".'
)


class WizardCancelled(Exception):
    """The user chose to leave the wizard."""


def _port(raw: str) -> int:
    port = validation.whole_number(raw, "Port", minimum=1)
    if port > 65535:
        raise validation.ValidationError("Port must be at most 65535.")
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
        raise validation.ValidationError(f"Cannot read {path}: give the CA certificate file (PEM).") from None
    if "-----BEGIN CERTIFICATE-----" not in text:
        raise validation.ValidationError(f"{path} holds no PEM certificate (-----BEGIN CERTIFICATE-----).")
    return str(path)


def _ask_tls(prompts: Prompts, default: str = "") -> dict[str, str]:
    """The libpq TLS settings: verify-full against a CA file when one is given, else prefer."""
    ca_file = ask(prompts, "CA certificate file of the server (Enter for none):", _ca_file, default)
    if ca_file:
        print(
            "The server's certificate will be checked against it and its name against the host (verify-full)."
        )
        return {"sslmode": "verify-full", "sslrootcert": ca_file}
    print("Without a CA file the server's certificate is not checked (sslmode prefer).")
    return {"sslmode": "prefer"}


def ask_server(prompts: Prompts, *, retry: bool = True) -> tuple[str, DatabaseSettings]:
    """Ask for an existing server's superuser connection until it works; (its conninfo, the
    server's address and TLS settings). WizardCancelled when the user gives up; without retry,
    the SetupError of the first connection that fails. After a failure, "Try again" offers what
    was typed as the defaults (every answer but the password)."""
    typed = {"host": "localhost", "port": "5432", "ca_file": "", "user": "postgres"}
    while True:
        host = ask(prompts, "PostgreSQL host:", lambda s: validation.name(s, "Host"), typed["host"])
        port = ask(prompts, "Port:", _port, typed["port"])
        tls = _ask_tls(prompts, typed["ca_file"])
        user = ask(prompts, "Superuser name:", lambda s: validation.name(s, "Superuser name"), typed["user"])
        typed = {"host": host, "port": str(port), "ca_file": tls.get("sslrootcert", ""), "user": user}
        while True:
            password = prompts.password("Superuser password (not stored):")
            if prompts.password("Superuser password again:") == password:
                break
            print("The two passwords differ; try again.")
        admin = make_conninfo(
            host=host, port=port, user=user, password=password, dbname="postgres", connect_timeout=5, **tls
        )
        try:
            setup.inspect_server(admin)
        except SetupError as error:
            if not retry:
                raise
            print(error)
            if prompts.choose("What now?", [("Try again", True), ("Cancel setup", False)]):
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
            prompts, "Data folder:", lambda s: Path(validation.name(s, "Folder")).absolute(), str(default)
        )
        try:
            return data_dir, start_embedded(data_dir)
        except CRMError as error:  # e.g. a folder above it that the server's user cannot reach
            print(error)
            if not prompts.choose("What now?", [("Try again", True), ("Cancel setup", False)]):
                raise WizardCancelled from None
            default = data_dir


def _ask_database_name(prompts: Prompts, admin: str) -> tuple[str, setup.DatabaseState]:
    """Ask for a database name until it is valid and usable (absent, empty or this CRM's)."""
    while True:
        dbname = ask(prompts, "Database name:", validation.database_name, DEFAULT_DBNAME)
        state = setup.inspect_database(admin, dbname)
        if state is setup.DatabaseState.FOREIGN:
            print(f"Database {dbname!r} already holds tables that are not this CRM's; choose another name.")
            continue
        return dbname, state


def _ask_manager(prompts: Prompts) -> setup.NewManager:
    print("Now the first management account.")
    username = ask(prompts, "Username:", validation.username)
    full_name = ask(prompts, "Full name:", lambda s: validation.name(s, "Full name"))
    email = ask(prompts, "E-mail:", validation.email)
    password = ask_new_password(prompts, lambda p: setup.check_password_policy(p, username))
    return setup.NewManager.with_password(username, full_name, email, password)


def _server_address(raw: str) -> str:
    try:
        return config_file.server_url(raw, "The address")
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
            prompts, "The CRM server's address (like https://crm.example.com):", _server_address, typed["url"]
        )
        ca_file = ""
        if url.startswith("https://"):
            ca_file = ask(
                prompts,
                "CA certificate file of the CRM server (Enter for this computer's trusted CAs):",
                _server_ca_file,
                typed["ca_file"],
            )
        typed = {"url": url, "ca_file": ca_file}
        print(f"Checking {url}…")
        try:
            version = check(url, ca_file)
        except CRMError as error:
            print(error)
            if prompts.choose("What now?", [("Try again", True), ("Cancel setup", False)]):
                continue
            raise WizardCancelled from None
        print(f"The CRM server at {url} answers (version {version or 'unknown'}).")
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
        mode = prompts.choose(LOCATION, [EMBEDDED_CHOICE, SERVER_CHOICE])
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
    print("Welcome to Epic Events CRM. No configuration was found: let's set up this computer.")
    try:
        mode = prompts.choose(LOCATION, FIRST_RUN_CHOICES)
        if mode == REMOTE:
            remote = connect_to_server(prompts, path, check_server)
            print(f"Configuration written to {path}: no password in it, only the server's address.")
            return remote
        admin, settings, data_dir = ask_location(prompts, path, start_embedded, mode=mode)
        dbname, state = _ask_database_name(prompts, admin)
        manager = None
        if state is setup.DatabaseState.CRM and setup.has_active_manager(admin, dbname):
            print(f"Database {dbname!r} already holds this CRM and its employees.")
            if not prompts.confirm(
                "Give its application role a new password? (Other machines then need this "
                "machine's new config file.)"
            ):
                raise WizardCancelled
        else:
            manager = _ask_manager(prompts)
        print("Preparing the database…")
        app_password = setup.bootstrap(admin, dbname, manager)
        config = config_for(settings, dbname, app_password, data_dir, path)
        config_file.write(config)
    except (KeyboardInterrupt, EOFError, WizardCancelled):
        print("Setup cancelled; no configuration was written.")
        return None
    except CRMError as error:
        print(error)
        print("Setup did not finish; no configuration was written.")
        return None
    print(f"Configuration written to {path} (readable only by you).")
    if settings.mode == SERVER:
        print(SERVE_NEXT)
    return config
