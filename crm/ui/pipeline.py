"""The Pipeline section: opportunities by stage, an opportunity with its lines, create (sales),
edit and edit lines, move to another stage, close (lost; won by management, which creates the
contract), and the pipeline report."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import partial

from crm import permissions, validation
from crm.errors import NotFound, ValidationError
from crm.i18n import N_, _
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
from crm.ui.render import NAME, WHOLE, Column, Columns, money, show_record, show_table, term
from crm.ui.session import Session

OPPORTUNITY_HEADERS = Columns(
    Column(N_("Id"), WHOLE),
    Column(N_("Stage"), WHOLE),
    Column(N_("Title"), NAME, least=14, most=36),
    Column(N_("Client"), least=12, most=30, drop=2),
    Column(N_("Sales contact"), least=12, most=24, drop=1),
    Column(N_("Close by"), WHOLE, drop=3),
    Column(N_("Amount"), WHOLE),
    Column(N_("Weighted"), WHOLE),
    show=N_("Show an opportunity gives the whole record"),
)
LINE_HEADERS = (N_("Line"), N_("Service"), N_("Quantity"), N_("Unit price"), N_("Unit"), N_("Total"))
PER_UNIT = {"event": N_("per event"), "guest": N_("per guest"), "hour": N_("per hour")}


def per_unit(unit: object) -> str:
    """ "per guest" for a price by guest, in the current language."""
    text = str(getattr(unit, "value", unit))
    return _(PER_UNIT[text]) if text in PER_UNIT else text


SERVICES_OFFERED = 100


def opportunity_row(o: Opportunity) -> tuple:
    """One line of an opportunities table."""
    return (
        o.id,
        _("{stage} {probability}%").format(stage=term(o.stage), probability=o.probability),
        o.title,
        o.client_name,
        o.sales_contact_name,
        o.expected_close_on,
        o.amount,
        o.weighted_amount,
    )


def line_row(line: OpportunityLine) -> tuple:
    return (line.id, line.service_name, line.quantity, line.unit_price, per_unit(line.unit), line.line_total)


def print_opportunity(detail: OpportunityDetail) -> None:
    """One opportunity in detail, with its lines (shared with the commands)."""
    o = detail.opportunity
    fields: list[tuple[str, object]] = [
        (_("Title"), o.title),
        (_("Client"), _("{name} (client {id})").format(name=o.client_name, id=o.client_id)),
        (_("Sales contact"), o.sales_contact_name),
        (
            _("Stage"),
            _("{stage} ({probability}% likely)").format(stage=term(o.stage), probability=o.probability),
        ),
        (_("Expected close"), o.expected_close_on),
        (_("Expected guests"), o.expected_attendees),
        (_("Amount"), o.amount),
        (_("Weighted amount"), o.weighted_amount),
    ]
    if o.stage == Stage.LOST:
        fields.append((_("Lost because"), o.lost_reason))
    if o.contract_id is not None:
        fields.append((_("Contract"), _("contract {id}").format(id=o.contract_id)))
    if o.closed_at is not None:
        fields.append((_("Closed"), o.closed_at))
    else:
        moves = ", ".join(term(s) for s in service.moves_from(o.stage))
        fields.append((_("Can move to"), moves))
    fields += [(_("Created"), o.created_at), (_("Last updated"), o.updated_at), (_("Version"), o.version)]
    show_record(_("Opportunity {id}").format(id=o.id), fields)
    print(_("Lines:"))
    show_table(LINE_HEADERS, [line_row(line) for line in detail.lines], empty=_("  No line yet."))


def print_report(report: PipelineReport) -> None:
    """The pipeline report as four tables (shared with the commands)."""
    print(_("Open opportunities by stage:"))
    show_table(
        (N_("Stage"), N_("Probability"), N_("Count"), N_("Amount"), N_("Weighted")),
        [(term(f.stage), f"{f.probability}%", f.count, f.amount, f.weighted_amount) for f in report.by_stage]
        + [
            (
                _("all open"),
                "",
                sum(f.count for f in report.by_stage),
                sum((f.amount for f in report.by_stage), Decimal("0.00")),
                sum((f.weighted_amount for f in report.by_stage), Decimal("0.00")),
            )
        ],
    )
    print(_("Open opportunities by sales employee:"))
    show_table(
        (N_("Sales employee"), N_("Count"), N_("Amount"), N_("Weighted")),
        [(f.sales_name, f.count, f.amount, f.weighted_amount) for f in report.by_sales],
        empty=_("  No sales employee."),
    )
    print(_("Won and lost:"))
    show_table(
        (N_("Period"), N_("Since"), N_("Won"), N_("Won amount"), N_("Lost"), N_("Lost amount")),
        [
            (_(f.period), f.since, f.won_count, f.won_amount, f.lost_count, f.lost_amount)
            for f in report.closed
        ],
    )
    print(_("Conversion (share of closed opportunities won):"))
    show_table(
        (N_("Period"), N_("Closed"), N_("Won"), N_("Conversion")),
        [
            (
                _(f.period),
                f.closed_count,
                f.won_count,
                f"{f.conversion_rate}%" if f.conversion_rate is not None else None,
            )
            for f in report.conversion
        ],
    )


def ask_opportunity(session: Session, message: str = N_("Opportunity id:")) -> Opportunity:
    """Ask for an opportunity id until it names one."""
    return session.ask_record(message, N_("Opportunity id"), service.get_opportunity)


def _browse(session: Session, title: str, fetch: Callable[[int, int], Sequence[Opportunity]]) -> None:
    session.browse(title, fetch, OPPORTUNITY_HEADERS, opportunity_row)


# Reads ---------------------------------------------------------------------------------------------


def my_opportunities(session: Session) -> None:
    """Sales: their clients' open opportunities, stage by stage."""
    _browse(session, _("My opportunities by stage"), session.pages_as(service.my_opportunities))


