"""The INI file: where it is, reading and validating it, writing it readable by its owner only.

It holds the application role's connection settings and never a superuser password; in "CRM
server" mode ([server] url) it holds only the CRM server's address, and no secret at all.
"""

from __future__ import annotations

import configparser
import ipaddress
import os
import stat
import tempfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import overload
from urllib.parse import urlsplit

from crm.errors import ConfigError
from crm.i18n import _

DEFAULT_PATH = "crm.ini"
DEFAULT_DATA_DIR = "data"
MAX_IDLE_MINUTES = 1440  # a session may stay open unattended for a day at most
MAX_LIFETIME_HOURS = 168  # a login lasts a week at most
MAX_REAUTH_MINUTES = 60  # a typed password spares the next ones for an hour at most
MAX_PORT = 65535
SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
DEFAULT_PREPARE_THRESHOLD = 5  # psycopg's own default
MAX_POOL = 100  # [api] pool_max: connections one `serve` process may hold
DEFAULT_LINGER_SECONDS = 60  # the embedded server waits this long for the next command
MAX_LINGER_SECONDS = 86400


def config_path() -> Path:
    """The config file: $CRM_CONFIG, else crm.ini in the current folder."""
    return Path(os.environ.get("CRM_CONFIG") or DEFAULT_PATH).absolute()


@dataclass(frozen=True)
class SessionPolicy:
    """How long sessions last: `idle` None for faces with an idle lock of their own (the menus)."""

    lifetime: timedelta = timedelta(hours=8)
    idle: timedelta | None = None
    reauth_window: timedelta = timedelta(minutes=5)


@dataclass(frozen=True)
class DatabaseSettings:
    mode: str  # "embedded" or "server"
    name: str
    user: str
    password: str
    host: str = ""
    port: int = 5432
    sslmode: str = "prefer"
    sslrootcert: str = ""  # CA file checking the server's certificate (verify-ca / verify-full)
    # psycopg's automatic prepared statements: after N runs of a statement; None: never
    prepare_threshold: int | None = DEFAULT_PREPARE_THRESHOLD
    # where --upgrade and --backup connect as the superuser when host:port is a pooler (PgBouncer)
    admin_host: str = ""
    admin_port: int | None = None

    @property
    def admin_address(self) -> tuple[str, int]:
        """(host, port) of the PostgreSQL server itself, for superuser work."""
        return self.admin_host or self.host, self.admin_port or self.port


MAIL_SECURITY = ("starttls", "tls", "none")
MAIL_PORTS = {"starttls": 587, "tls": 465, "none": 25}


@dataclass(frozen=True)
class MailSettings:
    """[mail]: the SMTP server that notifications are e-mailed through (crm/services/mail.py).

    The password is never shown: not in repr, so never in a log line or an error report."""

    host: str
    sender: str  # the From address
    port: int = 587
    security: str = "starttls"  # starttls (then login), tls (implicit TLS), none (a local relay)
    user: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 10.0  # seconds to connect and for each reply


UI_LANGUAGES = ("auto", "en", "fr")


@dataclass(frozen=True)
class UiSettings:
    """[ui]: how the terminal program speaks (crm/i18n.py) and whether it draws prompts in place.

    language: en, fr, or auto (the environment's locale: LC_ALL, LC_MESSAGES, LANG); an employee's
    own choice (My account) wins once they have logged in. accessible: plain line-by-line questions
    and answers for screen readers (also CRM_ACCESSIBLE=1)."""

    language: str = "auto"
    accessible: bool = False


# "CRM server" mode: plain http only to this machine (a test, or a TLS proxy on the same host)
LOOPBACK_HOSTS = ("localhost",)


@dataclass(frozen=True)
class ServerSettings:
    """[server]: the CRM server (`python -m main serve`) an employee's program talks to, in "CRM
    server" mode: its URL, and the CA file that signed its certificate (empty: the system's CAs).
    No database credential and no session token: the token lives in the commands' session file."""

    url: str
    ca_file: str = ""


# The [database] of a "CRM server" config: none (the program never connects to a database).
NO_DATABASE = DatabaseSettings(mode="none", name="", user="", password="")


