"""Choosing a record in a form: an employee among candidates, a team member, a client by id or name.

Shared by the section modules (which never import each other).
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from crm import validation
from crm.errors import NotFound, ValidationError
from crm.i18n import N_, _
from crm.models import Client, Employee, Team
from crm.services import clients as client_service
from crm.services import employees as employee_service
from crm.ui.render import NAME, PAGE_SIZE, WHOLE, Column, Columns, local_day, show_table, term
from crm.ui.session import Session

# Newest first: "Created" (the first contact) is what client lists are sorted by. On a narrow
# terminal the last contact, the company, the sales contact, then the phone are left out.
CLIENT_HEADERS = Columns(
    Column(N_("Id"), WHOLE),
    Column(N_("Full name"), NAME, least=16, most=30),
    Column(N_("Company"), least=16, most=30, drop=2),
    Column(N_("E-mail"), least=20, most=36),
    Column(N_("Phone"), WHOLE, drop=4),
    Column(N_("Sales contact"), most=30, drop=3),
    Column(N_("Created"), WHOLE),
    Column(N_("Last contact"), WHOLE, drop=1),
    show=N_("Show a client gives the whole record"),
)


def client_row(client: Client) -> tuple:
    """One line of a clients table."""
    return (
        client.id,
        client.full_name,
        client.company_name or None,
        client.email,
        client.phone,
        client.sales_contact_name,
        local_day(client.created_at),
        local_day(client.updated_at),
    )


def pick_employee(
    session: Session,
    candidates: list[Employee],
    question: str,
    kind: str,
    refusals: dict[int, str] | None = None,
) -> int:
    """Show the candidates and ask for one of their ids (kind: "another active sales employee").

    refusals: the refusal to show for particular ids not offered (yourself: why not).
    """
    show_table((N_("Id"), N_("Name"), N_("Username")), [(e.id, e.full_name, e.username) for e in candidates])
    allowed = {e.id for e in candidates}

    def parse(raw: str) -> int:
        employee_id = validation.record_id(raw, _("Employee id"))
        if refusals and employee_id in refusals:
            raise ValidationError(refusals[employee_id])
        if employee_id not in allowed:
            raise ValidationError(
                _("Employee {employee_id} is not {kind}; pick an id above.").format(
                    employee_id=employee_id, kind=kind
                )
            )
        return employee_id

    return session.ask(question, parse)


def pick_team_member(session: Session, team: Team, question: str) -> Employee:
    """Any employee of the team, active or deactivated (management looks at who owns what)."""
    members = session.run(employee_service.list_employees, 0, 500, team=team)
    if not members:
        raise NotFound(_("There is no {team} employee.").format(team=term(team)))
    shown = [
        e if e.is_active else replace(e, full_name=_("{name} (deactivated)").format(name=e.full_name))
        for e in members
    ]
    chosen = pick_employee(session, shown, question, _("a {team} employee").format(team=term(team)))
    return next(e for e in members if e.id == chosen)


def find_client(session: Session) -> Client:
    """Ask for a client by id, or search by name or company and then pick an id among the matches."""
    while True:
        raw = session.ask(
            _("Client id, or part of a name or company to search:"),
            partial(validation.name, what=_("Client id or search text"), max_len=client_service.SEARCH_MAX),
        )
        if raw.isdigit():
            try:
                return session.run(client_service.get_client, validation.record_id(raw, _("Client id")))
            except (NotFound, ValidationError) as error:
                print(error)
                continue
        matches = session.run(client_service.search_clients, raw, 0, PAGE_SIZE)
        if not matches:
            print(_("No client's name or company contains {raw!r}.").format(raw=raw))
            continue
        show_table(CLIENT_HEADERS, [client_row(c) for c in matches])
        if len(matches) == PAGE_SIZE:
            print(_("Only the newest matches are shown; type more of the name to narrow them."))
