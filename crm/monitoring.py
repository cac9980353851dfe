"""Monitoring: unexpected errors and business events, to a private local log and to Sentry.

`init(config)` opens the rotating log file (mode 0600, beside the config unless [logging] file
says otherwise) and, when [sentry] dsn is set, starts sentry-sdk (imported only then, so an empty
DSN costs nothing and changes nothing). `capture(error)` reports an unexpected error and returns
the reference the user is shown; `business_event(name, **fields)` records what the business
cares about (an employee created, a contract signed, a login locked).

Nothing secret or personal leaves the machine or reaches the log. An exception's message is
never sent nor logged, only its type (and, for a database error, its SQLSTATE and the constraint
it names): messages echo whatever was being handled — a client's name, a password typed in the
wrong field, a row's values — and no pattern can recognise all of that. Everything else is
scrubbed by one function (`scrub`) of passwords, password hashes, connection strings with
credentials, e-mail addresses and phone numbers: messages, extras, tags, breadcrumbs and log
lines. Sentry never gets local variables, default PII, the command line, or breadcrumbs other
than the program's own log lines.
"""

from __future__ import annotations

import contextvars
import logging
import os
import re
import traceback
import uuid
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from crm import __version__

if TYPE_CHECKING:
    from sentry_sdk.types import Event, Hint

    from crm.config import Config

log = logging.getLogger("crm")
# Without a handler, Python would print warnings and tracebacks on the terminal: never.
log.addHandler(logging.NullHandler())

RELEASE = f"epic-events-crm@{__version__}"
LOG_MAX_BYTES = 1_000_000
LOG_BACKUPS = 3
FLUSH_SECONDS = 2.0
REDACTED = "[redacted]"

_sentry_on = False
_log_handler: logging.Handler | None = None
_known_secrets: set[str] = set()
# The error references capture() has handed out: one made only of digits is not a phone number.
_references: set[str] = set()
# False while a superuser password is in memory: errors are then reported without frame data.
_frames_allowed: contextvars.ContextVar[bool] = contextvars.ContextVar("crm_frames_allowed", default=True)

# Scrubbing --------------------------------------------------------------------------------------

# Keys whose values are never sent or logged, whatever they hold.
_SECRET_KEY = re.compile(
    r"pass(word|wd|phrase)?|pwd|secret|token|api_?key|authorization|cookie|session_?key|credential"
    r"|dsn|conninfo|conn_?str|hash|e-?mail|phone",
    re.IGNORECASE,
)
_ARGON2 = re.compile(r"\$argon2(?:id|i|d)?\$[A-Za-z0-9+/=,$]*")
# scheme://user:password@host → scheme://[redacted]@host (postgresql://, https:// Sentry DSNs…)
_URL_CREDENTIALS = re.compile(r"\b([a-z][a-z0-9+.-]*://)[^\s/@'\"]+@", re.IGNORECASE)
# password=… in a conninfo, key: value or key = value; quoted values may hold spaces.
_KEY_VALUE = re.compile(
    r"(?P<key>\b[\w-]*(?:pass(?:word|wd|phrase)?|pwd|secret|token|api_?key)[\w-]*['\"]?\s*[:=]\s*)"
    r"(?P<value>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^\s,;&)}\]]+)",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.+%-]+@(?:[\w-]+\.)+[A-Za-z]{2,}\b")
_PHONE_CANDIDATE = re.compile(r"(?<![\w+.:-])\+?\(?\d[\d ().-]{4,}\d(?![\w:-])")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2})?")
_PLAIN_NUMBER = re.compile(r"\d{1,7}|\d+\.\d+")
# PostgreSQL echoes row values in DETAIL lines: "Failing row contains (…)", "Key (email)=(…)".
_ROW_VALUES = re.compile(r"(Failing row contains|Key \(.*?\)=)[^\n]*")
_HOME = re.compile(r"(/home/|/Users/)[^/\s'\"]+")


