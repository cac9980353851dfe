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
from functools import cache

from crm import formats
from crm.errors import AmbiguousMoment, ValidationError
from crm.i18n import N_, _

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
EMAIL_HINT = N_("Enter a valid e-mail address, like name@example.com.")
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
_FRENCH_OFFSET_SUFFIX_MAX = 64  # "mercredi 31 décembre 2999 02:30 (UTC+01:00)" and more spaces

# French amounts (crm/formats.py money): a comma or a dot before at most 2 decimals, and spaces —
# also the no-break and narrow no-break spaces shown, and the thin space — only between groups of
# three digits; a euro sign may follow. One separator at most: 1.500,50 and 1,500.50 are refused.
FRENCH_SPACES = " \u00a0\u202f\u2009"
_FRENCH_AMOUNT = re.compile(r"([+-]?)([0-9]{1,3}(?:[ \u00a0\u202f\u2009][0-9]{3})+|[0-9]*)(?:[,.]([0-9]*))?")
# French date-times (crm/formats.py moment), read once folded (lower case, no accents, no-break
# spaces as spaces): 04/06/2027 13:00 (day first), "vendredi 4 juin 2027 13:00" (the weekday and
# an "à" before the time optional, abbreviated names too: "ven. 4 juin 2027"), the time also as
# 13h00 or 13h. The ISO form 2027-06-04 13:00 is read as in English.
_FRENCH_TIME = r"\s+(?:a\s+)?([0-9]{1,2})(?:[:h]([0-9]{2})|h)"
_FRENCH_NUMERIC_DAY = r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})"
_FRENCH_WORDS_DAY = r"(?:([a-z]+)\.?,?\s+)?([0-9]{1,2})(?:er)?\s+([a-z]+)\.?\s+([0-9]{4})"
_FRENCH_NUMERIC = re.compile(_FRENCH_NUMERIC_DAY + _FRENCH_TIME)
_FRENCH_WORDS = re.compile(_FRENCH_WORDS_DAY + _FRENCH_TIME)
_FRENCH_NUMERIC_ONLY = re.compile(_FRENCH_NUMERIC_DAY)
_FRENCH_WORDS_ONLY = re.compile(_FRENCH_WORDS_DAY)
_ISO_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


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
        what = _(what)
        if kind == "surrogate":
            raise ValidationError(
                _("{what} holds characters that are not valid text (is the terminal set to UTF-8?).").format(
                    what=what
                )
            )
        if kind == "control":
            raise ValidationError(_("{what} cannot contain control characters.").format(what=what))
        raise ValidationError(
            _(
                "{what} cannot contain the invisible character {code}"
                " (direction and zero-width characters are refused)."
            ).format(what=what, code=f"U+{ord(value[i]):04X}")
        )
    return value


def text_rule(what: str, *, shown: bool = False, multiline: bool = False) -> str:
    """The database's text rule for a field as one line (sql/0010_text_rules.sql constraints)."""
    if multiline and shown:
        rule = _(
            "{what} cannot contain control or invisible characters (tabs and line breaks are kept)"
            " and must show at least one visible character."
        )
    elif multiline:
        rule = _("{what} cannot contain control or invisible characters (tabs and line breaks are kept).")
    elif shown:
        rule = _(
            "{what} cannot contain control or invisible characters"
            " and must show at least one visible character."
        )
    else:
        rule = _("{what} cannot contain control or invisible characters.")
    return rule.format(what=_(what))


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
        raise ValidationError(_("{what} must contain at least one visible character.").format(what=_(what)))
    return printable(value, what, allow_newlines)


def name(value: str, what: str = "Name", max_len: int = NAME_MAX) -> str:
    """A non-blank name of at most max_len characters, trimmed."""
    value = value.strip()
    if not value:
        raise ValidationError(_("{what} cannot be blank.").format(what=_(what)))
    if len(value) > max_len:
        raise ValidationError(
            _("{what} must be at most {max_len} characters.").format(what=_(what), max_len=max_len)
        )
    return _shown(value, what)


