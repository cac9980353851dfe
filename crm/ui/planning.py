"""The Planning section: the week's agenda (support: theirs; management: everyone's or one
support employee's), signed contracts still waiting for their event (sales: their clients';
management: all), and a support employee's calendar file (.ics) for their phone.

The agenda's days are the company's (Europe/Paris), shown a table per day, whatever the
computer's own zone.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from crm import validation
from crm.errors import ValidationError
from crm.i18n import N_, _, ngettext
from crm.models import AgendaDay, Event, Team
from crm.permissions import Action
from crm.services import agenda as service
from crm.services import contracts as contract_service
from crm.ui.contracts import LIST_HEADERS as CONTRACT_HEADERS
from crm.ui.contracts import contract_row
from crm.ui.events import UNASSIGNED
from crm.ui.menu import MenuAction, Section
from crm.ui.pickers import pick_team_member
from crm.ui.render import NAME, WHOLE, Column, Columns, day_heading, local_time, show_table
from crm.ui.session import Session

DEFAULT_CALENDAR = "epic-events.ics"
AGENDA_HEADERS = Columns(
    Column(N_("Id"), WHOLE),
    Column(N_("Time"), WHOLE),
    Column(N_("Event"), NAME, least=14, most=36),
    Column(N_("Status"), WHOLE, drop=3),
    Column(N_("Location"), least=12, most=30, drop=1),
    Column(N_("Guests"), WHOLE, drop=4),
    Column(N_("Support"), least=10, most=24, drop=2),
    show=N_("Show an event gives the whole record"),
)


def parse_week(raw: str, today: date) -> date:
    """A day of the week wanted, typed YYYY-MM-DD; Enter alone: this week."""
    text = raw.strip()
    if not text:
        return today
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            _("Type a day as YYYY-MM-DD (2027-10-25), or press Enter for this week.")
        ) from None
    if not 2000 <= day.year <= 2999:
        raise ValidationError(_("The day must be in the years 2000 to 2999."))
    return day


def agenda_row(event: Event, day: date) -> tuple:
    """One event of a day: its hours on that day (Paris time); ← or → when it starts or ends on
    another day."""
    zone = service.COMPANY_ZONE
    shown_start = local_time(event.starts_at, zone) if event.starts_at.astimezone(zone).date() == day else "←"
    shown_end = local_time(event.ends_at, zone) if event.ends_at.astimezone(zone).date() == day else "→"
    return (
        event.id,
        f"{shown_start}–{shown_end}",
        event.name,
        event.status,
        event.location,
        event.attendees,
        event.support_contact_name or UNASSIGNED,
    )


def show_agenda(title: str, agenda: list[AgendaDay]) -> None:
    """The week, a table per day (a day without events says so)."""
    print(_("{title} — times in Europe/Paris").format(title=title))
    for day in agenda:
        print(f"\n{day_heading(day.day)}")
        show_table(AGENDA_HEADERS, [agenda_row(e, day.day) for e in day.events], empty=_("  No events."))


def week_agenda(session: Session) -> None:
    """Support: their week; management: everyone's week, or one support employee's."""
    support_id = None
    whose = _("My agenda")
    if session.employee.team == Team.MANAGEMENT:
        choice = session.prompts.choose(
            _("Whose agenda?"), [(_("Every event"), "all"), (_("One support employee"), "one")]
        )
        session.touch()
        if choice == "one":
            support = pick_team_member(session, Team.SUPPORT, _("Support employee id:"))
            support_id, whose = support.id, _("Agenda of {name}").format(name=support.full_name)
        else:
            whose = _("Agenda of every event")
    today = session.clock().astimezone(service.COMPANY_ZONE).date()
    day = session.ask(
        _("A day of the week (YYYY-MM-DD, Enter: this week):"), lambda raw: parse_week(raw, today)
    )
    agenda = session.act(service.week_agenda, day, support_id)
    show_agenda(_("{whose}, week of {day}").format(whose=whose, day=agenda[0].day.isoformat()), agenda)


def contracts_without_event(session: Session) -> None:
    """Signed contracts that have no event yet (sales: their clients'; management: all)."""
    title = _("Signed contracts without an event")
    if session.employee.team == Team.SALES:
        title = _("Signed contracts without an event (my clients)")
    session.browse(
        title, session.pages_as(contract_service.contracts_without_event), CONTRACT_HEADERS, contract_row
    )


def _calendar_path(raw: str) -> Path:
    text = validation.printable(raw.strip(), _("The file name"))
    if not text:
        raise ValidationError(_("Name the file to write, like epic-events.ics."))
    path = Path(text).expanduser()
    if path.is_dir():
        raise ValidationError(_("{path} is a folder: name a file.").format(path=path))
    if not path.absolute().parent.is_dir():
        raise ValidationError(_("No folder {parent}.").format(parent=path.absolute().parent))
    return path


def export_calendar(session: Session) -> None:
    """Support: their upcoming events as an .ics file (mode 0600) to import in a phone's calendar."""
    path = session.ask(_("File to write (.ics):"), _calendar_path, DEFAULT_CALENDAR)
    data, count = session.act(service.export_calendar, session.clock())
    written = service.write_private(path, data)
    print(
        ngettext(
            "{count} upcoming event written to {path} (readable by you only).",
            "{count} upcoming events written to {path} (readable by you only).",
            count,
        ).format(count=count, path=written)
    )
    print(_("Import it again after changes: the events are updated, not duplicated."))


def planning_section() -> Section:
    return Section(
        N_("Planning"),
        (
            MenuAction(N_("Week agenda"), week_agenda, Action.VIEW_AGENDA),
            MenuAction(
                N_("Signed contracts without an event"),
                contracts_without_event,
                Action.LIST_CONTRACTS_WITHOUT_EVENT,
            ),
            MenuAction(N_("Export my calendar (.ics)"), export_calendar, Action.EXPORT_CALENDAR),
        ),
    )
