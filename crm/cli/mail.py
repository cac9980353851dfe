"""`mail drain`: send the e-mails of the outbox now (for cron; the program also drains after
each event change). Needs the [mail] section of the config, and no login: it only sends what
the database has queued."""

from __future__ import annotations

import click

from crm.cli.common import pass_context
from crm.cli.context import CommandContext
from crm.cli.output import note
from crm.errors import ConfigError
from crm.i18n import _
from crm.services import mail as service


@click.group()
def mail() -> None:
    """E-mailed notifications: drain the outbox."""


@mail.command("drain")
@click.option(
    "--limit", type=click.IntRange(1, 10_000), default=500, show_default=True, help="E-mails at most."
)
@pass_context
def drain(ctx: CommandContext, limit: int) -> None:
    """Send the e-mails that are due (failed ones are tried again later, waiting longer each time).

    \b
    Example (crontab, every 5 minutes):
      */5 * * * *  cd /srv/crm && .venv/bin/python -m main mail drain
    """
    settings = ctx.config.mail
    if ctx.config.server is not None:
        raise ConfigError(
            _(
                "{path} connects to the CRM server at {url}: the server"
                " sends the e-mails (`python -m main mail drain` there)."
            ).format(path=ctx.config.path, url=ctx.config.server.url)
        )
    if settings is None:
        raise ConfigError(_("{path}: no [mail] host: e-mail is off.").format(path=ctx.config.path))
    report = ctx.backend.run(service.drain, settings, limit=limit)
    note(
        _("{sent} sent, {retried} to try again later, {failed} given up, {expired} too old to send.").format(
            sent=report.sent, retried=report.retried, failed=report.failed, expired=report.expired
        )
    )
