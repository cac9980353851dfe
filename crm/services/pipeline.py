"""Sale opportunities (sql/0013_pipeline.sql): the pipeline lists, an opportunity with its lines,
create (sales, for their own clients), edit and edit lines, move to another stage, mark lost
(management, or the client's sales contact), mark won (management: it creates the contract), and
the pipeline report.

The stage machine (ALLOWED_MOVES, the same list as the database's opportunity_move_allowed): one
stage forward, back to any earlier open stage, lost from any open stage, won from negotiation;
won and lost are final. Probabilities are the stages' (DEFAULT_PROBABILITIES, in the database's
opportunity_stages). The amount is always the sum of the lines: every line written refreshes it
in the same transaction, under the opportunity's row lock, and the database checks it at commit.

Each write is one transaction that reads the opportunity under lock, re-reads the actor and asks
crm.permissions once, validates, and writes with the version the editor read (StaleRecord
otherwise). Winning locks the opportunity FOR UPDATE before anything else: of two managers winning
it at once, the second waits and is then told it is already won; exactly one contract is made.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal

from crm import formats, monitoring, permissions, validation
from crm.db import Database
from crm.errors import NotFound, StaleRecord, ValidationError
from crm.models import (
    COMPANY_ZONE,
    Employee,
    Opportunity,
    OpportunityDetail,
    OpportunityFields,
    OpportunityLine,
    PipelineReport,
    Stage,
)
from crm.permissions import Action
from crm.repositories.contracts import ContractRepository
from crm.repositories.opportunities import OpportunityRepository
from crm.repositories.services_catalogue import ServiceRepository
from crm.services.actor import recheck_actor
from crm.services.catalogue import clean_price
from crm.services.clients import get_client
from crm.services.rules import rules_as_messages

__all__ = [
    "ALLOWED_MOVES",
    "DEFAULT_PROBABILITIES",
    "OPEN_STAGES",
    "OpportunityFields",
    "Stage",
    "add_line",
    "clean_fields",
    "create_opportunity",
    "database_rules_as_messages",
    "get_line",
    "get_opportunity",
    "get_opportunity_detail",
    "list_open",
    "lose_opportunity",
    "move_opportunity",
    "moves_from",
    "my_opportunities",
    "opportunity_of_contract",
    "parse_close_date",
    "pipeline_report",
    "read_pipeline_report",
    "remove_line",
    "update_line",
    "update_opportunity",
    "win_opportunity",
]

OPEN_STAGES = (Stage.NEW, Stage.QUALIFIED, Stage.PROPOSAL, Stage.NEGOTIATION)
FINAL_STAGES = (Stage.WON, Stage.LOST)
DEFAULT_PROBABILITIES = {
    Stage.NEW: 10,
    Stage.QUALIFIED: 25,
    Stage.PROPOSAL: 50,
    Stage.NEGOTIATION: 75,
    Stage.WON: 100,
    Stage.LOST: 0,
}
# One stage forward, back to any earlier open stage, lost from any open stage, won from negotiation.
ALLOWED_MOVES: frozenset[tuple[Stage, Stage]] = frozenset(
    {(a, b) for i, a in enumerate(OPEN_STAGES) for b in OPEN_STAGES[:i]}
    | {(a, b) for a, b in zip(OPEN_STAGES, OPEN_STAGES[1:], strict=False)}
    | {(a, Stage.LOST) for a in OPEN_STAGES}
    | {(Stage.NEGOTIATION, Stage.WON)}
)
TITLE_MAX = validation.NAME_MAX
REASON_MAX = 300
QUANTITY_MAX = 1_000_000
ATTENDEES_MAX = 1_000_000
CLOSED = "Opportunity {id} is {stage}: a closed opportunity never changes (make a new one instead)."
WIN_ONLY_FROM_NEGOTIATION = "Only an opportunity in negotiation can be won (this one is at {stage})."
NO_LINES = "An opportunity without lines cannot be won: add what is sold first."
TOO_LARGE = f"The opportunity's amount cannot exceed {validation.MONEY_MAX:,}."

_RULE_MESSAGES = {
    "opportunities_stage_moves": "That move is not allowed from this stage.",
    "opportunities_closed_are_final": "A won or lost opportunity never changes.",
    "opportunities_amount_is_sum_of_lines": "An opportunity's amount is always the sum of its lines.",
    "opportunities_won_contract_matches": "A won opportunity's contract is for its client and its amount.",
    "opportunities_reason_when_lost": "A lost opportunity has a reason, an open or won one none.",
    "opportunities_won_contract": "A won opportunity has its contract, an open or lost one none.",
    "opportunities_closed_at": "A closed opportunity has its closing date, an open one none.",
    "opportunities_client_id_fkey": "No client with that id.",
    "opportunities_title_check": f"A title cannot be blank and has at most {TITLE_MAX} characters.",
    "opportunities_lost_reason_check": f"A reason cannot be blank and has at most {REASON_MAX} characters.",
    "opportunities_expected_close_on_check": "The expected close date is in the years 2000 to 2999.",
    "opportunities_expected_attendees_check": f"Expected attendees: 0 to {ATTENDEES_MAX:,}.",
    "opportunities_amount_check": "The amount cannot be negative.",
    "opportunities_title_text": validation.text_rule("Title", shown=True),
    "opportunities_lost_reason_text": validation.text_rule("Reason"),
    "opportunity_lines_service_is_active": "A line is added only for a service still in the catalogue.",
    "opportunity_lines_removed_are_final": "A removed line stays removed.",
    "opportunity_lines_quantity_check": f"A quantity is 1 to {QUANTITY_MAX:,}.",
    "opportunity_lines_unit_price_check": "The unit price cannot be negative.",
    "opportunity_lines_service_id_fkey": "No service with that id.",
}


def database_rules_as_messages() -> AbstractContextManager[None]:
    """Turn a broken opportunity rule (CHECK, trigger, key) into a one-line ValidationError."""
    return rules_as_messages(_RULE_MESSAGES)


def moves_from(stage: Stage | str) -> list[Stage]:
    """The stages an opportunity at `stage` may move to, in pipeline order."""
    return [b for b in Stage if (Stage(stage), b) in ALLOWED_MOVES]


def parse_close_date(value: str, what: str = "Expected close date") -> date | None:
    """A day typed YYYY-MM-DD (years 2000 to 2999), or None for an empty answer."""
    value = value.strip()
    if not value:
        return None
    if formats.french():  # also 04/06/2027, "4 juin 2027" (crm/validation.py day)
        return validation.day(value, what)
    try:
        day = date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise ValidationError(f"{what} must look like 2027-06-04 (or be empty).")
    if not validation.YEAR_MIN <= day.year <= validation.YEAR_MAX:
        raise ValidationError(f"{what} must be in the years {validation.YEAR_MIN} to {validation.YEAR_MAX}.")
    return day


def clean_fields(fields: OpportunityFields) -> OpportunityFields:
    """Validated fields: a title, an optional expected close date, expected attendees >= 0."""
    if not isinstance(fields.title, str):
        raise ValidationError("The title must be text.")
    close = fields.expected_close_on
    if close is not None and (isinstance(close, datetime) or not isinstance(close, date)):
        raise ValidationError("The expected close date must be a day.")
    if close is not None:
        parse_close_date(close.isoformat())
    attendees = fields.expected_attendees
    if isinstance(attendees, bool) or not isinstance(attendees, int) or not 0 <= attendees <= ATTENDEES_MAX:
        raise ValidationError(f"Expected attendees must be a whole number from 0 to {ATTENDEES_MAX:,}.")
    return OpportunityFields(validation.name(fields.title, "Title", TITLE_MAX), close, attendees)


def clean_quantity(value: object) -> int:
    """A whole number from 1 to QUANTITY_MAX (an int, or typed text)."""
    if isinstance(value, str):
        value = validation.whole_number(value, "Quantity", minimum=1)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= QUANTITY_MAX:
        raise ValidationError(f"Quantity must be a whole number from 1 to {QUANTITY_MAX:,}.")
    return value


def clean_reason(value: object) -> str:
    """Why it was lost: not blank, at most REASON_MAX characters."""
    if not isinstance(value, str):
        raise ValidationError("The reason must be text.")
    return validation.name(value, "Reason", REASON_MAX)


# Reads --------------------------------------------------------------------------------------------


def list_open(
    db: Database, offset: int, limit: int, *, stage: Stage | str | None = None, sales_id: int | None = None
) -> list[Opportunity]:
    """A page of opportunities in pipeline order (stage, expected close date): the open ones, or
    those at `stage` (won and lost included); of one sales employee's clients if sales_id."""
    chosen = _stage(stage) if stage is not None else None
    return OpportunityRepository(db.conn).list_pipeline(offset, limit, stage=chosen, sales_id=sales_id)


