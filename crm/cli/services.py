"""`service …` commands: the catalogue (list, show) and its upkeep (management: create, update,
retire)."""

from __future__ import annotations

import click

from crm import permissions, validation
from crm.cli.common import format_options, list_options, pass_context, password_option, show_list
from crm.cli.context import CommandContext
from crm.cli.output import Table, note, write_one
from crm.errors import StaleRecord, ValidationError
from crm.i18n import N_, _
from crm.models import Service, ServiceFields, Unit
from crm.permissions import Action
from crm.services import catalogue as service
from crm.ui.catalogue import SERVICE_HEADERS, print_service, service_row

TABLE = Table(SERVICE_HEADERS, service_row)
UNITS = click.Choice([u.value for u in Unit])


@click.group("service")
def service_group() -> None:
    """Services: the catalogue everyone quotes from; management creates, updates and retires them."""


@service_group.command("list")
@click.option("--active", is_flag=True, help="Only the services that can be quoted (not retired).")
@list_options
@pass_context
def list_services(
    ctx: CommandContext, active: bool, page: int, page_size: int, every: bool, fmt: str, excel: bool
) -> None:
    """Services by name.

    \b
    Examples:
      python -m main service list --active
      python -m main service list --all --format csv > catalogue.csv
    """
    ctx.employee()
    backend = ctx.backend
    fetch = lambda o, n: backend.run(service.list_services, o, n, active_only=active)  # noqa: E731
    show_list(ctx, fetch, Service, TABLE, page=page, page_size=page_size, every=every, fmt=fmt, excel=excel)


@service_group.command("show")
@click.argument("service_id", type=click.IntRange(min=1), metavar="ID")
@format_options
@pass_context
def show(ctx: CommandContext, service_id: int, fmt: str, excel: bool) -> None:
    """One service in detail."""
    ctx.employee()
    found = ctx.backend.run(service.get_service, service_id)
    write_one(found, fmt, lambda: print_service(found), excel=excel)


def _checked(name: str, description: str, price: str, unit: str) -> ServiceFields:
    """The fields, each checked as the form checks it (one line for the first bad one)."""
    return ServiceFields(
        name=validation.name(name, _("Name")),
        description=validation.text(description, _("Description"), service.DESCRIPTION_MAX, multiline=True),
        unit_price=validation.amount(price, _("Unit price")),
        unit=service.clean_unit(unit),
    )


@service_group.command("create")
@click.option("--name", required=True, help="Name (unique, ignoring case).")
@click.option("--price", required=True, help="Unit price, like 45.00.")
@click.option("--unit", required=True, type=UNITS, help="What the price is for: per event, guest or hour.")
@click.option("--description", default="", help="What it includes.")
@password_option
@format_options
@pass_context
def create(
    ctx: CommandContext,
    name: str,
    price: str,
    unit: str,
    description: str,
    password_stdin: bool,
    fmt: str,
    excel: bool,
) -> None:
    """Add a service to the catalogue (management).

    \b
    Example:
      python -m main service create --name Catering --price 45.00 --unit guest \\
          --description "Three courses, drinks included"
    """
    ctx.password_stdin = password_stdin
    actor = ctx.employee()
    permissions.require(actor, Action.MANAGE_SERVICES)
    fields = _checked(name, description, price, unit)
    ctx.backend.run(service.check_name_free, fields.name)
    actor = ctx.confirm_write(actor)
    saved = ctx.backend.act(actor, service.create_service, fields)
    write_one(saved, fmt, lambda: print_service(saved), excel=excel)
    note(_("Service {id} ({name}) added to the catalogue.").format(id=saved.id, name=saved.name))


def _current(ctx: CommandContext, service_id: int, version: int | None) -> Service:
    current = ctx.backend.run(service.get_service, service_id)
    if version is not None and version != current.version:
        raise StaleRecord(
            _("Service {service_id} is at version {version}, not {version2}: reload and try again.").format(
                service_id=service_id, version=current.version, version2=version
            )
        )
    return current


VERSION = click.option(
    "--version",
    "version",
    type=click.IntRange(min=1),
    help="Refuse if the service is no longer at this version.",
)


@service_group.command("update")
@click.argument("service_id", type=click.IntRange(min=1), metavar="ID")
@click.option("--name", help="New name.")
@click.option("--price", help="New unit price (lines already quoted keep theirs).")
@click.option("--unit", type=UNITS, help="New unit.")
@click.option("--description", help="New description ('' to clear it).")
@VERSION
@password_option
@format_options
@pass_context
def update(
    ctx: CommandContext,
    service_id: int,
    name: str | None,
    price: str | None,
    unit: str | None,
    description: str | None,
    version: int | None,
    password_stdin: bool,
    fmt: str,
    excel: bool,
) -> None:
    """Update a service (management): only the options given change.

    \b
    Example:
      python -m main service update 3 --price 48.50 --version 2
    """
    ctx.password_stdin = password_stdin
    actor = ctx.employee()
    permissions.require(actor, Action.MANAGE_SERVICES)
    current = _current(ctx, service_id, version)
    fields = _checked(
        current.name if name is None else name,
        current.description if description is None else description,
        format(current.unit_price, "f") if price is None else price,
        current.unit if unit is None else unit,
    )
    if fields == ServiceFields(current.name, current.description, current.unit_price, Unit(current.unit)):
        note(_("Nothing changed."))
        return
    ctx.backend.run(service.check_name_free, fields.name, service_id)
    actor = ctx.confirm_write(actor)
    saved = ctx.backend.act(actor, service.update_service, service_id, current.version, fields)
    write_one(saved, fmt, lambda: print_service(saved), excel=excel)
    note(_("Service {id} saved (version {version}).").format(id=saved.id, version=saved.version))


@service_group.command("retire")
@click.argument("service_id", type=click.IntRange(min=1), metavar="ID")
@click.option("--restore", is_flag=True, help="Put a retired service back in the catalogue instead.")
@VERSION
@password_option
@format_options
@pass_context
def retire(
    ctx: CommandContext,
    service_id: int,
    restore: bool,
    version: int | None,
    password_stdin: bool,
    fmt: str,
    excel: bool,
) -> None:
    """Retire a service (management): no new line can use it; lines already quoted keep it.

    \b
    Examples:
      python -m main service retire 3
      python -m main service retire 3 --restore
    """
    ctx.password_stdin = password_stdin
    actor = ctx.employee()
    permissions.require(actor, Action.MANAGE_SERVICES)
    current = _current(ctx, service_id, version)
    if current.is_active == restore:
        already = (
            N_("Service {service_id} ({name}) is already in the catalogue.")
            if restore
            else N_("Service {service_id} ({name}) is already retired.")
        )
        raise ValidationError(_(already).format(service_id=service_id, name=current.name))
    actor = ctx.confirm_write(actor)
    change = service.bring_back_service if restore else service.retire_service
    saved = ctx.backend.act(actor, change, service_id, current.version)
    write_one(saved, fmt, lambda: print_service(saved), excel=excel)
    note(
        (
            _("Service {id} ({name}) is back in the catalogue.")
            if restore
            else _("Service {id} ({name}) retired.")
        ).format(id=saved.id, name=saved.name)
    )
