"""One rule for invisible and control characters, as the forms and services apply it
(crm/validation.py): control characters, bidi controls and the other format characters (Cf) are
refused, joiners kept where a script or an emoji needs them, and a name shows something. E-mail
syntax is email-validator's, and the address stored is its normalised form. Whole numbers say
their rule."""

from __future__ import annotations

from functools import partial

import pytest

from crm import validation
from crm.errors import ValidationError
from crm.repositories.clients import ClientFields
from crm.services import clients as client_service
from tests.factories import make_employee

# Real names that need ZWNJ / ZWJ, and emoji sequences that are ZWJ sequences.
JOINED = {
    "Persian (ZWNJ)": "محمد\u200cرضا شجریان",
    "Persian word (ZWNJ)": "می\u200cخواهم",
    "Hindi (ZWJ, half form)": "क्\u200dष",
    "Hindi name (ZWNJ)": "श्रीमती राज\u200cश्री",
    "Malayalam (ZWJ, chillu)": "അവന്\u200d",
    "Sinhala (ZWJ, yansaya)": "ශ්\u200dයාම්",
    "family emoji": "Famille 👩\u200d👩\u200d👧",
    "rainbow flag": "Fierté 🏳\ufe0f\u200d🌈",
    "skin tone then ZWJ": "Dev 👩🏽\u200d💻",
    "Scotland flag (tags)": "Team 🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
}
PLAIN = ["Zoé Lefèvre", "محمد الأحمد", "王伟", "Αλέξανδρος", "Ιωάννα-Μαρία O'Brien"]

INVISIBLE = {
    "right-to-left override": "Zo\u202ee",
    "left-to-right embedding": "Zo\u202ae",
    "pop directional": "Zo\u202ce",
    "right-to-left isolate": "Zo\u2067e",
    "pop isolate": "Zo\u2069e",
    "left-to-right mark": "Zo\u200ee",
    "right-to-left mark": "Zo\u200fe",
    "arabic letter mark": "Zo\u061ce",
    "zero-width space": "Zo\u200be",
    "word joiner": "Zo\u2060e",
    "byte order mark": "Zo\ufeffe",
    "soft hyphen": "Zo\u00ade",
    "line separator": "Zo\u2028e",
    "ZWJ between Latin letters": "Zo\u200de",
    "ZWNJ at the end": "محمد\u200c",
    "ZWJ doubled": "क्\u200d\u200dष",
    "tag outside a flag": "Zo\U000e0067e",
}


@pytest.mark.parametrize("value", list(JOINED.values()) + PLAIN, ids=list(JOINED) + PLAIN)
def test_names_in_scripts_that_need_joiners_and_emoji_sequences_are_kept(value):
    assert validation.name(value, "Full name") == value
    assert validation.text(value, "Location") == value


@pytest.mark.parametrize("value", list(INVISIBLE.values()), ids=list(INVISIBLE))
def test_bidi_controls_and_zero_width_characters_are_refused_naming_the_character(value):
    for parse in (partial(validation.name, what="Full name"), partial(validation.text, what="Location")):
        with pytest.raises(ValidationError) as refused:
            parse(value)
        message = str(refused.value)
        assert "cannot contain the invisible character U+" in message and "\n" not in message


def test_the_e_mail_and_search_parsers_refuse_them_too():
    with pytest.raises(ValidationError, match="E-mail cannot contain the invisible character U[+]202E"):
        validation.email("zo\u202ee@example.com")
    with pytest.raises(ValidationError, match="U[+]200B"):
        validation.email("zoe@exam\u200bple.com")


@pytest.mark.parametrize(
    "value", ["\u200b", "\u200b\u200b\u200b", "\u2060", "\ufeff", "\u3164", "\u2800 \u2800"]
)
def test_a_name_made_only_of_invisible_characters_is_refused_clearly(value):
    with pytest.raises(ValidationError, match="^Full name must contain at least one visible character[.]$"):
        validation.name(value, "Full name")
    with pytest.raises(
        ValidationError, match="^Company name must contain at least one visible character[.]$"
    ):
        validation.text(value, "Company name")


def test_a_client_named_by_a_zero_width_space_is_not_created(db, admin_conn):
    sales = make_employee(admin_conn, "sales", "bill")
    fields = ClientFields(full_name="\u200b", email="zw@example.com", phone=None, company_name="")
    with pytest.raises(ValidationError, match="visible character"):
        client_service.create_client(db, sales, fields)
    reversed_name = ClientFields(full_name="Zo\u202ee", email="zoe@example.com", phone=None, company_name="")
    with pytest.raises(ValidationError, match="U[+]202E"):
        client_service.create_client(db, sales, reversed_name)
    assert admin_conn.execute("SELECT count(*) FROM clients").fetchone()[0] == 0


# E-mail --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "a..b@x.com",  # issue 16: dots doubled, first, last
        ".a@x.com",
        "a.@x.com",
        "a,b@x.com",  # the current rule's refusals stay
        "a;b@x.com",
        "a b@x.com",
        "Name <a@b.com>",
        '"quoted"@x.com',
        "a(b)@x.com",
        "a@[192.0.2.1]",
        "a@b",
        "a@x_y.com",
        "a@localhost",  # special-use domains that cannot receive mail
        "a@printer.local",
        "a@x.invalid",
        "x" * 65 + "@x.com",  # a name of more than 64 characters
        "a@" + "b" * 64 + ".com",  # a label of more than 63
    ],
)
def test_e_mail_syntax_is_email_validators(typed):
    with pytest.raises(ValidationError, match=r"^Enter a valid e-mail address, like name@example\.com\.$"):
        validation.email(typed)


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("Jean.Dupont@Example.COM", "Jean.Dupont@example.com"),  # the domain lower-cased, the name kept
        ("zoé@BÜCHER.de", "zoé@bücher.de"),
        ("a@xn--bcher-kva.de", "a@bücher.de"),  # IDNA: stored in its Unicode form
        ("Zoe\u0301@example.fr", "Zoé@example.fr"),  # NFC: e + combining accent is é
        ("kate@epicevents.test", "kate@epicevents.test"),  # .test is kept for test databases
    ],
)
def test_the_normalised_address_is_what_is_returned(typed, stored):
    assert validation.email(typed) == stored


def test_the_service_stores_the_normalised_address(db, admin_conn):
    sales = make_employee(admin_conn, "sales", "bill")
    fields = ClientFields(full_name="Zoé", email="  Zoe@Example.COM ", phone=None, company_name="")
    client = client_service.create_client(db, sales, fields)
    assert client.email == "Zoe@example.com"
    assert admin_conn.execute("SELECT email FROM clients").fetchone()[0] == "Zoe@example.com"


# Whole numbers -------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["-1", "0", "abc", "1.5", ""])
def test_an_id_that_is_not_positive_says_the_rule(typed):
    with pytest.raises(ValidationError, match="^Client id must be a positive whole number[.]$"):
        validation.record_id(typed, "Client id")


def test_other_whole_numbers_say_their_rule():
    with pytest.raises(ValidationError, match="^Attendees must be a whole number, 0 or more[.]$"):
        validation.whole_number("-1", "Attendees")
    with pytest.raises(ValidationError, match="^Port must be a positive whole number[.]$"):
        validation.whole_number("0", "Port", minimum=1)
    assert validation.whole_number("0", "Attendees") == 0