def my_opportunities(
    db: Database, actor: Employee, offset: int, limit: int, *, stage: Stage | str | None = None
) -> list[Opportunity]:
    """A page of the actor's clients' opportunities in pipeline order (open ones unless `stage`)."""
    return list_open(db, offset, limit, stage=stage, sales_id=actor.id)


def get_opportunity(db: Database, opportunity_id: int) -> Opportunity:
    """One opportunity, or NotFound."""
    found = OpportunityRepository(db.conn).get(opportunity_id)
    if found is None:
        raise NotFound(f"No opportunity with id {opportunity_id}.")
    return found


def get_opportunity_detail(db: Database, opportunity_id: int) -> OpportunityDetail:
    """One opportunity with its lines."""
    found = get_opportunity(db, opportunity_id)
    return OpportunityDetail(found, OpportunityRepository(db.conn).lines(opportunity_id))


def get_line(db: Database, line_id: int) -> OpportunityLine:
    """One line (not removed), or NotFound."""
    line = OpportunityRepository(db.conn).line(line_id)
    if line is None:
        raise NotFound(f"No line with id {line_id}.")
    return line


def opportunity_of_contract(db: Database, contract_id: int) -> tuple[int, str] | None:
    """The id and title of the opportunity a contract was won from, if any."""
    return OpportunityRepository(db.conn).for_contract(contract_id)


