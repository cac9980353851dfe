"""The commands' language: which one a command speaks, and click's help texts in it.

A command speaks the language of `CRM_LANGUAGE` when it is set (en, fr or auto), else the one of
the config's `[ui] language` (auto: the environment's locale), and once the employee is known,
their own choice when they have made one (crm.cli.context). The help texts are written in English
in the code (docstrings, `help=`); `translate(command)` puts them in the current language just
before click shows them, keeping the English to translate them again (a test runs several
commands in one process, in several languages). A help text is translated paragraph by paragraph
(click rewraps them); in a `\\b` block (examples) only its heading and the description beside an
example are, never the example itself.
"""

from __future__ import annotations

import inspect
import os
import re
from collections.abc import Iterator
from typing import Any

import click

from crm import i18n
from crm.i18n import _, resolve

ENVIRONMENT = "CRM_LANGUAGE"
_ENGLISH = "_crm_english"
_EXAMPLE = re.compile(r"^(\s*(?:python -m main|crm)\b.*?\S)(\s{2,})(\S.*)$")


def override() -> str | None:
    """The language CRM_LANGUAGE asks for, if it is set (it wins over every other choice)."""
    value = os.environ.get(ENVIRONMENT, "").strip().lower()
    return resolve(value) if value else None


def for_command() -> str:
    """The language a command starts in: CRM_LANGUAGE, else the config's [ui] language (auto when
    there is no readable config: its error is reported later, in that language)."""
    forced = override()
    if forced is not None:
        return forced
    try:
        from crm import config as config_file

        path = config_file.config_path()
        setting = config_file.load(path).ui.language if path.exists() else "auto"
    except Exception:  # noqa: BLE001 — the command itself reports a bad config
        setting = "auto"
    return resolve(setting)


def for_employee(choice: str | None) -> str | None:
    """The language to switch to once the employee is known: their own choice, unless
    CRM_LANGUAGE says otherwise; None to keep the current one."""
    if override() is not None or not choice:
        return None
    return resolve(choice)


# click's own messages ------------------------------------------------------------------------

# What click itself says (its errors, its help's words), as its modules mark them: translated by
# our catalogs once `speak_for_click` has given click our gettext functions.
CLICK_MESSAGES: tuple[str | tuple[str, str], ...] = (
    "Error: {message}",
    "Try '{command} {option}' for help.",
    "Missing argument",
    "Missing option",
    "Missing parameter",
    "Missing command.",
    "No such option {name!r}.",
    "No such command {name!r}.",
    "Invalid value: {message}",
    "Invalid value for {param_hint}: {message}",
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"),
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."),
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"),
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."),
    "{value!r} is not a valid {number_type}.",
    "{value} is not in the range {range}.",
    "Option {name!r} does not take a value.",
    "Aborted!",
    "default: {default}",
    "required",
    "Show this message and exit.",
    "Show the version and exit.",
    "Usage:",
    "Options",
    "Commands",
    "Positional arguments",
)
_CLICK_MODULES = ("core", "exceptions", "parser", "types", "formatting", "decorators")


def speak_for_click() -> None:
    """Give click's modules our `_` and `ngettext` (they import gettext's): its messages then
    follow the current language too (English: unchanged)."""
    import importlib

    for name in _CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = i18n._  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = i18n.ngettext  # type: ignore[attr-defined]


# Help texts -----------------------------------------------------------------------------------


def paragraphs(text: str) -> Iterator[tuple[str, str | None]]:
    """(paragraph, its msgid or None) for each paragraph of a help text (see the module's doc)."""
    for paragraph in re.split(r"\n\s*\n", text):
        if paragraph.startswith("\b"):
            yield paragraph, None
        else:
            yield paragraph, " ".join(line.strip() for line in paragraph.splitlines()).strip() or None


def _block_line(line: str) -> tuple[str, str | None]:
    """A line of a \\b block: (its start kept as is, the part to translate or None)."""
    stripped = line.strip()
    if stripped.endswith(":") and not stripped.startswith(("python", "crm", "-", "printf")):
        return line[: len(line) - len(line.lstrip())], stripped
    found = _EXAMPLE.match(line)
    if found:
        return found.group(1) + found.group(2), found.group(3)
    return line, None


def translate_text(text: str | None) -> str | None:
    """A help text in the current language."""
    if not text:
        return text
    out = []
    for paragraph, msgid in paragraphs(inspect.cleandoc(text)):
        if msgid is not None:
            out.append(_(msgid))
            continue
        lines = []
        for line in paragraph.split("\n"):
            start, part = _block_line(line.lstrip("\b") if line.startswith("\b") else line)
            prefix = "\b" if line.startswith("\b") else ""
            lines.append(prefix + (start + _(part) if part else start))
        out.append("\n".join(lines))
    return "\n\n".join(out)


def help_messages(text: str | None) -> Iterator[str]:
    """The msgids of a help text (what the catalog must translate)."""
    if not text:
        return
    for paragraph, msgid in paragraphs(inspect.cleandoc(text)):
        if msgid is not None:
            yield msgid
            continue
        for line in paragraph.split("\n"):
            part = _block_line(line.lstrip("\b"))[1]
            if part:
                yield part


def _english(thing: Any, attribute: str) -> str | None:
    kept = thing.__dict__.setdefault(_ENGLISH, {})
    if attribute not in kept:
        kept[attribute] = getattr(thing, attribute)
    return kept[attribute]


def translate(command: click.Command) -> click.Command:
    """The command (and its subcommands, options) with its help texts in the current language."""
    for attribute in ("help", "short_help", "epilog"):
        setattr(command, attribute, translate_text(_english(command, attribute)))
    command.context_class = TranslatedContext
    for param in command.params:
        if isinstance(param, click.Option):
            english = _english(param, "help")
            param.help = _(english) if english else english
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            translate(sub)
    return command


def messages(command: click.Command) -> Iterator[str]:
    """Every msgid of a command's help texts, subcommands and options included (in English)."""
    for attribute in ("help", "short_help", "epilog"):
        yield from help_messages(_english(command, attribute))
    for param in command.params:
        if isinstance(param, click.Option) and _english(param, "help"):
            yield str(_english(param, "help"))
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            yield from messages(sub)


class TranslatedFormatter(click.HelpFormatter):
    """click's help layout with its headings in the current language, and the help texts of the
    options click made before it spoke our language (--version)."""

    def write_heading(self, heading: str) -> None:
        super().write_heading(_(heading))

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        # click's own options (--help, --version) carry English help texts.
        super().write_dl([(first, _(second)) for first, second in rows], col_max, col_spacing)


class TranslatedContext(click.Context):
    formatter_class = TranslatedFormatter


def table_headers() -> Iterator[str]:
    """The headers of the commands' tables (and the line under a cut table): shown translated
    (crm.cli.output.translated_headers), so the catalog must have them."""
    from crm.cli import clients, contracts, employees, events, history, notifications, opportunities, services

    tables = [
        module.TABLE for module in (clients, contracts, employees, notifications, opportunities, services)
    ]
    headers = [table.headers for table in tables] + [events.LIST_HEADERS, history.HEADERS]
    for columns in headers:
        yield from (str(header) for header in columns)
        if getattr(columns, "show", None):
            yield columns.show
