"""The commands in French, as a user meets them: `python -m main …` as a real subprocess with the
config's `[ui] language = fr` (or CRM_LANGUAGE), asserting what it prints, its exit status and
what the database holds. The English ones are tests/test_commands*.py."""

from __future__ import annotations

import json

import pytest

from crm import i18n
from crm.config import UiSettings
from tests.commands import Commands
from tests.configs import write_config
from tests.factories import DEFAULT_PASSWORD, make_client, make_employee

PW = DEFAULT_PASSWORD + "\n"


def plain(text: str) -> str:
    """French typography (a no-break space before ; : ? ! %, curly apostrophes) as typed here."""
    return text.replace("\u00a0", " ").replace("\u2019", "'")


@pytest.fixture
def cli(crm_db, tmp_path):
    """The commands with a French config ([ui] language = fr), CRM_LANGUAGE unset."""
    commands = Commands(crm_db, tmp_path)
    write_config(commands.config, crm_db, ui=UiSettings(language="fr"))
    commands.env["CRM_LANGUAGE"] = ""
    return commands


@pytest.fixture
def staff(admin_conn):
    return {
        "manager": make_employee(admin_conn, "management", "marie", full_name="Marie Manager"),
        "bill": make_employee(admin_conn, "sales", "bill", full_name="Bill Boquet"),
        "kate": make_employee(admin_conn, "support", "kate", full_name="Kate Hastroff"),
    }


def login(cli, username):
    done = cli.process("login", "--username", username, "--password-stdin", stdin=PW)
    assert done.status == 0, done.err
    return done


def test_login_and_whoami_in_french(cli, staff):
    done = cli.process("whoami")
    assert (done.status, done.out, plain(done.err)) == (
        3,
        "",
        "Vous n'êtes pas connecté : lancez `python -m main login`.\n",
    )
    done = cli.process("login", "--username", "bill", "--password-stdin", stdin="wrong password\n")
    assert (done.status, plain(done.err)) == (3, "Identifiant ou mot de passe incorrect.\n")
    done = login(cli, "bill")
    assert plain(done.err).startswith(
        "Connecté en tant que bill (Bill Boquet, commercial) ; la session se termine après"
    )
    assert plain(cli.process("whoami").out) == "bill (Bill Boquet, commercial)\n"
    assert json.loads(cli.process("whoami", "--format", "json").out)["team"] == "sales"  # data stays data
    assert plain(cli.process("logout").err) == "Vous êtes déconnecté.\n"


def test_a_refusal_in_french_changes_nothing(cli, staff, admin_conn):
    login(cli, "kate")
    done = cli.process(
        "client", "create", "--name", "Zoé Lefèvre", "--email", "zoe@example.fr", "--password-stdin", stdin=PW
    )
    assert (done.status, done.out, plain(done.err)) == (
        4,
        "",
        "Seule l'équipe commerciale peut créer un client.\n",
    )
    assert admin_conn.execute("SELECT count(*) FROM clients").fetchone() == (0,)


def test_a_validation_error_and_a_missing_record_in_french(cli, staff, admin_conn):
    client_id = make_client(admin_conn, staff["bill"].id)
    login(cli, "bill")
    done = cli.process("client", "note", str(client_id), "--text", "   ", "--password-stdin", stdin=PW)
    assert (done.status, done.out, plain(done.err)) == (1, "", "Une note ne peut pas être vide.\n")
    assert admin_conn.execute("SELECT count(*) FROM notes").fetchone() == (0,)
    done = cli.process("client", "show", "999999")
    assert (done.status, plain(done.err)) == (5, "Aucun client avec l'identifiant 999999.\n")
    done = cli.process("client", "update", str(client_id), "--email", "k@example.fr", "--version", "7")
    assert done.status == 6
    assert (
        plain(done.err) == f"Le client {client_id} est à la version 1, pas 7 : rechargez-le et réessayez.\n"
    )