@dataclass(frozen=True)
class Config:
    database: DatabaseSettings
    data_dir: Path = Path(DEFAULT_DATA_DIR)
    keep_running: bool = False
    linger_seconds: int = DEFAULT_LINGER_SECONDS
    session_idle_minutes: int = 15
    session_lifetime_hours: int = 8
    reauth_minutes: int = 5
    sentry_dsn: str = ""
    sentry_environment: str = "production"
    sentry_traces_sample_rate: float = 0.0
    log_file: str = "crm.log"
    path: Path = field(default_factory=config_path)
    api_pool_min: int = 1  # [api] pool_min: connections each `serve` worker keeps open
    api_pool_max: int = 10  # [api] pool_max: at most this many at once per worker
    mail: MailSettings | None = None  # no [mail] host: notifications are not e-mailed
    ui: UiSettings = field(default_factory=UiSettings)
    server: ServerSettings | None = None  # "CRM server" mode: no database here, the API there

    @property
    def embedded(self) -> bool:
        return self.database.mode == "embedded"

    @property
    def remote(self) -> bool:
        """ "CRM server" mode: every read and write goes through the server's HTTP API."""
        return self.server is not None

    def session_policy(self, *, idle_lock_of_its_own: bool) -> SessionPolicy:
        """How long this config's sessions last; a face with an idle lock of its own (the menus)
        does not have its sessions ended for idling."""
        return SessionPolicy(
            lifetime=timedelta(hours=self.session_lifetime_hours),
            idle=None if idle_lock_of_its_own else timedelta(minutes=self.session_idle_minutes),
            reauth_window=timedelta(minutes=self.reauth_minutes),
        )


_REQUIRED = {"database": ("mode", "name", "user", "password")}


def _check_mode(path: Path) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigError(
            _(
                "{path} is readable by other users (mode {mode:o}); it holds a database password"
                " or the address your password is sent to. Fix it with: chmod 600 {path}"
            ).format(path=path, mode=mode)
        )


def load(path: Path | None = None) -> Config:
    """Read and validate the config file; raise ConfigError with a one-line reason."""
    path = path or config_path()
    _check_mode(path)
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with path.open(encoding="utf-8") as handle:
            parser.read_file(handle)
    except configparser.Error as exc:
        raise ConfigError(
            _("{path}: {syntax_error}").format(path=path, syntax_error=_syntax_error(exc))
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            _("Cannot read {path}: {name}.").format(path=path, name=exc.__class__.__name__)
        ) from None
    if parser.has_section("server"):
        return _load_remote(path, parser)
    for section, keys in _REQUIRED.items():
        for key in keys:
            if not parser.get(section, key, fallback="").strip():
                raise ConfigError(
                    _("{path}: missing [{section}] {key}.").format(path=path, section=section, key=key)
                )
    db = parser["database"]
    mode = db["mode"].strip()
    if mode not in ("embedded", "server"):
        raise ConfigError(_("{path}: [database] mode must be 'embedded' or 'server'.").format(path=path))
    if mode == "server" and not db.get("host", "").strip():
        raise ConfigError(_("{path}: missing [database] host.").format(path=path))
    port = _whole(path, parser, "database", "port", 5432, 1, MAX_PORT)
    admin_port = _whole(path, parser, "database", "admin_port", None, 1, MAX_PORT)
    keep_running = _boolean(path, parser, "embedded", "keep_running", False)
    idle = _whole(path, parser, "security", "session_idle_minutes", 15, 1, MAX_IDLE_MINUTES)
    lifetime = _whole(path, parser, "security", "session_lifetime_hours", 8, 1, MAX_LIFETIME_HOURS)
    reauth = _whole(path, parser, "security", "reauth_minutes", 5, 0, MAX_REAUTH_MINUTES)
    linger = _whole(path, parser, "embedded", "linger_seconds", DEFAULT_LINGER_SECONDS, 0, MAX_LINGER_SECONDS)
    traces = _fraction(path, parser, "sentry", "traces_sample_rate", 0.0)
    pool_max = _whole(path, parser, "api", "pool_max", 10, 1, MAX_POOL)
    pool_min = _whole(path, parser, "api", "pool_min", 1, 0, pool_max)
    dsn = _sentry_dsn(path, parser.get("sentry", "dsn", fallback="").strip())
    sslmode = db.get("sslmode", "prefer").strip() or "prefer"
    if sslmode not in SSLMODES:
        raise ConfigError(
            _("{path}: [database] sslmode must be one of {items}.").format(
                path=path, items=", ".join(SSLMODES)
            )
        )
    data_dir = Path(_value(parser, "embedded", "data_dir") or DEFAULT_DATA_DIR)
    if not data_dir.is_absolute():
        data_dir = path.parent / data_dir
    return Config(
        database=DatabaseSettings(
            mode=mode,
            name=db["name"].strip(),
            user=db["user"].strip(),
            password=db["password"],
            host=db.get("host", "").strip(),
            port=port,
            sslmode=sslmode,
            sslrootcert=_ca_file(path, db.get("sslrootcert", "").strip()),
            prepare_threshold=_prepare_threshold(path, db.get("prepare_threshold", "").strip()),
            admin_host=db.get("admin_host", "").strip(),
            admin_port=admin_port,
        ),
        data_dir=data_dir,
        keep_running=keep_running,
        linger_seconds=linger,
        session_idle_minutes=idle,
        session_lifetime_hours=lifetime,
        reauth_minutes=reauth,
        sentry_dsn=dsn,
        sentry_environment=parser.get("sentry", "environment", fallback="production").strip(),
        sentry_traces_sample_rate=traces,
        log_file=parser.get("logging", "file", fallback="crm.log").strip() or "crm.log",
        path=path,
        api_pool_min=pool_min,
        api_pool_max=pool_max,
        mail=_mail(path, parser),
        ui=_ui(path, parser),
    )


