"""The Pipeline section: opportunities by stage, an opportunity with its lines, create (sales),
edit and edit lines, move to another stage, close (lost; won by management, which creates the
contract), and the pipeline report."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import partial

from crm import permissions, validation
from crm.errors import NotFound, ValidationError
from crm.models import (
    Opportunity,
    OpportunityDetail,
    OpportunityFields,
    OpportunityLine,
    PipelineReport,
    Stage,
)
from crm.permissions import Action
from crm.services import catalogue as catalogue_service
from crm.services import pipeline as service
from crm.ui.menu import MenuAction, Section
from crm.ui.pickers import find_client
from crm.ui.render import NAME, WHOLE, Column, Columns, money, show_record, show_table
from crm.ui.session import Session

OPPORTUNITY_HEADERS = Columns(
    Column("Id", WHOLE),
    Column("Stage", WHOLE),
    Column("Title", NAME, least=14, most=36),
    Column("Client", least=12, most=30, drop=2),
    Column("Sales contact", least=12, most=24, drop=1),
    Column("Close by", WHOLE, drop=3),
    Column("Amount", WHOLE),
    Column("Weighted", WHOLE),
    show="Show an opportunity gives the whole record",
)
LINE_HEADERS = ("Line", "Service", "Quantity", "Unit price", "Unit", "Total")
SERVICES_OFFERED = 100


def opportunity_row(o: Opportunity) -> tuple:
    """One line of an opportunities table."""
    return (
        o.id,
        f"{o.stage} {o.probability}%",
        o.title,
        o.client_name,
        o.sales_contact_name,
        o.expected_close_on,
        o.amount,
        o.weighted_amount,
    )


def line_row(line: OpportunityLine) -> tuple:
    return (line.id, line.service_name, line.quantity, line.unit_price, f"per {line.unit}", line.line_total)


def print_opportunity(detail: OpportunityDetail) -> None:
    """One opportunity in detail, with its lines (shared with the commands)."""
    o = detail.opportunity
    fields: list[tuple[str, object]] = [
        ("Title", o.title),
        ("Client", f"{o.client_name} (client {o.client_id})"),
        ("Sales contact", o.sales_contact_name),
        ("Stage", f"{o.stage} ({o.probability}% likely)"),
        ("Expected close", o.expected_close_on),
        ("Expected guests", o.expected_attendees),
        ("Amount", o.amount),
        ("Weighted amount", o.weighted_amount),
    ]
    if o.stage == Stage.LOST:
        fields.append(("Lost because", o.lost_reason))
    if o.contract_id is not None:
        fields.append(("Contract", f"contract {o.contract_id}"))
    if o.closed_at is not None:
        fields.append(("Closed", o.closed_at))
    else:
        moves = ", ".join(s.value for s in service.moves_from(o.stage))
        fields.append(("Can move to", moves))
    fields += [("Created", o.created_at), ("Last updated", o.updated_at), ("Version", o.version)]
    show_record(f"Opportunity {o.id}", fields)
    print("Lines:")
    show_table(LINE_HEADERS, [line_row(line) for line in detail.lines], empty="  No line yet.")


def print_report(report: PipelineReport) -> None:
    """The pipeline report as four tables (shared with the commands)."""
    print("Open opportunities by stage:")
    show_table(
        ("Stage", "Probability", "Count", "Amount", "Weighted"),
        [(f.stage, f"{f.probability}%", f.count, f.amount, f.weighted_amount) for f in report.by_stage]
        + [
            (
                "all open",
                "",
                sum(f.count for f in report.by_stage),
                sum((f.amount for f in report.by_stage), Decimal("0.00")),
                sum((f.weighted_amount for f in report.by_stage), Decimal("0.00")),
            )
        ],
    )
    print("Open opportunities by sales employee:")
    show_table(
        ("Sales employee", "Count", "Amount", "Weighted"),
        [(f.sales_name, f.count, f.amount, f.weighted_amount) for f in report.by_sales],
        empty="  No sales employee.",
    )
    print("Won and lost:")
    show_table(
        ("Period", "Since", "Won", "Won amount", "Lost", "Lost amount"),
        [(f.period, f.since, f.won_count, f.won_amount, f.lost_count, f.lost_amount) for f in report.closed],
    )
    print("Conversion (share of closed opportunities won):")
    show_table(
        ("Period", "Closed", "Won", "Conversion"),
        [
            (
                f.period,
                f.closed_count,
                f.won_count,
                f"{f.conversion_rate}%" if f.conversion_rate is not None else None,
            )
            for f in report.conversion
        ],
    )


def ask_opportunity(session: Session, message: str = "Opportunity id:") -> Opportunity:
    """Ask for an opportunity id until it names one."""
    return session.ask_record(message, "Opportunity id", service.get_opportunity)


def _browse(session: Session, title: str, fetch: Callable[[int, int], Sequence[Opportunity]]) -> None:
    session.browse(title, fetch, OPPORTUNITY_HEADERS, opportunity_row)


# Reads ---------------------------------------------------------------------------------------------


def my_opportunities(session: Session) -> None:
    """Sales: their clients' open opportunities, stage by stage."""
    _browse(session, "My opportunities by stage", session.pages_as(service.my_opportunities))


