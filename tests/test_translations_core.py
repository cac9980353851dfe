"""The commands', the services' and the API's messages in French (crm/locale/fr/LC_MESSAGES/
core.po): every message of these parts and every help text of the commands has its translation,
with the same placeholders; a service's message is in the language of the moment it is raised;
the API's language comes from Accept-Language."""

from __future__ import annotations

import importlib
import re
import string
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file

from crm import i18n, permissions
from crm.cli import language, root
from crm.errors import NotFound, StaleRecord, ValidationError
from crm.i18n import speaking
from crm.models import Employee, Team
from crm.permissions import Action
from crm.services import employees, notes
from crm.web.language import accepted

REPO = Path(__file__).resolve().parent.parent
# The parts whose messages core.po translates (the menus' are in ui.po).
PARTS = [
    *sorted((REPO / "crm/cli").glob("*.py")),
    *sorted((REPO / "crm/services").glob("*.py")),
    *sorted((REPO / "crm/web").glob("*.py")),
    *(REPO / "crm" / name for name in ("permissions.py", "errors.py", "db.py", "embedded.py", "config.py")),
]
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def extracted() -> dict[str, tuple[str, ...]]:
    """msgid → its English forms, for every message marked in these parts."""
    found: dict[str, tuple[str, ...]] = {}
    for path in PARTS:
        for _line, message, _comments, _context in extract_from_file("python", path, keywords=KEYWORDS):
            forms = message if isinstance(message, tuple) else (message,)
            found[forms[0]] = forms
    return found


def help_texts() -> set[str]:
    """Every msgid of the commands' help (docstrings, options, the summaries of `--help`)."""
    commands = [root.cli] + [
        getattr(importlib.import_module(module), attribute) for module, attribute, _ in root.COMMANDS.values()
    ]
    texts = {message for command in commands for message in language.messages(command)}
    return texts | {summary for _m, _a, summary in root.COMMANDS.values()} | set(language.table_headers())


def placeholders(text: str) -> list[str]:
    return sorted(name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None)


def test_every_message_of_the_commands_services_and_api_is_translated():
    french = i18n.catalog("fr")
    messages = extracted()
    assert len(messages) > 400  # the extraction found them
    missing = [msgid for msgid in messages if msgid not in french]
    assert missing == []
    for msgid, forms in messages.items():
        translation = french[msgid]
        translated = (translation,) if isinstance(translation, str) else translation
        assert len(translated) == len(forms), msgid
        for english, fr in zip(forms, translated, strict=True):
            assert placeholders(fr) == placeholders(english), (english, fr)


def test_every_help_text_and_table_header_of_the_commands_is_translated():
    french = i18n.catalog("fr")
    texts = help_texts()
    assert len(texts) > 150
    assert sorted(text for text in texts if text not in french) == []


def test_clicks_own_messages_are_translated():
    french = i18n.catalog("fr")
    for message in language.CLICK_MESSAGES:
        forms = message if isinstance(message, tuple) else (message,)
        translation = french.get(forms[0])
        assert translation, forms[0]
        translated = (translation,) if isinstance(translation, str) else translation
        for english, fr in zip(forms, translated, strict=True):
            assert placeholders(fr) == placeholders(english), (english, fr)


def test_the_catalog_is_valid_french_po():
    text = (REPO / "crm/locale/fr/LC_MESSAGES/core.po").read_text(encoding="utf-8")
    assert '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"' in text
    assert '"Content-Type: text/plain; charset=utf-8\\n"' in text
    assert "événement" in text and "évènement" not in text  # one spelling
    assert " employé" not in text  # one word for an employee: collaborateur


def test_a_service_message_is_in_the_language_of_the_moment_it_is_raised():
    with pytest.raises(ValidationError) as english:
        notes.clean_note("   ")
    assert str(english.value) == "A note cannot be empty."
    with speaking("fr"), pytest.raises(ValidationError) as french:
        notes.clean_note("   ")
    assert str(french.value) == "Une note ne peut pas être vide."
    with speaking("fr"):
        assert (
            plain(str(StaleRecord())) == "Modifié par quelqu'un d'autre entre-temps — rechargez et réessayez."
        )
        assert str(NotFound("No client with that id.")) == "Aucun client avec cet identifiant."
        with pytest.raises(ValidationError) as taken:
            raise ValidationError(employees.USERNAME_TAKEN.format(username="bill"))
    # A constant already filled in is not in the catalog: it stays as it is (the code translates
    # it before filling it, as employees.check_username_free does).
    assert str(taken.value) == "The username 'bill' is already taken."