# Writes -------------------------------------------------------------------------------------------


def _stage(value: object) -> Stage:
    try:
        return Stage(value.strip().lower() if isinstance(value, str) else str(value))
    except ValueError:
        names = ", ".join(s.value for s in Stage)
        raise ValidationError(f"A stage is one of {names}.") from None


def _locked(repo: OpportunityRepository, opportunity_id: int) -> Opportunity:
    found = repo.get(opportunity_id, lock=True)
    if found is None:
        raise NotFound(f"No opportunity with id {opportunity_id}.")
    return found


def _open(current: Opportunity) -> None:
    if current.stage in FINAL_STAGES:
        raise ValidationError(CLOSED.format(id=current.id, stage=current.stage))


def _editable(
    db: Database,
    actor: Employee,
    repo: OpportunityRepository,
    opportunity_id: int,
    version: int,
    action: Action,
) -> Opportunity:
    """The opportunity under lock, the actor allowed, still open and at `version`."""
    current = _locked(repo, opportunity_id)
    recheck_actor(db, actor, action, owner_id=current.sales_contact_id)
    _open(current)
    if current.version != version:
        raise StaleRecord()
    return current


def create_opportunity(
    db: Database, actor: Employee, client_id: int, fields: OpportunityFields
) -> Opportunity:
    """Open an opportunity (stage new, no lines yet) for one of the actor's clients (sales)."""
    repo = OpportunityRepository(db.conn)
    with db.transaction(actor.id), database_rules_as_messages():
        client = get_client(db, client_id)
        recheck_actor(db, actor, Action.CREATE_OPPORTUNITY, owner_id=client.sales_contact_id)
        opportunity_id = repo.insert(client_id, clean_fields(fields))
    return get_opportunity(db, opportunity_id)


def update_opportunity(
    db: Database, actor: Employee, opportunity_id: int, version: int, fields: OpportunityFields
) -> Opportunity:
    """Save an open opportunity's title, expected close date and attendees."""
    repo = OpportunityRepository(db.conn)
    with db.transaction(actor.id), database_rules_as_messages():
        _editable(db, actor, repo, opportunity_id, version, Action.UPDATE_OPPORTUNITY)
        if not repo.update(opportunity_id, version, clean_fields(fields)):
            raise StaleRecord()
    return get_opportunity(db, opportunity_id)


