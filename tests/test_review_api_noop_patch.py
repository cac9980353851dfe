"""Review: the API's PATCH endpoints answer "nothing changed" (200, the record) before asking
crm.permissions, in the face (crm/web/clients.py update_client, employees.py update_employee,
events.py update_event, contracts.py update_contract). So a support employee who PATCHes a client
they may never update gets 200 OK, where the command (`client update ID`, crm/cli/clients.py)
refuses with exit 4 and the menus never offer it: one face says yes where the others say no."""

from __future__ import annotations

from tests.api import API, login
from tests.factories import make_client, make_staff


def test_review_a_refused_patch_is_refused_even_when_it_changes_nothing(api, admin_conn):
    staff = make_staff(admin_conn, "manager", "bill", "kate")
    client_id = make_client(admin_conn, staff["bill"].id, "Kevin Casey")
    headers = login(api, staff["kate"].username)  # support: may not update clients
    shown = api.get(f"{API}/clients/{client_id}", headers=headers)
    etag = shown.headers["ETag"]
    answer = api.patch(
        f"{API}/clients/{client_id}",
        json={"full_name": "Kevin Casey"},
        headers={**headers, "If-Match": etag},
    )
    assert answer.status_code == 403, (answer.status_code, answer.text)
    assert answer.json()["error"]["code"] == "permission_denied"