def text(value: str, what: str = "Text", max_len: int = TEXT_MAX, *, multiline: bool = False) -> str:
    """Optional free text (may be empty), trimmed, bounded; multiline keeps tabs and line feeds.

    Text that is not empty shows something (not only invisible characters).
    """
    value = value.strip()
    if len(value) > max_len:
        raise ValidationError(
            _("{what} must be at most {max_len} characters.").format(what=_(what), max_len=max_len)
        )
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
        raise ValidationError(_(EMAIL_HINT))
    from email_validator import EmailNotValidError, validate_email  # ~15 ms: only when needed

    try:
        checked = validate_email(value, check_deliverability=False, test_environment=True, strict=True)
    except EmailNotValidError:
        raise ValidationError(_(EMAIL_HINT)) from None
    return checked.normalized


def phone(value: str, *, required: bool = False) -> str | None:
    """Digits, spaces, + - . ( ) only, at least 6 digits; empty means none unless required."""
    value = printable(value.strip(), "Phone")
    if not value:
        if required:
            raise ValidationError(_("A phone number is required."))
        return None
    if not _PHONE.match(value) or sum(c.isdigit() for c in value) < 6 or len(value) > 40:
        raise ValidationError(_("A phone number has at least 6 digits and only digits, spaces, + - . ( )."))
    return value


def username(value: str) -> str:
    """3 to 40 letters, digits, dots, dashes or underscores."""
    value = printable(value.strip(), "Username")
    if not _USERNAME.match(value):
        raise ValidationError(_("A username is 3 to 40 characters: letters, digits, '.', '-' or '_'."))
    return value


def amount(value: str, what: str = "Amount") -> Decimal:
    """A decimal >= 0 with at most 2 decimals, within numeric(12,2).

    Typed as amounts are shown (crm/formats.py money), in the current language:

    - English: digits, a dot for decimals, and optionally commas between groups of three digits
      (1,000.50 — never 1,5 or 1000,50); spaces are ignored.
    - French: digits, a comma or a dot before at most 2 decimals, spaces (ordinary, no-break or
      narrow no-break) only between groups of three digits, and an optional euro sign after:
      1500,50, 1 500,50, 1500.50, 1 500,50 €. Refused as ambiguous: both a comma and a dot
      (1.500,50, 1,500.50), two separators (1,5,0, 1.500.000), three decimals (1,500: thousands?).

    No exponent ("1e5"), no NaN or Infinity.
    """
    what = _(what)
    raw = _french_amount(value, what) if formats.french() else _english_amount(value, what)
    return _within_bounds(raw, what)


def exact_amount(value: Decimal | int, what: str = "Amount") -> Decimal:
    """The same rules for a Decimal or an int (what the services re-check), in every language:
    a number's digits are not typed, so 1.500 is 1.50 whatever the language (refusals are
    still in the current language)."""
    what = _(what)
    # Fixed-point text: str() would write Decimal("1E+5") with an exponent, which typing refuses.
    raw = format(value, "f") if isinstance(value, Decimal) else str(value)
    return _within_bounds(_english_amount(raw, what), what)


def _within_bounds(raw: str, what: str) -> Decimal:
    """Plain digits (checked by a parser above) as an amount: >= 0, at most MONEY_MAX, at most 2
    decimals (trailing zeros aside: 1.500 is 1.50)."""
    result = Decimal(raw)  # the patterns let through plain finite decimals only
    if result < 0:
        raise ValidationError(_("{what} cannot be negative.").format(what=what))
    if result > MONEY_MAX:  # before quantize(), which fails on numbers this long
        maximum = formats.money(MONEY_MAX) if formats.french() else MONEY_MAX
        raise ValidationError(_("{what} cannot exceed {maximum}.").format(what=what, maximum=maximum))
    exponent = result.as_tuple().exponent  # an int: the pattern lets no NaN or infinity through
    if isinstance(exponent, int) and exponent < -2 and result != result.quantize(Decimal("0.01")):
        raise ValidationError(_("{what} can have at most 2 decimals.").format(what=what))
    return abs(result).quantize(Decimal("0.01"))  # abs: "-0" is 0.00


def _english_amount(value: str, what: str) -> str:
    """An English amount as the plain digits Decimal reads (or a ValidationError)."""
    raw = value.strip().replace(" ", "").replace("_", "")
    if "," in raw:
        if not _GROUPED_AMOUNT.fullmatch(raw):
            raise ValidationError(
                _(
                    "{what}: use a dot for decimals, like 1000.50;"
                    " a comma only separates thousands (1,000.50)."
                ).format(what=what)
            )
        raw = raw.replace(",", "")
    if not _PLAIN_AMOUNT.fullmatch(raw):
        raise ValidationError(_("{what} must be a number like 1200 or 1200.50.").format(what=what))
    return raw


