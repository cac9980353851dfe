"""The Services section, management's: the catalogue and its upkeep. (Everyone reads the
catalogue — sales see it when adding a line, and through `service list` — but the section, which
is for keeping it, is management's: a main menu of at most nine entries for sales and support.)"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from crm import permissions, validation
from crm.i18n import N_, _
from crm.models import Service, ServiceFields, Unit
from crm.permissions import Action
from crm.services import catalogue as service
from crm.ui.menu import MenuAction, Section
from crm.ui.render import NAME, WHOLE, Column, Columns, show_record
from crm.ui.session import Session

SERVICE_HEADERS = Columns(
    Column(N_("Id"), WHOLE),
    Column(N_("Name"), NAME, least=14, most=40),
    Column(N_("Unit price"), WHOLE),
    Column(N_("Unit"), WHOLE),
    Column(N_("In catalogue"), WHOLE),
    Column(N_("Description"), least=10, most=40, drop=1),
    show=N_("Show a service gives the whole record"),
)


def unit_label(unit: Unit | str) -> str:
    """'per guest' for guest."""
    return _(service.UNIT_LABELS.get(Unit(unit), str(unit)))  # the same words as PER_UNIT


def service_row(record: Service) -> tuple:
    """One line of a services table."""
    return (
        record.id,
        record.name,
        record.unit_price,
        unit_label(record.unit),
        record.is_active,
        record.description or None,
    )


def print_service(record: Service) -> None:
    """One service in detail (shared with the commands)."""
    show_record(
        _("Service {id}").format(id=record.id),
        [
            (_("Name"), record.name),
            (_("Unit price"), record.unit_price),
            (_("Unit"), unit_label(record.unit)),
            (_("In catalogue"), _("yes") if record.is_active else _("no (retired)")),
            (_("Description"), record.description or None),
            (_("Created"), record.created_at),
            (_("Last updated"), record.updated_at),
        ],
    )


def ask_service(session: Session, message: str = N_("Service id:")) -> Service:
    """Ask for a service id until it names a service."""
    return session.ask_record(message, N_("Service id"), service.get_service)


def _browse(session: Session, title: str, fetch) -> None:
    session.browse(title, fetch, SERVICE_HEADERS, service_row)


def list_services(session: Session) -> None:
    """Every service by name, retired ones included."""
    _browse(session, _("Services"), session.pages(service.list_services))


def show_one_service(session: Session) -> None:
    """One service in detail."""
    print_service(ask_service(session))


UNIT_CHOICES: Sequence[tuple[str, Unit]] = [(unit_label(u), u) for u in Unit]


def _ask_fields(session: Session, current: Service | None) -> ServiceFields:
    """Ask every field of a service (current values as defaults); each answer is checked at once."""
    service_id = current.id if current else None

    def parse_name(raw: str) -> str:
        name = validation.name(raw, _("Name"))
        session.run(service.check_name_free, name, service_id)
        return name

    name = session.ask(_("Name:"), parse_name, current.name if current else "")
    description = session.ask(
        _("Description (optional):"),
        partial(validation.text, what=_("Description"), max_len=service.DESCRIPTION_MAX),
        current.description if current else "",
    )
    price = session.ask(
        _("Unit price:"),
        partial(validation.amount, what=_("Unit price")),
        format(current.unit_price, "f") if current else "",
    )
    unit = session.ask(
        _("Unit (event, guest or hour):"), service.clean_unit, str(current.unit) if current else "event"
    )
    return ServiceFields(name, description, price, unit)


def create_service(session: Session) -> None:
    """Management: add a service to the catalogue."""
    permissions.require(session.employee, Action.MANAGE_SERVICES)
    fields = _ask_fields(session, None)
    session.confirm_write()
    saved = session.act(service.create_service, fields)
    print(_("Service {id} ({name}) added to the catalogue.").format(id=saved.id, name=saved.name))


def update_service(session: Session) -> None:
    """Management: edit a service (lines already quoted keep their price)."""
    permissions.require(session.employee, Action.MANAGE_SERVICES)
    current = ask_service(session)
    print_service(current)
    print(_("Press Enter to keep a value."))
    fields = _ask_fields(session, current)
    if fields == ServiceFields(current.name, current.description, current.unit_price, Unit(current.unit)):
        print(_("Nothing changed."))
        return
    session.confirm_write()
    saved = session.act(service.update_service, current.id, current.version, fields)
    print(_("Service {id} saved.").format(id=saved.id))


def retire_service(session: Session) -> None:
    """Management: retire a service (no new line can use it), or put a retired one back."""
    permissions.require(session.employee, Action.MANAGE_SERVICES)
    current = ask_service(session)
    if current.is_active:
        if not session.prompts.confirm(
            _("Retire {name}? No new line will be able to use it.").format(name=current.name), False
        ):
            print(_("Nothing changed."))
            return
        session.confirm_write()
        saved = session.act(service.retire_service, current.id, current.version)
        print(_("Service {id} ({name}) retired.").format(id=saved.id, name=saved.name))
    else:
        if not session.prompts.confirm(
            _("{name} is retired. Put it back in the catalogue?").format(name=current.name), False
        ):
            print(_("Nothing changed."))
            return
        session.confirm_write()
        saved = session.act(service.bring_back_service, current.id, current.version)
        print(_("Service {id} ({name}) is back in the catalogue.").format(id=saved.id, name=saved.name))


def catalogue_section() -> Section:
    """The Services section."""
    return Section(
        N_("Services"),
        (
            MenuAction(N_("List services"), list_services, Action.MANAGE_SERVICES),
            MenuAction(N_("Show a service"), show_one_service, Action.MANAGE_SERVICES),
            MenuAction(N_("Create a service"), create_service, Action.MANAGE_SERVICES),
            MenuAction(N_("Update a service"), update_service, Action.MANAGE_SERVICES),
            MenuAction(N_("Retire or restore a service"), retire_service, Action.MANAGE_SERVICES),
        ),
    )