def open_opportunities(session: Session) -> None:
    """Every open opportunity, stage by stage."""
    _browse(session, _("Open opportunities"), session.pages(service.list_open))


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
        _("Title (what the client wants):"),
        partial(validation.name, what=_("Title"), max_len=service.TITLE_MAX),
        current.title if current else "",
    )
    close = session.ask(
        _("Expected close date (YYYY-MM-DD, optional):"),
        service.parse_close_date,
        current.expected_close_on.isoformat() if current and current.expected_close_on else "",
    )
    attendees = session.ask(
        _("Expected guests:"),
        partial(validation.whole_number, what=_("Expected guests")),
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
        _("Opportunity {id} ({title}) opened at stage new; add its lines with Edit an opportunity.").format(
            id=saved.id, title=saved.title
        )
    )


def _pick_service(session: Session) -> int:
    offered = session.run(catalogue_service.list_services, 0, SERVICES_OFFERED, active_only=True)
    if not offered:
        raise NotFound(_("The catalogue has no service to quote: management adds them in Services."))
    show_table(
        (N_("Id"), N_("Service"), N_("Unit price"), N_("Unit")),
        [(s.id, s.name, s.unit_price, per_unit(s.unit)) for s in offered],
    )
    allowed = {s.id for s in offered}

    def parse(raw: str) -> int:
        service_id = validation.record_id(raw, _("Service id"))
        if service_id not in allowed:
            raise ValidationError(
                _("Service {service_id} is not one of those above.").format(service_id=service_id)
            )
        return service_id

    return session.ask(_("Service id:"), parse)


def _pick_line(session: Session, detail: OpportunityDetail) -> OpportunityLine:
    lines = {line.id: line for line in detail.lines}
    if not lines:
        raise NotFound(_("This opportunity has no line yet."))

    def parse(raw: str) -> OpportunityLine:
        line_id = validation.record_id(raw, _("Line"))
        if line_id not in lines:
            raise ValidationError(
                _("Line {line_id} is not one of this opportunity's.").format(line_id=line_id)
            )
        return lines[line_id]

    return session.ask(_("Line:"), parse)