def _french_amount(value: str, what: str) -> str:
    """A French amount as the plain digits Decimal reads (or a ValidationError)."""
    raw = value.strip(FRENCH_SPACES + "\t\n\r")
    if raw.endswith("€"):
        raw = raw[:-1].rstrip(FRENCH_SPACES)
    if "," in raw and "." in raw:
        raise ValidationError(
            _(
                "{what}: use a comma or a dot for the decimals, not both: write 1500,50 or 1 500,50"
                " (1.500,50 and 1,500.50 are read differently from one country to another)."
            ).format(what=what)
        )
    match = _FRENCH_AMOUNT.fullmatch(raw)
    if match is None or not (match[2] or match[3]):
        raise ValidationError(
            _(
                "{what} must be an amount like 1500,50 or 1 500,50 (a comma or a dot before the"
                " decimals, a space between thousands)."
            ).format(what=what)
        )
    sign, whole, decimals = match[1], match[2], match[3] or ""
    if len(decimals) > 2:
        raise ValidationError(
            _(
                "{what}: at most 2 decimals after the comma; separate thousands with a space, like 1 500,50."
            ).format(what=what)
        )
    digits = "".join(c for c in whole if c.isdigit()) or "0"
    return f"{sign}{digits}.{decimals or '0'}"


def whole_number_rule(what: str, minimum: int = 0) -> str:
    """The one-line rule of a whole-number answer: "Id must be a positive whole number."."""
    if minimum == 1:
        return _("{what} must be a positive whole number.").format(what=_(what))
    if minimum == 0:
        return _("{what} must be a whole number, 0 or more.").format(what=_(what))
    return _("{what} must be a whole number of at least {minimum}.").format(what=_(what), minimum=minimum)


def whole_number(value: str, what: str = "Number", minimum: int = 0) -> int:
    """A whole number >= minimum; the refusal says the rule (whole_number_rule)."""
    try:
        result = int(value.strip())
    except ValueError:
        raise ValidationError(whole_number_rule(what, minimum)) from None
    if result < minimum:
        raise ValidationError(whole_number_rule(what, minimum))
    if result > 2_147_483_647:
        raise ValidationError(_("{what} is too large.").format(what=_(what)))
    return result


def record_id(value: str, what: str = "Id") -> int:
    """A positive record id ("-1" and "0" say so)."""
    return whole_number(value, what, minimum=1)


