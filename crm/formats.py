"""How money and moments are shown to people, in the current language (crm.i18n.language()).

One place for each (docs/rules.md §7; the parsers that read them back are crm/validation.py
amount() and moment(), which accept everything shown here):

- English, as always: amounts 1,500.50 (no currency sign), moments 2027-06-04 13:00.
- French, as a French office writes them (Babel's fr_FR data): amounts "1 500,50 €", the groups
  of thousands separated by a narrow no-break space (U+202F) and the euro sign by a no-break space
  (U+00A0), so an amount is never split across two lines; moments "vendredi 4 juin 2027 13:00"
  in a detail or a message, and "04/06/2027 13:00" (day first) in the columns of a table, where
  lists must stay narrow — also the form the menus ask to type.

Only what people read is localized: JSON, NDJSON and CSV output (crm/services/jsonable.py,
csvio.py), the calendar (.ics) export and the database keep their machine forms.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from decimal import Decimal
from functools import cache
from typing import Any

from crm.i18n import language

ENGLISH_MOMENT = "%Y-%m-%d %H:%M"  # validation.DATE_FORMAT: what English shows and reads
FRENCH_MOMENT = "%d/%m/%Y %H:%M"  # what French tables show and the menus ask to type
FRENCH_DAY = "%d/%m/%Y"
# Babel's pattern for a moment in words: weekday, day, month, year ("vendredi 4 juin 2027"); the
# time is added as HH:MM. French writes day and month names in lower case, as Babel has them.
LONG_DAY_PATTERN = "EEEE d MMMM y"
FRENCH_LOCALE = "fr_FR"
NARROW_NBSP = "\u202f"  # between groups of thousands (Babel's fr group separator)
NBSP = "\u00a0"  # before the euro sign


def french() -> bool:
    """Whether money and dates are shown (and read) the French way now."""
    return language() == "fr"


@cache
def _locale() -> Any:
    from babel import Locale

    return Locale.parse(FRENCH_LOCALE)


def money(value: Decimal) -> str:
    """An amount as people read it: "1,500.50" in English, "1 500,50 €" in French.

    French is Babel's format_currency(value, "EUR", locale="fr_FR"), built here from the same
    symbols without its pattern machinery (about 100 times faster: a table of 500 amounts);
    tests/test_formats.py checks both give the same text for every numeric(12,2) value."""
    english = f"{value:,.2f}"
    if not french():
        return english
    return english.replace(",", NARROW_NBSP).replace(".", ",") + NBSP + "€"


def typed_moment(local: datetime) -> str:
    """A wall-clock time as the menus ask to type it: 2027-06-04 13:00 (English), 04/06/2027 13:00
    (French). `local` is already in the zone meant (its zone is not shown)."""
    return local.strftime(FRENCH_MOMENT if french() else ENGLISH_MOMENT)


def typed_day(day: date) -> str:
    """A day as typed: 2027-06-04 (English), 04/06/2027 (French)."""
    return day.strftime(FRENCH_DAY) if french() else day.isoformat()


def long_day(day: date) -> str:
    """A day in words: "Friday 2027-06-04" (English, as the agenda always showed it), "vendredi
    4 juin 2027" (French)."""
    if not french():
        return f"{day.strftime('%A')} {day.isoformat()}"
    days, months = _french_names()
    return f"{days[day.weekday()]} {day.day} {months[day.month - 1]} {day.year}"


@cache
def _french_names() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Babel's French weekday (Monday first) and month names, as LONG_DAY_PATTERN writes them
    (babel.dates.format_date is about 100 times slower than filling them in; tests/test_formats.py
    checks both give the same text)."""
    from babel.dates import get_day_names, get_month_names

    days = get_day_names("wide", context="format", locale=_locale())
    months = get_month_names("wide", context="format", locale=_locale())
    return tuple(days[d] for d in range(7)), tuple(months[m] for m in range(1, 13))


def moment(value: datetime, tz: tzinfo, *, compact: bool = False) -> str:
    """A moment to the minute in tz. English: 2027-06-04 13:00, as typed. French: "vendredi 4 juin
    2027 13:00", compact (tables) "04/06/2027 13:00". A local time that happens twice in tz
    (clocks go back) also says which one: " (UTC+01:00)", compact " (+01:00)" — validation.moment
    reads every form back as that moment."""
    from crm import validation

    if not french():
        return validation.moment_label(value, tz, ENGLISH_MOMENT, compact=compact)
    local = value.astimezone(tz)
    text = local.strftime(FRENCH_MOMENT) if compact else f"{long_day(local.date())} {local:%H:%M}"
    if len(validation.occurrences(local.replace(tzinfo=None), tz)) > 1:
        offset = validation.offset_label(local)
        text += f" ({offset.removeprefix('UTC') if compact else offset})"
    return text


def time_of_day(value: datetime, tz: tzinfo) -> str:
    """The time of a moment in tz, HH:MM (both languages), with its offset when that local time
    happens twice there: "02:30 (UTC+01:00)"."""
    from crm import validation

    local = value.astimezone(tz)
    text = f"{local:%H:%M}"
    if len(validation.occurrences(local.replace(tzinfo=None), tz)) > 1:
        text += f" ({validation.offset_label(local)})"
    return text


def day(value: datetime, tz: tzinfo | None) -> str:
    """The day of a moment in tz (the computer's zone when None), for list columns:
    2027-06-04 (English), 04/06/2027 (French)."""
    return typed_day(value.astimezone(tz).date())
