"""The command tree's root: `python -m main [OPTIONS] COMMAND …`; no command: the menus.

Subcommands are imported only when used, so a command pays only for what it needs.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from crm import __version__
from crm.cli import exits, language
from crm.i18n import N_, _, speaking

# name -> (module, attribute, one-line summary shown by --help without importing the module)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "login": ("crm.cli.account", "login", N_("Log in: start a session for the commands.")),
    "logout": ("crm.cli.account", "logout", N_("Log out: end the session.")),
    "whoami": ("crm.cli.account", "whoami", N_("Who is logged in.")),
    "password": ("crm.cli.account", "password", N_("Change your own password.")),
    "client": ("crm.cli.clients", "client", N_("Clients: list, show, create, update, reassign.")),
    "contract": (
        "crm.cli.contracts",
        "contract",
        N_("Contracts: list, show, create, update, sign, pay, correct a payment."),
    ),
    "event": (
        "crm.cli.events",
        "event",
        N_("Events: list, show, create, update, assign support, status, agenda, .ics export."),
    ),
    "employee": (
        "crm.cli.employees",
        "employee",
        N_("Employees: list, show, create, update, (de)activate, reset a password."),
    ),
    "service": ("crm.cli.services", "service_group", N_("Services: the catalogue; create, update, retire.")),
    "opportunity": (
        "crm.cli.opportunities",
        "opportunity",
        N_("Opportunities: list, show, create, edit lines, move, lose, win."),
    ),
    "pipeline": ("crm.cli.pipeline", "pipeline", N_("The pipeline report (management and sales).")),
    "history": ("crm.cli.history", "history", N_("The history of a record (management).")),
    "serve": ("crm.cli.serve", "serve", N_("Serve the HTTP API (docs at /api/docs).")),
    "digest": ("crm.cli.digest", "digest", N_("Your digest: what your team needs to look at today.")),
    "export": (
        "crm.cli.csvfiles",
        "export",
        N_("Export clients, contracts, events or payments to a CSV file."),
    ),
    "import": ("crm.cli.csvfiles", "import_group", N_("Import clients from a CSV file (sales, management).")),
    "notifications": (
        "crm.cli.notifications",
        "notifications",
        N_("Your notifications (support): list, mark read."),
    ),
    "mail": ("crm.cli.mail", "mail", N_("E-mailed notifications: drain the outbox (for cron).")),
    "help": ("crm.cli.root", "help_command", N_("Help on a command, or on the exit statuses.")),
}


class LazyGroup(click.Group):
    """A group whose commands are imported when they are run or their help is asked."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attribute, _ = COMMANDS[cmd_name]
        command = getattr(importlib.import_module(module), attribute)
        return language.translate(command)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, _(summary)) for name, (_module, _attribute, summary) in COMMANDS.items()]
        with formatter.section(_("Commands")):
            formatter.write_dl(rows)


EPILOG = """\b
Examples:
  python -m main                       the interactive program (menus)
  python -m main login                 start a session for the commands
  python -m main client list --format json
  python -m main client create --name "Kevin Casey" --email kevin@startup.io
  python -m main help exit-codes       what each exit status means
"""


@click.group(
    cls=LazyGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=EPILOG,
)
@click.version_option(__version__, "--version", prog_name="Epic Events CRM", message="%(prog)s %(version)s")
@click.option(
    "--upgrade", is_flag=True, help="Apply schema upgrades on a server (asks for superuser credentials)."
)
@click.option("--demo-data", is_flag=True, help="Load sample data to try the program, then exit.")
@click.option(
    "--clients", type=click.IntRange(min=1), default=1000, metavar="N", help="Demo clients (default 1000)."
)
@click.option("--force", is_flag=True, help="Load demo data even beside real data.")
@click.option(
    "--backup", metavar="FILE", help="Write a backup of the CRM database to FILE (mode 0600), then exit."
)
@click.option("--restore", metavar="FILE", help="Restore a backup into a new database and write its config.")
@click.option(
    "--unlock", metavar="USERNAME", help="Lift an employee's login lock (installer: superuser credentials)."
)
@click.pass_context
def cli(
    ctx: click.Context,
    upgrade: bool,
    demo_data: bool,
    clients: int,
    force: bool,
    backup: str | None,
    restore: str | None,
    unlock: str | None,
) -> None:
    """Epic Events CRM.

    With no command: the interactive, menu-driven program (the setup wizard on a first run). With
    a command: one action, for scripts and pipelines; log in first with `python -m main login`.
    """
    if ctx.invoked_subcommand is not None:
        from crm.cli.context import CommandContext

        ctx.call_on_close(ctx.ensure_object(CommandContext).close)
        return
    argv: list[str] = []
    if upgrade:
        argv.append("--upgrade")
    if demo_data:
        argv += ["--demo-data", "--clients", str(clients)] + (["--force"] if force else [])
    for option, value in (("--backup", backup), ("--restore", restore), ("--unlock", unlock)):
        if value is not None:
            argv += [option, value]
    from crm import app

    ctx.exit(app.main(argv))


@click.command("help")
@click.argument("topic", nargs=-1)
@click.pass_context
def help_command(ctx: click.Context, topic: tuple[str, ...]) -> None:
    """Help on a command (`help client create`), or `help exit-codes`."""
    if topic == ("exit-codes",):
        click.echo(_("Exit statuses (the reason is printed on standard error):"))
        for status, meaning in exits.DESCRIPTIONS.items():
            click.echo(f"  {status:>3}  {_(meaning)}")
        click.echo(f"  {exits.BUG:>3}  " + _("an unexpected error: reported with a reference, see the log"))
        return
    command: click.Command = cli
    names: list[str] = []
    for name in topic:
        if not isinstance(command, click.Group):
            raise click.UsageError(
                _("{items} has no subcommand {name!r}.").format(items=" ".join(names), name=name)
            )
        found = command.get_command(ctx, name)
        if found is None:
            raise click.UsageError(_("No such command: {items}.").format(items=" ".join([*names, name])))
        command, names = found, [*names, name]
    info = click.Context(command, info_name=" ".join(["python -m main", *names]))
    click.echo(command.get_help(info))


def run(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status (never raise, never a traceback)."""
    args = sys.argv[1:] if argv is None else argv
    language.speak_for_click()
    with speaking(language.for_command()):
        language.translate(cli)
        return _run(args)


def _run(args: list[str]) -> int:
    from crm.errors import CRMError

    try:
        result: Any = cli.main(args=args, prog_name="python -m main", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as shown:
        click.echo(shown.ctx.get_help() if shown.ctx else str(shown), err=True)
        return exits.USAGE
    except click.UsageError as error:
        error.show()
        return exits.USAGE
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.Abort:
        click.echo(_("Interrupted."), err=True)
        return exits.INTERRUPTED
    except KeyboardInterrupt:
        click.echo("\n" + _("Interrupted."), err=True)
        return exits.INTERRUPTED
    except CRMError as error:
        click.echo(str(error), err=True)
        return exits.for_error(error)
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except Exception as error:  # noqa: BLE001 — reported with a reference, never a traceback
        from crm import monitoring

        click.echo(monitoring.report(error), err=True)
        return exits.BUG
    finally:
        from crm import monitoring

        monitoring.flush()
    return result if isinstance(result, int) else exits.OK
