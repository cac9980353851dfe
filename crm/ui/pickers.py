"""Choosing a record in a form: a client, a contract, an event or an employee, by id or by part
of a name.

Every picker asks one question: an id finds the record at once (as it always has); any other
text is searched the way the lists search (any case, any accents: sql/0008_search.sql), one page
of matches at a time, and the matches are offered as a numbered menu (1 to 9, n / p for more,
s to search again, 0 to cancel). Nothing here reads a whole table.

Shared by the section modules (which never import each other).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import tzinfo
from functools import partial
from typing import Any, TypeVar

from crm import validation
from crm.errors import CRMError, DatabaseUnavailable, NotFound, ValidationError
from crm.i18n import N_, _
from crm.models import Client, Contract, Employee, Event, Team
from crm.services import clients as client_service
from crm.services import contracts as contract_service
from crm.services import employees as employee_service
from crm.services import events as event_service
from crm.ui.prompts import Keyed
from crm.ui.render import (
    HELP,
    NAME,
    WHOLE,
    Column,
    Columns,
    cell,
    help_entry,
    local_day,
    local_moment,
    show_keys,
    show_table,
    term,
)
from crm.ui.session import Session

T = TypeVar("T")
PICK_PAGE = 9  # matches offered at a time: the keys 1 to 9
SEARCH_MAX = 150  # the longest search text (as the services' searches)
CANCELLED = N_("Cancelled; nothing was saved.")
_NEXT, _PREVIOUS, _AGAIN, _CANCEL = "next", "previous", "again", "cancel"

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


def _looks_like_id(text: str) -> bool:
    return text.lstrip("+-").isdigit()


def pick_record(
    session: Session,
    question: str,
    what: str,
    get: Callable[[int], T],
    search: Callable[[str, int, int], Sequence[Any]],
    label: Callable[[Any], str],
    nothing: str,
) -> T:
    """Ask for a record by id or by part of a name until one is chosen; return get(its id).

    what: "Client id" (how a wrong id is refused). search(text, offset, limit): a page of the
    matches (records with an id), label(match): how a match is offered; nothing: what is said
    when nothing matches ("No client's name or company contains {text}."). get(id) may refuse
    (a CRMError, shown, and the question asked again). Cancel raises CRMError(CANCELLED).
    """
    while True:
        raw = session.ask(question, partial(validation.name, what=_(what), max_len=SEARCH_MAX))
        if _looks_like_id(raw):
            chosen: Any = _get(get, raw, what)
        else:
            chosen = _choose_match(session, raw, get, search, label, nothing)
        if chosen is not None:
            return chosen


def _get(get: Callable[[int], T], raw: str, what: str) -> T | None:
    """get(the id typed), or None after saying why not."""
    try:
        return get(validation.record_id(raw, _(what)))
    except DatabaseUnavailable:
        raise
    except CRMError as error:
        print(error)
        return None


def _choose_match(
    session: Session,
    text: str,
    get: Callable[[int], T],
    search: Callable[[str, int, int], Sequence[Any]],
    label: Callable[[Any], str],
    nothing: str,
) -> T | None:
    """Offer the matches of `text` a page at a time; the record chosen, or None to search again."""
    offset = 0
    while True:
        found = list(search(text, offset, PICK_PAGE + 1))
        more = len(found) > PICK_PAGE
        found = found[:PICK_PAGE]
        if not found:
            print(nothing.format(text=repr(text)) if offset == 0 else _("There are no more matches."))
            if offset == 0:
                return None
            offset = max(0, offset - PICK_PAGE)
            continue
        choices: list[tuple[str, Any]] = [
            (Keyed(label(match), str(number)), match) for number, match in enumerate(found, start=1)
        ]
        if more:
            choices.append((Keyed(_("Next matches (n)"), "n"), _NEXT))
        if offset:
            choices.append((Keyed(_("Previous matches (p)"), "p"), _PREVIOUS))
        choices += [(Keyed(_("Search again"), "s"), _AGAIN), help_entry(), (Keyed(_("Cancel"), "0"), _CANCEL)]
        if more and offset == 0:
            more_than = _(
                "There are more than {count} matches: type more of the name (s), or see the next ones (n)."
            )
            print(more_than.format(count=PICK_PAGE))
        page = offset // PICK_PAGE + 1
        choice = session.prompts.choose(
            _("Matches for {text}, page {page}:").format(text=repr(text), page=page), choices
        )
        session.touch()
        if choice is HELP:
            show_keys()
            print(_("Among the matches, s searches again and 0 cancels: nothing is saved."))
        elif choice == _NEXT:
            offset += PICK_PAGE
        elif choice == _PREVIOUS:
            offset = max(0, offset - PICK_PAGE)
        elif choice == _AGAIN:
            return None
        elif choice == _CANCEL:
            raise CRMError(_(CANCELLED))
        else:
            picked = _get(get, str(choice.id), N_("Id"))
            if picked is not None:
                return picked


# Clients ---------------------------------------------------------------------------------------


def client_label(client: Client) -> str:
    """How a client is offered among matches: name, company, e-mail, id."""
    parts = [client.full_name, client.company_name or "", client.email]
    return " — ".join(p for p in parts if p) + _(" (client {id})").format(id=client.id)


CLIENT_QUESTION = N_("Client id, or part of a name or company to search:")


def find_client(session: Session, question: str = CLIENT_QUESTION) -> Client:
    """A client by id, or by part of their name or company, chosen among the matches."""
    return pick_record(
        session,
        question,
        N_("Client id"),
        lambda client_id: session.run(client_service.get_client, client_id),
        lambda text, offset, limit: session.run(client_service.search_clients, text, offset, limit),
        client_label,
        _("No client's name or company contains {text}."),
    )


# Contracts -------------------------------------------------------------------------------------

CONTRACT_QUESTION = N_("Contract id, or part of the client's name:")


def contract_label(contract: Contract) -> str:
    """How a contract is offered among matches: its client, id, amounts, signature."""
    signed = _("signed") if contract.is_signed else _("not signed")
    return _("{client} — contract {id}: total {total}, {remaining} to pay, {signed}").format(
        client=contract.client_name,
        id=contract.id,
        total=cell(contract.total_amount),
        remaining=cell(contract.remaining_amount),
        signed=signed,
    )


def find_contract(session: Session, get: Callable[[int], T], question: str = CONTRACT_QUESTION) -> T:
    """A contract by id, or by part of its client's name or company, chosen among the matches;
    get(id) reads what the form needs (the contract, its detail, what an event needs)."""
    return pick_record(
        session,
        question,
        N_("Contract id"),
        get,
        lambda text, offset, limit: session.run(contract_service.search_contracts, text, offset, limit),
        contract_label,
        _("No contract's client has a name or company containing {text}."),
    )


# Events ----------------------------------------------------------------------------------------

EVENT_QUESTION = N_("Event id, or part of its name or its client's name:")


def event_label(event: Event, tz: tzinfo | None = None) -> str:
    """How an event is offered among matches: name, client, start (in tz), id."""
    return _("{name} — {client} — {start} (event {id})").format(
        name=event.name, client=event.client_name, start=local_moment(event.starts_at, tz), id=event.id
    )


def find_event(session: Session, question: str = EVENT_QUESTION, *, tz: tzinfo | None = None) -> Event:
    """An event by id, or by part of its name or its client's name, chosen among the matches."""
    return pick_record(
        session,
        question,
        N_("Event id"),
        lambda event_id: session.run(event_service.get_event, event_id),
        lambda text, offset, limit: session.run(event_service.search_events, text, offset, limit),
        partial(event_label, tz=tz),
        _("No event's name or client's name contains {text}."),
    )