def _phone(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = sum(c.isdigit() for c in text)
    if digits < 6 or _DATE.fullmatch(text.strip()) or _PLAIN_NUMBER.fullmatch(text) or text in _references:
        return text
    return "[phone]"


def scrub(text: str) -> str:
    """The text without passwords, hashes, credentials in connection strings, e-mails or phones."""
    if not text:
        return text
    for secret in _known_secrets:
        text = text.replace(secret, REDACTED)
    text = _ROW_VALUES.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _ARGON2.sub("[password hash]", text)
    text = _URL_CREDENTIALS.sub(lambda m: f"{m.group(1)}{REDACTED}@", text)
    text = _KEY_VALUE.sub(lambda m: f"{m.group('key')}{REDACTED}", text)
    text = _EMAIL.sub("[email]", text)
    text = _PHONE_CANDIDATE.sub(_phone, text)
    return _HOME.sub(r"\1~", text)


# Exception messages --------------------------------------------------------------------------------

MESSAGE_REMOVED = "[message removed]"
# How Python's tracebacks link chained exceptions.
_CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


def error_facts(error: BaseException) -> dict[str, str]:
    """What may be said of an error besides its type: a database error's SQLSTATE and constraint."""
    facts = {}
    for key, value in (
        ("sqlstate", getattr(error, "sqlstate", None)),
        ("constraint", getattr(getattr(error, "diag", None), "constraint_name", None)),
    ):
        if isinstance(value, str) and value:
            facts[key] = value
    return facts


def describe_error(error: BaseException) -> str:
    """An error's type and facts, never its message: "UniqueViolation (sqlstate 23505, …)"."""
    facts = ", ".join(f"{key} {value}" for key, value in error_facts(error).items())
    return f"{error.__class__.__name__} ({facts})" if facts else error.__class__.__name__


def _chain(error: BaseException) -> list[tuple[BaseException, str]]:
    """The error and those it came from, oldest first, each with the line that links it to the
    next (newer) one."""
    chain: list[tuple[BaseException, str]] = []
    seen: set[int] = set()
    current: BaseException | None = error
    link = ""
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((current, link))
        if current.__cause__ is not None:
            current, link = current.__cause__, _CAUSE
        elif current.__context__ is not None and not current.__suppress_context__:
            current, link = current.__context__, _CONTEXT
        else:
            current = None
    return list(reversed(chain))


def traceback_without_messages(error: BaseException) -> str:
    """A traceback as Python prints it, but each exception's message (and notes) left out."""
    parts = []
    chain = _chain(error)
    for index, (exc, link) in enumerate(chain):
        if exc.__traceback__ is not None:
            parts.append("Traceback (most recent call last):\n")
            parts.extend(traceback.format_tb(exc.__traceback__))
        kind = type(exc)
        name = (
            kind.__qualname__
            if kind.__module__ in ("builtins", "__main__")
            else f"{kind.__module__}.{kind.__qualname__}"
        )
        facts = ", ".join(f"{key} {value}" for key, value in error_facts(exc).items())
        parts.append(f"{name}: {MESSAGE_REMOVED}{f' ({facts})' if facts else ''}\n")
        if index + 1 < len(chain):
            parts.append(link)
    return "".join(parts)


# What sentry-sdk itself fills in (ids, times, versions): left as it is.
_SDK_KEYS = frozenset(
    "event_id timestamp start_timestamp sent_at asctime trace_id span_id parent_span_id"
    " release environment platform level modules sdk lineno".split()
)


def _scrub_item(key: Any, item: Any) -> Any:
    if not isinstance(key, str):
        return scrub_data(item)
    if _SECRET_KEY.search(key):
        return REDACTED
    return item if key in _SDK_KEYS else scrub_data(item)


def scrub_data(value: Any) -> Any:
    """A copy of nested data with every string scrubbed and the values of secret-sounding keys removed."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, Mapping):
        return {key: _scrub_item(key, item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub_data(item) for item in value]
    return value


def _strip_frames(event: dict[str, Any], keep_frames: bool) -> None:
    """Remove local variables from every frame; remove the frames themselves when asked."""
    holders = list((event.get("exception") or {}).get("values") or [])
    holders += list((event.get("threads") or {}).get("values") or [])
    for holder in holders:
        stacktrace = holder.get("stacktrace")
        if not stacktrace:
            continue
        if not keep_frames:
            holder.pop("stacktrace", None)
            continue
        for frame in stacktrace.get("frames") or []:
            frame.pop("vars", None)


def before_send(sent: Event, hint: Hint | None = None) -> Event:
    """Sentry's last look at an event: no exception messages, no frame variables, no PII, no
    command line, every string scrubbed. (sentry-sdk's Event is a TypedDict: at run time a plain
    dict, read and scrubbed here like any JSON.)"""
    event = cast("dict[str, Any]", sent)
    _strip_frames(event, _frames_allowed.get())
    for value in (event.get("exception") or {}).get("values") or []:
        if "value" in value:
            value["value"] = MESSAGE_REMOVED
    for key in ("user", "server_name", "request"):
        event.pop(key, None)
    (event.get("extra") or {}).pop("sys.argv", None)  # `--unlock USERNAME`: a username
    return cast("Event", scrub_data(event))


def before_breadcrumb(crumb: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """Only the program's own log lines become breadcrumbs (others' — a library's warning, a
    subprocess's command line — may hold anything), scrubbed like events."""
    category = str(crumb.get("category") or "")
    if crumb.get("type") not in (None, "log", "default") or not (
        category == "crm" or category.startswith("crm.")
    ):
        return None
    return scrub_data(crumb)


class ScrubbingFilter(logging.Filter):
    """Scrubs a log record's message and traceback before any handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub(record.getMessage())
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = traceback_without_messages(record.exc_info[1])
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True


class PrivateRotatingFileHandler(RotatingFileHandler):
    """A rotating log whose files are created readable by their owner only (0600)."""

    def _open(self):
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.fchmod(fd, 0o600)
        return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)


# Set-up -----------------------------------------------------------------------------------------


def log_path(config: Config) -> Path:
    """The log file: [logging] file, relative to the config file's folder."""
    path = Path(config.log_file).expanduser()
    return path if path.is_absolute() else config.path.parent / path


def init(config: Config, transport: Any = None) -> bool:
    """Start the local log and, with a [sentry] dsn, Sentry; return whether Sentry is on.

    transport: a sentry-sdk Transport for tests (events kept in memory, no network).
    """
    shutdown()
    _known_secrets.clear()
    for secret in (config.database.password, config.sentry_dsn):
        if secret and len(secret) >= 6:
            _known_secrets.add(secret)
    _start_log(log_path(config))
    if config.sentry_dsn:
        _start_sentry(config, transport)
    return _sentry_on


def _start_log(path: Path) -> None:
    global _log_handler
    log.setLevel(logging.INFO)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = PrivateRotatingFileHandler(
            path, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
        )
    except OSError:
        return  # no log file (read-only folder…): the program works the same
    handler.addFilter(ScrubbingFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    _log_handler = handler


def _start_sentry(config: Config, transport: Any) -> None:
    global _sentry_on
    import sentry_sdk
    from sentry_sdk.integrations.logging import LoggingIntegration

    options: dict[str, Any] = {}
    if transport is not None:
        options["transport"] = transport
    try:
        with warnings.catch_warnings():
            # sentry-sdk 2.x calls send_default_pii deprecated (for data_collection); we keep it
            # explicit and False, which also keeps the SDK's own EventScrubber as a second layer.
            warnings.simplefilter("ignore", DeprecationWarning)
            sentry_sdk.init(
                dsn=config.sentry_dsn,
                environment=config.sentry_environment or "production",
                release=RELEASE,
                traces_sample_rate=config.sentry_traces_sample_rate,
                send_default_pii=False,
                include_local_variables=False,
                before_send=before_send,
                before_send_transaction=before_send,
                before_breadcrumb=before_breadcrumb,
                # Our log lines become breadcrumbs; errors are sent by capture(), never twice.
                integrations=[LoggingIntegration(level=logging.INFO, event_level=None)],
                auto_enabling_integrations=False,
                server_name="",
                **options,
            )
    except Exception as error:  # noqa: BLE001 — a bad DSN must not stop the program
        log.warning("Sentry is off: %s", error.__class__.__name__)
        return
    _sentry_on = True


def shutdown() -> None:
    """Flush and stop Sentry, close the log file (tests; init() calls it before starting again)."""
    global _sentry_on, _log_handler
    if _sentry_on:
        import sentry_sdk

        client = sentry_sdk.get_client()
        client.close(timeout=FLUSH_SECONDS)
        sentry_sdk.get_global_scope().set_client(None)
        for scope in (sentry_sdk.get_isolation_scope(), sentry_sdk.get_current_scope()):
            scope.clear()  # no tag, extra or breadcrumb of this run reaches the next one
        _sentry_on = False
    if _log_handler is not None:
        log.removeHandler(_log_handler)
        _log_handler.close()
        _log_handler = None


def sentry_enabled() -> bool:
    return _sentry_on


def flush(timeout: float = FLUSH_SECONDS) -> None:
    """Send what is queued before the program exits (no-op when Sentry is off)."""
    if _sentry_on:
        import sentry_sdk

        sentry_sdk.flush(timeout=timeout)
    if _log_handler is not None:
        _log_handler.flush()


# Reporting --------------------------------------------------------------------------------------


def capture(error: BaseException) -> str:
    """Report an unexpected error; return the short reference the user can quote.

    The reference is the start of the Sentry event id when Sentry is on, else a random one;
    the same error object reported twice keeps its first reference and is sent once.
    """
    reference = getattr(error, "_crm_reference", None)
    if reference:
        return reference
    event_id = None
    if _sentry_on:
        import sentry_sdk

        with sentry_sdk.new_scope() as scope:
            for key, value in error_facts(error).items():
                scope.set_tag(key, value)
            event_id = sentry_sdk.capture_exception(error)
    reference = (event_id or uuid.uuid4().hex)[:8]
    _references.add(reference)
    try:
        error._crm_reference = reference  # type: ignore[attr-defined]
    except (AttributeError, TypeError):
        pass
    log.error("unexpected error (reference %s): %s", reference, describe_error(error), exc_info=error)
    return reference


def report(error: BaseException) -> str:
    """The one line the user sees for an unexpected error."""
    from crm.i18n import _

    return _("Something went wrong; it has been reported (reference {reference}).").format(
        reference=capture(error)
    )


@contextmanager
def secret_in_memory() -> Iterator[None]:
    """While a superuser password is in memory: an unexpected error is reported without frames."""
    token = _frames_allowed.set(False)
    try:
        yield
    except Exception as error:
        capture(error)
        raise
    finally:
        _frames_allowed.reset(token)


def business_event(name: str, **fields: Any) -> None:
    """Record a business event (e.g. "contract.signed", contract_id=…): log line + Sentry message.

    Fields should be ids and categories; whatever they hold is scrubbed like everything else.
    """
    fields = {k: v if isinstance(v, (bool, int, float)) or v is None else str(v) for k, v in fields.items()}
    shown = " ".join(f"{key}={value}" for key, value in sorted(fields.items()))
    log.info("business event %s %s", name, shown)
    if not _sentry_on:
        return
    import sentry_sdk

    with sentry_sdk.new_scope() as scope:
        scope.set_tag("business_event", name)
        for key, value in fields.items():
            scope.set_tag(key, str(value)[:200])  # tags are short strings
        scope.set_context("business_event", {"name": name, **fields})
        sentry_sdk.capture_message(f"business event: {name}", level="info")
