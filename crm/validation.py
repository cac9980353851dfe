"""Parsers for typed input (docs/rules.md §7): each returns the clean value or raises ValidationError.

They are pure functions of their input (and of `now` for dates), shared by the UI, which asks
again on error, and the services, which re-check whatever reaches them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal

from crm.errors import AmbiguousMoment, ValidationError

NAME_MAX = 150
TEXT_MAX = 300
NOTES_MAX = 5000
MONEY_MAX = Decimal("9999999999.99")  # numeric(12,2)
DATE_FORMAT = "%Y-%m-%d %H:%M"
# Typed dates stay within these years: far from the limits of Python's datetime (9999) and of
# time zone conversions, and inside the events table's CHECK (sql/0006_hardening.sql).
YEAR_MIN = 2000
YEAR_MAX = 2999

EMAIL_MAX = 254
EMAIL_HINT = "Enter a valid e-mail address, like name@example.com."
_PHONE = re.compile(r"^[0-9 +\-.()]+$")
_USERNAME = re.compile(r"^[A-Za-z0-9._-]{3,40}$")
_DBNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Amounts: plain digits with an optional dot, or digits grouped by three with commas (ASCII only).
_PLAIN_AMOUNT = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")
_GROUPED_AMOUNT = re.compile(r"^[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?$")
# The shape of a typed date-time, to tell a day that does not exist from a wrong format.
_MOMENT_SHAPE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2}) +([0-9]{1,2}):([0-9]{1,2})")
# The offset that tells the two occurrences of an ambiguous local time apart, as shown:
# "2027-10-31 02:30 (UTC+01:00)" (also typed without the parentheses or "UTC", as +01:00, +0100, +1).
_OFFSET_SUFFIX = re.compile(r"\s*\(?\s*(?:UTC)?\s*([+-])([0-9]{1,2})(?::?([0-9]{2}))?\s*\)?$", re.IGNORECASE)
_OFFSET_SUFFIX_MAX = 40  # longer answers are not a date-time and its offset (no search through them)


# Zero-width joiner and non-joiner: format characters that Arabic, Persian and Indic scripts need
# inside words, and emoji sequences (👩‍👩‍👧) between their parts.
ZWNJ, ZWJ = "\u200c", "\u200d"
# Tag characters spell a region inside an emoji flag (🏴 + tags: the flag of Scotland).
_BLACK_FLAG = "\U0001f3f4"
_TAGS = range(0xE0020, 0xE007F + 1)
# Letters that show nothing (Hangul fillers) and the blank Braille pattern: allowed inside a name,
# but they do not make a name visible.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def _joins(before: str, after: str) -> bool:
    """Whether a ZWJ / ZWNJ between these two characters (after = "" at the end) is one a script
    or an emoji needs: a non-ASCII letter, mark or symbol before it (an emoji, its variation
    selector or skin tone) and a non-ASCII letter, mark or symbol after it — or, after a virama
    (a combining mark), the end of a word (Malayalam chillu letters: "അവന്\u200d")."""
    if before.isascii():
        return False
    first = unicodedata.category(before)
    if not (first[0] in "LM" or first in ("So", "Sk")):
        return False
    if after and not after.isascii():
        second = unicodedata.category(after)
        if second[0] in "LM" or second == "So":
            return True
    return first == "Mn" and (not after or after.isspace() or unicodedata.category(after)[0] == "P")


def unsafe_characters(value: str, allow_newlines: bool = False) -> Iterator[tuple[int, str]]:
    """Where the value holds a character no stored text may hold, and of which kind.

    Kinds: "surrogate" (undecodable bytes from a non-UTF-8 terminal), "control" (C0 — tab and
    line feed allowed when allow_newlines — DEL, C1), "invisible" (bidi controls and every
    other format character of Unicode category Cf — zero-width space, word joiner, BOM, soft
    hyphen... — and the line / paragraph separators U+2028, U+2029). A ZWJ or ZWNJ between two
    characters that need it (see _joins) and tag characters inside an emoji flag are kept.
    The same rule makes such characters visible on screen (crm/ui/render.py visible) and is
    kept by the database (sql/0010_text_rules.sql) as closely as a regular expression can.
    """
    allowed = "\t\n" if allow_newlines else ""
    for i, c in enumerate(value):
        code = ord(c)
        if 0xD800 <= code <= 0xDFFF:
            yield i, "surrogate"
        elif (code < 32 or 0x7F <= code <= 0x9F) and c not in allowed:
            yield i, "control"
        elif code < 0xAD:
            continue
        elif c in (ZWJ, ZWNJ):
            if not (i > 0 and _joins(value[i - 1], value[i + 1 : i + 2])):
                yield i, "invisible"
        elif code in _TAGS:
            if not (i > 0 and (value[i - 1] == _BLACK_FLAG or ord(value[i - 1]) in _TAGS)):
                yield i, "invisible"
        elif unicodedata.category(c) in ("Cf", "Zl", "Zp"):
            yield i, "invisible"


def printable(value: str, what: str, allow_newlines: bool = False) -> str:
    """The value unchanged if it holds only printable text, else a ValidationError naming `what`.

    Refused (see unsafe_characters): NUL and every other control character — except tab and line
    feed when allow_newlines — lone surrogates, which PostgreSQL cannot store, and the invisible
    characters that reorder or hide text (U+202E, U+200B...), so two values that look the same
    are the same. Every text parser here calls it; passwords too.
    """
    for i, kind in unsafe_characters(value, allow_newlines):
        if kind == "surrogate":
            raise ValidationError(
                f"{what} holds characters that are not valid text (is the terminal set to UTF-8?)."
            )
        if kind == "control":
            raise ValidationError(f"{what} cannot contain control characters.")
        raise ValidationError(
            f"{what} cannot contain the invisible character U+{ord(value[i]):04X}"
            " (direction and zero-width characters are refused)."
        )
    return value


def text_rule(what: str, *, shown: bool = False, multiline: bool = False) -> str:
    """The database's text rule for a field as one line (sql/0010_text_rules.sql constraints)."""
    kept = " (tabs and line breaks are kept)" if multiline else ""
    visible = " and must show at least one visible character" if shown else ""
    return f"{what} cannot contain control or invisible characters{kept}{visible}."


