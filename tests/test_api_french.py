"""The HTTP API in French: a request with `Accept-Language: fr` gets its messages in French, with
the same status and the same machine-readable code as in English; English without the header
(or when English is preferred); the OpenAPI document stays English."""

from __future__ import annotations

from tests.api import API, error_of, login
from tests.factories import make_client, make_staff


def plain(text: str) -> str:
    """French typography (a no-break space before ; : ? ! %, curly apostrophes) as typed here."""
    return text.replace("\u00a0", " ").replace("\u2019", "'")


FR = {"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}


def test_a_failed_login_in_both_languages(api, admin_conn):
    make_staff(admin_conn, "bill")
    wrong = {"username": "bill", "password": "not the password"}
    english = api.post(f"{API}/sessions", json=wrong)
    french = api.post(f"{API}/sessions", json=wrong, headers=FR)
    assert french_error(english) == (401, "authentication_failed", "Invalid username or password.")
    assert french_error(french) == (401, "authentication_failed", "Identifiant ou mot de passe incorrect.")
    assert admin_conn.execute("SELECT failures FROM login_throttle").fetchone() == (2,)


def test_no_session_and_no_endpoint_in_french(api):
    status, code, message = french_error(api.get(f"{API}/clients", headers=FR))
    assert (status, code) == (401, "not_logged_in")
    assert message.startswith("Vous n'êtes pas connecté : envoyez `Authorization: Bearer <token>`")
    nowhere = api.get(f"{API}/nowhere", headers=FR)
    assert french_error(nowhere) == (404, "not_found", "Ce point d'accès n'existe pas.")
    assert french_error(api.get(f"{API}/nowhere")) == (404, "not_found", "No such endpoint.")


def test_a_refusal_in_french_changes_nothing(api, admin_conn):
    make_staff(admin_conn, "kate")
    kate = login(api, "kate")
    body = {"full_name": "Zoé Lefèvre", "email": "zoe@example.fr"}
    french = api.post(f"{API}/clients", json=body, headers=kate | FR)
    assert french_error(french) == (
        403,
        "permission_denied",
        "Seule l'équipe commerciale peut créer un client.",
    )
    english = api.post(f"{API}/clients", json=body, headers=kate)
    assert french_error(english) == (403, "permission_denied", "Only sales can create a client.")
    assert admin_conn.execute("SELECT count(*) FROM clients").fetchone() == (0,)


def test_a_service_error_and_a_schema_error_in_french(api, admin_conn):
    staff = make_staff(admin_conn, "bill")
    bill = login(api, "bill")
    client_id = make_client(admin_conn, staff["bill"].id)
    empty_note = api.post(f"{API}/clients/{client_id}/notes", json={"text": "   "}, headers=bill | FR)
    assert french_error(empty_note) == (400, "invalid", "Une note ne peut pas être vide.")
    english = api.post(f"{API}/clients/{client_id}/notes", json={"text": "   "}, headers=bill)
    assert french_error(english) == (400, "invalid", "A note cannot be empty.")
    missing = api.post(f"{API}/clients", json={"email": "zoe@example.fr"}, headers=bill | FR)
    assert french_error(missing) == (422, "invalid_request", "Nom complet : obligatoire.")
    assert missing.json()["error"]["field"] == "full_name"  # field names stay the API's
    unknown = api.get(f"{API}/clients/999999", headers=bill | FR)
    assert french_error(unknown) == (404, "not_found", "Aucun client avec l'identifiant 999999.")
    assert admin_conn.execute("SELECT count(*) FROM notes").fetchone() == (0,)


def test_q_values_decide_and_english_is_the_default(api, admin_conn):
    make_staff(admin_conn, "kate")
    kate = login(api, "kate")
    body = {"full_name": "Zoé Lefèvre", "email": "zoe@example.fr"}
    for header, expected in [
        ("en;q=0.9, fr;q=0.8", "Only sales can create a client."),
        ("de, fr;q=0.4", "Seule l'équipe commerciale peut créer un client."),
        ("fr;q=0, en;q=0.1", "Only sales can create a client."),
        ("it", "Only sales can create a client."),
    ]:
        answer = api.post(f"{API}/clients", json=body, headers=kate | {"Accept-Language": header})
        assert french_error(answer)[2] == expected, header


def test_the_openapi_document_stays_english(api):
    english = api.get(f"{API}/openapi.json")
    french = api.get(f"{API}/openapi.json", headers=FR)
    assert english.status_code == french.status_code == 200
    assert french.json() == english.json()
    assert "No such record." in french.text


def french_error(answer) -> tuple[int, str, str]:
    status, code, message = error_of(answer)
    return status, code, plain(message)
