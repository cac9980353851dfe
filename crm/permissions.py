"""The one place that says who may do what (docs/rules.md §5).

Every action of every face is named here, reads included. Faces ask `visible` to decide what to
offer and `refusal` for early feedback; the service that owns a write calls `require` once,
inside its transaction, on the actor as the database has them then (crm.services.actor). Who
owns a record is passed in as an employee id: the client's sales contact, or the event's support
contact. The rules about employees themselves (nobody deactivates or re-teams themselves, the
company keeps an active manager) are here too, as functions of the records involved.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from crm.errors import PermissionDenied
from crm.i18n import N_, _
from crm.models import Employee, Team


class Action(StrEnum):
    # Reads: everyone reads every client, contract, event and employee; these name the lists and
    # views each team is offered.
    READ = N_("read clients, contracts, events and employees")
    LIST_MY_CLIENTS = N_("list their own clients")
    LIST_CLIENTS_OF_SALES = N_("list the clients of a sales employee")
    FOLLOW_UP_CONTRACTS = N_("list contracts not signed or not fully paid")
    LIST_MY_EVENTS = N_("list their own events")
    LIST_EVENTS_WITHOUT_SUPPORT = N_("list the events without support")
    LIST_EVENTS_OF_SUPPORT = N_("list the events of a support employee")
    READ_HISTORY = N_("read a record's history")
    READ_OWN_ACCOUNT = N_("read their own account")
    READ_DIGEST = N_("read their digest")
    # Writes.
    MANAGE_EMPLOYEES = N_("manage employees")
    CHANGE_OWN_PASSWORD = N_("change own password")
    CREATE_CLIENT = N_("create a client")
    UPDATE_CLIENT = N_("update a client")
    REASSIGN_CLIENT = N_("reassign a client")
    CREATE_CONTRACT = N_("create a contract")
    UPDATE_CONTRACT = N_("update a contract")
    RECORD_PAYMENT = N_("record a payment")
    CORRECT_PAYMENT = N_("correct a payment")
    CREATE_EVENT = N_("create an event")
    ASSIGN_SUPPORT = N_("assign the support employee of an event")
    UPDATE_EVENT = N_("update an event")
    # The sales pipeline (docs/rules.md §5): everyone reads services and opportunities (READ).
    LIST_MY_OPPORTUNITIES = N_("list their own opportunities")
    READ_PIPELINE_REPORT = N_("read the pipeline report")
    MANAGE_SERVICES = N_("create, edit or retire services")
    CREATE_OPPORTUNITY = N_("create an opportunity")
    UPDATE_OPPORTUNITY = N_("edit an opportunity and its lines")
    MOVE_OPPORTUNITY = N_("move an opportunity to another stage")
    LOSE_OPPORTUNITY = N_("mark an opportunity lost")
    WIN_OPPORTUNITY = N_("mark an opportunity won")
    CHANGE_OWN_DIGEST = N_("turn their digest at login on or off")
    CHANGE_OWN_LANGUAGE = N_("choose the language of their own screens")
    ADD_CLIENT_NOTE = N_("add a note to a client")
    ADD_EVENT_NOTE = N_("add a note to an event")
    HAND_OVER = N_("hand over an employee's clients or events")
    # CSV files (issue 15 §5): an export is a read (audited); an import creates clients.
    EXPORT_CSV = N_("export lists to CSV")
    IMPORT_CLIENTS = N_("import clients from CSV")
    # Issue 15: event status, agenda, calendar, notifications.
    MOVE_EVENT_STATUS = N_("confirm an event or mark it done")
    CANCEL_EVENT = N_("cancel an event")
    LIST_CONTRACTS_WITHOUT_EVENT = N_("list the signed contracts without an event")
    VIEW_AGENDA = N_("see a week's agenda")
    EXPORT_CALENDAR = N_("export their upcoming events as a calendar file")
    READ_NOTIFICATIONS = N_("read their notifications")


M, S, P = Team.MANAGEMENT, Team.SALES, Team.SUPPORT
EVERYONE = frozenset({M, S, P})

# Which teams may ever perform an action (what the faces offer).
_TEAMS: dict[Action, frozenset[Team]] = {
    Action.READ: EVERYONE,
    Action.LIST_MY_CLIENTS: frozenset({S}),
    Action.LIST_CLIENTS_OF_SALES: frozenset({M}),
    Action.FOLLOW_UP_CONTRACTS: frozenset({M, S}),  # who chases signatures and payments
    Action.LIST_MY_EVENTS: frozenset({P}),
    Action.LIST_EVENTS_WITHOUT_SUPPORT: frozenset({M}),
    Action.LIST_EVENTS_OF_SUPPORT: frozenset({M}),
    Action.READ_HISTORY: frozenset({M}),
    Action.READ_OWN_ACCOUNT: EVERYONE,
    Action.MANAGE_EMPLOYEES: frozenset({M}),
    Action.CHANGE_OWN_PASSWORD: EVERYONE,
    Action.CREATE_CLIENT: frozenset({S}),
    Action.UPDATE_CLIENT: frozenset({S}),
    Action.REASSIGN_CLIENT: frozenset({M}),
    Action.CREATE_CONTRACT: frozenset({M}),
    Action.UPDATE_CONTRACT: frozenset({M, S}),
    Action.RECORD_PAYMENT: frozenset({M, S}),
    Action.CORRECT_PAYMENT: frozenset({M}),
    Action.CREATE_EVENT: frozenset({S}),
    Action.ASSIGN_SUPPORT: frozenset({M}),
    Action.UPDATE_EVENT: frozenset({M, P}),
    Action.LIST_MY_OPPORTUNITIES: frozenset({S}),
    Action.READ_PIPELINE_REPORT: frozenset({M, S}),
    Action.MANAGE_SERVICES: frozenset({M}),
    Action.CREATE_OPPORTUNITY: frozenset({S}),
    Action.UPDATE_OPPORTUNITY: frozenset({M, S}),
    Action.MOVE_OPPORTUNITY: frozenset({M, S}),
    Action.LOSE_OPPORTUNITY: frozenset({M, S}),
    Action.WIN_OPPORTUNITY: frozenset({M}),  # it creates the contract: contracts are management's
    Action.READ_DIGEST: EVERYONE,
    Action.CHANGE_OWN_DIGEST: EVERYONE,
    Action.CHANGE_OWN_LANGUAGE: EVERYONE,
    Action.ADD_CLIENT_NOTE: frozenset({M, S}),
    Action.ADD_EVENT_NOTE: frozenset({M, P}),
    Action.HAND_OVER: frozenset({M}),
    Action.EXPORT_CSV: EVERYONE,  # what they may read; every export is audited (exports table)
    Action.IMPORT_CLIENTS: frozenset({M, S}),  # sales become the owner; management names one
    Action.MOVE_EVENT_STATUS: frozenset({M, P}),
    Action.CANCEL_EVENT: frozenset({M}),
    Action.LIST_CONTRACTS_WITHOUT_EVENT: frozenset({M, S}),
    Action.VIEW_AGENDA: frozenset({M, P}),
    Action.EXPORT_CALENDAR: frozenset({P}),
    Action.READ_NOTIFICATIONS: frozenset({P}),  # only support employees are notified
}

# Teams that may act only on records they own, and the refusal they get otherwise.
_OWN_ONLY: dict[tuple[Action, Team], str] = {
    (Action.UPDATE_CLIENT, S): N_("Only the client's sales contact can update this client."),
    (Action.UPDATE_CONTRACT, S): N_("Only the client's sales contact can update this contract."),
    (Action.RECORD_PAYMENT, S): N_("Only the client's sales contact can record a payment on this contract."),
    (Action.CREATE_EVENT, S): N_("Only the client's sales contact can create an event for this contract."),
    (Action.UPDATE_EVENT, P): N_("Only the support employee assigned to this event can update it."),
    (Action.CREATE_OPPORTUNITY, S): (
        N_("Only the client's sales contact can create an opportunity for this client.")
    ),
    (Action.UPDATE_OPPORTUNITY, S): N_("Only the client's sales contact can edit this opportunity."),
    (Action.MOVE_OPPORTUNITY, S): N_("Only the client's sales contact can move this opportunity."),
    (Action.LOSE_OPPORTUNITY, S): N_("Only the client's sales contact can mark this opportunity lost."),
    (Action.ADD_CLIENT_NOTE, S): N_("Only the client's sales contact can add a note to this client."),
    (Action.ADD_EVENT_NOTE, P): N_("Only the support employee assigned to this event can add a note to it."),
    (Action.MOVE_EVENT_STATUS, P): N_(
        "Only the support employee assigned to this event can change its status."
    ),
    (Action.VIEW_AGENDA, P): N_("Support employees see their own agenda only."),
}

_TEAM_NAMES = {M: N_("management"), S: N_("sales"), P: N_("support")}

NOT_YOURSELF = N_("You cannot deactivate your own account.")
OWN_TEAM = N_("You cannot change your own team.")
OWN_RESET = N_("To change your own password use My account → Change my password.")
LAST_MANAGER = N_("{name} is the last active manager: the company needs at least one.")


# The refusal for a team that may never perform an action: one whole sentence per set of teams
# allowed, the action (an infinitive phrase: Action's values) filled in.
_ONLY: dict[frozenset[Team], str] = {
    frozenset({M}): N_("Only management can {action}."),
    frozenset({S}): N_("Only sales can {action}."),
    frozenset({P}): N_("Only support can {action}."),
    frozenset({M, S}): N_("Only management or sales can {action}."),
    frozenset({M, P}): N_("Only management or support can {action}."),
    frozenset({S, P}): N_("Only sales or support can {action}."),
}
DEACTIVATED = N_("Your account is deactivated.")


def team_name(team: str) -> str:
    """A team's name in the current language (management, sales, support)."""
    name = _TEAM_NAMES.get(Team(team)) if team in set(Team) else None
    return _(name) if name else team