def _check_total(repo: OpportunityRepository, opportunity_id: int, change: Decimal) -> None:
    """Refuse a line change that would take the amount past numeric(12,2)."""
    total = sum((line.line_total for line in repo.lines(opportunity_id)), Decimal("0")) + change
    if total > validation.MONEY_MAX:
        raise ValidationError(TOO_LARGE)


def add_line(
    db: Database,
    actor: Employee,
    opportunity_id: int,
    version: int,
    service_id: int,
    quantity: object,
    unit_price: object | None = None,
) -> OpportunityDetail:
    """Add a line for an active service; its unit price is the catalogue's unless one is given.
    The amount becomes the sum of the lines."""
    repo = OpportunityRepository(db.conn)
    with db.transaction(actor.id), database_rules_as_messages():
        _editable(db, actor, repo, opportunity_id, version, Action.UPDATE_OPPORTUNITY)
        service = ServiceRepository(db.conn).get(service_id) if isinstance(service_id, int) else None
        if service is None or isinstance(service_id, bool):
            raise NotFound(f"No service with id {service_id}.")
        if not service.is_active:
            raise ValidationError(f"Service {service.id} ({service.name}) is retired: it cannot be quoted.")
        quantity = clean_quantity(quantity)
        price = service.unit_price if unit_price is None else clean_price(unit_price)
        _check_total(repo, opportunity_id, quantity * price)
        repo.add_line(opportunity_id, service.id, quantity, price)
        if not repo.refresh_amount(opportunity_id, version):
            raise StaleRecord()
    return get_opportunity_detail(db, opportunity_id)


def _line_of(repo: OpportunityRepository, line_id: int) -> OpportunityLine:
    line = repo.line(line_id) if isinstance(line_id, int) and not isinstance(line_id, bool) else None
    if line is None:
        raise NotFound(f"No line with id {line_id}.")
    return line


def update_line(
    db: Database,
    actor: Employee,
    line_id: int,
    version: int,
    quantity: object,
    unit_price: object,
) -> OpportunityDetail:
    """Change a line's quantity and unit price; `version` is its opportunity's. The amount follows."""
    repo = OpportunityRepository(db.conn)
    with db.transaction(actor.id), database_rules_as_messages():
        line = _line_of(repo, line_id)
        _editable(db, actor, repo, line.opportunity_id, version, Action.UPDATE_OPPORTUNITY)
        line = _line_of(repo, line_id)  # again, under the opportunity's lock
        quantity, price = clean_quantity(quantity), clean_price(unit_price)
        _check_total(repo, line.opportunity_id, quantity * price - line.line_total)
        if not repo.update_line(line_id, line.version, quantity, price):
            raise StaleRecord()
        if not repo.refresh_amount(line.opportunity_id, version):
            raise StaleRecord()
    return get_opportunity_detail(db, line.opportunity_id)


def remove_line(db: Database, actor: Employee, line_id: int, version: int) -> OpportunityDetail:
    """Remove a line (kept, marked removed); `version` is its opportunity's. The amount follows."""
    repo = OpportunityRepository(db.conn)
    with db.transaction(actor.id), database_rules_as_messages():
        line = _line_of(repo, line_id)
        _editable(db, actor, repo, line.opportunity_id, version, Action.UPDATE_OPPORTUNITY)
        line = _line_of(repo, line_id)
        if not repo.remove_line(line_id, line.version):
            raise StaleRecord()
        if not repo.refresh_amount(line.opportunity_id, version):
            raise StaleRecord()
    return get_opportunity_detail(db, line.opportunity_id)


def move_opportunity(
    db: Database, actor: Employee, opportunity_id: int, version: int, stage: object
) -> Opportunity:
    """Move an open opportunity to another open stage (ALLOWED_MOVES); won and lost have their
    own actions (win_opportunity, lose_opportunity)."""
    target = _stage(stage)
    repo = OpportunityRepository(db.conn)
    with db.transaction(actor.id), database_rules_as_messages():
        current = _editable(db, actor, repo, opportunity_id, version, Action.MOVE_OPPORTUNITY)
        if target == Stage.WON:
            raise ValidationError("To win an opportunity use Mark won: it creates the contract.")
        if target == Stage.LOST:
            raise ValidationError("To lose an opportunity use Mark lost: it asks why.")
        if target == current.stage:
            raise ValidationError(f"Opportunity {current.id} is already at {target}.")
        if (Stage(current.stage), target) not in ALLOWED_MOVES:
            allowed = ", ".join(s.value for s in moves_from(current.stage) if s in OPEN_STAGES)
            raise ValidationError(
                f"An opportunity at {current.stage} moves one stage forward or back: to {allowed}."
            )
        if not repo.set_stage(opportunity_id, version, target):
            raise StaleRecord()
    return get_opportunity(db, opportunity_id)


