"""/api/v1/events: lists (mine, without support, of a support employee, search), detail, create
(sales), update (management, the assigned support), assign support (management)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from crm import permissions, validation
from crm.errors import ValidationError
from crm.i18n import _
from crm.models import Event, EventFields
from crm.permissions import Action
from crm.services import events as service
from crm.services.events import SEARCH_MAX
from crm.web.deps import FilterId, Id, IfMatch, Paging, Reader, Writer, ok, one_of, page, version_of
from crm.web.schemas import AssignSupport, EventCreate, EventPatch, Page

router = APIRouter(prefix="/events", tags=["events"])


def _moment(value: datetime, what: str) -> datetime:
    if not validation.YEAR_MIN <= value.year <= validation.YEAR_MAX:
        raise ValidationError(
            _("{what} must be in the years {YEAR_MIN} to {YEAR_MAX}.").format(
                what=what, YEAR_MIN=validation.YEAR_MIN, YEAR_MAX=validation.YEAR_MAX
            )
        )
    return value


@router.get("", response_model=Page[Event], summary="List events")
def list_events(  # noqa: ANN201
    who: Reader,
    paging: Paging,
    mine: Annotated[bool, Query(description="Only the events you support (upcoming first).")] = False,
    no_support: Annotated[bool, Query(description="Only events without support (upcoming first).")] = False,
    support_contact_id: Annotated[FilterId, Query(description="Only this support employee's.")] = None,
    search: Annotated[
        str | None, Query(max_length=SEARCH_MAX, description="Name or client contains (any case, accents).")
    ] = None,
):
    """Newest first; the filters mine, no_support and support_contact_id: upcoming soonest first,
    then past ones."""
    chosen = one_of(mine=mine, no_support=no_support, support_contact_id=support_contact_id, search=search)
    now = who.now()
    if chosen == "mine":
        return ok(page(lambda o, n: who.act(service.my_events, now, o, n), paging))
    if chosen == "no_support":
        return ok(page(lambda o, n: who.run(service.events_without_support, o, n, now), paging))
    if chosen == "support_contact_id":
        return ok(page(lambda o, n: who.run(service.events_of, support_contact_id, now, o, n), paging))
    if chosen == "search":
        return ok(page(lambda o, n: who.run(service.search_events, search, o, n), paging))
    return ok(page(lambda o, n: who.run(service.list_events, o, n), paging))


@router.get("/{event_id}", response_model=Event, summary="One event")
def show_event(event_id: Id, who: Reader):  # noqa: ANN201
    found = who.run(service.get_event, event_id)
    return ok(found, version=found.version)


@router.post("", status_code=201, response_model=Event, summary="Create an event (sales)")
def create_event(body: EventCreate, who: Writer):  # noqa: ANN201
    """For a signed contract of your client that has no event yet."""
    contact = body.client_contact
    if contact is None:
        waiting = who.act(service.contract_for_new_event, body.contract_id)
        contact = ", ".join(p for p in (waiting.client_name, waiting.client_email, waiting.client_phone) if p)
    fields = EventFields(
        name=body.name,
        client_contact=contact,
        starts_at=_moment(body.starts_at, _("Start")),
        ends_at=_moment(body.ends_at, _("End")),
        location=body.location,
        attendees=body.attendees,
        notes=body.notes,
    )
    saved = who.act(service.create_event, body.contract_id, fields, who.now())
    return ok(saved, 201, version=saved.version, location=f"/api/v1/events/{saved.id}")


@router.patch("/{event_id}", response_model=Event, summary="Update an event")
def update_event(event_id: Id, body: EventPatch, who: Writer, if_match: IfMatch):  # noqa: ANN201
    """Management, or the support employee assigned to it. Only the fields given change."""
    version = version_of(if_match, body.version)
    current = who.run(service.get_event, event_id)
    given = {name for name in body.model_fields_set if getattr(body, name) is not None} - {"version"}
    changes = {name: getattr(body, name) for name in given}
    for name, what in (("starts_at", "Start"), ("ends_at", "End")):
        if name in changes:
            _moment(changes[name], what)
    fields = EventFields(
        **{name: changes.get(name, getattr(current, name)) for name in EventFields.__dataclass_fields__}
    )
    same = all(getattr(current, name) == value for name, value in changes.items())
    if same and version == current.version:
        # Nothing changed: nothing saved, but refused as the save would be.
        permissions.require(who.employee, Action.UPDATE_EVENT, owner_id=current.support_contact_id)
        return ok(current, version=current.version)
    saved = who.act(service.update_event, event_id, version, fields, who.now())
    return ok(saved, version=saved.version)


@router.post("/{event_id}/support", response_model=Event, summary="Assign support (management)")
def assign_support(event_id: Id, body: AssignSupport, who: Writer, if_match: IfMatch):  # noqa: ANN201
    """An active support employee other than the one assigned."""
    version = version_of(if_match, body.version)
    saved = who.act(service.assign_support, event_id, version, body.support_contact_id)
    return ok(saved, version=saved.version)
