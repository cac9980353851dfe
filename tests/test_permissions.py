"""The policy table itself (docs/rules.md §5); services' use of it is tested in the matrix tests."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crm import permissions
from crm.errors import PermissionDenied
from crm.models import Employee, Team
from crm.permissions import Action


def person(team: Team, id_: int = 1, active: bool = True) -> Employee:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return Employee(id_, f"u{id_}", "Someone", "s@x.io", None, team, active, now, now, 1)


M, S, P = Team.MANAGEMENT, Team.SALES, Team.SUPPORT

# (action, team) -> allowed on own record, allowed on someone else's
EXPECTED = {
    (Action.MANAGE_EMPLOYEES, M): (True, True),
    (Action.CHANGE_OWN_PASSWORD, M): (True, True),
    (Action.CHANGE_OWN_PASSWORD, S): (True, True),
    (Action.CHANGE_OWN_PASSWORD, P): (True, True),
    (Action.CREATE_CLIENT, S): (True, True),
    (Action.UPDATE_CLIENT, S): (True, False),
    (Action.REASSIGN_CLIENT, M): (True, True),
    (Action.CREATE_CONTRACT, M): (True, True),
    (Action.UPDATE_CONTRACT, M): (True, True),
    (Action.UPDATE_CONTRACT, S): (True, False),
    (Action.RECORD_PAYMENT, M): (True, True),
    (Action.RECORD_PAYMENT, S): (True, False),
    (Action.CORRECT_PAYMENT, M): (True, True),
    (Action.CREATE_EVENT, S): (True, False),
    (Action.ASSIGN_SUPPORT, M): (True, True),
    (Action.UPDATE_EVENT, M): (True, True),
    (Action.UPDATE_EVENT, P): (True, False),
    (Action.READ_HISTORY, M): (True, True),
    # Reads: everyone reads everything; these are the lists and views each team is offered.
    **{(Action.READ, team): (True, True) for team in (M, S, P)},
    **{(Action.READ_OWN_ACCOUNT, team): (True, True) for team in (M, S, P)},
    (Action.LIST_MY_CLIENTS, S): (True, True),
    (Action.LIST_CLIENTS_OF_SALES, M): (True, True),
    (Action.FOLLOW_UP_CONTRACTS, M): (True, True),
    (Action.FOLLOW_UP_CONTRACTS, S): (True, True),
    (Action.LIST_MY_EVENTS, P): (True, True),
    (Action.LIST_EVENTS_WITHOUT_SUPPORT, M): (True, True),
    (Action.LIST_EVENTS_OF_SUPPORT, M): (True, True),
    (Action.LIST_MY_OPPORTUNITIES, S): (True, True),
    (Action.READ_PIPELINE_REPORT, M): (True, True),
    (Action.READ_PIPELINE_REPORT, S): (True, True),
    (Action.MANAGE_SERVICES, M): (True, True),
    (Action.CREATE_OPPORTUNITY, S): (True, False),
    (Action.UPDATE_OPPORTUNITY, M): (True, True),
    (Action.UPDATE_OPPORTUNITY, S): (True, False),
    (Action.MOVE_OPPORTUNITY, M): (True, True),
    (Action.MOVE_OPPORTUNITY, S): (True, False),
    (Action.LOSE_OPPORTUNITY, M): (True, True),
    (Action.LOSE_OPPORTUNITY, S): (True, False),
    (Action.WIN_OPPORTUNITY, M): (True, True),
    # Issue 15: the digest, notes, handing over someone's work.
    **{(Action.READ_DIGEST, team): (True, True) for team in (M, S, P)},
    **{(Action.CHANGE_OWN_DIGEST, team): (True, True) for team in (M, S, P)},
    # Issue 16: the language of one's own screens.
    **{(Action.CHANGE_OWN_LANGUAGE, team): (True, True) for team in (M, S, P)},
    (Action.ADD_CLIENT_NOTE, M): (True, True),
    (Action.ADD_CLIENT_NOTE, S): (True, False),
    (Action.ADD_EVENT_NOTE, M): (True, True),
    (Action.ADD_EVENT_NOTE, P): (True, False),
    (Action.HAND_OVER, M): (True, True),
    # CSV files: everyone exports what they read; sales and management import clients.
    **{(Action.EXPORT_CSV, team): (True, True) for team in (M, S, P)},
    (Action.IMPORT_CLIENTS, M): (True, True),
    (Action.IMPORT_CLIENTS, S): (True, True),
    # Issue 15: status, agenda, calendar, notifications.
    (Action.MOVE_EVENT_STATUS, M): (True, True),
    (Action.MOVE_EVENT_STATUS, P): (True, False),
    (Action.CANCEL_EVENT, M): (True, True),
    (Action.LIST_CONTRACTS_WITHOUT_EVENT, M): (True, True),
    (Action.LIST_CONTRACTS_WITHOUT_EVENT, S): (True, True),
    (Action.VIEW_AGENDA, M): (True, True),
    (Action.VIEW_AGENDA, P): (True, False),
    (Action.EXPORT_CALENDAR, P): (True, True),
    (Action.READ_NOTIFICATIONS, P): (True, True),
}


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("team", list(Team))
def test_policy_matches_the_rules_table(action, team):
    actor = person(team, id_=7)
    own, other = EXPECTED.get((action, team), (False, False))
    assert (permissions.refusal(actor, action, owner_id=7) is None) is own
    assert (permissions.refusal(actor, action, owner_id=8) is None) is other
    assert permissions.visible(actor, action) is own


@pytest.mark.parametrize("action", list(Action))
def test_deactivated_employee_may_do_nothing(action):
    for team in Team:
        actor = person(team, id_=7, active=False)
        assert permissions.refusal(actor, action, owner_id=7) == "Your account is deactivated."
        assert not permissions.visible(actor, action)


def test_refusal_explains_itself_in_one_line():
    with pytest.raises(PermissionDenied, match=r"^Only the client's sales contact can update this client\.$"):
        permissions.require(person(S, 1), Action.UPDATE_CLIENT, owner_id=2)
    with pytest.raises(PermissionDenied, match=r"^Only management can create a contract\.$"):
        permissions.require(person(S, 1), Action.CREATE_CONTRACT)