def has_visible_character(value: str) -> bool:
    """Whether the text shows at least one letter, digit, punctuation mark or symbol."""
    return any(
        unicodedata.category(c)[0] in "LNPS" and c not in _BLANK_LETTERS for c in value if not c.isspace()
    )


def _shown(value: str, what: str, allow_newlines: bool = False) -> str:
    """printable(), and text that is not empty shows something: a value made only of invisible
    characters (a zero-width space, a Hangul filler) is refused as such."""
    if (
        value
        and not has_visible_character(value)
        and all(kind == "invisible" for _, kind in unsafe_characters(value, allow_newlines))
    ):
        raise ValidationError(f"{what} must contain at least one visible character.")
    return printable(value, what, allow_newlines)


def name(value: str, what: str = "Name", max_len: int = NAME_MAX) -> str:
    """A non-blank name of at most max_len characters, trimmed."""
    value = value.strip()
    if not value:
        raise ValidationError(f"{what} cannot be blank.")
    if len(value) > max_len:
        raise ValidationError(f"{what} must be at most {max_len} characters.")
    return _shown(value, what)


def text(value: str, what: str = "Text", max_len: int = TEXT_MAX, *, multiline: bool = False) -> str:
    """Optional free text (may be empty), trimmed, bounded; multiline keeps tabs and line feeds.

    Text that is not empty shows something (not only invisible characters).
    """
    value = value.strip()
    if len(value) > max_len:
        raise ValidationError(f"{what} must be at most {max_len} characters.")
    return _shown(value, what, allow_newlines=multiline)


def email(value: str) -> str:
    """A valid e-mail address (email-validator's syntax rules, offline), normalised.

    Refused besides what email-validator refuses (dots at the ends of the name or doubled,
    quoted names, IP-address domains, display names "Name <a@b>", special-use domains such as
    .local or .invalid): a domain without a dot, and anything longer than 254 characters.
    Accepted: .test domains (RFC 6761 keeps them for testing; test and training databases use
    them). Normalised: the domain lower-cased and in its Unicode form (IDNA: "BÜCHER.de" →
    "bücher.de"), the whole address in Unicode NFC; the name before the @ keeps its case.
    """
    value = printable(value.strip(), "E-mail")
    if len(value) > EMAIL_MAX or "@" not in value or "." not in value.rpartition("@")[2]:
        raise ValidationError(EMAIL_HINT)
    from email_validator import EmailNotValidError, validate_email  # ~15 ms: only when needed

    try:
        checked = validate_email(value, check_deliverability=False, test_environment=True, strict=True)
    except EmailNotValidError:
        raise ValidationError(EMAIL_HINT) from None
    return checked.normalized


def phone(value: str, *, required: bool = False) -> str | None:
    """Digits, spaces, + - . ( ) only, at least 6 digits; empty means none unless required."""
    value = printable(value.strip(), "Phone")
    if not value:
        if required:
            raise ValidationError("A phone number is required.")
        return None
    if not _PHONE.match(value) or sum(c.isdigit() for c in value) < 6 or len(value) > 40:
        raise ValidationError("A phone number has at least 6 digits and only digits, spaces, + - . ( ).")
    return value


