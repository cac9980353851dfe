"""The program's two languages (issue 16): every message has its French translation, the catalogs
are sound, no screen of the menus shows untranslated text, and the sales flow runs in French.

The checks of the catalogs read the code the way a translator's tool does (Babel's extractor, the
keywords _, N_ and ngettext), so a new message without its French fails here, by name.
"""

from __future__ import annotations

import ast
import string
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from crm import i18n
from crm.i18n import LOCALE_DIR
from crm.services import employees as employee_service
from crm.ui.login import login_loop
from crm.ui.menu import Outcome, run_team_menu
from crm.ui.menus import all_sections
from tests.factories import DEFAULT_PASSWORD, make_client, make_contract, make_staff, signed_contract
from tests.scripted import Clock, CtrlD, ScriptedPrompts, session_for

ROOT = Path(__file__).resolve().parent.parent
CRM = ROOT / "crm"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
FRENCH = sorted((LOCALE_DIR / "fr" / "LC_MESSAGES").glob("*.po"))
NBSP = "\u00a0"


@pytest.fixture(autouse=True)
def english_again():
    """The language is a context variable: a test that switches it leaves English behind."""
    i18n.set_language("en")
    yield
    i18n.set_language("en")


# The catalogs -------------------------------------------------------------------------------------


def messages_of_the_code() -> dict[str | tuple[str, ...], list[str]]:
    """Every message of crm/ (msgid, or (singular, plural)) → where it is."""
    found: dict[str | tuple[str, ...], list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        CRM, method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        found.setdefault(message, []).append(f"crm/{filename}:{lineno}")
    return found


def french_catalogs() -> list:
    catalogs = []
    for path in FRENCH:
        with path.open("rb") as handle:
            catalogs.append((path, read_po(handle, locale="fr")))
    return catalogs


def french_messages() -> dict[str, object]:
    """msgid (a plural's singular) → its msgstr (a tuple for plurals), all catalogs merged."""
    table: dict[str, object] = {}
    for _path, catalog in french_catalogs():
        for message in catalog:
            if not message.id:
                continue
            key = message.id[0] if isinstance(message.id, (tuple, list)) else message.id
            table[key] = message.string
    return table


def test_there_is_a_french_catalog_of_the_menus():
    assert LOCALE_DIR / "fr" / "LC_MESSAGES" / "ui.po" in FRENCH


def test_every_message_of_the_program_has_its_french_translation():
    french = french_messages()
    missing = []
    for message, places in sorted(messages_of_the_code().items(), key=lambda item: item[1][0]):
        key = message[0] if isinstance(message, tuple) else message
        translation = french.get(key)
        translated = all(translation) if isinstance(translation, (tuple, list)) else bool(translation)
        if not translated:
            missing.append(f"{places[0]}: {key!r}")
    assert not missing, "messages without a French translation:\n" + "\n".join(missing)


def test_plurals_have_both_french_forms():
    french = french_messages()
    for message in messages_of_the_code():
        if isinstance(message, tuple):
            forms = french.get(message[0])
            assert isinstance(forms, (tuple, list)) and len(forms) == 2 and all(forms), message


def fields(text: str) -> Counter:
    """The placeholders of a str.format template: (name, conversion, format spec), counted."""
    return Counter(
        (name, conversion, spec)
        for _literal, name, spec, conversion in string.Formatter().parse(text)
        if name is not None
    )


def test_translations_keep_the_placeholders_of_their_message():
    wrong = []
    for path, catalog in french_catalogs():
        for message in catalog:
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, (tuple, list)) else (message.id,)
            strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
            wanted = fields(ids[-1])  # the plural's fields: a singular may spell out its "1"
            for translation in strings:
                if translation and fields(translation) != wanted and fields(translation) != fields(ids[0]):
                    wrong.append(f"{path.name}: {ids[0]!r} → {translation!r}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def test_the_catalogs_parse_and_hold_no_fuzzy_or_obsolete_entry():
    assert FRENCH
    for path, catalog in french_catalogs():
        assert catalog.locale is not None and str(catalog.locale) == "fr", path
        assert catalog.plural_forms == "nplurals=2; plural=(n > 1);", path
        assert catalog.charset.lower() == "utf-8", path
        fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
        assert not fuzzy, f"{path.name}: fuzzy entries {fuzzy}"
        assert not catalog.obsolete, f"{path.name}: obsolete entries {list(catalog.obsolete)}"


def test_the_menus_catalog_follows_french_typography():
    """A no-break space before : ; ? ! and %, and inside « », as French office programs write."""
    with (LOCALE_DIR / "fr" / "LC_MESSAGES" / "ui.po").open("rb") as handle:
        catalog = read_po(handle, locale="fr")
    for message in catalog:
        for text in message.string if isinstance(message.string, (tuple, list)) else (message.string,):
            for wrong in (" :", " ;", " ?", " !", " %", "« ", " »"):
                assert wrong not in text, (message.id, text)
            assert "'" not in text, (message.id, text)  # typographic apostrophes (’)


# No untranslated text on a screen of the menus --------------------------------------------------

# Calls whose text arguments reach the screen, and which of their arguments do.
SHOWN_ARGUMENTS = {
    "print": "all",
    "text": (0,),
    "password": (0,),
    "choose": (0, 1),
    "confirm": (0,),
    "ask": (0,),
    "ask_record": (0, 1),
    "browse": (0,),
    "_browse": (1,),
    "show_record": (0, 1),
    "show_table": (0, 2),
    "pick_employee": (2, 3),
    "pick_team_member": (2,),
    "Section": (0,),
    "MenuAction": (0,),
    "Column": (0,),
    "CRMError": "all",
    "ValidationError": "all",
    "NotFound": "all",
    "LoggedOut": "all",
    "ConfigError": "all",
}
SHOWN_KEYWORDS = {"empty", "show", "what", "message", "help", "refusals"}
# Literals that are not words of a language: file names, formats, codes.
NOT_TEXT = {"epic-events.ics", "postgres", "%Y-%m-%d %H:%M", "-----BEGIN CERTIFICATE-----"}


def _has_words(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return any(c.isalpha() for c in node.value) and node.value not in NOT_TEXT
    if isinstance(node, ast.JoinedStr):
        return any(_has_words(part) for part in node.values if isinstance(part, ast.Constant))
    return False


def _is_pair(node: ast.AST) -> bool:
    return isinstance(node, ast.Tuple) and len(node.elts) == 2


def _literals(node: ast.AST) -> list[ast.AST]:
    """The string literals an argument shows: itself, or those of its (label, value) pairs, its
    tuples of headers, its conditional branches; never what is inside _(), N_() or ngettext()."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in KEYWORDS:
        return []
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _literals(node.func.value)
    if isinstance(node, (ast.Constant, ast.JoinedStr)):
        return [node] if _has_words(node) else []
    if isinstance(node, (ast.List, ast.Tuple)):  # of (title, value) pairs: the titles
        return [
            lit
            for element in node.elts
            for lit in _literals(element.elts[0] if _is_pair(element) else element)
        ]
    if isinstance(node, ast.IfExp):
        return _literals(node.body) + _literals(node.orelse)
    if isinstance(node, ast.BinOp):
        return _literals(node.left) + _literals(node.right)
    if isinstance(node, ast.Dict):
        return [lit for value in node.values for lit in _literals(value)]
    return []


def untranslated_literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
        if name not in SHOWN_ARGUMENTS:
            continue
        which = SHOWN_ARGUMENTS[name]
        arguments = [a for i, a in enumerate(node.args) if which == "all" or i in which]
        arguments += [k.value for k in node.keywords if k.arg in SHOWN_KEYWORDS]
        for argument in arguments:
            for literal in _literals(argument):
                found.append(f"{path.relative_to(ROOT)}:{literal.lineno}: {ast.unparse(literal)[:80]}")
    for node in ast.walk(tree):  # (title, value) choices and (label, value) fields built anywhere
        if isinstance(node, ast.List):
            for element in node.elts:
                if isinstance(element, ast.Tuple) and len(element.elts) == 2 and _has_words(element.elts[0]):
                    found.append(f"{path.relative_to(ROOT)}:{element.lineno}: {ast.unparse(element)[:80]}")
    return sorted(set(found))


FACE_FILES = sorted((CRM / "ui").glob("*.py")) + [CRM / "app.py"]


@pytest.mark.parametrize("path", FACE_FILES, ids=lambda p: p.name)
def test_what_the_menus_show_is_wrapped_for_translation(path):
    found = untranslated_literals(path)
    assert not found, "text shown without _() / N_():\n" + "\n".join(found)


def test_the_check_finds_an_unwrapped_screen(tmp_path):
    screen = tmp_path / "screen.py"
    screen.write_text(
        "def screen(session):\n"
        '    print(f"Client {client.id} saved.")\n'
        '    session.prompts.choose(_("Which?"), [("Yes", 1), (_("No"), 2)])\n'
        '    session.ask("Name:", parse)\n'
        '    print(_("Fine {x}").format(x=1), "———")\n',
        encoding="utf-8",
    )
    original = ROOT
    try:
        globals()["ROOT"] = tmp_path
        found = untranslated_literals(screen)
    finally:
        globals()["ROOT"] = original
    assert sorted({line.split(":")[1] for line in found}) == ["2", "3", "4"]


# The screens in both languages --------------------------------------------------------------------


@pytest.fixture
def staff(admin_conn):
    return make_staff(admin_conn, "manager", "bill", "kate")


def stored_language(admin_conn, employee_id):
    return admin_conn.execute("SELECT language FROM employees WHERE id = %s", (employee_id,)).fetchone()[0]


def menu(db, employee, answers, language, clock=None):
    """The whole team menu, in `language`, with scripted answers that end it."""
    prompts = ScriptedPrompts(answers)
    with i18n.speaking(language):
        outcome = run_team_menu(session_for(db, employee, prompts, clock=clock), all_sections())
    assert outcome is Outcome.QUIT
    assert prompts.answers == [], "script not used up"
    return prompts


# Each kind of screen, in English and in French: what the employee reads.
SCREENS = {
    "en": {
        "answers": ["Clients", "Show a client", "abc", "{client}", "Update a client", "{client}"]
        + [None, None, "+33 1 23 45 67 89", None, "", "Back", "Contracts", "Contracts not signed", True]
        + ["Back", "Quit"],
        "menu": ("Bill Boquet (sales) — main menu", ["Clients", "Contracts", "Events", "Pipeline"]),
        "prompt": "Client id, or part of a name or company:",
        "detail": ["Client {client}", ("Full name", "Kevin Casey"), "Contracts (newest first):"],
        "table": ["Contracts not signed (my clients) — page 1 (last)", "Id", "Sales contact", "Remaining"],
        "error": ["No password typed; nothing was saved."],
        "confirm": "Only your own clients' contracts?",
        "back": "Back",
    },
    "fr": {
        "answers": ["Clients", "Afficher un client", "abc", "{client}", "Modifier un client", "{client}"]
        + [None, None, "+33 1 23 45 67 89", None, "", "Retour", "Contrats", "Contrats non signés", True]
        + ["Retour", "Quitter"],
        "menu": ("Bill Boquet (commercial) — menu principal", ["Clients", "Contrats", "Événements"]),
        "prompt": f"N° du client, ou une partie d’un nom ou d’une entreprise{NBSP}:",
        "detail": [
            "Client {client}",
            ("Nom complet", "Kevin Casey"),
            f"Contrats (les plus récents d’abord){NBSP}:",
        ],
        "table": ["Contrats non signés (mes clients) — page 1 (dernière)", "N°", "Commercial", "Reste dû"],
        "error": [f"Aucun mot de passe saisi{NBSP}; rien n’a été enregistré."],
        "confirm": f"Uniquement les contrats de vos clients{NBSP}?",
        "back": "Retour",
    },
}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_kind_of_screen_speaks_the_language(db, admin_conn, staff, capsys, language):
    bill = staff["bill"]
    client = make_client(admin_conn, bill.id, "Kevin Casey")
    make_contract(admin_conn, client, "2500.00")
    screens = SCREENS[language]
    answers = [a.format(client=client) if isinstance(a, str) else a for a in screens["answers"]]
    prompts = menu(db, bill, answers, language)
    out = capsys.readouterr().out
    title, sections = screens["menu"]
    assert prompts.shown[title][: len(sections)] == sections  # a menu
    ending = (
        ["Log out", "Help (?)", "Quit"] if language == "en" else ["Se déconnecter", "Aide (?)", "Quitter"]
    )
    assert prompts.shown[title][-3:] == ending
    assert screens["back"] in prompts.shown[sections[0]]
    assert ("text", screens["prompt"]) in prompts.asked  # a prompt
    lines = out.splitlines()
    for line in screens["detail"]:  # a detail: its title, a "label  value" line, a heading
        if isinstance(line, tuple):
            label, value = line
            assert any(shown.startswith("  " + label) and shown.endswith(value) for shown in lines), line
        else:
            assert line.format(client=client) in out, line
    for text in screens["table"]:  # a table
        assert text in out, text
    for text in screens["error"]:  # an error message
        assert text in out, text
    assert ("confirm", screens["confirm"]) in prompts.asked  # a confirmation
    assert ("text", screens["prompt"]) in prompts.asked
    if language == "fr":
        assert "Contracts" not in out and "Full name" not in out and "Nothing" not in out


def test_the_quit_question_and_the_page_menu_in_french(db, admin_conn, staff, capsys):
    bill = staff["bill"]
    for n in range(16):
        make_client(admin_conn, bill.id, f"Client {n:02}")
    answers = ["Clients", "Liste des clients", "Page suivante", "Page suivante", "Retour", CtrlD, False]
    answers += ["Aide", "Retour", "Quitter"]
    prompts = menu(db, bill, answers, "fr")
    out = capsys.readouterr().out
    assert prompts.shown[f"Page{NBSP}:"] == ["Page suivante (n)", "Page précédente (p)", "Aide (?)", "Retour"]
    assert "Clients — page 1\n" in out and "Clients — page 2 (dernière)" in out
    assert "C’est la dernière page." in out
    assert ("confirm", f"Quitter le programme{NBSP}?") in prompts.asked
    assert "Nom complet" in out and "Entreprise" in out and "Dernier contact" in out
    assert f"Les touches des menus{NBSP}:" in out and "  h ou\u00a0?   afficher cette aide" in out  # Help


def test_the_whole_sales_flow_in_french(db, admin_conn, staff, capsys, monkeypatch):
    """Bill, who chose French, logs in, creates a client, updates it, lists his contracts and
    creates the event of a signed one: every question and answer in French, the database as asked."""
    monkeypatch.setenv("TZ", "Europe/Paris")
    bill = staff["bill"]
    admin_conn.execute(
        "UPDATE employees SET language = 'fr', version = version + 1 WHERE id = %s", (bill.id,)
    )
    contract = signed_contract(admin_conn, bill.id, "Lou Bouzin")
    answers = [
        "bill",
        DEFAULT_PASSWORD,
        # Clients → Create a client
        "Clients",
        "Créer un client",
        "Kevin Casey",
        "kevin@startup.io",
        "+33 6 12 34 56 78",
        "Cool Startup",
        DEFAULT_PASSWORD,
        # Clients → Update a client: the phone only
        "Modifier un client",
        "{new_client}",
        None,
        None,
        "+33 6 99 99 99 99",
        None,
        DEFAULT_PASSWORD,
        "Retour",
        # Contracts → List contracts
        "Contrats",
        "Liste des contrats",
        "Retour",
        # Events → Create an event
        "Événements",
        "Créer un événement",
        str(contract),
        "Assemblée générale",
        None,
        "2026-06-04 13:00",
        "2026-06-04 12:00",
        "2026-06-04 18:00",
        "Salle des fêtes de Mufflins",
        "120",
        "Traiteur à prévoir",
        DEFAULT_PASSWORD,
        "Retour",
        "Quitter",
    ]
    prompts = FlowPrompts(answers, admin_conn)
    clock = Clock(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    with i18n.speaking("en"):  # the program's language: English; Bill's own: French
        login_loop(db, prompts, all_sections(), clock=clock)
        assert i18n.language() == "en"  # logged out: the program's language again
    out = capsys.readouterr().out
    asked = prompts.messages
    assert asked[:2] == ["Username (Ctrl-D to quit):", "Password:"]  # before login: the program's
    assert "Bienvenue, Bill Boquet (commercial)." in out
    assert "Bill Boquet (commercial) — menu principal" in asked
    assert prompts.shown["Clients"][:3] == [
        "Liste des clients",
        "Afficher un client",
        "Rechercher des clients",
    ]
    for question in (
        f"Nom complet{NBSP}:",
        f"E-mail{NBSP}:",
        f"Téléphone (facultatif){NBSP}:",
        f"Nom de l’entreprise (facultatif){NBSP}:",
        f"Mot de passe de bill{NBSP}:",
        f"N° du client, ou une partie d’un nom ou d’une entreprise{NBSP}:",
        f"Nom de l’événement{NBSP}:",
        f"Début (AAAA-MM-JJ HH:MM, heure de Europe/Paris){NBSP}:",
        f"Lieu{NBSP}:",
    ):
        assert question in asked, question
    client_id = prompts.new_client
    assert f"Client {client_id} (Kevin Casey) créé{NBSP}; vous êtes son commercial." in out
    assert "Appuyez sur Entrée pour garder une valeur." in out
    assert f"Client {client_id} enregistré." in out
    assert "Contrats — page 1 (dernière)" in out
    assert "Reste dû" in out and "Lou Bouzin" in out
    assert f"Contrats signés de vos clients sans événement{NBSP}:" in out
    event_id = admin_conn.execute("SELECT id FROM events WHERE contract_id = %s", (contract,)).fetchone()[0]
    assert (
        f"Événement {event_id} créé pour le contrat {contract}{NBSP}; il attend un collaborateur du support."
        in out
    )
    assert "Au revoir." in out
    # The database holds what was typed in French screens.
    row = admin_conn.execute(
        "SELECT full_name, email, phone, company_name, sales_contact_id FROM clients WHERE id = %s",
        (client_id,),
    ).fetchone()
    assert row == ("Kevin Casey", "kevin@startup.io", "+33 6 99 99 99 99", "Cool Startup", bill.id)
    event = admin_conn.execute(
        "SELECT name, starts_at, ends_at, location, attendees, notes, support_contact_id FROM events"
        " WHERE id = %s",
        (event_id,),
    ).fetchone()
    assert event == (
        "Assemblée générale",
        datetime(2026, 6, 4, 11, 0, tzinfo=UTC),
        datetime(2026, 6, 4, 16, 0, tzinfo=UTC),
        "Salle des fêtes de Mufflins",
        120,
        "Traiteur à prévoir",
        None,
    )


class FlowPrompts(ScriptedPrompts):
    """Scripted prompts where "{new_client}" is the id of the client the flow has just created."""

    def __init__(self, answers, admin_conn):
        super().__init__(answers)
        self.admin_conn = admin_conn
        self.new_client = None

    def text(self, message, default=""):
        if self.answers and self.answers[0] == "{new_client}":
            row = self.admin_conn.execute("SELECT max(id) FROM clients").fetchone()
            self.new_client = row[0]
            self.answers[0] = str(self.new_client)
        return super().text(message, default)


def test_my_account_language_changes_the_stored_language_and_the_next_screen(db, admin_conn, staff, capsys):
    kate = staff["kate"]
    assert stored_language(admin_conn, kate.id) is None
    answers = ["My account", "Language", "Français", DEFAULT_PASSWORD, "Afficher mes informations"]
    answers += ["Langue", "La langue du programme", DEFAULT_PASSWORD, "Back", "Quit"]
    prompts = menu(db, kate, answers, "en")
    out = capsys.readouterr().out
    assert "Your screens follow the program's language (English)." in out
    assert prompts.shown["Language of your screens:"] == [
        "English",
        "Français",
        "The program's language (English)",
    ]
    assert "Langue enregistrée : Français.".replace(" :", NBSP + ":") in out
    # The very next screen is French: the section's menu, and the details shown.
    assert f"Langue de vos écrans{NBSP}:" in prompts.messages
    assert f"Collaborateur {kate.id}" in out and "Identifiant" in out and "Équipe" in out and "support" in out
    # Back to the program's language: NULL stored, and English again.
    assert "Language saved: English." in out
    assert stored_language(admin_conn, kate.id) is None
    audit = admin_conn.execute(
        "SELECT changes FROM audit_log WHERE table_name = 'employees' AND record_id = %s ORDER BY id",
        (kate.id,),
    ).fetchall()
    assert [row[0] for row in audit[-2:]] == [{"language": [None, "fr"]}, {"language": ["fr", None]}]


def test_the_language_chosen_is_kept_and_applied_at_the_next_login(db, admin_conn, staff, capsys):
    bill = staff["bill"]
    answers = ["bill", DEFAULT_PASSWORD, "My account", "Language", "Français", DEFAULT_PASSWORD, "Retour"]
    answers += ["Se déconnecter", "bill", DEFAULT_PASSWORD, "Quitter"]
    prompts = ScriptedPrompts(answers)
    login_loop(db, prompts, all_sections(), clock=Clock())
    out = capsys.readouterr().out
    assert stored_language(admin_conn, bill.id) == "fr"
    assert out.count("Bienvenue, Bill Boquet (commercial).") == 1  # the second login
    assert "Welcome, Bill Boquet (sales)." in out  # the first, before choosing
    assert "Vous êtes déconnecté." in out  # said in French, then the login prompt in English again
    assert prompts.messages.count("Username (Ctrl-D to quit):") == 2
    assert i18n.language() == "en"


def test_only_the_two_languages_can_be_stored(db, admin_conn, staff):
    kate = staff["kate"]
    with pytest.raises(Exception, match="Choose a language among: en, fr."):
        employee_service.set_own_language(db, kate, "de")
    employee_service.set_own_language(db, kate, "fr")
    assert employee_service.own_language(db, kate) == "fr"
    with pytest.raises(Exception, match="employees_language_check"):
        admin_conn.execute(
            "UPDATE employees SET language = 'de', version = version + 1 WHERE id = %s", (kate.id,)
        )


@pytest.mark.parametrize(("setting", "environment", "expected"), [
    ("fr", "en_US.UTF-8", "fr"),
    ("en", "fr_FR.UTF-8", "en"),
    ("auto", "fr_FR.UTF-8", "fr"),
    ("auto", "en_GB.UTF-8", "en"),
])  # fmt: skip
def test_the_program_speaks_the_configured_language_from_the_start(
    tmp_path, monkeypatch, capsys, setting, environment, expected
):
    """[ui] language (auto: the environment's locale) is applied once the configuration is read:
    what the program says next is in that language."""
    from crm import app
    from crm.config import Config, DatabaseSettings, UiSettings

    monkeypatch.setenv("LANG", environment)
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    path = tmp_path / "crm.ini"
    path.write_text("[database]\n", encoding="utf-8")
    config = Config(
        DatabaseSettings(mode="embedded", name="x", user="x", password="x"), ui=UiSettings(setting)
    )
    monkeypatch.setattr(app.config_file, "config_path", lambda: path)
    monkeypatch.setattr(app.config_file, "load", lambda _path: config)

    def first_words(_config):  # the first step after the configuration: say something
        raise app.ConfigError(i18n._("Nothing to show."))

    monkeypatch.setattr(app.monitoring, "init", first_words)
    assert app.main([], prompts=ScriptedPrompts([])) == app.EXIT_CONFIG
    assert capsys.readouterr().out == ("Rien à afficher.\n" if expected == "fr" else "Nothing to show.\n")
