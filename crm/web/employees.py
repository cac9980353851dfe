"""/api/v1/employees: list (team, active / deactivated), detail; management creates, updates,
deactivates, reactivates and resets passwords. Nobody is ever deleted."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from crm import permissions
from crm.models import Employee, EmployeeFields, Team
from crm.permissions import Action
from crm.services import employees as service
from crm.web.deps import Id, IfMatch, Paging, Reader, Writer, no_content, ok, page, version_of
from crm.web.schemas import Deactivate, EmployeeCreate, EmployeePatch, Page, Reassignments, ResetPasswordBody

router = APIRouter(prefix="/employees", tags=["employees"])
STATUS = {"active": True, "deactivated": False, "all": None}


@router.get("", response_model=Page[Employee], summary="List employees by name")
def list_employees(  # noqa: ANN201
    who: Reader,
    paging: Paging,
    team: Annotated[Team | None, Query(description="Only this team.")] = None,
    status: Annotated[Literal["active", "deactivated", "all"], Query()] = "active",
):
    active = STATUS[status]
    return ok(page(lambda o, n: who.run(service.list_employees, o, n, team=team, active=active), paging))


@router.get("/{employee_id}", response_model=Employee, summary="One employee")
def show_employee(employee_id: Id, who: Reader):  # noqa: ANN201
    found = who.run(service.get_employee, employee_id)
    return ok(found, version=found.version)


@router.get(
    "/{employee_id}/reassignments",
    response_model=Reassignments,
    summary="Before deactivating: what they still have in their care (management)",
)
def reassignments(employee_id: Id, who: Reader):  # noqa: ANN201
    """Their clients (sales) and upcoming events (support); refused as the deactivation would be
    (yourself, the last active manager, already deactivated)."""
    found = who.act(service.deactivation_check, employee_id, who.now())
    return ok(
        {
            "clients": found.clients,
            "client_count": found.client_count,
            "events": found.events,
            "event_count": found.event_count,
        }
    )


@router.post("", status_code=201, response_model=Employee, summary="Create an employee (management)")
def create_employee(body: EmployeeCreate, who: Writer):  # noqa: ANN201
    fields = EmployeeFields(body.username, body.full_name, body.email, body.phone, body.team)
    saved = who.act(service.create_employee, fields, body.password)
    return ok(saved, 201, version=saved.version, location=f"/api/v1/employees/{saved.id}")


@router.patch("/{employee_id}", response_model=Employee, summary="Update an employee (management)")
def update_employee(employee_id: Id, body: EmployeePatch, who: Writer, if_match: IfMatch):  # noqa: ANN201
    """Only the fields given change. Nobody changes their own team; a team change ends the
    employee's sessions."""
    version = version_of(if_match, body.version)
    current = who.run(service.get_employee, employee_id)
    given = body.model_fields_set

    def pick(name: str):  # noqa: ANN202
        new = getattr(body, name)
        if name not in given or (new is None and name != "phone"):
            return getattr(current, name)
        return new

    fields = EmployeeFields(pick("username"), pick("full_name"), pick("email"), pick("phone"), pick("team"))
    unchanged = EmployeeFields(
        current.username, current.full_name, current.email, current.phone, current.team
    )
    if fields == unchanged and version == current.version:
        # Nothing changed: nothing saved, but refused as the save would be.
        permissions.require(who.employee, Action.MANAGE_EMPLOYEES)
        return ok(current, version=current.version)
    saved = who.act(service.update_employee, employee_id, version, fields, who.now())
    return ok(saved, version=saved.version)


@router.post("/{employee_id}/deactivate", response_model=Employee, summary="Deactivate (management)")
def deactivate_employee(employee_id: Id, who: Writer, body: Deactivate | None = None):  # noqa: ANN201
    """They cannot log in any more and every session of theirs ends at once. Refused for yourself
    and the last active manager; 409 reassignment_needed while they still have clients or
    upcoming events, unless reassignments_seen."""
    seen = body.reassignments_seen if body is not None else False
    saved = who.act(service.deactivate_employee, employee_id, who.now(), reassignments_seen=seen)
    return ok(saved, version=saved.version)


@router.post("/{employee_id}/reactivate", response_model=Employee, summary="Reactivate (management)")
def reactivate_employee(employee_id: Id, who: Writer):  # noqa: ANN201
    saved = who.act(service.reactivate_employee, employee_id)
    return ok(saved, version=saved.version)


@router.post("/{employee_id}/password", status_code=204, summary="Reset a password (management)")
def reset_password(employee_id: Id, body: ResetPasswordBody, who: Writer):  # noqa: ANN201
    """Another employee's new password: it lifts a login lock and ends their sessions."""
    who.act(service.reset_password, employee_id, body.new_password)
    return no_content()
