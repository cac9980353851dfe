"""The one place that says who may do what (docs/rules.md §5).

Menus ask `visible` to decide what to show; services call `require` before any write, so a
write reached by another path is refused the same way. Ownership is passed in as the id of the
employee who owns the record: the client's sales contact, or the event's support contact.
"""

from __future__ import annotations

from enum import StrEnum

from crm.errors import PermissionDenied
from crm.models import Employee, Team


class Action(StrEnum):
    MANAGE_EMPLOYEES = "manage employees"
    CHANGE_OWN_PASSWORD = "change own password"
    CREATE_CLIENT = "create a client"
    UPDATE_CLIENT = "update a client"
    REASSIGN_CLIENT = "reassign a client"
    CREATE_CONTRACT = "create a contract"
    UPDATE_CONTRACT = "update a contract"
    RECORD_PAYMENT = "record a payment"
    CORRECT_PAYMENT = "correct a payment"
    CREATE_EVENT = "create an event"
    ASSIGN_SUPPORT = "assign the support employee of an event"
    UPDATE_EVENT = "update an event"
    READ_HISTORY = "read a record's history"


M, S, P = Team.MANAGEMENT, Team.SALES, Team.SUPPORT

# Which teams may ever perform an action (what the menu shows).
_TEAMS: dict[Action, frozenset[Team]] = {
    Action.MANAGE_EMPLOYEES: frozenset({M}),
    Action.CHANGE_OWN_PASSWORD: frozenset({M, S, P}),
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
    Action.READ_HISTORY: frozenset({M}),
}

# Teams that may act only on records they own, and the refusal they get otherwise.
_OWN_ONLY: dict[tuple[Action, Team], str] = {
    (Action.UPDATE_CLIENT, S): "Only the client's sales contact can update this client.",
    (Action.UPDATE_CONTRACT, S): "Only the client's sales contact can update this contract.",
    (Action.RECORD_PAYMENT, S): "Only the client's sales contact can record a payment on this contract.",
    (Action.CREATE_EVENT, S): "Only the client's sales contact can create an event for this contract.",
    (Action.UPDATE_EVENT, P): "Only the support employee assigned to this event can update it.",
}

_TEAM_NAMES = {M: "management", S: "sales", P: "support"}


def visible(actor: Employee, action: Action) -> bool:
    """Whether the actor's menu offers this action at all."""
    return actor.is_active and actor.team in _TEAMS[action]


def refusal(actor: Employee, action: Action, owner_id: int | None = None) -> str | None:
    """The one-line reason the actor may not perform the action, or None when allowed."""
    if not actor.is_active:
        return "Your account is deactivated."
    teams = _TEAMS[action]
    if actor.team not in teams:
        names = " or ".join(sorted(_TEAM_NAMES[t] for t in teams))
        return f"Only {names} can {action.value}."
    reason = _OWN_ONLY.get((action, actor.team))
    if reason is not None and owner_id != actor.id:
        return reason
    return None


def require(actor: Employee, action: Action, owner_id: int | None = None) -> None:
    """Raise PermissionDenied unless the actor may perform the action on that record."""
    reason = refusal(actor, action, owner_id)
    if reason is not None:
        raise PermissionDenied(reason)