def lose_opportunity(
    db: Database, actor: Employee, opportunity_id: int, version: int, reason: object
) -> Opportunity:
    """Mark an open opportunity lost, with the reason; final."""
    repo = OpportunityRepository(db.conn)
    with db.transaction(actor.id), database_rules_as_messages():
        _editable(db, actor, repo, opportunity_id, version, Action.LOSE_OPPORTUNITY)
        if not repo.lose(opportunity_id, version, clean_reason(reason)):
            raise StaleRecord()
    return get_opportunity(db, opportunity_id)


def win_opportunity(db: Database, actor: Employee, opportunity_id: int, version: int) -> Opportunity:
    """Mark an opportunity in negotiation won (management): its contract is created in the same
    transaction (same client, total = the amount, unsigned: signing stays a step of its own) and
    named by the opportunity. Final."""
    repo = OpportunityRepository(db.conn)
    with db.transaction(actor.id), database_rules_as_messages():
        # First the row lock: a second manager winning at the same time waits here, then reads
        # the opportunity won and is refused — exactly one contract.
        current = _locked(repo, opportunity_id)
        recheck_actor(db, actor, Action.WIN_OPPORTUNITY, owner_id=current.sales_contact_id)
        if current.stage == Stage.WON:
            raise ValidationError(
                f"Opportunity {current.id} is already won (contract {current.contract_id})."
            )
        _open(current)
        if current.version != version:
            raise StaleRecord()
        if current.stage != Stage.NEGOTIATION:
            raise ValidationError(WIN_ONLY_FROM_NEGOTIATION.format(stage=current.stage))
        if current.line_count == 0:
            raise ValidationError(NO_LINES)
        contract_id = ContractRepository(db.conn).insert(
            current.client_id, current.amount, current.amount, False
        )
        if not repo.win(opportunity_id, version, contract_id):
            raise StaleRecord()
    won = get_opportunity(db, opportunity_id)
    monitoring.business_event(
        "opportunity.won",
        opportunity_id=won.id,
        contract_id=won.contract_id,
        client_id=won.client_id,
        amount=won.amount,
        by=actor.id,
    )
    return won


# The pipeline report ---------------------------------------------------------------------------------


def period_starts(now: datetime, tz: tzinfo | None = None) -> tuple[datetime, datetime]:
    """The start of this month and of this quarter, midnight in the time zone (the company's,
    Europe/Paris, if none: a zone of its own, never today's fixed offset, so a month that began
    in summer time starts at its own midnight), as aware datetimes."""
    local = now.astimezone(tz or COMPANY_ZONE)
    month = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    # (A zoneinfo zone gives each of these the offset of its own day.)
    return month, month.replace(month=3 * ((local.month - 1) // 3) + 1)


def pipeline_report(db: Database, now: datetime | None = None, tz: tzinfo | None = None) -> PipelineReport:
    """Open amount and weighted amount per stage and per sales employee; won and lost this month
    and this quarter; the conversion rate (share of closed opportunities won) — one statement each."""
    month, quarter = period_starts(now or datetime.now(UTC), tz)
    repo = OpportunityRepository(db.conn)
    return PipelineReport(
        by_stage=[replace(f, stage=Stage(f.stage)) for f in repo.figures_by_stage()],
        by_sales=repo.figures_by_sales(),
        closed=repo.figures_closed(month, quarter),
        conversion=repo.figures_conversion(month, quarter),
    )


def read_pipeline_report(
    db: Database, actor: Employee, now: datetime | None = None, tz: tzinfo | None = None
) -> PipelineReport:
    """The pipeline report for an actor who may read it (management, sales); PermissionDenied
    otherwise (the faces that offer it only to them may call pipeline_report directly)."""
    permissions.require(actor, Action.READ_PIPELINE_REPORT)
    return pipeline_report(db, now, tz)