def example_moment(tz: tzinfo, now: datetime | None = None) -> str:
    """A date-time to show as the example of the format: next month, the same day (the 28th at
    most), at 13:00 in tz — always in the future, so the example itself is accepted. As typed in
    the current language: 2027-07-04 13:00, or 04/07/2027 13:00 in French."""
    local = (now or datetime.now(UTC)).astimezone(tz)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return formats.typed_moment(datetime(year, month, min(local.day, 28), 13, 0))


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

    In French, also as French shows it (crm/formats.py moment): 04/06/2027 13:00 (day first),
    "vendredi 4 juin 2027 13:00" (see _french_moment). A day the calendar does not have
    (2027-02-30), or a time of day past 23:59, is refused as such.
    So is a local time the zone skips when its clocks go forward (2027-03-28 02:30 in Paris). A
    time that happens twice when they go back needs its offset, as moment_label shows it
    ("2027-10-31 02:30 (UTC+01:00)", the second); without one, AmbiguousMoment (a
    ValidationError) carries both, for a face that can ask which is meant. The format's example
    (example_moment) is in the future of `now` (the current time when None).
    """
    value = value.strip()
    what = _(what)
    french = formats.french()
    offset = None
    longest = _FRENCH_OFFSET_SUFFIX_MAX if french else _OFFSET_SUFFIX_MAX
    suffix = _OFFSET_SUFFIX.search(value) if len(value) <= longest else None
    if suffix is not None and _has_time(value[: suffix.start()], french):
        sign, hours, minutes = suffix.groups()
        offset = (-1 if sign == "-" else 1) * timedelta(hours=int(hours), minutes=int(minutes or 0))
        value = value[: suffix.start()].strip()
    parsed = _french_moment(value, what) if french else None
    if parsed is None:
        try:
            parsed = datetime.strptime(value, DATE_FORMAT)
        except ValueError:
            _why_not_a_moment(value, what)
            raise ValidationError(
                _("{what} must look like {example}.").format(what=what, example=example_moment(tz, now))
            ) from None
    if not YEAR_MIN <= parsed.year <= YEAR_MAX:
        raise _outside_the_years(what)
    found = occurrences(parsed, tz)
    typed = formats.typed_moment(parsed)
    zone = zone_name(tz)
    if not found:
        raise ValidationError(
            _("{what}: {typed} does not exist in {zone} (clocks go forward).").format(
                what=what, typed=typed, zone=zone
            )
        )
    if offset is not None:
        for candidate in found:
            if candidate.utcoffset() == offset:
                return _fixed(candidate) if len(found) > 1 else candidate
        if len(found) == 1:
            raise ValidationError(
                _("{what}: {typed} in {zone} is {offset}.").format(
                    what=what, typed=typed, zone=zone, offset=offset_label(found[0])
                )
            )
        raise ValidationError(
            _("{what}: {typed} in {zone} is {first} or {second}.").format(
                what=what,
                typed=typed,
                zone=zone,
                first=offset_label(found[0]),
                second=offset_label(found[-1]),
            )
        )
    if len(found) > 1:
        first, second = (_fixed(candidate) for candidate in (found[0], found[-1]))
        raise AmbiguousMoment(
            _(
                "{what}: {typed} happens twice in {zone} (clocks go back): type"
                " {typed} ({first}) for the first or {typed} ({second}) for the second."
            ).format(
                what=what, typed=typed, zone=zone, first=offset_label(first), second=offset_label(second)
            ),
            (first, second),
        )
    return found[0]


def _has_time(value: str, french: bool) -> bool:
    """Whether what comes before an offset holds a time of day (13:00, in French also 13h00)."""
    return ":" in value or (french and re.search(r"[0-9][hH]", value) is not None)


def _outside_the_years(what: str) -> ValidationError:
    return ValidationError(
        _("{what} must be in the years {first} to {last}.").format(what=what, first=YEAR_MIN, last=YEAR_MAX)
    )


def _no_such_day(what: str, year: int, month: int, day: int) -> ValidationError:
    shown = f"{day:02d}/{month:02d}/{year:04d}" if formats.french() else f"{year:04d}-{month:02d}-{day:02d}"
    return ValidationError(_("{what}: the date {day} does not exist.").format(what=what, day=shown))


def _no_such_time(what: str, hour: int, minute: int) -> ValidationError:
    return ValidationError(
        _("{what}: {time} is not a time of day (00:00 to 23:59).").format(
            what=what, time=f"{hour:02d}:{minute:02d}"
        )
    )


def _why_not_a_moment(value: str, what: str) -> None:
    """For a date-time in the right shape that strptime refused: say which part does not exist."""
    match = _MOMENT_SHAPE.fullmatch(value)
    if match is None:
        return
    year, month, day, hour, minute = (int(part) for part in match.groups())
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise _outside_the_years(what)
    try:
        date(year, month, day)
    except ValueError:
        raise _no_such_day(what, year, month, day) from None
    if hour > 23 or minute > 59:
        raise _no_such_time(what, hour, minute)


def _fold(value: str) -> str:
    """Lower case, without accents, no-break spaces as spaces: how French dates are compared."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def _french_names() -> tuple[dict[str, int], dict[str, int], tuple[str, ...], tuple[str, ...]]:
    """Babel's French month and weekday names, wide and abbreviated, folded: name → month (1-12),
    name → weekday (0 Monday); and the wide names as shown (months from January, days from Monday)."""
    from babel.dates import get_day_names, get_month_names

    months: dict[str, int] = {}
    days: dict[str, int] = {}
    for width in ("wide", "abbreviated"):
        for number, month_name in get_month_names(width, locale=formats.FRENCH_LOCALE).items():
            months[_fold(month_name).rstrip(".")] = number
        for number, day_name in get_day_names(width, locale=formats.FRENCH_LOCALE).items():
            days[_fold(day_name).rstrip(".")] = number
    month_names = tuple(get_month_names("wide", locale=formats.FRENCH_LOCALE)[m] for m in range(1, 13))
    day_names = tuple(get_day_names("wide", locale=formats.FRENCH_LOCALE)[d] for d in range(7))
    return months, days, month_names, day_names


