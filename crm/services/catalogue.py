"""The catalogue of services (sql/0013_pipeline.sql): everyone reads it; management creates,
updates and retires services (never deletes them: lines already quoted keep naming them).

Each write is one transaction that reads the service under lock, re-reads the actor and asks
crm.permissions once (crm.services.actor), validates, and writes with the version the editor read.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from decimal import Decimal

from crm import validation
from crm.db import Database
from crm.errors import NotFound, StaleRecord, ValidationError
from crm.models import Employee, Service, ServiceFields, Unit
from crm.permissions import Action
from crm.repositories.services_catalogue import ServiceRepository
from crm.services.actor import recheck_actor
from crm.services.rules import rules_as_messages

__all__ = [
    "ServiceFields",
    "Unit",
    "bring_back_service",
    "check_name_free",
    "clean_fields",
    "create_service",
    "database_rules_as_messages",
    "get_service",
    "list_services",
    "retire_service",
    "update_service",
]

DESCRIPTION_MAX = 2000
NAME_TAKEN = "Another service already has this name."
UNIT_LABELS = {Unit.EVENT: "per event", Unit.GUEST: "per guest", Unit.HOUR: "per hour"}

_RULE_MESSAGES = {
    "services_name_key": NAME_TAKEN,
    "services_name_check": f"A name cannot be blank and has at most {validation.NAME_MAX} characters.",
    "services_description_check": f"A description has at most {DESCRIPTION_MAX} characters.",
    "services_unit_price_check": "The unit price cannot be negative.",
    "services_unit_check": "The unit is per event, per guest or per hour.",
    "services_name_text": validation.text_rule("Name", shown=True),
    "services_description_text": validation.text_rule("Description", multiline=True),
}


def database_rules_as_messages() -> AbstractContextManager[None]:
    """Turn a broken service rule (CHECK, UNIQUE) into a one-line ValidationError."""
    return rules_as_messages(_RULE_MESSAGES)


def clean_unit(value: object) -> Unit:
    """event, guest or hour (also "per guest")."""
    text = value.strip().lower().removeprefix("per ").strip() if isinstance(value, str) else None
    try:
        return Unit(text or "")
    except ValueError:
        raise ValidationError(
            "The unit is per event, per guest or per hour (event, guest or hour)."
        ) from None


def clean_price(value: object, what: str = "Unit price") -> Decimal:
    """An exact amount >= 0 with at most 2 decimals (a Decimal, an int or typed text)."""
    if isinstance(value, str):
        return validation.amount(value, what)
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ValidationError(f"{what} must be an exact decimal amount.")
    return validation.exact_amount(value, what)


def clean_fields(fields: ServiceFields) -> ServiceFields:
    """Validated service fields: a name, an optional description, a unit price and a unit."""
    if not isinstance(fields.name, str) or not isinstance(fields.description, str):
        raise ValidationError("Service fields must be text.")
    return ServiceFields(
        name=validation.name(fields.name, "Name"),
        description=validation.text(fields.description, "Description", DESCRIPTION_MAX, multiline=True),
        unit_price=clean_price(fields.unit_price),
        unit=clean_unit(fields.unit),
    )


# Reads --------------------------------------------------------------------------------------------


def list_services(db: Database, offset: int, limit: int, *, active_only: bool = False) -> list[Service]:
    """A page of services by name; only those that can be quoted if active_only."""
    return ServiceRepository(db.conn).list_by_name(offset, limit, active_only=active_only)


def get_service(db: Database, service_id: int) -> Service:
    """One service, or NotFound."""
    service = ServiceRepository(db.conn).get(service_id)
    if service is None:
        raise NotFound(f"No service with id {service_id}.")
    return service


def check_name_free(db: Database, name: str, service_id: int | None = None) -> None:
    """Refuse a name another service already has, ignoring case (early feedback for a form)."""
    if ServiceRepository(db.conn).name_in_use(name, service_id):
        raise ValidationError(NAME_TAKEN)


# Writes -------------------------------------------------------------------------------------------


def _locked(repo: ServiceRepository, service_id: int) -> Service:
    service = repo.get(service_id, lock=True)
    if service is None:
        raise NotFound(f"No service with id {service_id}.")
    return service


def create_service(db: Database, actor: Employee, fields: ServiceFields) -> Service:
    """Add a service to the catalogue (management)."""
    repo = ServiceRepository(db.conn)
    with db.transaction(actor.id), database_rules_as_messages():
        recheck_actor(db, actor, Action.MANAGE_SERVICES)
        service_id = repo.insert(clean_fields(fields))
    return get_service(db, service_id)


def update_service(
    db: Database, actor: Employee, service_id: int, version: int, fields: ServiceFields
) -> Service:
    """Save a service's name, description, unit price and unit (management). Lines already quoted
    keep the price they were given."""
    repo = ServiceRepository(db.conn)
    with db.transaction(actor.id), database_rules_as_messages():
        current = _locked(repo, service_id)
        recheck_actor(db, actor, Action.MANAGE_SERVICES)
        if current.version != version:
            raise StaleRecord()
        if not repo.update(service_id, version, clean_fields(fields)):
            raise StaleRecord()
    return get_service(db, service_id)


def _set_active(db: Database, actor: Employee, service_id: int, version: int, active: bool) -> Service:
    repo = ServiceRepository(db.conn)
    with db.transaction(actor.id), database_rules_as_messages():
        current = _locked(repo, service_id)
        recheck_actor(db, actor, Action.MANAGE_SERVICES)
        if current.version != version:
            raise StaleRecord()
        if current.is_active == active:
            state = "in the catalogue" if active else "retired"
            raise ValidationError(f"Service {service_id} ({current.name}) is already {state}.")
        if not repo.set_active(service_id, version, active):
            raise StaleRecord()
    return get_service(db, service_id)


def retire_service(db: Database, actor: Employee, service_id: int, version: int) -> Service:
    """Retire a service (management): no new line can use it; existing lines keep it."""
    return _set_active(db, actor, service_id, version, False)


def bring_back_service(db: Database, actor: Employee, service_id: int, version: int) -> Service:
    """Put a retired service back in the catalogue (management)."""
    return _set_active(db, actor, service_id, version, True)