def plain(text: str) -> str:
    """French typography (a no-break space before ; : ? ! %, curly apostrophes) as typed here."""
    return text.replace("\u00a0", " ").replace("\u2019", "'")


def _employee(team: Team, *, active: bool = True) -> Employee:
    now = datetime.now(UTC)
    return Employee(1, "kate", "Kate Hastroff", "kate@example.com", None, team, active, now, now, 1)


def test_refusals_are_whole_sentences_in_both_languages():
    kate = _employee(Team.SUPPORT)
    gone = _employee(Team.SALES, active=False)

    def refused(actor: Employee, action: Action, owner_id: int | None = None) -> str:
        return plain(permissions.refusal(actor, action, owner_id) or "")

    assert refused(kate, Action.CREATE_CLIENT) == "Only sales can create a client."
    assert refused(kate, Action.UPDATE_CONTRACT) == "Only management or sales can update a contract."
    with speaking("fr"):
        assert refused(kate, Action.CREATE_CLIENT) == "Seule l'équipe commerciale peut créer un client."
        assert refused(kate, Action.UPDATE_CONTRACT) == (
            "Seules les équipes gestion et commerciale peuvent modifier un contrat."
        )
        assert refused(kate, Action.UPDATE_EVENT, owner_id=2) == (
            "Seul le collaborateur du support affecté à cet événement peut le modifier."
        )
        assert refused(gone, Action.READ) == "Votre compte est désactivé."
        assert permissions.team_name(Team.SALES) == "commercial"
    assert permissions.team_name(Team.SALES) == "sales"


def test_every_action_and_every_set_of_teams_has_its_french_sentence():
    french = i18n.catalog("fr")
    assert all(action.value in french for action in Action)
    for action in Action:
        for team in Team:
            with speaking("fr"):
                reason = permissions.refusal(_employee(team), action, owner_id=2)
            if reason is not None:
                assert not re.search(r"\b(Only|can|the)\b", reason), reason


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "en"),
        ("", "en"),
        ("fr", "fr"),
        ("fr-FR,fr;q=0.9,en;q=0.8", "fr"),
        ("en-GB,en;q=0.9,fr;q=0.8", "en"),
        ("de-DE,fr;q=0.5,en;q=0.3", "fr"),
        ("en;q=0.2, fr;q=0.7", "fr"),
        ("fr;q=0, en", "en"),
        ("fr;q=0", "en"),
        ("de, it", "en"),
        ("*", "en"),
        ("FR-ca", "fr"),
        ("fr;q=abc, en;q=0.1", "en"),
    ],
)
def test_accept_language(header, expected):
    assert accepted(header) == expected


def test_the_command_language_comes_from_the_environment_then_the_config(tmp_path, monkeypatch):
    from crm.config import UiSettings
    from tests.configs import write_config

    write_config(tmp_path / "crm.ini", monkeypatch=monkeypatch, ui=UiSettings(language="fr"))
    monkeypatch.delenv(language.ENVIRONMENT, raising=False)
    assert language.for_command() == "fr"
    monkeypatch.setenv(language.ENVIRONMENT, "en")
    assert language.for_command() == "en"
    assert language.for_employee("fr") is None  # the environment wins over the employee's choice
    monkeypatch.delenv(language.ENVIRONMENT)
    assert language.for_employee("fr") == "fr" and language.for_employee(None) is None
    monkeypatch.setenv("CRM_CONFIG", str(tmp_path / "nowhere.ini"))
    monkeypatch.setenv("LC_ALL", "fr_FR.UTF-8")
    assert language.for_command() == "fr"  # no config: auto, the environment's locale
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    assert language.for_command() == "en"
