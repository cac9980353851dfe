"""login, logout, whoami, password: a command-line session and one's own account."""

from __future__ import annotations

import click

from crm import permissions
from crm.cli.common import format_options, pass_context
from crm.cli.context import CommandContext, stdin_is_terminal
from crm.cli.output import note, write_one
from crm.errors import AuthenticationError, ValidationError
from crm.i18n import _
from crm.services import auth
from crm.services import employees as employee_service
from crm.services.backend import DirectBackend
from crm.services.sessions import SessionEnded


@click.command()
@click.option("--username", help="Your username (asked when not given).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (first line).")
@pass_context
def login(ctx: CommandContext, username: str | None, password_stdin: bool) -> None:
    """Log in: start a session for the commands (kept in a private file, never the password).

    \b
    Examples:
      python -m main login
      printf '%s\\n' "$CRM_PASS" | python -m main login --username bill --password-stdin
    """
    ctx.password_stdin = password_stdin
    if username is None:
        if not stdin_is_terminal():
            raise click.UsageError(_("Give --username (standard input is not a terminal)."))
        username = click.prompt(_("Username"), err=True)
    password = ctx.read_secret(_("Password: "))
    backend = ctx.backend
    old = ctx.read_token()
    devices = ctx.devices()
    name = auth.typed_username(username)
    device_token = devices.token_for(name)
    employee = backend.log_in(username, password, device_token=device_token)
    devices.remember(name, device_token)
    if old:
        previous = ctx.new_backend()
        previous.token = old
        try:
            previous.log_out()
        except SessionEnded:
            pass  # it had ended by itself
        finally:
            close = getattr(previous, "close", None)  # a CRM server's client
            if close is not None:
                close()
    ctx.keep_token(backend.token or "")
    if not isinstance(backend, DirectBackend):  # the CRM server's own settings decide
        note(
            _("Logged in as {username} ({full_name}, {team}) on {server}.").format(
                username=employee.username,
                full_name=employee.full_name,
                team=permissions.team_name(employee.team),
                server=ctx.server,
            )
        )
        return
    hours = backend.policy.lifetime.total_seconds() / 3600
    idle = (backend.policy.idle.total_seconds() / 60) if backend.policy.idle else None
    logged_in = (
        _(
            "Logged in as {username} ({full_name}, {team}); the session ends after {hours:g} h,"
            " or {idle:g} min without a command."
        )
        if idle
        else _("Logged in as {username} ({full_name}, {team}); the session ends after {hours:g} h.")
    )
    note(
        logged_in.format(
            username=employee.username,
            full_name=employee.full_name,
            team=permissions.team_name(employee.team),
            hours=hours,
            idle=idle,
        )
    )


@click.command()
@pass_context
def logout(ctx: CommandContext) -> None:
    """Log out: end the session (doing nothing when there is none)."""
    token = ctx.read_token()
    if token is None:
        note(_("Not logged in."))
        return
    backend = ctx.backend
    backend.token = token
    backend.log_out()
    ctx.forget_session()
    note(_("Logged out."))


@click.command()
@format_options
@pass_context
def whoami(ctx: CommandContext, fmt: str, excel: bool) -> None:
    """Who is logged in (username, name, team)."""
    employee = ctx.employee()
    write_one(
        employee,
        fmt,
        lambda: click.echo(
            _("{username} ({full_name}, {team})").format(
                username=employee.username,
                full_name=employee.full_name,
                team=permissions.team_name(employee.team),
            )
        ),
        excel=excel,
    )


@click.command()
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the current password, then the new one, from standard input (one a line).",
)
@pass_context
def password(ctx: CommandContext, password_stdin: bool) -> None:
    """Change your own password (your other sessions end; this one goes on)."""
    ctx.password_stdin = password_stdin
    employee = ctx.employee()
    current = ctx.read_secret(_("Current password: "))
    if not current:
        raise AuthenticationError(_("No password typed; nothing was changed."))
    new = ctx.read_secret(_("New password: "))
    employee_service.check_password_policy(new, employee.username)
    if not password_stdin and ctx.read_secret(_("New password again: ")) != new:
        raise ValidationError(_("The two passwords differ; nothing was changed."))
    ctx.backend.change_password(current, new)
    note(_("Your password has been changed."))
