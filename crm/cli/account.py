"""login, logout, whoami, password: a command-line session and one's own account."""

from __future__ import annotations

import click

from crm.cli.common import format_options, pass_context
from crm.cli.context import CommandContext, stdin_is_terminal
from crm.cli.output import note, write_one
from crm.errors import AuthenticationError, ValidationError
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
            raise click.UsageError("Give --username (standard input is not a terminal).")
        username = click.prompt("Username", err=True)
    password = ctx.read_secret("Password: ")
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
    who = f"Logged in as {employee.username} ({employee.full_name}, {employee.team})"
    if not isinstance(backend, DirectBackend):  # the CRM server's own settings decide
        note(f"{who} on {ctx.server}.")
        return
    hours = backend.policy.lifetime.total_seconds() / 3600
    idle = (backend.policy.idle.total_seconds() / 60) if backend.policy.idle else None
    ends = f"after {hours:g} h" + (f", or {idle:g} min without a command" if idle else "")
    note(f"{who}; the session ends {ends}.")


@click.command()
@pass_context
def logout(ctx: CommandContext) -> None:
    """Log out: end the session (doing nothing when there is none)."""
    token = ctx.read_token()
    if token is None:
        note("Not logged in.")
        return
    backend = ctx.backend
    backend.token = token
    backend.log_out()
    ctx.forget_session()
    note("Logged out.")


@click.command()
@format_options
@pass_context
def whoami(ctx: CommandContext, fmt: str, excel: bool) -> None:
    """Who is logged in (username, name, team)."""
    employee = ctx.employee()
    write_one(
        employee,
        fmt,
        lambda: click.echo(f"{employee.username} ({employee.full_name}, {employee.team})"),
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
    current = ctx.read_secret("Current password: ")
    if not current:
        raise AuthenticationError("No password typed; nothing was changed.")
    new = ctx.read_secret("New password: ")
    employee_service.check_password_policy(new, employee.username)
    if not password_stdin and ctx.read_secret("New password again: ") != new:
        raise ValidationError("The two passwords differ; nothing was changed.")
    ctx.backend.change_password(current, new)
    note("Your password has been changed.")