def _load_remote(path: Path, parser: configparser.ConfigParser) -> Config:
    """A "CRM server" config: [server] url and ca_file, the local settings ([security]'s idle
    lock, [sentry], [logging], [ui]), and nothing that belongs on the server."""
    for section in ("database", "mail"):
        if parser.has_section(section):
            raise ConfigError(
                _(
                    "{path}: a [server] config has no [{section}] section: the CRM server holds it"
                    " (remove one of the two)."
                ).format(path=path, section=section)
            )
    url = _value(parser, "server", "url")
    if not url:
        raise ConfigError(_("{path}: missing [server] url.").format(path=path))
    try:
        url = server_url(url)
    except ConfigError as error:
        raise ConfigError(_("{path}: [server] {error}").format(path=path, error=error)) from None
    ca_file = _value(parser, "server", "ca_file")
    if ca_file:
        ca = Path(ca_file).expanduser()
        ca = ca if ca.is_absolute() else path.parent / ca
        if not ca.is_file():
            raise ConfigError(_("{path}: [server] ca_file: no such file {ca}.").format(path=path, ca=ca))
        if not url.startswith("https://"):
            raise ConfigError(_("{path}: [server] ca_file is for an https:// url.").format(path=path))
        ca_file = str(ca)
    idle = _whole(path, parser, "security", "session_idle_minutes", 15, 1, MAX_IDLE_MINUTES)
    return Config(
        database=NO_DATABASE,
        session_idle_minutes=idle,
        sentry_dsn=_sentry_dsn(path, parser.get("sentry", "dsn", fallback="").strip()),
        sentry_environment=parser.get("sentry", "environment", fallback="production").strip(),
        sentry_traces_sample_rate=_fraction(path, parser, "sentry", "traces_sample_rate", 0.0),
        log_file=parser.get("logging", "file", fallback="crm.log").strip() or "crm.log",
        path=path,
        ui=_ui(path, parser),
        server=ServerSettings(url=url, ca_file=ca_file),
    )


def server_url(text: str, what: str = "url") -> str:
    """A CRM server's URL as the config keeps it (no trailing /): https://host[:port][/path],
    or http:// to this machine only (127.0.0.1, ::1, localhost). ConfigError in one line, about
    `what` (the key, or the wizard's question)."""
    text = text.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ConfigError(_("{what}: the port must be a number from 1 to 65535.").format(what=what)) from None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host or any(c.isspace() for c in text):
        raise ConfigError(
            _("{what} must be the server's address, like https://crm.example.com.").format(what=what)
        )
    if parts.username is not None or parts.password is not None:
        raise ConfigError(_("{what} must not hold a user or a password.").format(what=what))
    if parts.query or parts.fragment or port == 0:
        raise ConfigError(
            _("{what} must be the server's address alone, like https://crm.example.com.").format(what=what)
        )
    if parts.scheme == "http" and not _loopback(host):
        raise ConfigError(
            _(
                "{what} must start with https:// (http:// only to this machine: 127.0.0.1, ::1, localhost)."
            ).format(what=what)
        )
    return text.rstrip("/")


