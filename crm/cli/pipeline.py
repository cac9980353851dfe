"""`pipeline report`: open and weighted amounts by stage and by sales employee, won and lost this
month and quarter, the conversion rate (management and sales)."""

from __future__ import annotations

import json

import click

from crm import permissions
from crm.cli.common import format_options, pass_context
from crm.cli.context import CommandContext
from crm.cli.output import CsvWriter, field_names, jsonable, machine_stdout
from crm.i18n import _
from crm.models import ClosedFigures, ConversionFigures, SalesFigures, StageFigures
from crm.permissions import Action
from crm.services import pipeline as service
from crm.ui.pipeline import print_report

# --part: one table of the report, and its record type (a CSV holds one table).
PARTS = {
    "stage": ("by_stage", StageFigures),
    "sales": ("by_sales", SalesFigures),
    "closed": ("closed", ClosedFigures),
    "conversion": ("conversion", ConversionFigures),
}


@click.group()
def pipeline() -> None:
    """The sales pipeline's figures (management and sales)."""


@pipeline.command("report")
@click.option(
    "--part",
    type=click.Choice(list(PARTS)),
    help="One table: stage, sales, closed (won / lost) or conversion. CSV needs one.",
)
@format_options
@pass_context
def report(ctx: CommandContext, part: str | None, fmt: str, excel: bool) -> None:
    """Open amount and weighted amount (amount x the stage's probability) by stage and by sales
    employee, won and lost this month and this quarter, and the conversion rate.

    \b
    Examples:
      python -m main pipeline report
      python -m main pipeline report --format json
      python -m main pipeline report --part sales --format csv --excel > pipeline-by-sales.csv
    """
    actor = ctx.employee()
    permissions.require(actor, Action.READ_PIPELINE_REPORT)
    if fmt == "csv" and part is None:
        raise click.UsageError(_("A CSV holds one table: choose --part stage, sales, closed or conversion."))
    figures = ctx.backend.run(service.pipeline_report)
    if fmt == "table" and part is None:
        print_report(figures)
        return
    out = machine_stdout()
    if part is None:  # json / ndjson: the whole report, one object
        data = jsonable(figures)
        out.write(json.dumps(data, ensure_ascii=False, indent=2 if fmt == "json" else None) + "\n")
        return
    attribute, kind = PARTS[part]
    rows = getattr(figures, attribute)
    if fmt == "csv":
        writer = CsvWriter(out, field_names(kind), excel=excel)
        for row in rows:
            writer.write(row)
    elif fmt == "ndjson":
        for row in rows:
            out.write(json.dumps(jsonable(row), ensure_ascii=False) + "\n")
    elif fmt == "json":
        out.write(json.dumps(jsonable(rows), ensure_ascii=False, indent=2) + "\n")
    else:
        from crm.cli.output import Table, write_list

        write_list(
            rows,
            kind,
            "table",
            Table(field_names(kind), lambda r: [getattr(r, f) for f in field_names(kind)]),
        )
    out.flush()
