"""The acting employee as the database has them now, inside a write's transaction.

The UI holds an Employee read at login (or at the last menu pick); they may have been
deactivated or moved to another team since. Every write therefore re-reads its actor inside its
transaction, with the row locked FOR SHARE until the transaction ends (a deactivation or a team
change waits for the write, or the write sees it), and asks crm.permissions again.
"""

from __future__ import annotations

from crm import permissions
from crm.db import Database
from crm.errors import PermissionDenied
from crm.i18n import N_
from crm.models import Employee
from crm.permissions import Action
from crm.repositories.employees import EmployeeRepository

GONE = N_("Your account no longer exists.")


def recheck_actor(
    db: Database, actor: Employee, action: Action, owner_id: int | None = None, *, for_update: bool = False
) -> Employee:
    """The actor re-read (and locked) in the current transaction, still allowed to perform the
    action on a record owned by owner_id; PermissionDenied otherwise.

    for_update: lock the row FOR UPDATE instead (when the transaction then changes the actor's
    own row, so two such transactions wait for each other instead of deadlocking).
    """
    repo = EmployeeRepository(db.conn)
    fresh = repo.get(actor.id, lock=for_update, share=not for_update)
    if fresh is None:
        raise PermissionDenied(GONE)
    permissions.require(fresh, action, owner_id)
    return fresh