def _loopback(host: str) -> bool:
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _ui(path: Path, parser: configparser.ConfigParser) -> UiSettings:
    language = parser.get("ui", "language", fallback="auto").strip().lower() or "auto"
    if language not in UI_LANGUAGES:
        raise ConfigError(
            _("{path}: [ui] language must be one of {items}.").format(
                path=path, items=", ".join(UI_LANGUAGES)
            )
        )
    return UiSettings(language=language, accessible=_boolean(path, parser, "ui", "accessible", False))


def _mail(path: Path, parser: configparser.ConfigParser) -> MailSettings | None:
    """[mail]: None without a host; otherwise checked (security, port, from, timeout)."""
    if not parser.get("mail", "host", fallback="").strip():
        return None
    mail = parser["mail"]
    security = mail.get("security", "starttls").strip().lower() or "starttls"
    if security not in MAIL_SECURITY:
        raise ConfigError(
            _("{path}: [mail] security must be one of {items}.").format(
                path=path, items=", ".join(MAIL_SECURITY)
            )
        )
    port = _whole(path, parser, "mail", "port", MAIL_PORTS[security], 1, MAX_PORT)
    raw_timeout = _value(parser, "mail", "timeout")
    try:
        timeout = float(raw_timeout) if raw_timeout else 10.0
    except ValueError:
        timeout = -1.0
    if not 0 < timeout <= 120:  # NaN too
        raise ConfigError(
            _("{path}: [mail] timeout must be a number of seconds, more than 0 and at most 120.").format(
                path=path
            )
        )
    sender = mail.get("from", "").strip()
    if sender.count("@") != 1 or any(c.isspace() for c in sender):
        raise ConfigError(
            _("{path}: [mail] from must be an e-mail address, like crm@epicevents.com.").format(path=path)
        )
    user = mail.get("user", "").strip()
    password = mail.get("password", "")
    if password and not user:
        raise ConfigError(_("{path}: [mail] password needs a user.").format(path=path))
    return MailSettings(
        host=mail["host"].strip(),
        sender=sender,
        port=port,
        security=security,
        user=user,
        password=password,
        timeout=timeout,
    )


def _ca_file(path: Path, value: str) -> str:
    """[database] sslrootcert: 'system' (the system's trusted CAs), or a CA file that exists
    (relative to the config file's folder)."""
    if not value or value == "system":
        return value
    ca = Path(value).expanduser()
    if not ca.is_absolute():
        ca = path.parent / ca
    if not ca.is_file():
        raise ConfigError(_("{path}: [database] sslrootcert: no such file {ca}.").format(path=path, ca=ca))
    return str(ca)


def _prepare_threshold(path: Path, value: str) -> int | None:
    """[database] prepare_threshold: a whole number from 0, or none (never prepare)."""
    if not value:
        return DEFAULT_PREPARE_THRESHOLD
    if value.lower() == "none":
        return None
    if not value.isdigit():
        raise ConfigError(
            _("{path}: [database] prepare_threshold must be a whole number from 0, or none.").format(
                path=path
            )
        )
    return int(value)


def _syntax_error(error: configparser.Error) -> str:
    """What is wrong with the INI file's shape, in one line (never its text: it holds a password)."""
    if isinstance(error, configparser.DuplicateOptionError):
        return f"[{error.section}] {error.option} is given twice (line {error.lineno})."
    if isinstance(error, configparser.DuplicateSectionError):
        return f"the section [{error.section}] is given twice (line {error.lineno})."
    if isinstance(error, configparser.MissingSectionHeaderError):
        return f"line {error.lineno} comes before any [section]; the file starts with [database]."
    if isinstance(error, configparser.ParsingError):
        numbers = [str(number) for number, _ in error.errors]
        which = f"lines {', '.join(numbers)} are" if len(numbers) > 1 else f"line {numbers[0]} is"
        return f"{which} not 'key = value', a [section] or a # comment."
    return f"cannot be read ({error.__class__.__name__})."


def _value(parser: configparser.ConfigParser, section: str, key: str) -> str:
    """A key's text, stripped; "" when the key (or its section) is absent or empty."""
    return parser.get(section, key, fallback="").strip()


