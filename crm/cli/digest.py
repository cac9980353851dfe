"""`digest`: the short screen of what the employee's team needs to look at today (the one shown
after login in the menus), for scripts and a morning cron mail."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

import click

from crm.cli.common import format_options, pass_context
from crm.cli.context import CommandContext
from crm.cli.output import CsvWriter, jsonable, machine_stdout
from crm.models import Digest
from crm.services import digest as service
from crm.ui.digest import print_digest


@dataclasses.dataclass(frozen=True)
class DigestRow:
    """One record of a digest line, flat (CSV and NDJSON): its line, the line's count, the record."""

    line: str
    count: int
    kind: str | None
    id: int | None
    name: str | None
    at: datetime | None
    detail: str | None


def _rows(digest: Digest) -> list[DigestRow]:
    rows = []
    for line in digest.lines:
        if not line.items:
            rows.append(DigestRow(line.key, line.count, None, None, None, None, None))
        rows += [DigestRow(line.key, line.count, i.kind, i.id, i.name, i.at, i.detail) for i in line.items]
    return rows


@click.command("digest")
@click.option("--mark-seen", is_flag=True, help="Move your 'seen up to' mark, as a login to the menus does.")
@format_options
@pass_context
def digest(ctx: CommandContext, mark_seen: bool, fmt: str, excel: bool) -> None:
    """Your digest: each line a count and its first five records (support: your events of the next
    7 days, your events others changed since your last login; sales: your contracts not signed, not
    fully paid, your clients not contacted for 90 days; management: events of the next 30 days
    without support, contracts signed over 30 days ago not fully paid, deactivated employees still
    owning clients or events).

    \b
    Examples:
      python -m main digest
      python -m main digest --format json | jq '.lines[] | {key, count}'
    """
    actor = ctx.employee()
    found = ctx.backend.act(actor, service.digest, datetime.now(UTC), mark_seen=mark_seen)
    if fmt == "table":
        print_digest(found)
        return
    out = machine_stdout()
    if fmt == "json":
        out.write(json.dumps(jsonable(found), ensure_ascii=False, indent=2) + "\n")
    elif fmt == "ndjson":
        for row in _rows(found):
            out.write(json.dumps(jsonable(row), ensure_ascii=False) + "\n")
    else:
        writer = CsvWriter(out, [f.name for f in dataclasses.fields(DigestRow)], excel=excel)
        for row in _rows(found):
            writer.write(row)
    out.flush()
