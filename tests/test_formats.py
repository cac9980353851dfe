"""Money and dates in the current language (crm/formats.py, the parsers of crm/validation.py) and the
French messages of the input rules and the password policy (crm/locale/fr/LC_MESSAGES/formats.po).

English stays as it always was (tests/test_validation.py is unchanged). French shows
"1 500,50 €" (narrow no-break spaces between thousands, a no-break space before the euro sign)
and "vendredi 4 juin 2027 13:00" (tables: 04/06/2027 13:00), and reads back everything it shows.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm import formats, security, validation
from crm.cli import output
from crm.errors import AmbiguousMoment, ValidationError
from crm.i18n import _, catalog, speaking
from crm.ui import render

PARIS = ZoneInfo("Europe/Paris")  # the company's zone (crm/services/agenda.py COMPANY_ZONE)
D = Decimal
NNBSP, NBSP = "\u202f", "\u00a0"
CATALOG = Path(validation.__file__).parent / "locale" / "fr" / "LC_MESSAGES" / "formats.po"

money_values = st.decimals(min_value=0, max_value=validation.MONEY_MAX, places=2, allow_nan=False)
# Every minute of the supported years, as a moment (UTC) that Paris shows in those years.
moments = st.datetimes(
    min_value=datetime(2000, 1, 1, 0, 0), max_value=datetime(2999, 12, 31, 21, 0), timezones=st.just(UTC)
).map(lambda moment: moment.replace(second=0, microsecond=0))


def typo(text: str) -> str:
    """French typography, as the catalogs write it: a no-break space before : ; ? ! and inside « »."""
    for plain, french_way in ((" :", NBSP + ":"), (" ;", NBSP + ";"), (" ?", NBSP + "?"), (" !", NBSP + "!")):
        text = text.replace(plain, french_way)
    return text.replace("« ", "«" + NBSP).replace(" »", NBSP + "»")


@pytest.fixture
def french():
    with speaking("fr"):
        yield


# Shown -------------------------------------------------------------------------------------------


def test_english_shows_money_and_dates_as_it_always_did():
    with speaking("en"):
        assert formats.money(D("1500.50")) == render.money(D("1500.50")) == "1,500.50"
        assert render.cell(D("0")) == "0.00"
        moment = datetime(2027, 6, 4, 11, 0, tzinfo=UTC)
        assert render.local_moment(moment, PARIS) == "2027-06-04 13:00"
        assert render.local_moment(moment, PARIS, compact=True) == "2027-06-04 13:00"
        assert render.local_day(moment, PARIS) == "2027-06-04"
        assert render.local_time(moment, PARIS) == "13:00"
        assert render.day_heading(date(2027, 6, 4)) == "Friday 2027-06-04"
        twice = datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # 02:30 in Paris, the first time
        assert render.local_moment(twice, PARIS) == "2027-10-31 02:30 (UTC+02:00)"
        assert render.local_moment(twice, PARIS, compact=True) == "2027-10-31 02:30 (+02:00)"
        assert render.local_time(twice, PARIS) == "02:30 (UTC+02:00)"
        assert validation.example_moment(PARIS, datetime(2027, 5, 30, tzinfo=UTC)) == "2027-06-28 13:00"


@pytest.mark.parametrize(
    "value, shown",
    [
        ("1500.50", f"1{NNBSP}500,50{NBSP}€"),
        ("0", f"0,00{NBSP}€"),
        ("0.5", f"0,50{NBSP}€"),
        ("999.99", f"999,99{NBSP}€"),
        ("1000", f"1{NNBSP}000,00{NBSP}€"),
        ("9999999999.99", f"9{NNBSP}999{NNBSP}999{NNBSP}999,99{NBSP}€"),
    ],
)
def test_french_shows_amounts_with_spaces_between_thousands_and_the_euro_sign(french, value, shown):
    assert formats.money(D(value)) == render.money(D(value)) == render.cell(D(value)) == shown


def test_french_shows_dates_with_day_and_month_names_and_tables_day_first(french):
    moment = datetime(2027, 6, 4, 11, 0, tzinfo=UTC)
    assert render.local_moment(moment, PARIS) == "vendredi 4 juin 2027 13:00"
    assert render.local_moment(moment, PARIS, compact=True) == "04/06/2027 13:00"
    assert render.local_day(moment, PARIS) == "04/06/2027"
    assert render.local_time(moment, PARIS) == "13:00"
    assert render.day_heading(date(2027, 8, 15)) == "dimanche 15 août 2027"
    assert render.local_moment(datetime(2028, 2, 1, 7, 5, tzinfo=UTC), PARIS) == "mardi 1 février 2028 08:05"
    twice = datetime(2027, 10, 31, 1, 30, tzinfo=UTC)  # 02:30 in Paris, the second time
    assert render.local_moment(twice, PARIS) == "dimanche 31 octobre 2027 02:30 (UTC+01:00)"
    assert render.local_moment(twice, PARIS, compact=True) == "31/10/2027 02:30 (+01:00)"
    assert validation.example_moment(PARIS, datetime(2027, 5, 30, tzinfo=UTC)) == "28/06/2027 13:00"


def test_a_moment_no_zone_can_show_is_still_displayed_in_french(french):
    latest = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)
    assert render.local_moment(latest, PARIS) == "9999-12-31 23:00 UTC"


def test_french_tables_keep_amounts_and_dates_whole(french):
    headers = ["Id", "Total", "Created"]
    rows = [(1, D("1500.50"), datetime(2027, 6, 4, 11, 0, tzinfo=UTC))]
    shown = render.table(headers, rows, width=200)
    assert f"1{NNBSP}500,50{NBSP}€" in shown
    assert re.search(r"\b04/06/2027 \d\d:00\b", shown)  # the computer's zone: a table is compact
    assert [
        column.kind for column in render._spec(headers, [[render.cell(v, compact=True) for v in rows[0]]])
    ] == [render.WHOLE] * 3


@dataclasses.dataclass(frozen=True)
class Line:
    id: int
    amount: Decimal
    at: datetime


def test_commands_localize_their_tables_but_never_their_data(french, monkeypatch):
    line = Line(1, D("1500.50"), datetime(2027, 6, 4, 11, 0, tzinfo=UTC))
    table = output.Table(["Id", "Amount", "At"], lambda r: (r.id, r.amount, r.at))
    written = {}
    for fmt in ("table", "json", "csv"):
        out = io.StringIO()
        monkeypatch.setattr("sys.stdout", out)
        output.write_list([line], Line, fmt, table)
        written[fmt] = out.getvalue()
    assert f"1{NNBSP}500,50{NBSP}€" in written["table"] and "04/06/2027" in written["table"]
    assert json.loads(written["json"]) == [{"id": 1, "amount": "1500.50", "at": "2027-06-04T11:00:00+00:00"}]
    assert "1500.50" in written["csv"] and "2027-06-04" in written["csv"] and "€" not in written["csv"]


@settings(max_examples=300, deadline=None)
@given(value=st.decimals(min_value=-validation.MONEY_MAX, max_value=validation.MONEY_MAX, places=2))
def test_french_amounts_are_babels(value):
    from babel.numbers import format_currency

    with speaking("fr"):
        assert formats.money(value) == format_currency(value, "EUR", locale="fr_FR")


@settings(max_examples=300, deadline=None)
@given(day=st.dates(min_value=date(2000, 1, 1), max_value=date(2999, 12, 31)))
def test_french_days_in_words_are_babels(day):
    from babel.dates import format_date

    with speaking("fr"):
        assert render.day_heading(day) == format_date(day, "EEEE d MMMM y", locale="fr_FR")


# Read back: what is shown is what is typed --------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "fr"])
@settings(max_examples=300, deadline=None)
@given(value=money_values)
def test_every_amount_shown_reads_back_as_the_same_amount(language, value):
    with speaking(language):
        shown = formats.money(value)
        assert validation.amount(shown, "Total amount") == value
        if language == "fr":  # as typed on a keyboard: ordinary spaces, no euro sign
            typed = shown.replace(NNBSP, " ").replace(NBSP, " ").removesuffix(" €")
            assert validation.amount(typed) == value
            assert validation.amount(typed.replace(" ", "").replace(",", "."), "Total amount") == value


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("compact", [False, True])
@settings(max_examples=300, deadline=None)
@given(moment=moments)
def test_every_moment_shown_reads_back_as_the_same_moment(language, compact, moment):
    with speaking(language):
        shown = render.local_moment(moment, PARIS, compact=compact)
        typed = validation.moment(shown, PARIS, "Start", now=datetime(2000, 1, 1, tzinfo=UTC))
        assert validation.same_moment(typed, moment), (shown, typed)


# French amounts typed ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("1500,50", "1500.50"),
        ("1 500,50", "1500.50"),
        ("1500.50", "1500.50"),
        ("1 500.50", "1500.50"),
        ("1 500,50 €", "1500.50"),
        ("1500,50€", "1500.50"),
        (f"1{NNBSP}500,50{NBSP}€", "1500.50"),
        (f"1{NBSP}500,50", "1500.50"),
        ("1\u2009500,50", "1500.50"),
        ("  1 500,5  ", "1500.50"),
        ("1 000 000", "1000000.00"),
        ("1500", "1500.00"),
        ("1500,", "1500.00"),
        (",5", "0.50"),
        ("0", "0.00"),
        ("-0", "0.00"),
        ("+12,30", "12.30"),
        ("9 999 999 999,99 €", "9999999999.99"),
        ("999,99", "999.99"),
    ],
)
def test_french_amounts_accepted(french, typed, expected):
    assert validation.amount(typed) == D(expected)


BOTH = (
    "Montant : utilisez une virgule ou un point pour les décimales, pas les deux : écrivez "
    "1500,50 ou 1 500,50 (1.500,50 et 1,500.50 ne se lisent pas de la même façon d’un pays à l’autre)."
)
SHAPE = (
    "Montant : saisissez un montant comme 1500,50 ou 1 500,50 (une virgule ou un point avant les "
    "décimales, une espace entre les milliers)."
)
DECIMALS = (
    "Montant : 2 décimales au plus après la virgule ; séparez les milliers par une espace, comme 1 500,50."
)


@pytest.mark.parametrize(
    "typed, message",
    [
        ("1.500,50", BOTH),
        ("1,500.50", BOTH),
        ("1 500.000,00", BOTH),
        ("1,5,0", SHAPE),
        ("1.500.000", SHAPE),
        ("1,,5", SHAPE),
        ("1e5", SHAPE),
        ("1E5", SHAPE),
        ("NaN", SHAPE),
        ("Infinity", SHAPE),
        ("0x10", SHAPE),
        ("１２", SHAPE),  # full-width digits
        ("1_000", SHAPE),
        ("12 34", SHAPE),  # spaces only between groups of three
        ("1500 000", SHAPE),
        ("1  500", SHAPE),
        ("1 500 ,50", SHAPE),
        ("€ 1500", SHAPE),
        ("1500 EUR", SHAPE),
        ("", SHAPE),
        ("€", SHAPE),
        (",", SHAPE),
        ("- 5", SHAPE),
        ("1,500", DECIMALS),  # thousands or decimals? never guessed
        ("1.500", DECIMALS),
        ("1,505", DECIMALS),
        ("10,001", DECIMALS),
        ("1,5000", DECIMALS),
        ("-5", "Montant : un montant ne peut pas être négatif."),
        ("-0,01", "Montant : un montant ne peut pas être négatif."),
        (
            "10 000 000 000",
            f"Montant : un montant ne peut pas dépasser 9{NNBSP}999{NNBSP}999{NNBSP}999,99{NBSP}€.",
        ),
        (
            "99999999999999999999999999999,99",
            f"Montant : un montant ne peut pas dépasser 9{NNBSP}999{NNBSP}999{NNBSP}999,99{NBSP}€.",
        ),
    ],
)
def test_french_amounts_refused(french, typed, message):
    with pytest.raises(ValidationError) as refused:
        validation.amount(typed)
    assert str(refused.value) == typo(message)


@pytest.mark.parametrize("typed", ["1500,50", "1 500,50 €", "1\u202f500,50", "04/06/2027"])
def test_english_still_refuses_the_french_forms(typed):
    with speaking("en"), pytest.raises(ValidationError):
        validation.amount(typed)


def test_the_services_recheck_amounts_in_french_too(french):
    from crm.services import contracts

    assert contracts.clean_total(D("1500.50")) == D("1500.50")
    assert contracts.clean_total(D("1E+3")) == D("1000.00")
    assert contracts.clean_total(D("1.500")) == D("1.50")  # a Decimal's digits are not typed
    with pytest.raises(ValidationError) as refused:
        contracts.clean_total(D("-1"))
    assert str(refused.value) == typo(f"{_('Total amount')} : un montant ne peut pas être négatif.")
    assert contracts.payment_too_large(D("2000"), D("1500.5")) == (
        f"A payment of 2{NNBSP}000,00{NBSP}€ is more than what remains to be paid (1{NNBSP}500,50{NBSP}€)."
    )


# French dates typed ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("04/06/2027 13:00", (2027, 6, 4, 13, 0)),
        ("4/6/2027 13:00", (2027, 6, 4, 13, 0)),
        ("04/06/2027 9:05", (2027, 6, 4, 9, 5)),
        ("04/06/2027 13h00", (2027, 6, 4, 13, 0)),
        ("04/06/2027 13h", (2027, 6, 4, 13, 0)),
        ("04/06/2027 à 13h30", (2027, 6, 4, 13, 30)),
        ("2027-06-04 13:00", (2027, 6, 4, 13, 0)),  # the ISO form, as in English
        ("vendredi 4 juin 2027 13:00", (2027, 6, 4, 13, 0)),
        ("Vendredi 4 Juin 2027 13:00", (2027, 6, 4, 13, 0)),
        ("4 juin 2027 13:00", (2027, 6, 4, 13, 0)),
        ("ven. 4 juin 2027 à 13h", (2027, 6, 4, 13, 0)),
        ("vendredi 4 juin 2027 13:00", (2027, 6, 4, 13, 0)),
        ("mardi 1er février 2028 08:05", (2028, 2, 1, 8, 5)),
        ("1er fevrier 2028 08:05", (2028, 2, 1, 8, 5)),
        ("15 août 2027 20:00", (2027, 8, 15, 20, 0)),
        ("15 aout 2027 20:00", (2027, 8, 15, 20, 0)),
        ("3 déc. 2027 10:00", (2027, 12, 3, 10, 0)),
        ("31/12/2999 23:59", (2999, 12, 31, 23, 59)),
        ("01/01/2000 00:00", (2000, 1, 1, 0, 0)),
    ],
)
def test_french_dates_accepted(french, typed, expected):
    assert validation.moment(typed, PARIS, "Start") == datetime(*expected, tzinfo=PARIS)


def test_french_dates_that_happen_twice_take_their_offset(french):
    first = datetime(2027, 10, 31, 0, 30, tzinfo=UTC)
    second = datetime(2027, 10, 31, 1, 30, tzinfo=UTC)
    for typed, meant in [
        ("31/10/2027 02:30 (UTC+02:00)", first),
        ("31/10/2027 02:30 +01:00", second),
        ("31/10/2027 02h30 +1", second),
        ("dimanche 31 octobre 2027 02:30 (UTC+01:00)", second),
    ]:
        assert validation.same_moment(validation.moment(typed, PARIS, "Start"), meant), typed
    with pytest.raises(AmbiguousMoment) as twice:
        validation.moment("31/10/2027 02:30", PARIS, "Start")
    assert str(twice.value) == typo(
        "Début : 31/10/2027 02:30 arrive deux fois dans le fuseau horaire Europe/Paris (on recule les"
        " horloges) : saisissez 31/10/2027 02:30 (UTC+02:00) pour la première ou 31/10/2027 02:30"
        " (UTC+01:00) pour la seconde."
    )


NOW = datetime(2027, 5, 30, tzinfo=UTC)
LOOK = "Début : saisissez une date et une heure comme 28/06/2027 13:00."


@pytest.mark.parametrize(
    "typed, message",
    [
        ("06/04/2027", LOOK),  # a time is needed
        ("04-06-2027 13:00", LOOK),
        ("04.06.2027 13:00", LOOK),
        ("2027/06/04 13:00", LOOK),
        ("04/06/27 13:00", LOOK),
        ("demain 13:00", LOOK),
        ("", LOOK),
        ("31/02/2027 13:00", "Début : la date du 31/02/2027 n’existe pas."),
        ("04/13/2027 13:00", "Début : la date du 04/13/2027 n’existe pas."),
        ("30 février 2027 13:00", "Début : la date du 30/02/2027 n’existe pas."),
        ("2027-02-30 13:00", "Début : la date du 30/02/2027 n’existe pas."),
        ("04/06/2027 24:00", "Début : 24:00 n’est pas une heure de la journée (de 00:00 à 23:59)."),
        ("04/06/2027 13h75", "Début : 13:75 n’est pas une heure de la journée (de 00:00 à 23:59)."),
        ("04/06/1999 13:00", "Début : l’année doit être comprise entre 2000 et 2999."),
        ("01/01/3000 00:00", "Début : l’année doit être comprise entre 2000 et 2999."),
        ("4 juim 2027 13:00", "Début : « juim » n’est pas un nom de mois (de janvier à décembre)."),
        (
            "vendrdi 4 juin 2027 13:00",
            "Début : « vendrdi » n’est pas un jour de la semaine (de lundi à dimanche).",
        ),
        ("lundi 4 juin 2027 13:00", "Début : le 4 juin 2027 est un vendredi, pas un lundi."),
        (
            "28/03/2027 02:30",
            "Début : 28/03/2027 02:30 n’existe pas dans le fuseau horaire Europe/Paris"
            " (on avance les horloges).",
        ),
        (
            "04/06/2027 13:00 (UTC+01:00)",
            "Début : 04/06/2027 13:00, dans le fuseau horaire Europe/Paris, c’est UTC+02:00.",
        ),
    ],
)
def test_french_dates_refused(french, typed, message):
    with pytest.raises(ValidationError) as refused:
        validation.moment(typed, PARIS, "Start", now=NOW)
    assert str(refused.value) == typo(message)


def test_english_dates_are_read_as_before():
    with speaking("en"):
        assert validation.moment("2027-06-04 13:00", PARIS) == datetime(2027, 6, 4, 13, 0, tzinfo=PARIS)
        for typed in ("04/06/2027 13:00", "vendredi 4 juin 2027 13:00", "2027-06-04 13h00"):
            with pytest.raises(ValidationError, match="^Start must look like 2027-06-28 13:00.$"):
                validation.moment(typed, PARIS, "Start", now=NOW)


# The French messages ----------------------------------------------------------------------------


def _msgids() -> list[str]:
    from babel.messages.extract import extract_from_file

    return [
        message
        for source in (validation.__file__, security.__file__)
        for _line, message, _comments, _context in extract_from_file(
            "python", source, keywords={"_": None, "N_": None}
        )
    ]


def test_the_catalog_follows_french_typography():
    from babel.messages.pofile import read_po

    with CATALOG.open("rb") as handle:
        po = read_po(handle, locale="fr")
    for message in po:
        if message.id:
            assert typo(message.string) == message.string, message.id
            assert "'" not in message.string, message.id  # typographic apostrophes (’)


def test_every_message_of_the_rules_and_the_password_policy_is_translated():
    from babel.messages.pofile import read_po

    with CATALOG.open("rb") as handle:
        po = read_po(handle, locale="fr")
    assert po.plural_forms == "nplurals=2; plural=(n > 1);"
    assert CATALOG.read_text(encoding="utf-8")  # UTF-8
    translated = {message.id: message.string for message in po if message.id and not message.fuzzy}
    ids = _msgids()
    assert len(ids) > 50
    missing = [message for message in ids if not translated.get(message)]
    assert not missing
    for message in ids:
        fields = sorted(re.findall(r"\{(\w+)\}", message))
        assert sorted(re.findall(r"\{(\w+)\}", translated[message])) == fields, message
    assert all(catalog("fr").get(message) for message in ids)  # as crm.i18n reads it


@pytest.mark.parametrize(
    "password, message",
    [
        (
            "motdepasse123",
            "Ce mot de passe est trop facile à deviner : c’est un mot, un nom ou un mot de passe courant,"
            " à peine modifié (comme bonjour12345 ou Password1234!). Utilisez plusieurs mots sans rapport"
            " entre eux, ou davantage de caractères.",
        ),
        ("court", "Un mot de passe compte au moins 12 caractères."),
        (
            "password1234",
            "Ce mot de passe figure dans la liste des mots de passe courants ; choisissez-en un autre.",
        ),
        ("chez-k.martin-2027", "Le mot de passe ne peut pas contenir l’identifiant."),
        (
            "Mot\x1bde passe solide",
            "Un mot de passe : ce texte ne peut pas contenir de caractères de contrôle.",
        ),
    ],
)
def test_the_password_policy_speaks_french(french, password, message):
    with pytest.raises(ValidationError) as refused:
        security.check_password_policy(password, "k.martin")
    assert str(refused.value) == typo(message)


def test_the_password_policy_still_speaks_english():
    with pytest.raises(ValidationError) as refused:
        security.check_password_policy("motdepasse123")
    assert str(refused.value) == (
        "This password is too easy to guess: it is a common word, name or password with a few changes"
        " (like bonjour12345 or Password1234!). Use several unrelated words, or more characters."
    )


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: validation.name("  ", "Full name"), "Nom complet : ce champ ne peut pas rester vide."),
        (
            lambda: validation.email("a..b@x.com"),
            "Saisissez une adresse e-mail valide, comme nom@exemple.fr.",
        ),
        (
            lambda: validation.phone("12"),
            "Un numéro de téléphone compte au moins 6 chiffres, et seulement des chiffres, des espaces"
            " et + - . ( ).",
        ),
        (
            lambda: validation.whole_number("-1", "Attendees"),
            "Participants : saisissez un nombre entier, 0 ou plus.",
        ),
        (
            lambda: validation.whole_number("x", "Quantity", 1),
            "Quantité : saisissez un nombre entier positif.",
        ),
        (
            lambda: validation.text("\u202e", "Notes"),
            "Notes : ce texte doit contenir au moins un caractère visible.",
        ),
    ],
)
def test_the_input_rules_speak_french(french, call, message):
    with pytest.raises(ValidationError) as refused:
        call()
    assert str(refused.value) == typo(message)


def test_the_database_rules_as_one_line_speak_french(french):
    assert validation.text_rule("A note", shown=True, multiline=True) == typo(
        "Une note : ce texte ne peut pas contenir de caractères de contrôle ou invisibles (les tabulations"
        " et les retours à la ligne sont conservés) et doit montrer au moins un caractère visible."
    )
    with speaking("en"):
        assert validation.text_rule("A note", shown=True, multiline=True) == (
            "A note cannot contain control or invisible characters (tabs and line breaks are kept)"
            " and must show at least one visible character."
        )


def test_the_computers_own_zone_is_named_in_french(french):
    with open("/etc/localtime", "rb") as file:
        local = ZoneInfo.from_file(file, key="localtime")
    assert validation.zone_name(local) == "local"  # "… dans le fuseau horaire local …"
    assert validation.zone_name(PARIS) == "Europe/Paris"


def test_what_changed_in_a_notification_reads_in_french(french):
    from crm.models import Notification
    from crm.services import notifications

    fields = {f.name: None for f in dataclasses.fields(Notification)}
    changed = Notification(
        **fields
        | {
            "kind": "changed",
            "changes": {"starts_at": ["2027-06-04T11:00:00+00:00", "2027-06-04T13:30:00+00:00"]},
        }
    )
    lines = notifications.describe(changed, PARIS)
    assert any("vendredi 4 juin 2027 13:00 → vendredi 4 juin 2027 15:30" in line for line in lines), lines
    with speaking("en"):
        lines = notifications.describe(changed, PARIS)
    assert any("2027-06-04 13:00 → 2027-06-04 15:30" in line for line in lines), lines


def test_the_digest_keeps_its_date_column_as_wide_in_french():
    from crm.models import DigestItem
    from crm.ui.digest import digest_line

    item = DigestItem("event", 7, "Assemblée", datetime(2027, 6, 4, 11, 0, tzinfo=UTC), "")
    with speaking("en"):
        english = digest_line(item, PARIS, width=200)
    with speaking("fr"):
        french = digest_line(item, PARIS, width=200)
    assert english == "  event 7       2027-06-04 13:00  Assemblée"
    assert french == "  événement 7       04/06/2027 13:00  Assemblée"  # the kind in French too (ui.po)


# Days (no time) -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("04/06/2027", date(2027, 6, 4)),
        ("4/6/2027", date(2027, 6, 4)),
        ("2027-06-04", date(2027, 6, 4)),
        ("vendredi 4 juin 2027", date(2027, 6, 4)),
        ("4 Juin 2027", date(2027, 6, 4)),
        ("1er fevr. 2028", date(2028, 2, 1)),
    ],
)
def test_french_days_accepted(french, typed, expected):
    assert validation.day(typed, "Date") == expected


@pytest.mark.parametrize(
    "typed, message",
    [
        ("2027/06/04", "Date : saisissez un jour comme 04/06/2027."),
        ("04/06/2027 13:00", "Date : saisissez un jour comme 04/06/2027."),
        ("31/06/2027", "Date : la date du 31/06/2027 n’existe pas."),
        ("2027-02-30", "Date : la date du 30/02/2027 n’existe pas."),
        ("04/06/3000", "Date : l’année doit être comprise entre 2000 et 2999."),
        ("lundi 4 juin 2027", "Date : le 4 juin 2027 est un vendredi, pas un lundi."),
    ],
)
def test_french_days_refused(french, typed, message):
    with pytest.raises(ValidationError) as refused:
        validation.day(typed, "Date")
    assert str(refused.value) == typo(message)


def test_english_days_are_iso():
    assert validation.day("2027-06-04") == date(2027, 6, 4)
    with pytest.raises(ValidationError, match="^Date must be a day like 2027-06-04.$"):
        validation.day("04/06/2027")


@settings(max_examples=200, deadline=None)
@given(day=st.dates(min_value=date(2000, 1, 1), max_value=date(2999, 12, 31)))
def test_every_day_shown_reads_back_as_the_same_day(day):
    for language in ("en", "fr"):
        with speaking(language):
            for compact in (False, True):
                shown = render.cell(day, compact=compact)
                if language == "en":
                    assert shown == day.isoformat()  # as always
                assert validation.day(shown) == day, shown


def test_an_opportunitys_expected_close_date_in_french(french):
    from crm.services import pipeline

    assert pipeline.parse_close_date("04/06/2027") == date(2027, 6, 4)
    assert pipeline.parse_close_date("2027-06-04") == date(2027, 6, 4)
    assert pipeline.parse_close_date("  ") is None
    assert render.cell(date(2027, 6, 4)) == "vendredi 4 juin 2027"
    assert render.cell(date(2027, 6, 4), compact=True) == "04/06/2027"
    with (
        speaking("en"),
        pytest.raises(ValidationError, match=r"^Expected close date must look like 2027-06-04"),
    ):
        pipeline.parse_close_date("04/06/2027")
