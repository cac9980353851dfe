"""Password hashing (argon2id), the password policy, and the login-throttling rule."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from datetime import timedelta
from functools import lru_cache
from importlib import resources
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from crm import validation
from crm.errors import ValidationError
from crm.i18n import N_, _

PASSWORD_MIN = 12
PASSWORD_MAX = 128

# Throttling: this many failed logins for one username within FAILURE_WINDOW lock it for LOCK_TIME.
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCK_TIME = timedelta(minutes=15)

COMMON_PASSWORDS_FILE = "common_passwords.txt"
FRENCH_WORDS_FILE = "french_words.txt"

# zxcvbn's score, 0 (too guessable) to 4: 3 means "safely unguessable" (about 10^10 guesses).
MIN_STRENGTH = 3
# zxcvbn's time grows quickly with length (about 1 s for 128 characters here): it scores the first
# STRENGTH_WINDOW characters, which is enough to tell (more characters only add guesses).
STRENGTH_WINDOW = 32
# The company's and the product's own names: what anyone would try first.
COMPANY_NAME = "epicevents"  # letters and digits only: "Epic-Events", "EPIC EVENTS" too
COMPANY_WORDS = ("epic events crm", "epiceventscrm", "epic events", "epicevents", "epic", "events", "crm")

# The same keys on an AZERTY (French) keyboard and on the QWERTY one zxcvbn knows: a password
# typed along an AZERTY row or column ("azertyuiop", "wxcvbn", "&é\"'(") becomes, key for key, the
# QWERTY walk zxcvbn recognises. Digits stay digits (they are the same keys, shifted).
_AZERTY = "&é\"'(-è_çà)=azertyuiop^$qsdfghjklmù*wxcvbn,;:!AZERTYUIOP¨£QSDFGHJKLM%µWXCVBN?./§"
_QWERTY = "1234567890-=qwertyuiop[]asdfghjkl;'\\zxcvbnm,./QWERTYUIOP{}ASDFGHJKL:\"|ZXCVBNM<>?"
AZERTY_AS_QWERTY = str.maketrans(_AZERTY, _QWERTY)

# The refusal for each kind of guessable pattern zxcvbn finds (whole sentences, translated where
# raised).
_PATTERN_RULES = {
    "spatial": N_(
        "This password is too easy to guess: it follows keys on the keyboard (like qwerty, azerty"
        " or 1qaz2wsx). Use several unrelated words, or more characters."
    ),
    "repeat": N_(
        "This password is too easy to guess: it repeats a pattern (like abcabc or aaaa)."
        " Use several unrelated words, or more characters."
    ),
    "sequence": N_(
        "This password is too easy to guess: it is a sequence (like 12345 or abcdef)."
        " Use several unrelated words, or more characters."
    ),
    "date": N_(
        "This password is too easy to guess: it is built on a date."
        " Use several unrelated words, or more characters."
    ),
    "regex": N_(
        "This password is too easy to guess: it is built on a year."
        " Use several unrelated words, or more characters."
    ),
    "company": N_(
        "This password is too easy to guess: it is built on the company's or the product's name"
        " (Epic Events CRM). Use several unrelated words, or more characters."
    ),
    "username": N_(
        "This password is too easy to guess: it is built on the username."
        " Use several unrelated words, or more characters."
    ),
    "digits": N_(
        "This password is too easy to guess: it is only digits in a guessable order."
        " Use several unrelated words, or more characters."
    ),
    "short": N_(
        "This password is too easy to guess: it is too short for what it holds."
        " Use several unrelated words, or more characters."
    ),
}
_WORD_RULE = N_(
    "This password is too easy to guess: it is a common word, name or password with a few changes"
    " (like bonjour12345 or Password1234!). Use several unrelated words, or more characters."
)
_zxcvbn_lock = threading.Lock()  # zxcvbn keeps its user inputs in a module-level dictionary

# argon2-cffi's defaults (RFC 9106 low-memory profile: 64 MiB, 3 passes, 4 lanes).
PRODUCTION_HASHER = PasswordHasher()
_hasher = PRODUCTION_HASHER


def use_hasher(hasher: PasswordHasher) -> None:
    """Replace the hasher (tests use a cheap profile; production keeps the default)."""
    global _hasher
    _hasher = hasher
    _dummy_hash.cache_clear()


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether the password matches the hash (never raises on a bad hash or odd input).

    A lone surrogate (what a terminal in another encoding gives for bytes that are not UTF-8)
    cannot be encoded as UTF-8: such a password is verified as its surrogate-escaped bytes, which
    takes as long and never matches (the policy lets no such password be set).
    """
    try:
        return _hasher.verify(password_hash, password.encode("utf-8", "surrogatepass"))
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with other parameters than the current hasher's."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("an unguessable dummy password for unknown usernames")


