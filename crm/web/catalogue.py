"""/api/v1/services: the catalogue of services — list (by name; only those in the catalogue with
?active=true), detail; management creates, updates, retires and restores them (never deletes)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from crm import permissions, validation
from crm.i18n import _
from crm.models import Service, ServiceFields, Unit
from crm.permissions import Action
from crm.services import catalogue as service
from crm.web.deps import Id, IfMatch, Paging, Reader, Writer, ok, page, version_of
from crm.web.schemas import Page, ServiceCreate, ServicePatch, VersionBody

router = APIRouter(prefix="/services", tags=["services"])


@router.get("", response_model=Page[Service], summary="List services by name")
def list_services(  # noqa: ANN201
    who: Reader,
    paging: Paging,
    active: Annotated[bool, Query(description="Only the services that can be quoted (not retired).")] = False,
):
    return ok(page(lambda o, n: who.run(service.list_services, o, n, active_only=active), paging))


@router.get("/{service_id}", response_model=Service, summary="One service")
def show_service(service_id: Id, who: Reader):  # noqa: ANN201
    found = who.run(service.get_service, service_id)
    return ok(found, version=found.version)


@router.post("", status_code=201, response_model=Service, summary="Add a service (management)")
def create_service(body: ServiceCreate, who: Writer):  # noqa: ANN201
    """A name no other service has (any case), a unit price and what it is for."""
    fields = ServiceFields(
        body.name, body.description, validation.amount(body.unit_price, _("Unit price")), body.unit
    )
    saved = who.act(service.create_service, fields)
    return ok(saved, 201, version=saved.version, location=f"/api/v1/services/{saved.id}")


@router.patch("/{service_id}", response_model=Service, summary="Update a service (management)")
def update_service(service_id: Id, body: ServicePatch, who: Writer, if_match: IfMatch):  # noqa: ANN201
    """Only the fields given change; lines already quoted keep the price they were given."""
    version = version_of(if_match, body.version)
    current = who.run(service.get_service, service_id)
    price = current.unit_price
    if body.unit_price is not None:
        price = validation.amount(body.unit_price, _("Unit price"))
    fields = ServiceFields(
        current.name if body.name is None else body.name,
        current.description if body.description is None else body.description,
        price,
        Unit(current.unit) if body.unit is None else body.unit,
    )
    unchanged = ServiceFields(current.name, current.description, current.unit_price, Unit(current.unit))
    if fields == unchanged and version == current.version:
        # Nothing changed: nothing saved, but refused as the save would be.
        permissions.require(who.employee, Action.MANAGE_SERVICES)
        return ok(current, version=current.version)
    saved = who.act(service.update_service, service_id, version, fields)
    return ok(saved, version=saved.version)


@router.post("/{service_id}/retire", response_model=Service, summary="Retire a service (management)")
def retire_service(  # noqa: ANN201
    service_id: Id, who: Writer, if_match: IfMatch, body: VersionBody | None = None
):
    """No new line can use it; lines already quoted keep it."""
    version = version_of(if_match, body.version if body is not None else None)
    saved = who.act(service.retire_service, service_id, version)
    return ok(saved, version=saved.version)


@router.post(
    "/{service_id}/restore", response_model=Service, summary="Put a retired service back (management)"
)
def restore_service(  # noqa: ANN201
    service_id: Id, who: Writer, if_match: IfMatch, body: VersionBody | None = None
):
    version = version_of(if_match, body.version if body is not None else None)
    saved = who.act(service.bring_back_service, service_id, version)
    return ok(saved, version=saved.version)