def username(value: str) -> str:
    """3 to 40 letters, digits, dots, dashes or underscores."""
    value = printable(value.strip(), "Username")
    if not _USERNAME.match(value):
        raise ValidationError("A username is 3 to 40 characters: letters, digits, '.', '-' or '_'.")
    return value


def amount(value: str, what: str = "Amount") -> Decimal:
    """A decimal >= 0 with at most 2 decimals, within numeric(12,2).

    Typed as amounts are shown: digits, a dot for decimals, and optionally commas between groups
    of three digits (1,000.50 — never 1,5 or 1000,50); spaces are ignored. No exponent ("1e5"),
    no NaN or Infinity.
    """
    raw = value.strip().replace(" ", "").replace("_", "")
    if "," in raw:
        if not _GROUPED_AMOUNT.fullmatch(raw):
            raise ValidationError(
                f"{what}: use a dot for decimals, like 1000.50; a comma only separates thousands (1,000.50)."
            )
        raw = raw.replace(",", "")
    if not _PLAIN_AMOUNT.fullmatch(raw):
        raise ValidationError(f"{what} must be a number like 1200 or 1200.50.")
    result = Decimal(raw)  # the pattern above lets through plain finite decimals only
    if result < 0:
        raise ValidationError(f"{what} cannot be negative.")
    if result > MONEY_MAX:  # before quantize(), which fails on numbers this long
        raise ValidationError(f"{what} cannot exceed {MONEY_MAX}.")
    exponent = result.as_tuple().exponent  # an int: the pattern lets no NaN or infinity through
    if isinstance(exponent, int) and exponent < -2 and result != result.quantize(Decimal("0.01")):
        raise ValidationError(f"{what} can have at most 2 decimals.")
    return abs(result).quantize(Decimal("0.01"))  # abs: "-0" is 0.00


def whole_number_rule(what: str, minimum: int = 0) -> str:
    """The one-line rule of a whole-number answer: "Id must be a positive whole number."."""
    if minimum == 1:
        return f"{what} must be a positive whole number."
    if minimum == 0:
        return f"{what} must be a whole number, 0 or more."
    return f"{what} must be a whole number of at least {minimum}."


def whole_number(value: str, what: str = "Number", minimum: int = 0) -> int:
    """A whole number >= minimum; the refusal says the rule (whole_number_rule)."""
    try:
        result = int(value.strip())
    except ValueError:
        raise ValidationError(whole_number_rule(what, minimum)) from None
    if result < minimum:
        raise ValidationError(whole_number_rule(what, minimum))
    if result > 2_147_483_647:
        raise ValidationError(f"{what} is too large.")
    return result


def record_id(value: str, what: str = "Id") -> int:
    """A positive record id ("-1" and "0" say so)."""
    return whole_number(value, what, minimum=1)


def example_moment(tz: tzinfo, now: datetime | None = None) -> str:
    """A date-time to show as the example of the format: next month, the same day (the 28th at
    most), at 13:00 in tz — always in the future, so the example itself is accepted."""
    local = (now or datetime.now(UTC)).astimezone(tz)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return f"{year:04d}-{month:02d}-{min(local.day, 28):02d} 13:00"


def offset_label(value: datetime) -> str:
    """A moment's UTC offset as shown beside an ambiguous time: UTC+01:00, UTC-05:00."""
    offset = value.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def occurrences(local: datetime, tz: tzinfo) -> list[datetime]:
    """The moments a wall-clock time (naive) is in the zone tz, earliest first: none when the
    clocks skip it (they go forward), two when it happens twice (they go back), else one."""
    found: list[datetime] = []
    for fold in (0, 1):
        candidate = local.replace(tzinfo=tz, fold=fold)
        # A skipped local time does not survive a round trip through UTC (it comes back an hour on).
        if candidate.astimezone(UTC).astimezone(tz).replace(tzinfo=None, fold=0) != local.replace(fold=0):
            continue
        if all(candidate.utcoffset() != other.utcoffset() for other in found):
            found.append(candidate)
    return sorted(found, key=lambda moment: moment.astimezone(UTC))


def _fixed(value: datetime) -> datetime:
    """One occurrence of a local time that happens twice, at its fixed offset: a datetime in a
    zone where its wall time is ambiguous compares equal to nothing of another zone (PEP 495),
    and equal to the other occurrence in its own zone."""
    return value.astimezone(timezone(value.utcoffset() or timedelta(0)))


def same_moment(first: datetime, second: datetime) -> bool:
    """Whether two aware date-times are the same instant, whatever their zones and folds (== on
    datetimes of one zone compares wall times, so both 02:30 of a night clocks go back are
    "equal"; across zones an ambiguous one equals nothing)."""
    return first.astimezone(UTC) == second.astimezone(UTC)


