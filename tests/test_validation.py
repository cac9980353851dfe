"""Typed input (crm/validation.py): amounts are typed as they are shown; dates that do not exist
(no such day, a local time skipped when clocks go forward) are told apart from a wrong format;
what PostgreSQL or Python cannot take (control characters, NUL, lone surrogates, far-off dates)
is refused by every parser with one line naming the field, and by the services before the
database sees it; dates the display cannot convert are still shown."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from functools import partial
from zoneinfo import ZoneInfo

import pytest

from crm import validation
from crm.errors import AmbiguousMoment, ValidationError
from crm.models import Team
from crm.repositories.clients import ClientFields
from crm.repositories.employees import EmployeeFields
from crm.repositories.events import EventFields
from crm.services import clients as client_service
from crm.services import employees as employee_service
from crm.services import events as event_service
from crm.ui.events import when, zone_name
from crm.ui.render import cell, local_moment
from tests.factories import fields_from, make_client, make_contract, make_event, make_staff

NEW_YORK = ZoneInfo("America/New_York")
PARIS = ZoneInfo("Europe/Paris")
D = Decimal
COMMA_MESSAGE = (
    "Total amount: use a dot for decimals, like 1000.50; a comma only separates thousands (1,000.50)."
)
LONE_SURROGATE = "caf\udce9"  # 'café' typed in a Latin-1 terminal, decoded with surrogateescape
BAD_TEXT = {
    "NUL": "a\x00b",
    "escape": "a\x1b[2Jb",
    "DEL": "a\x7fb",
    "C1": "a\x85b",
    "carriage return": "a\rb",
    "lone surrogate": LONE_SURROGATE,
}

# Each text parser, how it names its field, and a valid value to spoil.
PARSERS = [
    (partial(validation.name, what="Full name"), "Full name", "Kevin Casey"),
    (partial(validation.text, what="Location"), "Location", "Lyon"),
    (partial(validation.text, what="Notes", multiline=True), "Notes", "Bring cake"),
    (validation.email, "E-mail", "kevin@startup.io"),
    (validation.phone, "Phone", "+678 123 456 78"),
    (validation.username, "Username", "kevin.casey"),
    (partial(validation.name, what="Search text"), "Search text", "casey"),
]


# The shared check ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", BAD_TEXT)
def test_printable_refuses_control_characters_and_lone_surrogates_naming_the_field(kind):
    with pytest.raises(ValidationError) as refused:
        validation.printable(BAD_TEXT[kind], "Password")
    message = str(refused.value)
    assert message.startswith("Password ") and "\n" not in message


def test_printable_keeps_every_real_character():
    text = "Zoë Łukasz 東京 Αλέξανδρος 🎉 O'Brien & Co — 100 %"
    assert validation.printable(text, "Name") == text


def test_only_multiline_text_keeps_tabs_and_line_feeds():
    assert validation.printable("one\ttwo\nthree", "Notes", allow_newlines=True) == "one\ttwo\nthree"
    for bad in ("one\ttwo", "one\ntwo"):
        with pytest.raises(ValidationError, match="Name cannot contain control characters"):
            validation.printable(bad, "Name")
    with pytest.raises(ValidationError, match="Notes cannot contain control characters"):
        validation.printable("one\x00two", "Notes", allow_newlines=True)
    with pytest.raises(ValidationError, match="Notes cannot contain control characters"):
        validation.text("one\rtwo", "Notes", multiline=True)


# Every parser ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", BAD_TEXT)
@pytest.mark.parametrize("parse, what, good", PARSERS, ids=[what for _, what, _ in PARSERS])
def test_every_text_parser_refuses_bad_characters_naming_its_field(parse, what, good, kind):
    assert parse(good) == good
    spoiled = good[:3] + BAD_TEXT[kind] + good[3:]
    with pytest.raises(ValidationError) as refused:
        parse(spoiled)
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith(what) or what == "Username" and message.startswith("A username")


def test_notes_keep_their_line_breaks():
    notes = "Arrive at 10.\n\tBring the banners.\nCall Jacky."
    assert validation.text(notes, "Notes", validation.NOTES_MAX, multiline=True) == notes


@pytest.mark.parametrize(
    "typed",
    ["kevin@startup.io", "zoé@exämple.fr", "a.b+tag@mail.co.uk", "o'brien@ex-ample.com", "x@рф.ru"],
)
def test_real_looking_e_mail_addresses_are_accepted(typed):
    assert validation.email(f"  {typed} ") == typed


@pytest.mark.parametrize(
    "typed",
    [
        "a@example..com",  # an empty label
        "a@b.c.",  # a trailing dot
        "john@gmail.com,",  # the end of a pasted list
        "a@b.fr; c@d.fr",
        "Kevin <k@casey.fr>",
        "a@.b.com",
        "a@-b.com",
        "a@b",
        "a@b.12",
        "a@@b.com",
        "@b.com",
    ],
)
def test_malformed_e_mail_addresses_are_refused_in_one_line(typed):
    with pytest.raises(ValidationError, match=r"^Enter a valid e-mail address, like name@example\.com\.$"):
        validation.email(typed)


# Amounts ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("1000", "1000.00"),
        ("1000.5", "1000.50"),
        ("1,000", "1000.00"),
        ("1,000.50", "1000.50"),
        ("12,345.67", "12345.67"),
        ("1,234,567.89", "1234567.89"),
        (" 1 000.50 ", "1000.50"),
        (".5", "0.50"),
        ("0", "0.00"),
    ],
)
def test_amounts_are_typed_as_they_are_shown(typed, expected):
    assert validation.amount(typed, "Total amount") == D(expected)


@pytest.mark.parametrize(
    "typed", ["1e5", "1E5", "1.5e2", "NaN", "nan", "Infinity", "-Infinity", "inf", "sNaN", "0x10", "１２"]
)
def test_exponents_and_special_numbers_are_refused(typed):
    with pytest.raises(ValidationError, match=r"^Total amount must be a number like 1200 or 1200\.50\.$"):
        validation.amount(typed, "Total amount")


@pytest.mark.parametrize(
    "typed", ["1,5", "1000,50", "1,00", "12,34.5", "1,0000", ",100", "1,,000", "1.000,50"]
)
def test_a_comma_is_only_a_thousands_separator(typed):
    with pytest.raises(ValidationError) as refused:
        validation.amount(typed, "Total amount")
    assert str(refused.value) == COMMA_MESSAGE


# Dates ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["9999-12-31 23:59", "3000-01-01 00:00", "1999-12-31 23:59", "0001-01-01 00:00"]
)
def test_dates_outside_the_supported_years_are_refused(typed):
    with pytest.raises(ValidationError, match="^Start must be in the years 2000 to 2999.$"):
        validation.moment(typed, NEW_YORK, "Start")


def test_the_supported_years_themselves_are_accepted():
    last = validation.moment("2999-12-31 23:59", NEW_YORK, "End")
    assert last == datetime(2999, 12, 31, 23, 59, tzinfo=NEW_YORK)
    assert last.astimezone(UTC).year == 3000  # still inside the database's bound (before 3001)
    assert validation.moment("2000-01-01 00:00", PARIS).year == 2000


def test_the_zone_dates_are_typed_in_is_named_on_screen(monkeypatch):
    assert zone_name(PARIS) == "Europe/Paris"
    assert zone_name(timezone(timedelta(hours=2))) == "UTC+02:00"
    monkeypatch.setattr("os.path.realpath", lambda path: "/usr/share/zoneinfo/America/New_York")
    with open("/etc/localtime", "rb") as file:
        assert zone_name(ZoneInfo.from_file(file, key="localtime")) == "America/New_York"


def test_a_moment_no_zone_can_show_is_still_displayed(monkeypatch):
    latest = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)  # one hour before the end of datetime
    assert when(latest, PARIS) == "9999-12-31 23:00 UTC"
    assert local_moment(latest, NEW_YORK) == "9999-12-31 18:00"
    monkeypatch.setenv("TZ", "Europe/Paris")
    time.tzset()
    try:
        assert cell(latest) == "9999-12-31 23:00 UTC"
        assert cell(datetime(2026, 6, 4, 11, 0, tzinfo=UTC)) == "2026-06-04 13:00"
    finally:
        monkeypatch.undo()
        time.tzset()


@pytest.mark.parametrize(
    "typed, message",
    [
        ("2027-02-30 10:00", "Start: the date 2027-02-30 does not exist."),
        ("2027-02-29 10:00", "Start: the date 2027-02-29 does not exist."),
        ("2027-04-31 10:00", "Start: the date 2027-04-31 does not exist."),
        ("2027-13-01 10:00", "Start: the date 2027-13-01 does not exist."),
        ("2027-00-10 10:00", "Start: the date 2027-00-10 does not exist."),
        ("2027-06-04 24:00", "Start: 24:00 is not a time of day (00:00 to 23:59)."),
        ("2027-06-04 10:60", "Start: 10:60 is not a time of day (00:00 to 23:59)."),
        ("1999-02-30 10:00", "Start must be in the years 2000 to 2999."),
        ("4 June 2027", "Start must look like 2027-01-04 13:00."),
        ("2027-06-04", "Start must look like 2027-01-04 13:00."),
        ("2027/06/04 10:00", "Start must look like 2027-01-04 13:00."),
    ],
)
def test_a_date_that_does_not_exist_is_told_apart_from_a_wrong_format(typed, message):
    with pytest.raises(ValidationError) as refused:
        validation.moment(typed, PARIS, "Start", now=datetime(2026, 12, 4, 9, 0, tzinfo=UTC))
    assert str(refused.value) == message


def test_a_leap_day_exists():
    assert validation.moment("2028-02-29 10:00", PARIS) == datetime(2028, 2, 29, 10, 0, tzinfo=PARIS)


@pytest.mark.parametrize(
    "typed, zone, name",
    [
        ("2027-03-28 02:30", PARIS, "Europe/Paris"),
        ("2027-03-28 02:00", PARIS, "Europe/Paris"),
        ("2027-03-28 02:59", PARIS, "Europe/Paris"),
        ("2027-03-14 02:15", NEW_YORK, "America/New_York"),
    ],
)
def test_a_local_time_skipped_when_clocks_go_forward_is_refused(typed, zone, name):
    with pytest.raises(ValidationError) as refused:
        validation.moment(typed, zone, "Start")
    assert str(refused.value) == f"Start: {typed} does not exist in {name} (clocks go forward)."


def test_the_minutes_around_a_gap_exist():
    assert validation.moment("2027-03-28 01:59", PARIS).astimezone(UTC) == datetime(
        2027, 3, 28, 0, 59, tzinfo=UTC
    )
    assert validation.moment("2027-03-28 03:00", PARIS).astimezone(UTC) == datetime(
        2027, 3, 28, 1, 0, tzinfo=UTC
    )


# issue 17.3: a local time that happens twice (clocks go back) is never silently one of the two.
FIRST_0230 = datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # 02:30 summer time, UTC+2
SECOND_0230 = datetime(2027, 10, 31, 1, 30, tzinfo=UTC)  # 02:30 again, winter time, UTC+1


def test_a_local_time_that_happens_twice_is_not_guessed_the_message_says_how_to_type_it():
    with pytest.raises(AmbiguousMoment) as twice:
        validation.moment("2027-10-31 02:30", PARIS, "Start")
    assert str(twice.value) == (
        "Start: 2027-10-31 02:30 happens twice in Europe/Paris (clocks go back): type"
        " 2027-10-31 02:30 (UTC+02:00) for the first or 2027-10-31 02:30 (UTC+01:00) for the second."
    )
    assert twice.value.occurrences == (FIRST_0230, SECOND_0230)
    assert isinstance(twice.value, ValidationError)  # a face that cannot ask shows the message


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("2027-10-31 02:30 (UTC+02:00)", FIRST_0230),
        ("2027-10-31 02:30 (UTC+01:00)", SECOND_0230),
        ("2027-10-31 02:30 UTC+01:00", SECOND_0230),
        ("2027-10-31 02:30 +01:00", SECOND_0230),
        ("2027-10-31 02:30 (+01:00)", SECOND_0230),  # as a table shows it
        ("2027-10-31 02:30 (UTC+1)", SECOND_0230),
        ("2027-10-31 02:30 UTC+2", FIRST_0230),
        ("2027-10-31 02:30 (utc+0100)", SECOND_0230),
        ("2027-06-04 13:00 (UTC+02:00)", datetime(2027, 6, 4, 11, 0, tzinfo=UTC)),  # not needed, right
    ],
)
def test_the_offset_as_shown_says_which_occurrence(typed, expected):
    assert validation.moment(typed, PARIS, "Start") == expected


@pytest.mark.parametrize(
    "typed, message",
    [
        (
            "2027-10-31 02:30 (UTC+05:00)",
            "Start: 2027-10-31 02:30 in Europe/Paris is UTC+02:00 or UTC+01:00.",
        ),
        ("2027-06-04 13:00 (UTC+01:00)", "Start: 2027-06-04 13:00 in Europe/Paris is UTC+02:00."),
        (
            "2027-03-28 02:30 (UTC+01:00)",
            "Start: 2027-03-28 02:30 does not exist in Europe/Paris (clocks go forward).",
        ),
    ],
)
def test_an_offset_the_time_does_not_have_is_refused(typed, message):
    with pytest.raises(ValidationError) as refused:
        validation.moment(typed, PARIS, "Start")
    assert str(refused.value) == message and not isinstance(refused.value, AmbiguousMoment)


@pytest.mark.parametrize(
    "moment, shown",
    [
        (FIRST_0230, "2027-10-31 02:30 (UTC+02:00)"),
        (SECOND_0230, "2027-10-31 02:30 (UTC+01:00)"),
        (datetime(2027, 10, 31, 0, 59, tzinfo=UTC), "2027-10-31 02:59 (UTC+02:00)"),
        (datetime(2027, 10, 31, 2, 0, tzinfo=UTC), "2027-10-31 03:00"),  # once only
        (datetime(2027, 10, 30, 23, 59, tzinfo=UTC), "2027-10-31 01:59"),
        (datetime(2027, 6, 4, 11, 0, tzinfo=UTC), "2027-06-04 13:00"),
    ],
)
def test_an_ambiguous_time_is_shown_with_its_offset_and_reads_back_as_itself(moment, shown):
    assert local_moment(moment, PARIS) == when(moment, PARIS) == shown
    assert validation.moment(shown, PARIS) == moment


def test_new_york_s_repeated_hour_is_shown_with_its_offsets():
    first, second = validation.occurrences(datetime(2027, 11, 7, 1, 30), NEW_YORK)
    assert (local_moment(first, NEW_YORK), local_moment(second, NEW_YORK)) == (
        "2027-11-07 01:30 (UTC-04:00)",
        "2027-11-07 01:30 (UTC-05:00)",
    )


# issue 20.5: the format's example is in the future, so the example itself is accepted.
@pytest.mark.parametrize(
    "now, example",
    [
        (datetime(2026, 12, 4, 9, 0, tzinfo=UTC), "2027-01-04 13:00"),
        (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), "2027-02-01 13:00"),  # already 2027-01-01 in Paris
        (datetime(2027, 1, 31, 12, 0, tzinfo=UTC), "2027-02-28 13:00"),
        (datetime(2027, 6, 4, 11, 0, tzinfo=UTC), "2027-07-04 13:00"),
    ],
)
def test_the_format_example_is_next_month_at_13_00_and_is_accepted(now, example):
    assert validation.example_moment(PARIS, now) == example
    with pytest.raises(ValidationError, match=rf"^Start must look like {example}\.$"):
        validation.moment("soon", PARIS, "Start", now=now)
    accepted = validation.moment(example, PARIS, "Start", now=now)
    assert accepted > now
    fields = EventFields("Gala", "", accepted, accepted + timedelta(hours=2), "", 10, "")
    assert event_service.clean_fields(fields, now).starts_at == accepted  # not "in the past"


def test_the_example_is_in_the_future_today_too():
    assert validation.moment(validation.example_moment(PARIS), PARIS) > datetime.now(UTC)


def test_fixed_offset_zones_have_no_gaps():
    zone = timezone(timedelta(hours=2))
    assert validation.moment("2027-03-28 02:30", zone) == datetime(2027, 3, 28, 2, 30, tzinfo=zone)


def test_a_local_zone_read_from_a_file_is_named_plainly():
    with open("/usr/share/zoneinfo/Europe/Paris", "rb") as file:
        zone = ZoneInfo.from_file(file, key="localtime")
    with pytest.raises(
        ValidationError, match=r"does not exist in the local time zone \(clocks go forward\)\.$"
    ):
        validation.moment("2027-03-28 02:30", zone, "End")


# Through the services, on the real database ------------------------------------------------------------


@pytest.fixture
def staff(admin_conn):
    return make_staff(admin_conn, "manager", "bill", "kate")


CLIENT = ClientFields(
    full_name="Kevin Casey", email="kevin@startup.io", phone="+678 123", company_name="Cool"
)


@pytest.mark.parametrize("kind", ["NUL", "lone surrogate"])
@pytest.mark.parametrize("field", ["full_name", "email", "phone", "company_name"])
def test_a_client_with_bad_characters_is_refused_before_the_database(db, admin_conn, staff, field, kind):
    spoiled = {field: getattr(CLIENT, field)[:3] + BAD_TEXT[kind] + getattr(CLIENT, field)[3:]}
    with pytest.raises(ValidationError):
        client_service.create_client(db, staff["bill"], ClientFields(**{**CLIENT.__dict__, **spoiled}))
    assert admin_conn.execute("SELECT count(*) FROM clients").fetchone() == (0,)
    # the connection is still fine: the next save works
    client_service.create_client(db, staff["bill"], CLIENT)
    assert admin_conn.execute("SELECT full_name, email FROM clients").fetchall() == [
        ("Kevin Casey", "kevin@startup.io")
    ]


@pytest.mark.parametrize("kind", ["NUL", "lone surrogate"])
def test_searches_refuse_bad_characters(db, staff, kind):
    with pytest.raises(ValidationError, match="^Search text "):
        client_service.search_clients(db, "ca" + BAD_TEXT[kind], 0, 10)
    with pytest.raises(ValidationError, match="^Search text "):
        event_service.search_events(db, "ca" + BAD_TEXT[kind], 0, 10)


@pytest.mark.parametrize("kind", ["NUL", "lone surrogate"])
@pytest.mark.parametrize("field", ["username", "full_name", "email", "phone"])
def test_an_employee_with_bad_characters_is_refused_before_the_database(db, admin_conn, staff, field, kind):
    values = dict(username="new.one", full_name="New One", email="new@epicevents.test", phone="+33 123 456")
    values[field] = values[field][:3] + BAD_TEXT[kind] + values[field][3:]
    fields = EmployeeFields(**values, team=Team.SUPPORT)
    with pytest.raises(ValidationError):
        employee_service.create_employee(db, staff["manager"], fields, "a long enough passphrase 42")
    assert admin_conn.execute("SELECT count(*) FROM employees").fetchone() == (3,)


_event_fields = partial(fields_from, EventFields)  # _event_fields(event, **changes)


def test_event_notes_keep_line_breaks_and_refuse_nul(db, admin_conn, staff):
    contract = make_contract(admin_conn, make_client(admin_conn, staff["bill"].id), signed=True)
    event_id = make_event(admin_conn, contract, support_id=staff["kate"].id)
    now = datetime.now(UTC)
    event = event_service.get_event(db, event_id)
    for bad in ("Bring\x00cake", "Bring " + LONE_SURROGATE, "Bring\x1b[31m cake"):
        with pytest.raises(ValidationError, match="^Notes "):
            event_service.update_event(db, staff["kate"], event_id, 1, _event_fields(event, notes=bad), now)
    for field in ("name", "client_contact", "location"):
        with pytest.raises(ValidationError):
            event_service.update_event(
                db, staff["kate"], event_id, 1, _event_fields(event, **{field: "x\x00y"}), now
            )
    assert admin_conn.execute("SELECT notes, version FROM events").fetchone() == ("", 1)
    notes = "Arrive at 10.\n\tBring the banners."
    saved = event_service.update_event(db, staff["kate"], event_id, 1, _event_fields(event, notes=notes), now)
    assert saved.notes == notes
    assert admin_conn.execute("SELECT notes, version FROM events").fetchone() == (notes, 2)


# issue 20.9: an id's refusal says the rule, for -1 as for text.
@pytest.mark.parametrize("typed", ["-1", "0", "abc", "1.5", "", "-0"])
def test_an_id_that_is_not_a_positive_whole_number_says_so(typed):
    with pytest.raises(ValidationError) as refused:
        validation.record_id(typed, "Client id")
    assert str(refused.value) == "Client id must be a positive whole number."


def test_an_id_is_read_with_spaces_around_it():
    assert validation.record_id(" 7 ", "Client id") == 7


def test_a_long_answer_is_refused_quickly():
    started = time.monotonic()
    for typed in (" " * 20000 + "x", "2027-10-31 02:30" + " " * 20000 + "+01:00", "(" * 20000):
        with pytest.raises(ValidationError):
            validation.moment(typed, PARIS, "Start")
    assert time.monotonic() - started < 1