def test_a_list_and_a_save_in_french(cli, staff, admin_conn):
    make_client(admin_conn, staff["bill"].id, "Kevin Casey", company_name="Cool Startup LLC")
    login(cli, "bill")
    done = cli.process("client", "list")
    assert done.status == 0, done.err
    header = plain(done.out).splitlines()[0].split()
    assert header[:5] == ["N°", "Nom", "complet", "Entreprise", "E-mail"]
    assert "Commercial" in header
    assert "Kevin Casey" in plain(done.out) and "Full name" not in plain(done.out)
    rows = json.loads(cli.process("client", "list", "--format", "json").out)
    assert set(rows[0]) >= {"full_name", "company_name"}  # JSON keys stay the fields' names
    done = cli.process("client", "list", "--search", "nobody at all")
    assert (done.status, plain(done.out)) == (0, "Rien à afficher.\n")
    done = cli.process(
        "client", "create", "--name", "Zoé Lefèvre", "--email", "zoe@example.fr", "--password-stdin", stdin=PW
    )
    assert done.status == 0, done.err
    (new_id,) = admin_conn.execute("SELECT id FROM clients WHERE email = 'zoe@example.fr'").fetchone()
    assert f"Client {new_id} (Zoé Lefèvre) créé ; vous êtes son commercial." in plain(done.err)


def test_help_in_french(cli):
    done = cli.process("client", "create", "--help")
    assert done.status == 0
    assert plain(done.out).startswith("Utilisation : python -m main client create [OPTIONS]")
    assert "Créer un client (commerciaux) : vous devenez son commercial." in plain(done.out)
    assert "Exemple :" in plain(done.out) and '--name "Kevin Casey"' in done.out  # the example itself kept
    assert "Afficher ce message et quitter." in plain(done.out) and "Show this message" not in plain(done.out)
    top = plain(cli.process("--help").out)
    assert "Commandes" in top and "Se connecter : ouvrir une session pour les commandes." in top
    codes = plain(cli.process("help", "exit-codes").out)
    assert "permission refusée : votre équipe ou votre rôle ne le permet pas" in codes


def test_a_usage_error_in_french(cli):
    done = cli.process("client", "list", "--format", "xml")
    assert done.status == 2 and done.out == ""
    assert "Erreur : Valeur non valide pour '--format' : 'xml' n'est pas l'une des valeurs" in plain(done.err)
    assert "Essayez 'python -m main client list --help' pour obtenir de l'aide." in plain(done.err)
    done = cli.process("client", "create", "--email", "zoe@example.fr")
    assert (done.status, plain(done.err).splitlines()[-1]) == (2, "Erreur : Option manquante '--name'.")


def test_crm_language_overrides_the_config(cli, staff):
    cli.env["CRM_LANGUAGE"] = "en"
    done = cli.process("whoami")
    assert plain(done.err) == "Not logged in: run `python -m main login`.\n"
    assert "Create a client (sales)" in cli.process("client", "create", "--help").out


def test_an_english_config_speaks_english_and_crm_language_fr_french(crm_db, tmp_path, staff):
    commands = Commands(crm_db, tmp_path)
    write_config(commands.config, crm_db, ui=UiSettings(language="en"))
    assert commands.process("whoami").err == "Not logged in: run `python -m main login`.\n"
    done = commands.process("whoami", env={"CRM_LANGUAGE": "fr"})
    assert plain(done.err) == "Vous n'êtes pas connecté : lancez `python -m main login`.\n"


def test_a_command_in_this_process_leaves_the_language_as_it_was(cli, staff, capsys, monkeypatch):
    done = cli("whoami", capsys=capsys, monkeypatch=monkeypatch)
    assert plain(done.err) == "Vous n'êtes pas connecté : lancez `python -m main login`.\n"
    assert i18n.language() == "en"
    cli.env["CRM_LANGUAGE"] = "en"
    done = cli("client", "--help", capsys=capsys, monkeypatch=monkeypatch)
    assert done.out.startswith("Usage: python -m main client")  # translated again, back to English


def test_the_employees_own_language_wins_over_the_config(crm_db, tmp_path, staff, capsys, monkeypatch):
    """Once logged in, a command speaks the language the employee chose in My account (the
    menus' services.employees.own_language), unless CRM_LANGUAGE says otherwise."""
    from crm.services import employees

    commands = Commands(crm_db, tmp_path)
    write_config(commands.config, crm_db, ui=UiSettings(language="en"))
    commands.env["CRM_LANGUAGE"] = ""
    login(commands, "bill")
    chosen = {"bill": "fr"}
    monkeypatch.setattr(
        employees, "own_language", lambda db, actor: chosen.get(actor.username), raising=False
    )
    done = commands("whoami", capsys=capsys, monkeypatch=monkeypatch)
    assert (done.status, plain(done.out)) == (0, "bill (Bill Boquet, commercial)\n")
    commands.env["CRM_LANGUAGE"] = "en"
    done = commands("whoami", capsys=capsys, monkeypatch=monkeypatch)
    assert done.out == "bill (Bill Boquet, sales)\n"
    assert i18n.language() == "en"