def open_opportunities(session: Session) -> None:
    """Every open opportunity, stage by stage."""
    _browse(session, "Open opportunities", session.pages(service.list_open))


def show_one_opportunity(session: Session) -> None:
    """One opportunity with its lines."""
    found = ask_opportunity(session)
    print_opportunity(session.run(service.get_opportunity_detail, found.id))


def pipeline_report(session: Session) -> None:
    """Open and weighted amounts by stage and by sales employee, won and lost, conversion."""
    print_report(session.run(service.pipeline_report))


# Forms ---------------------------------------------------------------------------------------------


def _ask_fields(session: Session, current: Opportunity | None) -> OpportunityFields:
    title = session.ask(
        "Title (what the client wants):",
        partial(validation.name, what="Title", max_len=service.TITLE_MAX),
        current.title if current else "",
    )
    close = session.ask(
        "Expected close date (YYYY-MM-DD, optional):",
        service.parse_close_date,
        current.expected_close_on.isoformat() if current and current.expected_close_on else "",
    )
    attendees = session.ask(
        "Expected guests:",
        partial(validation.whole_number, what="Expected guests"),
        str(current.expected_attendees) if current else "0",
    )
    return OpportunityFields(title, close, attendees)


def create_opportunity(session: Session) -> None:
    """Sales: open an opportunity for one of their clients (lines are added with Edit)."""
    actor = session.employee
    permissions.require(actor, Action.CREATE_OPPORTUNITY, owner_id=actor.id)
    while True:
        client = find_client(session)
        reason = permissions.refusal(actor, Action.CREATE_OPPORTUNITY, owner_id=client.sales_contact_id)
        if reason is None:
            break
        print(reason)
    fields = _ask_fields(session, None)
    session.confirm_write()
    saved = session.act(service.create_opportunity, client.id, fields)
    print(
        f"Opportunity {saved.id} ({saved.title}) opened at stage new; add its lines with Edit an opportunity."
    )


def _pick_service(session: Session) -> int:
    offered = session.run(catalogue_service.list_services, 0, SERVICES_OFFERED, active_only=True)
    if not offered:
        raise NotFound("The catalogue has no service to quote: management adds them in Services.")
    show_table(
        ("Id", "Service", "Unit price", "Unit"),
        [(s.id, s.name, s.unit_price, f"per {s.unit}") for s in offered],
    )
    allowed = {s.id for s in offered}

    def parse(raw: str) -> int:
        service_id = validation.record_id(raw, "Service id")
        if service_id not in allowed:
            raise ValidationError(f"Service {service_id} is not one of those above.")
        return service_id

    return session.ask("Service id:", parse)


def _pick_line(session: Session, detail: OpportunityDetail) -> OpportunityLine:
    lines = {line.id: line for line in detail.lines}
    if not lines:
        raise NotFound("This opportunity has no line yet.")

    def parse(raw: str) -> OpportunityLine:
        line_id = validation.record_id(raw, "Line")
        if line_id not in lines:
            raise ValidationError(f"Line {line_id} is not one of this opportunity's.")
        return lines[line_id]

    return session.ask("Line:", parse)