def _french_moment(value: str, what: str) -> datetime | None:
    """A French date-time (04/06/2027 13:00, "vendredi 4 juin 2027 13:00", see _FRENCH_WORDS) as
    a naive datetime; None when the value has neither shape (it may still be ISO); a
    ValidationError when it has one but names no moment (31/02/2027, "lundi 4 juin 2027" when
    4 June 2027 is a Friday)."""
    folded = _fold(value)
    numeric = _FRENCH_NUMERIC.fullmatch(folded)
    words = None if numeric else _FRENCH_WORDS.fullmatch(folded)
    if numeric is None and words is None:
        return None
    typed = _french_day(numeric, words, what)
    match = numeric or words
    assert match is not None
    hour, minute = int(match[match.re.groups - 1]), int(match[match.re.groups] or 0)
    if hour > 23 or minute > 59:
        raise _no_such_time(what, hour, minute)
    return datetime(typed.year, typed.month, typed.day, hour, minute)


def _french_day(numeric: re.Match[str] | None, words: re.Match[str] | None, what: str) -> date:
    """The day of a French date (the first groups of _FRENCH_NUMERIC_DAY or _FRENCH_WORDS_DAY),
    checked: in the years, a day the calendar has, its weekday (when named) the right one."""
    weekday_name = None
    if numeric is not None:
        day, month, year = (int(part) for part in numeric.groups()[:3])
    else:
        assert words is not None
        months, days, _month_names, _day_names = _french_names()
        weekday_name, month_name = words[1], words[3]
        if month_name not in months:
            raise ValidationError(
                _("{what}: “{month}” is not the name of a month (janvier to décembre).").format(
                    what=what, month=month_name
                )
            )
        if weekday_name is not None and weekday_name not in days:
            raise ValidationError(
                _("{what}: “{weekday}” is not the name of a day of the week (lundi to dimanche).").format(
                    what=what, weekday=weekday_name
                )
            )
        day, month, year = int(words[2]), months[month_name], int(words[4])
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise _outside_the_years(what)
    try:
        typed = date(year, month, day)
    except ValueError:
        raise _no_such_day(what, year, month, day) from None
    if weekday_name is not None:
        months, days, month_names, day_names = _french_names()
        if days[weekday_name] != typed.weekday():
            raise ValidationError(
                _("{what}: {day} is a {weekday}, not a {typed}.").format(
                    what=what,
                    day=f"{day} {month_names[month - 1]} {year}",
                    weekday=day_names[typed.weekday()],
                    typed=day_names[days[weekday_name]],
                )
            )
    return typed


def day(value: str, what: str = "Date") -> date:
    """A day (no time), in the years YEAR_MIN–YEAR_MAX: typed 2027-06-04; in French also as French
    writes and shows it (crm/formats.py), 04/06/2027 (day first), "vendredi 4 juin 2027",
    "4 juin 2027", "1er février 2028" (names as in moment()). A day the calendar does not have
    is refused as such."""
    what = _(what)
    value = value.strip()
    if formats.french():
        folded = _fold(value)
        numeric = _FRENCH_NUMERIC_ONLY.fullmatch(folded)
        words = None if numeric else _FRENCH_WORDS_ONLY.fullmatch(folded)
        if numeric is not None or words is not None:
            return _french_day(numeric, words, what)
    iso = _ISO_DAY.fullmatch(value)
    if iso is None:
        example = formats.typed_day(date(2027, 6, 4))
        raise ValidationError(_("{what} must be a day like {example}.").format(what=what, example=example))
    year, month, number = (int(part) for part in iso.groups())
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise _outside_the_years(what)
    try:
        return date(year, month, number)
    except ValueError:
        raise _no_such_day(what, year, month, number) from None


def zone_name(tz: tzinfo) -> str:
    """A time zone's name as users know it (Europe/Paris), else what the zone calls itself."""
    key = getattr(tz, "key", None)
    if key and key != "localtime":
        return key
    return _("the local time zone") if key else str(tz)


def database_name(value: str) -> str:
    """Letters, digits and _, not starting with a digit, at most 63 bytes."""
    value = value.strip()
    if not _DBNAME.match(value):
        raise ValidationError(
            _("A database name uses only letters, digits and _, and does not start with a digit.")
        )
    if len(value.encode()) > 63:
        raise ValidationError(_("A database name is at most 63 bytes."))
    return value
