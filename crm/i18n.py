"""The program's languages: every user-facing message in English and French.

Messages are written in English in the code, wrapped in `_()` (or `N_()` where the text is a
constant defined before a language is known, translated with `_()` where it is shown), and
translated in the gettext catalogs `crm/locale/<language>/LC_MESSAGES/*.po` (one per part of the
program: the menus, the commands, the services' messages…), read through Babel when first needed
(no compile step). The language is a context variable: the terminal
program sets it once (`[ui] language`, then the employee's own choice), the API server per request.

    from crm.i18n import _
    print(_("Client {name} saved.").format(name=client.full_name))

A message is always one whole sentence with named placeholders, never assembled from fragments.
"""

from __future__ import annotations

import locale
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

LANGUAGES = ("en", "fr")
DEFAULT_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).parent / "locale"

_language: ContextVar[str] = ContextVar("crm_language", default=DEFAULT_LANGUAGE)


@cache
def catalog(code: str) -> dict[str, str | tuple[str, ...]]:
    """msgid (or (singular, plural)) → translation of one language; empty for English."""
    if code == DEFAULT_LANGUAGE:
        return {}
    from babel.messages.pofile import read_po

    table: dict[str, str | tuple[str, ...]] = {}
    for path in sorted((LOCALE_DIR / code / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            _read_into(table, read_po(handle, locale=code))
    return table


def _read_into(table: dict[str, str | tuple[str, ...]], po: Any) -> None:
    for message in po:
        if not message.id or not message.string or message.fuzzy:
            continue
        if isinstance(message.id, (tuple, list)):
            strings = tuple(message.string)
            if all(strings):
                table[str(message.id[0])] = strings
        elif isinstance(message.string, str):
            table[str(message.id)] = message.string


def language() -> str:
    """The language messages are shown in now: "en" or "fr"."""
    return _language.get()


def set_language(code: str) -> None:
    """Speak `code` ("en", "fr") from now on in this context (unknown codes: English)."""
    _language.set(code if code in LANGUAGES else DEFAULT_LANGUAGE)


@contextmanager
def speaking(code: str) -> Iterator[None]:
    """Speak `code` for the duration of a block (an API request, a test)."""
    token = _language.set(code if code in LANGUAGES else DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _language.reset(token)


def from_environment() -> str:
    """The language of the environment's locale (LC_ALL, LC_MESSAGES, LANG): "fr" for any French
    locale, else English."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            return "fr" if value.lower().startswith("fr") else DEFAULT_LANGUAGE
    code = locale.getlocale()[0] or ""
    return "fr" if code.lower().startswith("fr") else DEFAULT_LANGUAGE


def resolve(setting: str) -> str:
    """The language a `[ui] language` setting (en, fr, auto) means here."""
    if setting == "auto":
        return from_environment()
    return setting if setting in LANGUAGES else DEFAULT_LANGUAGE


def _(message: str) -> str:
    """`message` in the current language (itself when it has no translation)."""
    found = catalog(_language.get()).get(message)
    return found if isinstance(found, str) else message


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for `count`, in the current language (placeholders are filled
    by the caller: `ngettext("{n} client", "{n} clients", n).format(n=n)`)."""
    code = _language.get()
    found = catalog(code).get(singular)
    if isinstance(found, tuple):
        return found[_plural_index(code, count)] if len(found) > 1 else found[0]
    return singular if count == 1 else plural


def _plural_index(code: str, count: int) -> int:
    if code == "fr":
        return 0 if count in (0, 1) else 1
    return 0 if count == 1 else 1


def N_(message: str) -> str:
    """Mark a constant for translation without translating it now (translate it where shown)."""
    return message