def visible(actor: Employee, action: Action) -> bool:
    """Whether the actor's faces offer this action at all."""
    return actor.is_active and actor.team in _TEAMS[action]


def refusal(actor: Employee, action: Action, owner_id: int | None = None) -> str | None:
    """The one-line reason the actor may not perform the action, or None when allowed."""
    if not actor.is_active:
        return _(DEACTIVATED)
    teams = _TEAMS[action]
    if actor.team not in teams:
        template = _ONLY.get(teams)
        if template is None:  # never today: every set of teams has its sentence above
            names = " or ".join(sorted(_TEAM_NAMES[t] for t in teams))
            return f"Only {names} can {action.value}."
        return _(template).format(action=_(action.value))
    reason = _OWN_ONLY.get((action, actor.team))
    if reason is not None and owner_id != actor.id:
        return _(reason)
    return None


def require(actor: Employee, action: Action, owner_id: int | None = None) -> None:
    """Raise PermissionDenied unless the actor may perform the action on that record."""
    reason = refusal(actor, action, owner_id)
    if reason is not None:
        raise PermissionDenied(reason)


# Rules about employees themselves --------------------------------------------------------------------


def _last_manager(target: Employee, active_managers: Sequence[int]) -> bool:
    return target.team == M and target.is_active and list(active_managers) == [target.id]


def team_change_refusal(actor: Employee, target: Employee, active_managers: Sequence[int]) -> str | None:
    """Why the actor may not move the target to another team (yourself; the last active manager)."""
    if target.id == actor.id:
        return _(OWN_TEAM)
    if _last_manager(target, active_managers):
        return _(LAST_MANAGER).format(name=target.full_name)
    return None


def deactivation_refusal(actor: Employee, target: Employee, active_managers: Sequence[int]) -> str | None:
    """Why the actor may not deactivate the target (yourself; the last active manager)."""
    if target.id == actor.id:
        return _(NOT_YOURSELF)
    if _last_manager(target, active_managers):
        return _(LAST_MANAGER).format(name=target.full_name)
    return None


def reset_refusal(actor: Employee, target_id: int) -> str | None:
    """Why the actor may not reset this employee's password from Employees (their own)."""
    return _(OWN_RESET) if target_id == actor.id else None


def require_none(reason: str | None) -> None:
    """Raise PermissionDenied with the reason one of the rules above gave, if any."""
    if reason is not None:
        raise PermissionDenied(reason)