@overload
def _whole(
    path: Path, parser: configparser.ConfigParser, section: str, key: str, default: int, low: int, high: int
) -> int: ...
@overload
def _whole(
    path: Path, parser: configparser.ConfigParser, section: str, key: str, default: None, low: int, high: int
) -> int | None: ...
def _whole(
    path: Path,
    parser: configparser.ConfigParser,
    section: str,
    key: str,
    default: int | None,
    low: int,
    high: int,
) -> int | None:
    """A whole number from low to high; empty or absent: the default. The refusal names the key
    and the allowed values in one line (never Python's "invalid literal for int()")."""
    raw = _value(parser, section, key)
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10 and low <= int(raw) <= high):
        raise ConfigError(
            _("{path}: [{section}] {key} must be a whole number from {low} to {high}.").format(
                path=path, section=section, key=key, low=low, high=high
            )
        )
    return int(raw)


def _boolean(path: Path, parser: configparser.ConfigParser, section: str, key: str, default: bool) -> bool:
    """true or false (also yes/no, on/off, 1/0, any case); empty or absent: the default."""
    raw = _value(parser, section, key).lower()
    if not raw:
        return default
    if raw not in parser.BOOLEAN_STATES:
        raise ConfigError(
            _("{path}: [{section}] {key} must be true or false.").format(path=path, section=section, key=key)
        )
    return parser.BOOLEAN_STATES[raw]


def _fraction(path: Path, parser: configparser.ConfigParser, section: str, key: str, default: float) -> float:
    """A number from 0 to 1 (0.25); empty or absent: the default."""
    raw = _value(parser, section, key)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:  # NaN and infinities too
        raise ConfigError(
            _("{path}: [{section}] {key} must be a number from 0 to 1, like 0.25.").format(
                path=path, section=section, key=key
            )
        )
    return value


def _sentry_dsn(path: Path, value: str) -> str:
    """[sentry] dsn: empty (off) or a DSN as Sentry gives it, https://KEY@HOST/PROJECT (never
    echoed: it is a secret)."""
    if not value:
        return value
    try:
        parts = urlsplit(value)
        shaped = (
            parts.scheme in ("http", "https")
            and bool(parts.username)
            and bool(parts.hostname)
            and parts.path.rstrip("/").rpartition("/")[2].isdigit()
        )
        parts.port  # noqa: B018 — raises ValueError on a port that is not a number
    except ValueError:
        shaped = False
    if not shaped:
        raise ConfigError(
            _(
                "{path}: [sentry] dsn must be empty (no error reports) or a Sentry DSN, like "
                "https://KEY@o0.ingest.sentry.io/0."
            ).format(path=path)
        )
    return value


def _reporting_and_ui(config: Config) -> list[str]:
    """The [sentry], [logging] and [ui] sections, the same in every kind of config."""
    return [
        "[sentry]",
        "# Sentry DSN for error reports; empty = off",
        f"dsn = {config.sentry_dsn}",
        f"environment = {config.sentry_environment}",
        f"traces_sample_rate = {config.sentry_traces_sample_rate}",
        "",
        "[logging]",
        "# log file, relative to this file's folder",
        f"file = {config.log_file}",
        "",
        "[ui]",
        "# language of the terminal program: en, fr, or auto (the environment's locale); each",
        "# employee may choose their own in My account",
        f"language = {config.ui.language}",
        "# true: plain line-by-line questions and numbered answers, for screen readers",
        "# (CRM_ACCESSIBLE=1 does the same)",
        f"accessible = {'true' if config.ui.accessible else 'false'}",
        "",
    ]


