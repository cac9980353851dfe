"""/api/v1/clients/{id}/notes and /api/v1/events/{id}/notes: a record's append-only thread of
notes, latest first; sales add to their clients', support to their events', management to any."""

from __future__ import annotations

from fastapi import APIRouter

from crm.models import Note
from crm.services import clients as clients_service
from crm.services import events as events_service
from crm.services import notes as service
from crm.web.daily_schemas import NoteCreate
from crm.web.deps import Id, Paging, Reader, Writer, ok, page
from crm.web.schemas import Page

router = APIRouter(tags=["notes"])


@router.get("/clients/{client_id}/notes", response_model=Page[Note], summary="A client's notes, latest first")
def client_notes(client_id: Id, who: Reader, paging: Paging):  # noqa: ANN201
    who.run(clients_service.get_client, client_id)  # 404 for no such client
    return ok(page(lambda o, n: who.run(service.client_notes, client_id, o, n), paging))


@router.post(
    "/clients/{client_id}/notes",
    status_code=201,
    response_model=Note,
    summary="Add a note to a client (its sales contact, management)",
)
def add_client_note(client_id: Id, body: NoteCreate, who: Writer):  # noqa: ANN201
    """Notes are never edited nor deleted: a correction is a new note."""
    saved = who.act(service.add_client_note, client_id, body.text)
    return ok(saved, 201, location=f"/api/v1/clients/{client_id}/notes")


@router.get("/events/{event_id}/notes", response_model=Page[Note], summary="An event's notes, latest first")
def event_notes(event_id: Id, who: Reader, paging: Paging):  # noqa: ANN201
    who.run(events_service.get_event, event_id)  # 404 for no such event
    return ok(page(lambda o, n: who.run(service.event_notes, event_id, o, n), paging))


@router.post(
    "/events/{event_id}/notes",
    status_code=201,
    response_model=Note,
    summary="Add a note to an event (its support employee, management)",
)
def add_event_note(event_id: Id, body: NoteCreate, who: Writer):  # noqa: ANN201
    """Notes are never edited nor deleted: a correction is a new note."""
    saved = who.act(service.add_event_note, event_id, body.text)
    return ok(saved, 201, location=f"/api/v1/events/{event_id}/notes")