def edit_opportunity(session: Session) -> None:
    """Edit an open opportunity: its title, close date and guests, and its lines one by one."""
    found = ask_opportunity(session)
    permissions.require(session.employee, Action.UPDATE_OPPORTUNITY, owner_id=found.sales_contact_id)
    if found.closed_at is not None:
        raise ValidationError(service.CLOSED.format(id=found.id, stage=found.stage))
    choices = [
        ("Add a line", "add"),
        ("Change a line", "change"),
        ("Remove a line", "remove"),
        ("Title, close date, guests", "fields"),
        ("Done", "done"),
    ]
    while True:
        detail = session.run(service.get_opportunity_detail, found.id)
        current = detail.opportunity
        print_opportunity(detail)
        what = session.prompts.choose("Edit:", choices)
        session.touch()
        if what == "done":
            return
        if what == "fields":
            fields = _ask_fields(session, current)
            if fields == OpportunityFields(
                current.title, current.expected_close_on, current.expected_attendees
            ):
                print("Nothing changed.")
                continue
            session.confirm_write()
            session.act(service.update_opportunity, current.id, current.version, fields)
            print(f"Opportunity {current.id} saved.")
        elif what == "add":
            service_id = _pick_service(session)
            chosen = session.run(catalogue_service.get_service, service_id)
            quantity = session.ask("Quantity:", partial(validation.whole_number, what="Quantity", minimum=1))
            price = session.ask(
                "Unit price (Enter: the catalogue's):",
                partial(validation.amount, what="Unit price"),
                format(chosen.unit_price, "f"),
            )
            session.confirm_write()
            saved = session.act(service.add_line, current.id, current.version, service_id, quantity, price)
            print(f"Line added; the amount is now {money(saved.opportunity.amount)}.")
        elif what == "change":
            line = _pick_line(session, detail)
            quantity = session.ask(
                "Quantity:", partial(validation.whole_number, what="Quantity", minimum=1), str(line.quantity)
            )
            price = session.ask(
                "Unit price:", partial(validation.amount, what="Unit price"), format(line.unit_price, "f")
            )
            if (quantity, price) == (line.quantity, line.unit_price):
                print("Nothing changed.")
                continue
            session.confirm_write()
            saved = session.act(service.update_line, line.id, current.version, quantity, price)
            print(f"Line {line.id} saved; the amount is now {money(saved.opportunity.amount)}.")
        else:
            line = _pick_line(session, detail)
            session.confirm_write()
            saved = session.act(service.remove_line, line.id, current.version)
            print(f"Line {line.id} removed; the amount is now {money(saved.opportunity.amount)}.")


def move_opportunity(session: Session) -> None:
    """Move an open opportunity one stage forward, or back to an earlier one."""
    found = ask_opportunity(session)
    permissions.require(session.employee, Action.MOVE_OPPORTUNITY, owner_id=found.sales_contact_id)
    if found.closed_at is not None:
        raise ValidationError(service.CLOSED.format(id=found.id, stage=found.stage))
    targets = [s for s in service.moves_from(found.stage) if s in service.OPEN_STAGES]
    print(f"Opportunity {found.id} ({found.title}) is at {found.stage}.")
    choices: list[tuple[str, object]] = [
        (f"{s.value} ({service.DEFAULT_PROBABILITIES[s]}%)", s) for s in targets
    ] + [("Cancel", None)]
    target = session.prompts.choose("Move to:", choices)
    session.touch()
    if target is None:
        print("Nothing changed.")
        return
    session.confirm_write()
    saved = session.act(service.move_opportunity, found.id, found.version, target)
    print(f"Opportunity {saved.id} is now at {saved.stage} ({saved.probability}% likely).")


def close_opportunity(session: Session) -> None:
    """Mark an open opportunity lost (with the reason), or won (management: creates the contract)."""
    found = ask_opportunity(session)
    actor = session.employee
    permissions.require(actor, Action.LOSE_OPPORTUNITY, owner_id=found.sales_contact_id)
    if found.closed_at is not None:
        raise ValidationError(service.CLOSED.format(id=found.id, stage=found.stage))
    print_opportunity(session.run(service.get_opportunity_detail, found.id))
    outcome: str | None = "lost"
    if permissions.visible(actor, Action.WIN_OPPORTUNITY):
        outcome = session.prompts.choose(
            "Close as:", [("Won: create its contract", "won"), ("Lost", "lost"), ("Cancel", None)]
        )
        session.touch()
        if outcome is None:
            print("Nothing changed.")
            return
    if outcome == "won":
        if found.stage != Stage.NEGOTIATION:
            raise ValidationError(service.WIN_ONLY_FROM_NEGOTIATION.format(stage=found.stage))
        session.confirm_write()
        won = session.act(service.win_opportunity, found.id, found.version)
        print(
            f"Opportunity {won.id} won: contract {won.contract_id} created for {money(won.amount)}"
            " (not signed yet; sign it in Contracts)."
        )
        return
    reason = session.ask("Why was it lost?", service.clean_reason)
    session.confirm_write()
    lost = session.act(service.lose_opportunity, found.id, found.version, reason)
    print(f"Opportunity {lost.id} marked lost.")


def pipeline_section() -> Section:
    """The Pipeline section."""
    return Section(
        "Pipeline",
        (
            MenuAction("My opportunities by stage", my_opportunities, Action.LIST_MY_OPPORTUNITIES),
            MenuAction("Open opportunities", open_opportunities, Action.READ),
            MenuAction("Show an opportunity", show_one_opportunity, Action.READ),
            MenuAction("Create an opportunity", create_opportunity, Action.CREATE_OPPORTUNITY),
            MenuAction("Edit an opportunity", edit_opportunity, Action.UPDATE_OPPORTUNITY),
            MenuAction("Move to another stage", move_opportunity, Action.MOVE_OPPORTUNITY),
            MenuAction("Mark won or lost", close_opportunity, Action.LOSE_OPPORTUNITY),
            MenuAction("Pipeline report", pipeline_report, Action.READ_PIPELINE_REPORT),
        ),
    )
