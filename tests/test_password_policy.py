"""The password rule (crm/security.py check_password_policy): besides length, username and the
common-password list, guessable passwords are refused — keyboard walks (QWERTY and AZERTY),
repeats, sequences, a common English or French word plus digits, blanks, the company's name —
with a message naming the rule; and the rule is the one every face gets (services)."""

from __future__ import annotations

import pytest

from crm import security
from crm.errors import ValidationError
from crm.services import employees as employee_service
from tests.factories import DEFAULT_PASSWORD, make_employee

KEYBOARD = "it follows keys on the keyboard"
REPEAT = "it repeats a pattern"
SEQUENCE = "it is a sequence"
WORD = "it is a common word, name or password with a few changes"
DIGITS = "it is only digits in a guessable order"


def refusal(password: str, username: str = "marie") -> str:
    with pytest.raises(ValidationError) as refused:
        security.check_password_policy(password, username)
    return str(refused.value)


@pytest.mark.parametrize(
    "password, rule",
    [
        # Issue 17 item 2: each of these was accepted.
        ("123456789012", DIGITS),
        ("abcabcabcabc", REPEAT),
        ("Password1234!", WORD),
        ("iloveyou1234", WORD),
        # Issue 16: French words plus digits.
        ("motdepasse123", WORD),
        ("azertyuiop123", WORD),
        ("bonjour12345", WORD),
        ("jetaime123456", WORD),
        ("Marseille1234", WORD),
        ("chouchou2020!", WORD),
        # The company's name in other shapes.
        # Keyboard walks on an AZERTY keyboard (QWERTY walks are zxcvbn's own).
        ("qsdfghjklmù*", KEYBOARD),
        ("&é\"'(-è_çà)=", KEYBOARD),
        ("zxcvbnmasdfg", KEYBOARD),
        ("qwertyuiopas", KEYBOARD),
        # Repeats and sequences.
        ("xxxxxxxxxxxY", REPEAT),
        ("ab" * 64, REPEAT),
        ("abcdefghijklmnopqrstuvwxyz0123", SEQUENCE),
    ],
)
def test_guessable_passwords_are_refused_naming_the_rule(password, rule):
    message = refusal(password)
    assert message.startswith("This password is too easy to guess: ")
    assert rule in message, message


def test_azerty_walks_that_qwerty_does_not_see_are_refused():
    # Read as QWERTY these are not walks: only the AZERTY reading makes them guessable.
    for walk in ("qsdfghjklmù*", "&é\"'(-è_çà)=", "wxcvbn,;:!qsd"):
        assert walk.translate(security.AZERTY_AS_QWERTY) != walk
        assert KEYBOARD in refusal(walk) or "too easy to guess" in refusal(walk)


def test_blank_passwords_are_refused_as_blank():
    assert refusal(" " * 12) == "A password cannot be only spaces."
    assert refusal(" " * 128) == "A password cannot be only spaces."
    assert refusal("\u3000" * 12) == "A password cannot be only spaces."


@pytest.mark.parametrize(
    "password",
    [
        DEFAULT_PASSWORD,
        "violet tractor on the moon",
        "vache bleue sur le toit",
        "Kx9#mQ2vLp7!",
        "q7Rt-Zp2m_Vw9",
        "a long enough secret",
        ("violet tractor on the moon " * 5)[:128],
    ],
)
def test_strong_passwords_pass(password):
    security.check_password_policy(password, "marie")


def test_the_older_rules_keep_their_messages():
    assert refusal("short pw 11") == "A password needs at least 12 characters."
    assert refusal("Marie.Curie.1867", "marie.curie.1867") == "A password cannot be the username."
    assert refusal("qwertyuiop123") == "This password is on the list of common passwords; choose another."


def test_the_company_name_is_refused_in_any_case_and_with_any_separator():
    company = "A password cannot contain the company's or the product's name (Epic Events)."
    for password in ("Epic Events CRM", "EpicEvents2027!", "epic-events-crm", "my EPIC.EVENTS pass"):
        assert refusal(password) == company


def test_the_username_and_its_parts_are_dictionary_words_too():
    # Not containing the username as typed (the older rule), but built on a part of it.
    assert "it is built on the username" in refusal("Bouzinette2027", "k.bouzinette")


def test_french_words_are_shipped_with_their_unaccented_forms():
    words = security.french_words()
    assert len(words) > 20_000
    assert {"bonjour", "motdepasse", "liberté", "liberte"} <= set(words)
    assert all(word == word.lower() and not word.startswith("#") for word in words)


def test_the_services_apply_the_rule_so_every_face_gets_it(db, admin_conn):
    manager = make_employee(admin_conn, "management", "marie")
    sales = make_employee(admin_conn, "sales", "bill")
    before = admin_conn.execute("SELECT password_hash FROM employees WHERE id = %s", (sales.id,)).fetchone()
    with pytest.raises(ValidationError) as refused:
        employee_service.reset_password(db, manager, sales.id, "bonjour12345")
    assert WORD in str(refused.value)
    with pytest.raises(ValidationError):
        employee_service.change_own_password(db, sales, DEFAULT_PASSWORD, "azertyuiop123")
    after = admin_conn.execute("SELECT password_hash FROM employees WHERE id = %s", (sales.id,)).fetchone()
    assert after == before
