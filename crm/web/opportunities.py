"""/api/v1/opportunities: the sales pipeline — lists (open ones, or at a stage; mine, of a sales
employee), detail with lines, create (sales, for their clients), update, lines added / changed /
removed, move to another stage, mark lost (management, or the client's sales contact), mark won
(management: it creates the contract, which the answer is)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query

from crm import permissions, validation
from crm.errors import NotFound
from crm.i18n import _
from crm.models import Opportunity, OpportunityDetail, OpportunityFields, OpportunityLine, Stage
from crm.permissions import Action
from crm.services import pipeline as service
from crm.web.contracts import _detail as contract_detail
from crm.web.deps import (
    Caller,
    FilterId,
    Id,
    IfMatch,
    Paging,
    Reader,
    Writer,
    ok,
    one_of,
    page,
    version_of,
)
from crm.web.schemas import (
    ContractDetail,
    LineCreate,
    LinePatch,
    LoseBody,
    MoveBody,
    OpportunityCreate,
    OpportunityPatch,
    Page,
    VersionBody,
)
from crm.web.schemas import OpportunityDetail as DetailOut

router = APIRouter(prefix="/opportunities", tags=["opportunities"])


def _detail(detail: OpportunityDetail, status: int = 200, location: str | None = None):  # noqa: ANN202
    body = {**vars(detail.opportunity), "lines": detail.lines}
    return ok(body, status, version=detail.opportunity.version, location=location)


def _line_of(who: Caller, opportunity_id: int, line_id: int) -> OpportunityLine:
    line = who.run(service.get_line, line_id)
    if line.opportunity_id != opportunity_id:
        raise NotFound(
            _("No line {line_id} on opportunity {opportunity_id}.").format(
                line_id=line_id, opportunity_id=opportunity_id
            )
        )
    return line


def _price(text: str | None) -> Decimal | None:
    return None if text is None else validation.amount(text, _("Unit price"))


@router.get("", response_model=Page[Opportunity], summary="List opportunities in pipeline order")
def list_opportunities(  # noqa: ANN201
    who: Reader,
    paging: Paging,
    stage: Annotated[
        Stage | None,
        Query(description="At this stage (won, lost too); else the open ones."),
    ] = None,
    mine: Annotated[bool, Query(description="Only your clients' (you are their sales contact).")] = False,
    sales_contact_id: Annotated[FilterId, Query(description="Only this sales employee's clients'.")] = None,
):
    """By stage, then expected close date: the open ones, or those at `stage`."""
    chosen = one_of(mine=mine, sales_contact_id=sales_contact_id)
    if chosen == "mine":
        return ok(page(lambda o, n: who.act(service.my_opportunities, o, n, stage=stage), paging))
    sales_id = sales_contact_id if chosen else None
    return ok(page(lambda o, n: who.run(service.list_open, o, n, stage=stage, sales_id=sales_id), paging))


@router.get("/{opportunity_id}", response_model=DetailOut, summary="One opportunity, with its lines")
def show_opportunity(opportunity_id: Id, who: Reader):  # noqa: ANN201
    return _detail(who.run(service.get_opportunity_detail, opportunity_id))


@router.post(
    "", status_code=201, response_model=DetailOut, summary="Open an opportunity (sales): your client's"
)
def create_opportunity(body: OpportunityCreate, who: Writer):  # noqa: ANN201
    """At stage new, without lines yet (add them with POST …/{id}/lines)."""
    fields = OpportunityFields(body.title, body.expected_close_on, body.expected_attendees)
    saved = who.act(service.create_opportunity, body.client_id, fields)
    detail = who.run(service.get_opportunity_detail, saved.id)
    return _detail(detail, 201, f"/api/v1/opportunities/{saved.id}")


@router.patch("/{opportunity_id}", response_model=DetailOut, summary="Update an open opportunity")
def update_opportunity(  # noqa: ANN201
    opportunity_id: Id, body: OpportunityPatch, who: Writer, if_match: IfMatch
):
    """Management, or the client's sales contact. Only the fields given change."""
    version = version_of(if_match, body.version)
    current = who.run(service.get_opportunity, opportunity_id)
    given = body.model_fields_set
    fields = OpportunityFields(
        current.title if body.title is None else body.title,
        body.expected_close_on if "expected_close_on" in given else current.expected_close_on,
        current.expected_attendees if body.expected_attendees is None else body.expected_attendees,
    )
    unchanged = OpportunityFields(current.title, current.expected_close_on, current.expected_attendees)
    if fields == unchanged and version == current.version:
        # Nothing changed: nothing saved, but refused as the save would be.
        permissions.require(who.employee, Action.UPDATE_OPPORTUNITY, owner_id=current.sales_contact_id)
        return _detail(who.run(service.get_opportunity_detail, opportunity_id))
    saved = who.act(service.update_opportunity, opportunity_id, version, fields)
    return _detail(who.run(service.get_opportunity_detail, saved.id))


