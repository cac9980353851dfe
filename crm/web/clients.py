"""/api/v1/clients: list (mine, of a sales employee, search), detail, create (sales), update
(their sales contact), reassign (management)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from crm import permissions
from crm.models import Client, ClientFields
from crm.permissions import Action
from crm.services import clients as service
from crm.services.clients import SEARCH_MAX
from crm.web.deps import FilterId, Id, IfMatch, Paging, Reader, Writer, ok, one_of, page, version_of
from crm.web.schemas import ClientCreate, ClientPatch, Page, Reassign

router = APIRouter(prefix="/clients", tags=["clients"])


@router.get("", response_model=Page[Client], summary="List clients, newest first")
def list_clients(  # noqa: ANN201
    who: Reader,
    paging: Paging,
    mine: Annotated[bool, Query(description="Only your clients (you are their sales contact).")] = False,
    sales_contact_id: Annotated[FilterId, Query(description="Only this sales employee's clients.")] = None,
    search: Annotated[
        str | None, Query(max_length=SEARCH_MAX, description="Name or company contains (any case, accents).")
    ] = None,
):
    chosen = one_of(mine=mine, sales_contact_id=sales_contact_id, search=search)
    if chosen == "mine":
        return ok(page(lambda o, n: who.act(service.my_clients, o, n), paging))
    if chosen == "sales_contact_id":
        return ok(page(lambda o, n: who.run(service.clients_of, sales_contact_id, o, n), paging))
    if chosen == "search":
        return ok(page(lambda o, n: who.run(service.search_clients, search, o, n), paging))
    return ok(page(lambda o, n: who.run(service.list_clients, o, n), paging))


@router.get("/{client_id}", response_model=Client, summary="One client")
def show_client(client_id: Id, who: Reader):  # noqa: ANN201
    found = who.run(service.get_client, client_id)
    return ok(found, version=found.version)


@router.post("", status_code=201, response_model=Client, summary="Create a client (sales): yours")
def create_client(body: ClientCreate, who: Writer):  # noqa: ANN201
    fields = ClientFields(body.full_name, body.email, body.phone, body.company_name)
    saved = who.act(service.create_client, fields)
    return ok(saved, 201, version=saved.version, location=f"/api/v1/clients/{saved.id}")


@router.patch("/{client_id}", response_model=Client, summary="Update a client (their sales contact)")
def update_client(client_id: Id, body: ClientPatch, who: Writer, if_match: IfMatch):  # noqa: ANN201
    """Only the fields given change; the version read goes in If-Match (or `version`)."""
    version = version_of(if_match, body.version)
    current = who.run(service.get_client, client_id)
    given = body.model_fields_set

    def pick(name: str, value: str | None) -> str | None:
        new = getattr(body, name)
        return value if name not in given or (new is None and name in ("full_name", "email")) else new

    fields = ClientFields(
        full_name=pick("full_name", current.full_name) or "",
        email=pick("email", current.email) or "",
        phone=pick("phone", current.phone),
        company_name=pick("company_name", current.company_name) or "",
    )
    unchanged = ClientFields(current.full_name, current.email, current.phone, current.company_name)
    if fields == unchanged and version == current.version:
        # Nothing changed: nothing saved, but refused as the save would be.
        permissions.require(who.employee, Action.UPDATE_CLIENT, owner_id=current.sales_contact_id)
        return ok(current, version=current.version)
    saved = who.act(service.update_client, client_id, version, fields)
    return ok(saved, version=saved.version)


@router.post("/{client_id}/reassign", response_model=Client, summary="Reassign a client (management)")
def reassign_client(client_id: Id, body: Reassign, who: Writer, if_match: IfMatch):  # noqa: ANN201
    """Another active sales employee becomes the client's (and their contracts') sales contact."""
    version = version_of(if_match, body.version)
    saved = who.act(service.reassign_client, client_id, version, body.sales_contact_id)
    return ok(saved, version=saved.version)