def render(config: Config) -> str:
    """The INI text for a config, with a comment on every key."""
    if config.server is not None:
        return _render_remote(config, config.server)
    db = config.database
    lines = [
        "# Epic Events CRM configuration — written by the setup wizard.",
        "# Holds the application role's password: keep this file mode 0600.",
        "",
        "[database]",
        "# embedded: the PostgreSQL server shipped with the program, in [embedded] data_dir",
        "# server: an existing PostgreSQL server at host:port",
        f"mode = {db.mode}",
        f"host = {db.host}",
        f"port = {db.port}",
        f"name = {db.name}",
        "# the program's own least-privilege role (never a superuser)",
        f"user = {db.user}",
        f"password = {db.password}",
        "# server mode only: disable, prefer, require, verify-ca, verify-full (checks the",
        "# server's certificate against sslrootcert and its name against host)",
        f"sslmode = {db.sslmode}",
        "# CA file that signed the server's certificate (a managed service's CA bundle), or system",
        f"sslrootcert = {db.sslrootcert}",
        "# statements run this many times on a connection are prepared on the server; none: never",
        "# (needed behind PgBouncer < 1.21 in transaction mode, or without max_prepared_statements)",
        f"prepare_threshold = {'none' if db.prepare_threshold is None else db.prepare_threshold}",
        "# the PostgreSQL server itself for --upgrade and --backup, when host:port is PgBouncer",
        "# (empty: host and port)",
        f"admin_host = {db.admin_host}",
        f"admin_port = {db.admin_port or ''}",
        "",
        "[embedded]",
        "# folder of the embedded server's data (mode 0700)",
        f"data_dir = {config.data_dir}",
        "# true: leave the embedded server running when the last program instance exits",
        f"keep_running = {'true' if config.keep_running else 'false'}",
        "# seconds the server stays up after the last command exits, for the next one (0: stop at",
        "# once); the interactive program stops it when it is the last to exit",
        f"linger_seconds = {config.linger_seconds}",
        "",
        "[security]",
        "# minutes without activity before the password is asked again (menus), or before a",
        "# command's or the API's session ends",
        f"session_idle_minutes = {config.session_idle_minutes}",
        "# hours after which every login ends, however busy (1 to 168)",
        f"session_lifetime_hours = {config.session_lifetime_hours}",
        "# commands and the API: minutes a typed password spares the next writes from asking (0 to 60)",
        f"reauth_minutes = {config.reauth_minutes}",
        "",
        *_reporting_and_ui(config),
        "[api]",
        "# `python -m main serve`: database connections each worker keeps open, and at most",
        f"pool_min = {config.api_pool_min}",
        f"pool_max = {config.api_pool_max}",
        "",
    ]
    mail = config.mail
    if mail is None:
        lines += [
            "# [mail]: e-mail support employees their notifications through an SMTP server, e.g.",
            "# [mail]",
            "# host = smtp.example.com",
            "# security = starttls   (starttls: port 587; tls: implicit TLS, port 465; none: port 25)",
            "# from = crm@example.com",
            "# user = crm",
            "# password = ...",
            "",
        ]
    else:
        lines += [
            "[mail]",
            "# SMTP server that e-mails support employees their notifications; empty host = off",
            f"host = {mail.host}",
            "# starttls (port 587), tls (implicit TLS, port 465) or none (a local relay, port 25)",
            f"security = {mail.security}",
            f"port = {mail.port}",
            "# the From address",
            f"from = {mail.sender}",
            "# login, if the server needs one",
            f"user = {mail.user}",
            f"password = {mail.password}",
            "# seconds to connect and for each reply",
            f"timeout = {mail.timeout}",
            "",
        ]
    return "\n".join(lines)


def _render_remote(config: Config, server: ServerSettings) -> str:
    """A "CRM server" config: where the server is, and this machine's own settings; no secret."""
    return "\n".join(
        [
            "# Epic Events CRM configuration — written by the setup wizard.",
            "# CRM server mode: every read and write goes through the CRM server's HTTP API, with",
            "# your own login. No database password here, and no session token (the commands keep",
            "# theirs in a private session file).",
            "",
            "[server]",
            "# the CRM server's address (`python -m main serve` behind TLS): https://, or http:// to",
            "# this machine only (127.0.0.1, ::1, localhost)",
            f"url = {server.url}",
            "# CA file that signed the server's certificate (empty: the system's trusted CAs)",
            f"ca_file = {server.ca_file}",
            "",
            "[security]",
            "# minutes without a key pressed before the menus ask the password again (the server's",
            "# own settings decide how long its sessions last)",
            f"session_idle_minutes = {config.session_idle_minutes}",
            "",
            *_reporting_and_ui(config),
        ]
    )


def write(config: Config, path: Path | None = None) -> Path:
    """Write the config atomically with mode 0600 (never readable by anyone else, even briefly)."""
    path = path or config.path
    path.parent.mkdir(parents=True, exist_ok=True)
    # mkstemp: a new file with an unpredictable name, created 0600 with O_EXCL (never an existing
    # file or a symlink planted beside the config), then renamed over the config in one step.
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(render(config))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