# Employees -------------------------------------------------------------------------------------

EMPLOYEE_QUESTION = N_("Employee id, or part of a name:")


def employee_label(employee: Employee) -> str:
    """How an employee is offered among matches: name, username, team, id."""
    if employee.is_active:
        label = _("{name} ({username}, {team}) — employee {id}")
    else:
        label = _("{name} ({username}, {team}, deactivated) — employee {id}")
    return label.format(
        name=employee.full_name, username=employee.username, team=term(employee.team), id=employee.id
    )


def find_employee(
    session: Session,
    question: str = EMPLOYEE_QUESTION,
    *,
    team: Team | None = None,
    active: bool | None = None,
    kind: str = "",
    refusals: dict[int, str] | None = None,
) -> Employee:
    """An employee by id, or by part of their name or username, chosen among the matches of
    `team` (and active or deactivated ones only, when `active` is given).

    kind names who may be chosen ("another active sales employee"): another employee is refused
    with it; refusals: the refusal for particular employees (yourself: why not).
    """

    def get(employee_id: int) -> Employee:
        if refusals and employee_id in refusals:
            raise ValidationError(refusals[employee_id])
        employee = session.run(employee_service.get_employee, employee_id)
        if (team is not None and employee.team != team) or (
            active is not None and employee.is_active != active
        ):
            if kind:
                raise ValidationError(
                    _("Employee {id} is not {kind}; pick another one.").format(id=employee_id, kind=kind)
                )
            raise ValidationError(
                _("Employee {id} is not one of them; pick another one.").format(id=employee_id)
            )
        return employee

    return pick_record(
        session,
        question,
        N_("Employee id"),
        get,
        lambda text, offset, limit: session.run(
            employee_service.search_employees, text, offset, limit, team=team, active=active
        ),
        employee_label,
        _("No employee's name or username contains {text}."),
    )


def show_candidates(
    session: Session, heading: str, *, team: Team | None, active: bool | None, leave_out: int | None = None
) -> bool:
    """Show the first page of the employees a picker offers (by name), under heading; False
    (nothing shown) when there is none but leave_out."""
    page = session.run(employee_service.list_employees, 0, PICK_PAGE + 2, team=team, active=active)
    others = [e for e in page if e.id != leave_out]
    if not others:
        return False
    print(_(heading))
    rows = [
        (e.id, e.full_name + ("" if e.is_active else _(" (deactivated)")), e.username)
        for e in others[:PICK_PAGE]
    ]
    show_table((N_("Id"), N_("Name"), N_("Username")), rows)
    if len(others) > PICK_PAGE:
        print(_("… and more: type part of a name to find them."))
    return True


def pick_employee(
    session: Session,
    question: str,
    kind: str,
    *,
    team: Team | None = None,
    active: bool | None = True,
    refusals: dict[int, str] | None = None,
) -> int:
    """The id of an employee of `team` (active ones by default), by id or by part of a name;
    the first of them are shown first. kind: "another active sales employee"."""
    return find_employee(session, question, team=team, active=active, kind=kind, refusals=refusals).id


def pick_team_member(session: Session, team: Team, question: str) -> Employee:
    """Any employee of the team, active or deactivated (management looks at who owns what)."""
    heading = _("Employees of the {team} team:").format(team=term(team))
    if not show_candidates(session, heading, team=team, active=None):
        raise NotFound(_("There is no {team} employee.").format(team=term(team)))
    kind = _("a {team} employee").format(team=term(team))
    return find_employee(session, question, team=team, kind=kind)