def burn_verification_time(password: str) -> None:
    """Spend the time a real verification takes (for unknown usernames)."""
    verify_password(_dummy_hash(), password)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The lower-cased common passwords shipped with the program (crm/data)."""
    text = resources.files("crm").joinpath("data", COMMON_PASSWORDS_FILE).read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def is_common_password(password: str) -> bool:
    """Whether the password is on the common-passwords list (any case)."""
    return password.strip().lower() in common_passwords()


@lru_cache(maxsize=1)
def french_words() -> tuple[str, ...]:
    """French common words and names, most common first (crm/data), for zxcvbn's dictionaries."""
    text = resources.files("crm").joinpath("data", FRENCH_WORDS_FILE).read_text(encoding="utf-8")
    return tuple(line for line in (raw.strip() for raw in text.splitlines()) if line and line[0] != "#")


@lru_cache(maxsize=1)
def _zxcvbn() -> Any:
    """zxcvbn, with the French dictionary added once (its own are English)."""
    from zxcvbn import matching, zxcvbn

    matching.add_frequency_lists({"french": french_words()})
    return zxcvbn


def _strength(password: str, user_inputs: Iterable[str]) -> dict[str, Any]:
    with _zxcvbn_lock:
        return _zxcvbn()(password[:STRENGTH_WINDOW], user_inputs=list(user_inputs))


def _is_keyboard_walk(token: str) -> bool:
    """Whether zxcvbn reads the whole token as keys next to each other ("qwertyuiop", "zxcvbnm")."""
    from zxcvbn import matching

    return any(m["i"] == 0 and m["j"] == len(token) - 1 for m in matching.spatial_match(token))


def _weakest_rule(password: str, result: dict[str, Any]) -> str:
    """The refusal of a guessable password: the rule it breaks, the pattern covering most of it
    (a _PATTERN_RULES message, not yet translated)."""
    if password.isdigit():
        return _PATTERN_RULES["digits"]
    covered: dict[str, int] = {}
    for match in result["sequence"]:
        kind = match["pattern"]
        if kind == "bruteforce":
            continue
        token = match["token"].lower()
        if kind == "dictionary" and match.get("dictionary_name") == "user_inputs":
            kind = "company" if token in COMPANY_WORDS else "username"
        elif kind == "dictionary":
            kind = "spatial" if _is_keyboard_walk(token) else "word"
        covered[kind] = covered.get(kind, 0) + len(match["token"])
    if not covered:
        return _PATTERN_RULES["short"]
    kind = max(covered, key=lambda k: covered[k])
    return _PATTERN_RULES.get(kind, _WORD_RULE)


def check_password_policy(password: str, username: str = "") -> None:
    """Raise ValidationError saying which rule the password breaks.

    Only printable text: no NUL or other control character, and no lone surrogate (what a
    terminal in another encoding gives for bytes that are not UTF-8, which nobody could type
    again the same way). 12 to 128 characters, not only spaces, not containing the username,
    not on the shipped common-password list, and hard to guess: zxcvbn's score at least
    MIN_STRENGTH, both as typed and read as AZERTY keys (French keyboard walks), with French
    words and names and the company's name as dictionaries — so keyboard walks, repeats,
    sequences and a common word plus digits are refused.
    """
    validation.printable(password, "A password")
    if len(password) < PASSWORD_MIN:
        raise ValidationError(
            _("A password needs at least {minimum} characters.").format(minimum=PASSWORD_MIN)
        )
    if len(password) > PASSWORD_MAX:
        raise ValidationError(_("A password has at most {maximum} characters.").format(maximum=PASSWORD_MAX))
    if not password.strip():
        raise ValidationError(_("A password cannot be only spaces."))
    name = username.strip().lower()
    if name and password.lower() == name:
        raise ValidationError(_("A password cannot be the username."))
    if name and name in password.lower():
        raise ValidationError(_("A password cannot contain the username."))
    if is_common_password(password):
        raise ValidationError(_("This password is on the list of common passwords; choose another."))
    if COMPANY_NAME in "".join(c for c in password.lower() if c.isalnum()):
        raise ValidationError(
            _("A password cannot contain the company's or the product's name (Epic Events).")
        )
    # The username and its parts ("k.bouzinette": "bouzinette") are words an attacker tries too.
    parts = [part for part in re.split(r"[._-]+", name) if len(part) >= 3]
    inputs = [*COMPANY_WORDS, *dict.fromkeys([name, *parts])] if name else list(COMPANY_WORDS)
    for candidate in dict.fromkeys((password, password.translate(AZERTY_AS_QWERTY))):
        result = _strength(candidate, inputs)
        if result["score"] < MIN_STRENGTH:
            raise ValidationError(_(_weakest_rule(password, result)))