def edit_opportunity(session: Session) -> None:
    """Edit an open opportunity: its title, close date and guests, and its lines one by one."""
    found = ask_opportunity(session)
    permissions.require(session.employee, Action.UPDATE_OPPORTUNITY, owner_id=found.sales_contact_id)
    if found.closed_at is not None:
        raise ValidationError(service.CLOSED.format(id=found.id, stage=found.stage))
    choices = [
        (_("Add a line"), "add"),
        (_("Change a line"), "change"),
        (_("Remove a line"), "remove"),
        (_("Title, close date, guests"), "fields"),
        (_("Done"), "done"),
    ]
    while True:
        detail = session.run(service.get_opportunity_detail, found.id)
        current = detail.opportunity
        print_opportunity(detail)
        what = session.prompts.choose(_("Edit:"), choices)
        session.touch()
        if what == "done":
            return
        if what == "fields":
            fields = _ask_fields(session, current)
            if fields == OpportunityFields(
                current.title, current.expected_close_on, current.expected_attendees
            ):
                print(_("Nothing changed."))
                continue
            session.confirm_write()
            session.act(service.update_opportunity, current.id, current.version, fields)
            print(_("Opportunity {id} saved.").format(id=current.id))
        elif what == "add":
            service_id = _pick_service(session)
            chosen = session.run(catalogue_service.get_service, service_id)
            quantity = session.ask(
                _("Quantity:"), partial(validation.whole_number, what=_("Quantity"), minimum=1)
            )
            price = session.ask(
                _("Unit price (Enter: the catalogue's):"),
                partial(validation.amount, what=_("Unit price")),
                format(chosen.unit_price, "f"),
            )
            session.confirm_write()
            saved = session.act(service.add_line, current.id, current.version, service_id, quantity, price)
            print(_("Line added; the amount is now {amount}.").format(amount=money(saved.opportunity.amount)))
        elif what == "change":
            line = _pick_line(session, detail)
            quantity = session.ask(
                _("Quantity:"),
                partial(validation.whole_number, what=_("Quantity"), minimum=1),
                str(line.quantity),
            )
            price = session.ask(
                _("Unit price:"),
                partial(validation.amount, what=_("Unit price")),
                format(line.unit_price, "f"),
            )
            if (quantity, price) == (line.quantity, line.unit_price):
                print(_("Nothing changed."))
                continue
            session.confirm_write()
            saved = session.act(service.update_line, line.id, current.version, quantity, price)
            print(
                _("Line {id} saved; the amount is now {amount}.").format(
                    id=line.id, amount=money(saved.opportunity.amount)
                )
            )
        else:
            line = _pick_line(session, detail)
            session.confirm_write()
            saved = session.act(service.remove_line, line.id, current.version)
            print(
                _("Line {id} removed; the amount is now {amount}.").format(
                    id=line.id, amount=money(saved.opportunity.amount)
                )
            )


def move_opportunity(session: Session) -> None:
    """Move an open opportunity one stage forward, or back to an earlier one."""
    found = ask_opportunity(session)
    permissions.require(session.employee, Action.MOVE_OPPORTUNITY, owner_id=found.sales_contact_id)
    if found.closed_at is not None:
        raise ValidationError(service.CLOSED.format(id=found.id, stage=found.stage))
    targets = [s for s in service.moves_from(found.stage) if s in service.OPEN_STAGES]
    print(
        _("Opportunity {id} ({title}) is at {stage}.").format(
            id=found.id, title=found.title, stage=term(found.stage)
        )
    )
    choices: list[tuple[str, object]] = [
        (_("{stage} ({probability}%)").format(stage=term(s), probability=service.DEFAULT_PROBABILITIES[s]), s)
        for s in targets
    ] + [(_("Cancel"), None)]
    target = session.prompts.choose(_("Move to:"), choices)
    session.touch()
    if target is None:
        print(_("Nothing changed."))
        return
    session.confirm_write()
    saved = session.act(service.move_opportunity, found.id, found.version, target)
    print(
        _("Opportunity {id} is now at {stage} ({probability}% likely).").format(
            id=saved.id, stage=term(saved.stage), probability=saved.probability
        )
    )


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
            _("Close as:"), [(_("Won: create its contract"), "won"), (_("Lost"), "lost"), (_("Cancel"), None)]
        )
        session.touch()
        if outcome is None:
            print(_("Nothing changed."))
            return
    if outcome == "won":
        if found.stage != Stage.NEGOTIATION:
            raise ValidationError(service.WIN_ONLY_FROM_NEGOTIATION.format(stage=found.stage))
        session.confirm_write()
        won = session.act(service.win_opportunity, found.id, found.version)
        print(
            _(
                "Opportunity {id} won: contract {contract_id} created for {amount} "
                "(not signed yet; sign it in Contracts)."
            ).format(id=won.id, contract_id=won.contract_id, amount=money(won.amount))
        )
        return
    reason = session.ask(_("Why was it lost?"), service.clean_reason)
    session.confirm_write()
    lost = session.act(service.lose_opportunity, found.id, found.version, reason)
    print(_("Opportunity {id} marked lost.").format(id=lost.id))


def pipeline_section() -> Section:
    """The Pipeline section."""
    return Section(
        N_("Pipeline"),
        (
            MenuAction(N_("My opportunities by stage"), my_opportunities, Action.LIST_MY_OPPORTUNITIES),
            MenuAction(N_("Open opportunities"), open_opportunities, Action.READ),
            MenuAction(N_("Show an opportunity"), show_one_opportunity, Action.READ),
            MenuAction(N_("Create an opportunity"), create_opportunity, Action.CREATE_OPPORTUNITY),
            MenuAction(N_("Edit an opportunity"), edit_opportunity, Action.UPDATE_OPPORTUNITY),
            MenuAction(N_("Move to another stage"), move_opportunity, Action.MOVE_OPPORTUNITY),
            MenuAction(N_("Mark won or lost"), close_opportunity, Action.LOSE_OPPORTUNITY),
            MenuAction(N_("Pipeline report"), pipeline_report, Action.READ_PIPELINE_REPORT),
        ),
    )