@router.post(
    "/{opportunity_id}/lines",
    status_code=201,
    response_model=DetailOut,
    summary="Add a line: a service, a quantity, its unit price",
)
def add_line(opportunity_id: Id, body: LineCreate, who: Writer, if_match: IfMatch):  # noqa: ANN201
    """The unit price is the catalogue's unless given; the amount becomes the sum of the lines.
    The version is the opportunity's."""
    version = version_of(if_match, body.version)
    detail = who.act(
        service.add_line, opportunity_id, version, body.service_id, body.quantity, _price(body.unit_price)
    )
    return _detail(detail, 201, f"/api/v1/opportunities/{opportunity_id}")


@router.patch(
    "/{opportunity_id}/lines/{line_id}",
    response_model=DetailOut,
    summary="Change a line's quantity or unit price",
)
def update_line(  # noqa: ANN201
    opportunity_id: Id, line_id: Id, body: LinePatch, who: Writer, if_match: IfMatch
):
    """Only the fields given change; the version is the opportunity's; the amount follows."""
    version = version_of(if_match, body.version)
    line = _line_of(who, opportunity_id, line_id)
    quantity = line.quantity if body.quantity is None else body.quantity
    price = _price(body.unit_price)
    price = line.unit_price if price is None else price
    if (quantity, price) == (line.quantity, line.unit_price):
        current = who.run(service.get_opportunity_detail, opportunity_id)
        if current.opportunity.version == version:
            # Nothing changed: nothing saved, but refused as the save would be.
            owner = current.opportunity.sales_contact_id
            permissions.require(who.employee, Action.UPDATE_OPPORTUNITY, owner_id=owner)
            return _detail(current)
    detail = who.act(service.update_line, line_id, version, quantity, price)
    return _detail(detail)


@router.delete("/{opportunity_id}/lines/{line_id}", response_model=DetailOut, summary="Remove a line")
def remove_line(opportunity_id: Id, line_id: Id, who: Writer, if_match: IfMatch):  # noqa: ANN201
    """The opportunity's version in If-Match; the line is kept, marked removed; the amount follows."""
    version = version_of(if_match, None)
    _line_of(who, opportunity_id, line_id)
    return _detail(who.act(service.remove_line, line_id, version))


@router.post("/{opportunity_id}/move", response_model=DetailOut, summary="Move to another open stage")
def move_opportunity(opportunity_id: Id, body: MoveBody, who: Writer, if_match: IfMatch):  # noqa: ANN201
    """One stage forward, or back to any earlier open stage (won and lost: …/win, …/lose)."""
    version = version_of(if_match, body.version)
    saved = who.act(service.move_opportunity, opportunity_id, version, body.stage)
    return _detail(who.run(service.get_opportunity_detail, saved.id))


@router.post("/{opportunity_id}/lose", response_model=DetailOut, summary="Mark lost, with why")
def lose_opportunity(opportunity_id: Id, body: LoseBody, who: Writer, if_match: IfMatch):  # noqa: ANN201
    """From any open stage; final (a new opportunity is made instead)."""
    version = version_of(if_match, body.version)
    saved = who.act(service.lose_opportunity, opportunity_id, version, body.reason)
    return _detail(who.run(service.get_opportunity_detail, saved.id))


@router.post(
    "/{opportunity_id}/win",
    status_code=201,
    response_model=ContractDetail,
    summary="Mark won (management): creates the contract",
)
def win_opportunity(  # noqa: ANN201
    opportunity_id: Id, who: Writer, if_match: IfMatch, body: VersionBody | None = None
):
    """From negotiation, with lines: the contract (same client, total = the amount, not signed
    yet) is created in the same transaction and is the answer. Final. Of two managers winning it
    at once, one gets the contract, the other 400 (already won)."""
    version = version_of(if_match, body.version if body is not None else None)
    won = who.act(service.win_opportunity, opportunity_id, version)
    contract_id = int(won.contract_id or 0)  # a won opportunity always has its contract (sql/0013)
    return contract_detail(who, contract_id, 201, f"/api/v1/contracts/{contract_id}")
