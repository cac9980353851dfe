"""Issue 15's writes on existing resources: an event's status (confirmed, done, cancelled), and
handing over an employee's clients or events in one step (management)."""

from __future__ import annotations

from fastapi import APIRouter

from crm.models import Event, HandOverPlan, Team
from crm.services import employees as employees_service
from crm.services import events as events_service
from crm.web.daily_schemas import HandOverBody, HandOverOffer, HandOverPlanOut, StatusChange, plan_out
from crm.web.deps import Id, IfMatch, Reader, Writer, ok, version_of

router = APIRouter(tags=["daily work"])


@router.post("/events/{event_id}/status", response_model=Event, summary="Move an event's status on")
def change_status(event_id: Id, body: StatusChange, who: Writer, if_match: IfMatch):  # noqa: ANN201
    """planned → confirmed → done (management, the assigned support), or cancelled with a reason
    (management). Done and cancelled events leave the lists of open events. The version read goes
    in If-Match (or `version`)."""
    version = version_of(if_match, body.version)
    saved = who.act(events_service.change_status, event_id, version, body.status, body.reason)
    return ok(saved, version=saved.version)


@router.get(
    "/employees/{employee_id}/hand-over",
    response_model=HandOverOffer,
    summary="What handing over their work would move, and to whom (management)",
)
def hand_over_plan(employee_id: Id, who: Reader):  # noqa: ANN201
    """Their clients (sales) or events that have not ended (support), each at its version: send
    them back as `seen` so that nothing moves if any changed meanwhile."""
    plan = who.act(employees_service.hand_over_plan, employee_id, who.now())
    candidates = who.run(employees_service.hand_over_candidates, employee_id)
    return ok({**plan_out(plan), "candidates": candidates})


@router.post(
    "/employees/{employee_id}/hand-over",
    response_model=HandOverPlanOut,
    summary="Hand over all their clients or events to a colleague (management)",
)
def hand_over(employee_id: Id, body: HandOverBody, who: Writer):  # noqa: ANN201
    """One transaction, one audit row per record, the new support employee notified; with
    `deactivate`, the employee is deactivated in the same transaction. What moved."""
    seen = None
    if body.seen is not None:
        team = who.run(employees_service.get_employee, employee_id).team
        seen = HandOverPlan(
            employee_id,
            Team(team),
            clients=tuple((r.id, r.version) for r in body.seen.clients),
            events=tuple((r.id, r.version) for r in body.seen.events),
        )
    moved = who.act(
        employees_service.hand_over, employee_id, body.to, who.now(), seen=seen, deactivate=body.deactivate
    )
    return ok(plan_out(moved))
