"""Exporting a list to CSV: every row the employee may read, streamed, and each export audited.

Everyone may read every client, contract, event and payment, so an export is the bulk way out of
the database: each one is recorded (who, which list, which filters, how many rows, from which
face) in the `exports` table, in the same transaction that read the rows (docs/rules.md §5). The
rows come from one server-side cursor (crm/repositories/exports.py) and go straight to the CSV
writer (crm/services/csvio.py), so memory stays flat. The face gives the stream: an
`atomic_file`, which appears whole, mode 0600, once this returns — after the trace is committed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime
from typing import IO, Any

from crm import validation
from crm.db import Database
from crm.errors import ValidationError
from crm.i18n import _
from crm.models import Client, Contract, ContractExport, Employee, Event, ExportRequest, Payment
from crm.permissions import Action
from crm.repositories.exports import ExportRepository
from crm.services.actor import recheck_actor
from crm.services.csvio import CsvWriter, field_names

KINDS = ("clients", "contracts", "events", "payments")
SEARCH_MAX = 150
PROGRESS_EVERY = 1000  # rows between two progress reports

# The filters each kind takes (ExportRequest's field names).
_FILTERS: dict[str, frozenset[str]] = {
    "clients": frozenset({"mine", "sales_id", "search"}),
    "contracts": frozenset({"mine", "client_id", "unsigned", "unpaid"}),
    "events": frozenset({"mine", "support_id", "no_support", "search"}),
    "payments": frozenset({"mine", "contract_id"}),
}
# Filters of which at most one may be given.
_EXCLUSIVE: dict[str, tuple[str, ...]] = {
    "clients": ("mine", "sales_id", "search"),
    "contracts": ("client_id", "mine"),
    "events": ("mine", "support_id", "no_support", "search"),
    "payments": ("mine", "contract_id"),
}
RECORDS: dict[str, type] = {
    "clients": Client,
    "contracts": ContractExport,
    "events": Event,
    "payments": Payment,
}
_OPTION = {
    "mine": "mine",
    "sales_id": "sales",
    "search": "search",
    "unsigned": "unsigned",
    "unpaid": "unpaid",
    "client_id": "client",
    "no_support": "no-support",
    "support_id": "support",
    "contract_id": "contract",
}


def columns(kind: str) -> list[str]:
    """The CSV columns of a kind of export: its records' fields."""
    return field_names(RECORDS[kind])


def given_filters(request: ExportRequest) -> dict[str, Any]:
    """The filters of a request that are set (name → value), as the export's trace records them."""
    return {
        f.name: getattr(request, f.name)
        for f in dataclasses.fields(request)
        if f.name != "kind" and getattr(request, f.name) not in (None, False)
    }


def clean_request(request: ExportRequest) -> ExportRequest:
    """The request checked: a known kind, only its filters, ids positive, a valid search text."""
    if request.kind not in KINDS:
        raise ValidationError(_("Export one of: {items}.").format(items=", ".join(KINDS)))
    given = given_filters(request)
    wrong = sorted(set(given) - _FILTERS[request.kind])
    if wrong:
        names = ", ".join("--" + _OPTION[name] for name in wrong)
        raise ValidationError(
            _("An export of {kind} does not take {names}.").format(kind=request.kind, names=names)
        )
    exclusive = [name for name in _EXCLUSIVE[request.kind] if name in given]
    if len(exclusive) > 1:
        raise ValidationError(
            _("Choose one of {items}.").format(items=", ".join("--" + _OPTION[n] for n in exclusive))
        )
    for name in ("sales_id", "client_id", "support_id", "contract_id"):
        value = getattr(request, name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ValidationError(
                _("--{OPTION} must be a positive whole number.").format(OPTION=_OPTION[name])
            )
    search = request.search
    if search is not None:
        search = validation.name(search, _("Search text"), SEARCH_MAX)
    return dataclasses.replace(request, search=search)


def _query(repo: ExportRepository, actor: Employee, request: ExportRequest, now: datetime) -> tuple:
    mine = actor.id if request.mine else None
    if request.kind == "clients":
        return repo.clients(sales_id=mine or request.sales_id, search=request.search)
    if request.kind == "contracts":
        return repo.contracts(
            sales_id=mine, client_id=request.client_id, unsigned=request.unsigned, unpaid=request.unpaid
        )
    if request.kind == "events":
        return repo.events(
            now, support_id=mine or request.support_id, no_support=request.no_support, search=request.search
        )
    return repo.payments(contract_id=request.contract_id, recorded_by=mine)


def export_csv(
    db: Database,
    actor: Employee,
    request: ExportRequest,
    stream: IO[str],
    *,
    excel: bool = False,
    face: str = "menus",
    progress: Callable[[int, int], None] | None = None,
    now: datetime | None = None,
) -> int:
    """Write every row of the list the request names to `stream` as CSV (a BOM first with
    excel), record the export, and return how many rows were written.

    progress(rows written, rows expected) is called every PROGRESS_EVERY rows and at the end.
    One transaction: the trace is committed with the read, or nothing is (the face then throws
    the file away).
    """
    request = clean_request(request)
    repo = ExportRepository(db.conn)
    with db.transaction(actor.id):
        recheck_actor(db, actor, Action.EXPORT_CSV)
        query = _query(repo, actor, request, now or datetime.now(UTC))
        expected = repo.count(query) if progress else 0
        writer = CsvWriter(stream, columns(request.kind), excel=excel)
        written = 0
        for record in repo.stream(query):
            writer.write(record)
            written += 1
            if progress and written % PROGRESS_EVERY == 0:
                progress(written, max(expected, written))
        repo.record(request.kind, given_filters(request), written, excel, face)
    if progress:
        progress(written, written)
    return written


# Whole lists printed by other means (`… list --all`) --------------------------------------------

LISTED_KINDS = {Client: "clients", Contract: "contracts", Event: "events", Payment: "payments"}


def record_listing(
    db: Database, actor: Employee, record_type: type, filters: dict[str, Any], row_count: int, face: str
) -> None:
    """Record a whole list written out another way than export_csv (a command's `--all`): the same
    bulk way out of the database, so the same trace (who, when, what, how many rows). Lists of
    other records (employees, the history…) are not exports of client data: nothing recorded."""
    kind = LISTED_KINDS.get(record_type)
    if kind is None:
        return
    with db.transaction(actor.id):
        recheck_actor(db, actor, Action.EXPORT_CSV)
        ExportRepository(db.conn).record(kind, filters, row_count, False, face)