def moment_label(
    value: datetime, tz: tzinfo, display_format: str = DATE_FORMAT, *, compact: bool = False
) -> str:
    """A moment as typed, YYYY-MM-DD HH:MM in tz; a local time that happens twice there also
    says which one: "2027-10-31 02:30 (UTC+01:00)", compact "2027-10-31 02:30 (+01:00)" (for
    tables; moment() reads either back as that moment)."""
    local = value.astimezone(tz)
    text = local.strftime(display_format)
    if len(occurrences(local.replace(tzinfo=None), tz)) > 1:
        offset = offset_label(local)
        text += f" ({offset.removeprefix('UTC') if compact else offset})"
    return text


def moment(value: str, tz: tzinfo, what: str = "Date", now: datetime | None = None) -> datetime:
    """A date-time typed as YYYY-MM-DD HH:MM, in the given time zone, in the years YEAR_MIN–YEAR_MAX.

    A day the calendar does not have (2027-02-30), or a time of day past 23:59, is refused as such.
    So is a local time the zone skips when its clocks go forward (2027-03-28 02:30 in Paris). A
    time that happens twice when they go back needs its offset, as moment_label shows it
    ("2027-10-31 02:30 (UTC+01:00)", the second); without one, AmbiguousMoment (a
    ValidationError) carries both, for a face that can ask which is meant. The format's example
    (example_moment) is in the future of `now` (the current time when None).
    """
    value = value.strip()
    offset = None
    suffix = _OFFSET_SUFFIX.search(value) if len(value) <= _OFFSET_SUFFIX_MAX else None
    if suffix is not None and ":" in value[: suffix.start()]:
        sign, hours, minutes = suffix.groups()
        offset = (-1 if sign == "-" else 1) * timedelta(hours=int(hours), minutes=int(minutes or 0))
        value = value[: suffix.start()].strip()
    try:
        parsed = datetime.strptime(value, DATE_FORMAT)
    except ValueError:
        _why_not_a_moment(value, what)
        raise ValidationError(f"{what} must look like {example_moment(tz, now)}.") from None
    if not YEAR_MIN <= parsed.year <= YEAR_MAX:
        raise ValidationError(f"{what} must be in the years {YEAR_MIN} to {YEAR_MAX}.")
    found = occurrences(parsed, tz)
    typed = f"{parsed:%Y-%m-%d %H:%M}"
    if not found:
        raise ValidationError(f"{what}: {typed} does not exist in {zone_name(tz)} (clocks go forward).")
    if offset is not None:
        for candidate in found:
            if candidate.utcoffset() == offset:
                return _fixed(candidate) if len(found) > 1 else candidate
        labels = " or ".join(offset_label(candidate) for candidate in found)
        raise ValidationError(f"{what}: {typed} in {zone_name(tz)} is {labels}.")
    if len(found) > 1:
        first, second = (_fixed(candidate) for candidate in (found[0], found[-1]))
        raise AmbiguousMoment(
            f"{what}: {typed} happens twice in {zone_name(tz)} (clocks go back): type"
            f" {typed} ({offset_label(first)}) for the first or {typed} ({offset_label(second)})"
            " for the second.",
            (first, second),
        )
    return found[0]


def _why_not_a_moment(value: str, what: str) -> None:
    """For a date-time in the right shape that strptime refused: say which part does not exist."""
    match = _MOMENT_SHAPE.fullmatch(value)
    if match is None:
        return
    year, month, day, hour, minute = (int(part) for part in match.groups())
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise ValidationError(f"{what} must be in the years {YEAR_MIN} to {YEAR_MAX}.")
    try:
        date(year, month, day)
    except ValueError:
        raise ValidationError(f"{what}: the date {year:04d}-{month:02d}-{day:02d} does not exist.") from None
    if hour > 23 or minute > 59:
        raise ValidationError(f"{what}: {hour:02d}:{minute:02d} is not a time of day (00:00 to 23:59).")


def zone_name(tz: tzinfo) -> str:
    """A time zone's name as users know it (Europe/Paris), else what the zone calls itself."""
    key = getattr(tz, "key", None)
    if key and key != "localtime":
        return key
    return "the local time zone" if key else str(tz)


def database_name(value: str) -> str:
    """Letters, digits and _, not starting with a digit, at most 63 bytes."""
    value = value.strip()
    if not _DBNAME.match(value):
        raise ValidationError(
            "A database name uses only letters, digits and _, and does not start with a digit."
        )
    if len(value.encode()) > 63:
        raise ValidationError("A database name is at most 63 bytes.")
    return value
