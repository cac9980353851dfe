"""What the permission matrix tests share: every write x team x case as parameters (one test id a
cell), the actor of a "deactivated" cell, and a refusal checked the same way everywhere."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from crm import permissions
from crm.errors import PermissionDenied
from crm.models import Employee, Team
from crm.permissions import Action

TEAMS = ("management", "sales", "support")
CASES = ("own", "not own", "deactivated")


def cells(actions: Iterable[Action]) -> list[tuple[Action, str, str]]:
    """Every (action, team, case) of the matrix."""
    return [(action, team, case) for action in actions for team in TEAMS for case in CASES]


def each_cell(matrix: list[tuple[Action, str, str]]):
    """The parametrize mark running a test once a cell, with ids like UPDATE_CLIENT-sales-not_own."""
    ids = [f"{action.name}-{team}-{case.replace(' ', '_')}" for action, team, case in matrix]
    return pytest.mark.parametrize("action, team, case", matrix, ids=ids)


def deactivate(admin_conn, actor: Employee) -> Employee:
    """Deactivate the actor in the database; return the Employee as the program now reads it."""
    admin_conn.execute("UPDATE employees SET is_active = false WHERE id = %s", (actor.id,))
    return replace(actor, is_active=False)


def assert_refused(
    attempt: Callable[[], object], actor: Employee, action: Action, case: str, owner_id
) -> None:
    """attempt() is refused in one line: "Your account is deactivated." for a deactivated actor,
    else crm.permissions' own refusal for this actor, action and record owner."""
    with pytest.raises(PermissionDenied) as refused:
        attempt()
    message = str(refused.value)
    assert "\n" not in message and message
    if case == "deactivated":
        assert message == "Your account is deactivated."
    else:
        assert message == permissions.refusal(actor, action, owner_id=owner_id)


def make_actor(team: str) -> Employee:
    """An active employee of a team, not stored: only what the policy looks at."""
    now = datetime.now(UTC)
    return Employee(1, "someone", "Someone", "s@x.test", None, Team(team), True, now, now, 1)
