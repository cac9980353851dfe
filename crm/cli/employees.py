"""`employee …` commands: list, show (everyone); create, update, deactivate, reactivate,
reset-password, hand-over (management)."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from crm import permissions, validation
from crm.cli.common import format_options, list_options, pass_context, password_option, show_list
from crm.cli.context import CommandContext
from crm.cli.output import Table, note, write_one
from crm.errors import StaleRecord
from crm.i18n import _, ngettext
from crm.models import Employee, EmployeeFields, Team
from crm.permissions import Action
from crm.services import employees as service
from crm.ui.employees import LIST_HEADERS, employee_row, show_employee

TABLE = Table(LIST_HEADERS, employee_row)
TEAMS = click.Choice([team.value for team in Team])
NEW_PASSWORD = click.option(
    "--new-password-stdin",
    is_flag=True,
    help="Read the new password from standard input (after your own with --password-stdin).",
)


@click.group()
def employee() -> None:
    """Employees: everyone lists and reads them; management creates, updates, (de)activates them."""


@employee.command("list")
@click.option("--team", type=TEAMS, help="Only this team.")
@click.option(
    "--status",
    type=click.Choice(["active", "deactivated", "all"]),
    default="active",
    show_default=True,
    help="Active employees, deactivated ones, or both.",
)
@click.option("--inactive", is_flag=True, help="Same as --status deactivated.")
@list_options
@pass_context
def list_employees(
    ctx: CommandContext,
    team: str | None,
    status: str,
    inactive: bool,
    page: int,
    page_size: int,
    every: bool,
    fmt: str,
    excel: bool,
) -> None:
    """Employees by name (never a password or a failed login)."""
    ctx.employee()
    active = {"active": True, "deactivated": False, "all": None}["deactivated" if inactive else status]
    chosen = Team(team) if team else None
    backend = ctx.backend
    fetch = lambda o, n: backend.run(service.list_employees, o, n, team=chosen, active=active)  # noqa: E731
    show_list(ctx, fetch, Employee, TABLE, page=page, page_size=page_size, every=every, fmt=fmt, excel=excel)


@employee.command("show")
@click.argument("employee_id", type=click.IntRange(min=1), metavar="ID")
@format_options
@pass_context
def show(ctx: CommandContext, employee_id: int, fmt: str, excel: bool) -> None:
    """One employee in detail."""
    ctx.employee()
    found = ctx.backend.run(service.get_employee, employee_id)
    write_one(found, fmt, lambda: show_employee(found), excel=excel)


def _fields(username: str, name: str, email: str, phone: str | None, team: str) -> EmployeeFields:
    return EmployeeFields(
        username=validation.username(username),
        full_name=validation.name(name, _("Full name")),
        email=validation.email(email),
        phone=validation.phone(phone or ""),
        team=Team(team),
    )


@employee.command("create")
@click.option("--username", required=True, help="3 to 40 letters, digits, '.', '-' or '_'.")
@click.option("--name", required=True, help="Full name.")
@click.option("--email", required=True, help="E-mail address.")
@click.option("--phone", help="Phone.")
@click.option("--team", required=True, type=TEAMS, help="Team.")
@NEW_PASSWORD
@password_option
@format_options
@pass_context
def create(
    ctx: CommandContext,
    username: str,
    name: str,
    email: str,
    phone: str | None,
    team: str,
    new_password_stdin: bool,
    password_stdin: bool,
    fmt: str,
    excel: bool,
) -> None:
    """Create an employee with an initial password (management).

    \b
    Example:
      python -m main employee create --username kate --name "Kate Hastroff" \\
          --email kate@epicevents.fr --team support
    """
    ctx.password_stdin = password_stdin
    actor = ctx.employee()
    permissions.require(actor, Action.MANAGE_EMPLOYEES)
    fields = _fields(username, name, email, phone, team)
    ctx.backend.run(service.check_username_free, fields.username)
    ctx.backend.run(service.check_email_free, fields.email)
    actor = ctx.confirm_write(actor)
    initial = ctx.new_password(fields.username, new_password_stdin)
    saved = ctx.backend.act(actor, service.create_employee, fields, initial)
    write_one(saved, fmt, lambda: show_employee(saved), excel=excel)
    note(
        _("Employee {id} created: {username} ({full_name}, {team}).").format(
            id=saved.id,
            username=saved.username,
            full_name=saved.full_name,
            team=permissions.team_name(saved.team),
        )
    )


@employee.command("update")
@click.argument("employee_id", type=click.IntRange(min=1), metavar="ID")
@click.option("--username", help="New username.")
@click.option("--name", help="New full name.")
@click.option("--email", help="New e-mail address.")
@click.option("--phone", help="New phone ('' to clear it).")
@click.option("--team", type=TEAMS, help="New team (not your own; not the last manager's).")
@click.option(
    "--version",
    "version",
    type=click.IntRange(min=1),
    help="Refuse if the employee is no longer at this version.",
)
@password_option
@format_options
@pass_context
def update(
    ctx: CommandContext,
    employee_id: int,
    username: str | None,
    name: str | None,
    email: str | None,
    phone: str | None,
    team: str | None,
    version: int | None,
    password_stdin: bool,
    fmt: str,
    excel: bool,
) -> None:
    """Update an employee (management): only the options given change."""
    ctx.password_stdin = password_stdin
    actor = ctx.employee()
    permissions.require(actor, Action.MANAGE_EMPLOYEES)
    current = ctx.backend.run(service.get_employee, employee_id)
    if version is not None and version != current.version:
        raise StaleRecord(
            _("Employee {employee_id} is at version {version}, not {version2}: reload and try again.").format(
                employee_id=employee_id, version=current.version, version2=version
            )
        )
    fields = _fields(
        current.username if username is None else username,
        current.full_name if name is None else name,
        current.email if email is None else email,
        current.phone if phone is None else phone,
        current.team if team is None else team,
    )
    if fields == EmployeeFields(
        current.username, current.full_name, current.email, current.phone, current.team
    ):
        note(_("Nothing changed."))
        return
    now = datetime.now(UTC)
    ctx.backend.act(actor, service.team_change_check, current, fields.team, now)
    actor = ctx.confirm_write(actor)
    saved = ctx.backend.act(actor, service.update_employee, employee_id, current.version, fields, now)
    write_one(saved, fmt, lambda: show_employee(saved), excel=excel)
    note(_("Employee {id} saved (version {version}).").format(id=saved.id, version=saved.version))


@employee.command("deactivate")
@click.argument("employee_id", type=click.IntRange(min=1), metavar="ID")
@click.option("--yes", is_flag=True, help="Deactivate even though they still have clients or coming events.")
@password_option
@format_options
@pass_context
def deactivate(
    ctx: CommandContext, employee_id: int, yes: bool, password_stdin: bool, fmt: str, excel: bool
) -> None:
    """Deactivate an employee (management): they cannot log in any more, their sessions end."""
    from crm.errors import ValidationError

    ctx.password_stdin = password_stdin
    actor = ctx.employee()
    now = datetime.now(UTC)
    pending = ctx.backend.act(actor, service.deactivation_check, employee_id, now)
    if pending and not yes:
        target = ctx.backend.run(service.get_employee, employee_id)
        for record in pending.clients:
            note(_("  client {id}: {name}").format(id=record.id, name=record.name))
        for record in pending.events:
            note(
                _("  event {id}: {name} ({detail})").format(
                    id=record.id, name=record.name, detail=record.detail
                )
            )
        raise ValidationError(
            _(
                "{full_name} still has {summary} to reassign: reassign them first, or deactivate "
                "anyway with --yes."
            ).format(full_name=target.full_name, summary=pending.summary())
        )
    actor = ctx.confirm_write(actor)
    saved = ctx.backend.act(
        actor, service.deactivate_employee, employee_id, now, reassignments_seen=bool(pending)
    )
    write_one(saved, fmt, lambda: show_employee(saved), excel=excel)
    note(
        _("{full_name} ({username}) is deactivated.").format(
            full_name=saved.full_name, username=saved.username
        )
    )


@employee.command("reactivate")
@click.argument("employee_id", type=click.IntRange(min=1), metavar="ID")
@password_option
@format_options
@pass_context
def reactivate(ctx: CommandContext, employee_id: int, password_stdin: bool, fmt: str, excel: bool) -> None:
    """Let a deactivated employee log in again (management)."""
    ctx.password_stdin = password_stdin
    actor = ctx.employee()
    permissions.require(actor, Action.MANAGE_EMPLOYEES)
    actor = ctx.confirm_write(actor)
    saved = ctx.backend.act(actor, service.reactivate_employee, employee_id)
    write_one(saved, fmt, lambda: show_employee(saved), excel=excel)
    note(
        _("{full_name} ({username}) is active again.").format(
            full_name=saved.full_name, username=saved.username
        )
    )


@employee.command("reset-password")
@click.argument("employee_id", type=click.IntRange(min=1), metavar="ID")
@NEW_PASSWORD
@password_option
@pass_context
def reset_password(
    ctx: CommandContext, employee_id: int, new_password_stdin: bool, password_stdin: bool
) -> None:
    """Give another employee a new password (management): it lifts a login lock and ends their
    sessions."""
    ctx.password_stdin = password_stdin
    actor = ctx.employee()
    permissions.require(actor, Action.MANAGE_EMPLOYEES)
    permissions.require_none(permissions.reset_refusal(actor, employee_id))
    target = ctx.backend.run(service.get_employee, employee_id)
    actor = ctx.confirm_write(actor)
    password = ctx.new_password(target.username, new_password_stdin)
    ctx.backend.act(actor, service.reset_password, employee_id, password)
    note(_("Password of {username} reset; give it to them in person.").format(username=target.username))


@employee.command("hand-over")
@click.argument("employee_id", type=click.IntRange(min=1), metavar="ID")
@click.option(
    "--to",
    "to_id",
    required=True,
    type=click.IntRange(min=1),
    metavar="ID",
    help="Who gets them (same team).",
)
@click.option("--deactivate", is_flag=True, help="Also deactivate the employee, in the same transaction.")
@password_option
@format_options
@pass_context
def hand_over(
    ctx: CommandContext,
    employee_id: int,
    to_id: int,
    deactivate: bool,
    password_stdin: bool,
    fmt: str,
    excel: bool,
) -> None:
    """Hand all of an employee's clients (sales) or events not ended (support) to another active
    employee of the same team, in one step (management). Output: what moved, as (id, version
    before) pairs.

    \b
    Example:
      python -m main employee hand-over 7 --to 9 --deactivate
    """
    ctx.password_stdin = password_stdin
    actor = ctx.employee()
    permissions.require(actor, Action.HAND_OVER)
    if deactivate:
        permissions.require(actor, Action.MANAGE_EMPLOYEES)
    target = ctx.backend.run(service.get_employee, employee_id)
    successor = ctx.backend.run(service.get_employee, to_id)
    actor = ctx.confirm_write(actor)
    done = ctx.backend.act(
        actor, service.hand_over, employee_id, to_id, datetime.now(UTC), deactivate=deactivate
    )

    def detail() -> None:
        for record_id, _version in done.clients:
            print(_("client {id}").format(id=record_id))
        for record_id, _version in done.events:
            print(_("event {id}").format(id=record_id))

    write_one(done, fmt, detail, excel=excel)
    handed = (
        ngettext(
            "{count} client of {name} handed over to {successor}.",
            "{count} clients of {name} handed over to {successor}.",
            done.count,
        )
        if target.team == Team.SALES
        else ngettext(
            "{count} event of {name} handed over to {successor}.",
            "{count} events of {name} handed over to {successor}.",
            done.count,
        )
    )
    note(handed.format(count=done.count, name=target.full_name, successor=successor.full_name))
    if deactivate:
        note(
            _("{full_name} ({username}) is deactivated.").format(
                full_name=target.full_name, username=target.username
            )
        )
