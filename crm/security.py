"""Password hashing (argon2id), the password policy, and the login-throttling rule."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from crm import validation
from crm.errors import ValidationError

PASSWORD_MIN = 12
PASSWORD_MAX = 128

# Throttling: this many failed logins for one username within FAILURE_WINDOW lock it for LOCK_TIME.
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCK_TIME = timedelta(minutes=15)

COMMON_PASSWORDS_FILE = "common_passwords.txt"

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


def check_password_policy(password: str, username: str = "") -> None:
    """Raise ValidationError saying which rule the password breaks.

    Only printable text: no NUL or other control character, and no lone surrogate (what a
    terminal in another encoding gives for bytes that are not UTF-8, which nobody could type
    again the same way).
    """
    validation.printable(password, "A password")
    if len(password) < PASSWORD_MIN:
        raise ValidationError(f"A password needs at least {PASSWORD_MIN} characters.")
    if len(password) > PASSWORD_MAX:
        raise ValidationError(f"A password has at most {PASSWORD_MAX} characters.")
    name = username.strip().lower()
    if name and password.lower() == name:
        raise ValidationError("A password cannot be the username.")
    if name and name in password.lower():
        raise ValidationError("A password cannot contain the username.")
    if is_common_password(password):
        raise ValidationError("This password is on the list of common passwords; choose another.")
