"""/api/v1/exports/{clients,contracts,events,payments}.csv: a list as a CSV file, recorded in the
exports trace like the commands' and the menus' exports; /api/v1/imports/clients: clients from a
CSV file, every line checked first, then all of them or none.

An export is written (rows from one server-side cursor) to a spooled temporary file — in memory
while small, on disk beyond — in the transaction that records it; the answer streams that file
once the trace is committed, so no row leaves without its trace and memory stays flat."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO, Annotated, Literal

from fastapi import APIRouter, Body, Query
from fastapi.responses import StreamingResponse

from crm.i18n import _
from crm.models import ExportRequest, ImportReport
from crm.services import client_imports as import_service
from crm.services import exports as service
from crm.web.daily_schemas import CSV_ANSWER, CSV_BODY
from crm.web.deps import Caller, FilterId, Reader, Writer, ok, one_of
from crm.web.errors import ApiError

router = APIRouter(tags=["csv"])

SPOOL_MAX = 1024 * 1024  # bytes of an export kept in memory before it goes to a temporary file
CHUNK = 64 * 1024
IMPORT_BODY_MAX = 16 * 1024 * 1024  # the largest import file the API takes (the command takes more)
Excel = Annotated[bool, Query(description="Start the file with a BOM, so Excel reads it as UTF-8.")]
Mine = Annotated[bool, Query(description="Only yours.")]
Search = Annotated[
    str | None, Query(max_length=service.SEARCH_MAX, description="Name contains (any case, accents).")
]


def _chunks(spool: IO[str]) -> Iterator[bytes]:
    try:
        spool.seek(0)
        while text := spool.read(CHUNK):
            yield text.encode("utf-8")
    finally:
        spool.close()


def _export(who: Caller, request: ExportRequest, excel: bool) -> StreamingResponse:
    spool = tempfile.SpooledTemporaryFile(SPOOL_MAX, mode="w+", encoding="utf-8", newline="")
    try:
        count = who.act(service.export_csv, request, spool, excel=excel, face="api", now=who.now())
    except BaseException:
        spool.close()
        raise
    return StreamingResponse(
        _chunks(spool),
        media_type="text/csv; charset=utf-8",
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": f'attachment; filename="{request.kind}.csv"',
            "X-Row-Count": str(count),
        },
    )


@router.get(
    "/exports/clients.csv", response_class=StreamingResponse, responses=CSV_ANSWER, summary="Export clients"
)
def export_clients(  # noqa: ANN201
    who: Reader,
    excel: Excel = False,
    mine: Mine = False,
    sales_contact_id: Annotated[FilterId, Query(description="Only this sales employee's.")] = None,
    search: Search = None,
):
    """Newest first; every export is recorded (who, which list, which filters, how many rows)."""
    one_of(mine=mine, sales_contact_id=sales_contact_id, search=search)
    return _export(who, ExportRequest("clients", mine=mine, sales_id=sales_contact_id, search=search), excel)


@router.get(
    "/exports/contracts.csv",
    response_class=StreamingResponse,
    responses=CSV_ANSWER,
    summary="Export contracts (with paid and remaining amounts)",
)
def export_contracts(  # noqa: ANN201
    who: Reader,
    excel: Excel = False,
    mine: Annotated[bool, Query(description="Only your clients' contracts (sales).")] = False,
    unsigned: Annotated[bool, Query(description="Only contracts not signed yet.")] = False,
    unpaid: Annotated[bool, Query(description="Only contracts with something left to pay.")] = False,
    client_id: Annotated[FilterId, Query(description="Only this client's.")] = None,
):
    """Newest first; every export is recorded."""
    one_of(mine=mine, client_id=client_id)
    request = ExportRequest("contracts", mine=mine, unsigned=unsigned, unpaid=unpaid, client_id=client_id)
    return _export(who, request, excel)


@router.get(
    "/exports/events.csv", response_class=StreamingResponse, responses=CSV_ANSWER, summary="Export events"
)
def export_events(  # noqa: ANN201
    who: Reader,
    excel: Excel = False,
    mine: Annotated[bool, Query(description="Only the events you support.")] = False,
    no_support: Annotated[bool, Query(description="Only events without support.")] = False,
    support_contact_id: Annotated[FilterId, Query(description="Only this support employee's.")] = None,
    search: Search = None,
):
    """One support employee's or without support: upcoming first; else newest first. Recorded."""
    one_of(mine=mine, no_support=no_support, support_contact_id=support_contact_id, search=search)
    request = ExportRequest(
        "events", mine=mine, no_support=no_support, support_id=support_contact_id, search=search
    )
    return _export(who, request, excel)


@router.get(
    "/exports/payments.csv", response_class=StreamingResponse, responses=CSV_ANSWER, summary="Export payments"
)
def export_payments(  # noqa: ANN201
    who: Reader,
    excel: Excel = False,
    mine: Annotated[bool, Query(description="Only the payments you recorded.")] = False,
    contract_id: Annotated[FilterId, Query(description="Only this contract's.")] = None,
):
    """Payments and their corrections, newest first. Recorded."""
    one_of(mine=mine, contract_id=contract_id)
    return _export(who, ExportRequest("payments", mine=mine, contract_id=contract_id), excel)


@router.post(
    "/imports/clients",
    response_model=ImportReport,
    openapi_extra=CSV_BODY,
    summary="Import clients from a CSV file (sales, management)",
)
def import_clients(  # noqa: ANN201
    who: Writer,
    data: Annotated[bytes, Body(media_type="text/csv")],
    dry_run: Annotated[bool, Query(description="Only check the file: the report, nothing written.")] = False,
    on_duplicate: Annotated[
        Literal["skip", "update"],
        Query(
            description="A line whose e-mail address a client has: skip it, or update that client (yours)."
        ),
    ] = "skip",
):
    """The body is the file (`Content-Type: text/csv`, UTF-8, at most 16 MiB): a header line
    full_name, email, phone, company_name (management adds sales_contact_id); a file of GET
    /exports/clients.csv imports as it is. Every line is checked with the forms' rules first: a
    dry run answers the report (problems by line, column and message; duplicates); an import with
    any problem writes nothing (400, the first problem; a dry run lists them all)."""
    try:
        return ok(who.act(import_service.import_clients, data, on_duplicate, dry_run=dry_run))
    except import_service.ImportRefused as refused:
        if dry_run:
            return ok(refused.report)
        first = refused.report.problems[0]
        where = f"line {first.line}" + (f", {first.column}" if first.column else "")
        raise ApiError(
            400,
            "import_refused",
            _("{refused} First: {where}: {message} (dry_run=true lists them all).").format(
                refused=refused, where=where, message=first.message
            ),
            field=first.column or None,
        ) from None
