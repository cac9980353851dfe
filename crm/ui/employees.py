"""The Employees section (everyone reads; management writes) and the My account section.

Nothing here shows a password hash or anything about failed logins. Every save asks the
password again (session.confirm_write), except a password change, whose current password is
that check.
"""

from __future__ import annotations

from functools import partial

from crm import i18n, permissions, validation
from crm.errors import CRMError, ValidationError
from crm.i18n import N_, _, ngettext
from crm.models import Employee, EmployeeFields, HandOverPlan, Team
from crm.permissions import Action
from crm.services import employees as service
from crm.ui.digest import digest_setting, show_my_digest
from crm.ui.menu import MenuAction, Section
from crm.ui.pickers import find_employee, pick_employee, show_candidates
from crm.ui.prompts import ask_new_password
from crm.ui.render import NAME, TERMS, WHOLE, Column, Columns, show_record, show_table, term
from crm.ui.session import Session

# On a narrow terminal the phone, then the e-mail, are left out.
LIST_HEADERS = Columns(
    Column(N_("Id"), WHOLE),
    Column(N_("Username"), NAME, least=12),
    Column(N_("Full name"), NAME, least=14),
    Column(N_("Team"), WHOLE),
    Column(N_("E-mail"), least=16, drop=2),
    Column(N_("Phone"), WHOLE, drop=1),
    Column(N_("Status"), WHOLE),
    show=N_("Show an employee gives the whole record"),
)
TEAM_CHOICES: list[tuple[str, Team]] = [(TERMS[team.value], team) for team in Team]  # translated where shown


def status(employee: Employee) -> str:
    return _("active") if employee.is_active else _("deactivated")


def employee_row(employee: Employee) -> tuple:
    """One line of an employees table."""
    return (
        employee.id,
        employee.username,
        employee.full_name,
        employee.team,
        employee.email,
        employee.phone,
        status(employee),
    )


def show_employee(employee: Employee) -> None:
    """One employee in detail (never their password or failed logins)."""
    show_record(
        _("Employee {id}").format(id=employee.id),
        [
            (_("Username"), employee.username),
            (_("Full name"), employee.full_name),
            (_("E-mail"), employee.email),
            (_("Phone"), employee.phone),
            (_("Team"), term(employee.team)),
            (_("Status"), status(employee)),
            (_("Created"), employee.created_at),
            (_("Last updated"), employee.updated_at),
        ],
    )


def _ask_employee(session: Session) -> Employee:
    """Ask for an employee by id or by part of a name (crm.ui.pickers.find_employee)."""
    return find_employee(session)


def _pick_target(
    session: Session, active: bool, kind: str, none_left: str, own_refusal: str | None = None
) -> Employee | None:
    """Show the first employees an action applies to (active or deactivated ones, never
    yourself) and ask for one, by id or by part of a name; None (after saying none_left) when
    there is nobody to pick. Typing your own id gets own_refusal."""
    heading = "Active employees:" if active else "Deactivated employees:"
    if not show_candidates(session, heading, team=None, active=active, leave_out=session.employee.id):
        print(none_left)
        return None
    refusals = {session.employee.id: own_refusal} if own_refusal else None
    return find_employee(session, active=active, kind=kind, refusals=refusals)


# Reads ---------------------------------------------------------------------------------------------


def list_employees(session: Session) -> None:
    """Employees by name, filtered by team and status, a page at a time."""
    prompts = session.prompts
    team = prompts.choose(_("Team:"), [(_("All teams"), None), *TEAM_CHOICES])
    active = prompts.choose(
        _("Status:"),
        [(_("Active only"), True), (_("Deactivated only"), False), (_("Active and deactivated"), None)],
    )
    session.pick_made()
    if team:
        title = {
            True: _("Employees of {team} (active)"),
            False: _("Employees of {team} (deactivated)"),
            None: _("Employees of {team}"),
        }[active].format(team=term(team))
    else:
        title = {True: _("Employees (active)"), False: _("Employees (deactivated)"), None: _("Employees")}[
            active
        ]
    fetch = session.pages(service.list_employees, team=team, active=active)
    session.browse(title, fetch, LIST_HEADERS, employee_row)


def show_one_employee(session: Session) -> None:
    """One employee in detail."""
    show_employee(_ask_employee(session))


# Management's forms --------------------------------------------------------------------------------


def _ask_fields(session: Session, current: Employee | None) -> EmployeeFields:
    """Ask every field (current values as defaults); each answer is checked at once."""
    prompts = session.prompts
    own_id = current.id if current else None

    def parse_username(raw: str) -> str:
        username = validation.username(raw)
        session.run(service.check_username_free, username, own_id)
        return username

    def parse_email(raw: str) -> str:
        email = validation.email(raw)
        session.run(service.check_email_free, email, own_id)
        return email

    username = session.ask(_("Username:"), parse_username, current.username if current else "")
    full_name = session.ask(
        _("Full name:"),
        partial(validation.name, what=_("Full name")),
        current.full_name if current else "",
    )
    email = session.ask(_("E-mail:"), parse_email, current.email if current else "")
    phone = session.ask(_("Phone (optional):"), validation.phone, (current.phone or "") if current else "")
    if current is not None and current.id == session.employee.id:
        print(_("Team: {team} (you cannot change your own team).").format(team=term(current.team)))
        team = current.team
    else:
        choices = TEAM_CHOICES
        if current is not None:  # the current team first, so Enter keeps it
            choices = sorted(TEAM_CHOICES, key=lambda choice: choice[1] != current.team)
        while True:
            team = prompts.choose(_("Team:"), choices)
            session.touch()
            if current is None:
                break
            try:  # a refused team change says why now, before anything else is asked
                session.act(service.team_change_check, current, team, session.clock())
                break
            except CRMError as refused:
                print(refused)
    return EmployeeFields(username=username, full_name=full_name, email=email, phone=phone, team=team)


def _unchanged(employee: Employee, fields: EmployeeFields) -> bool:
    """Whether the answers are the employee's current values (nothing to save)."""
    return (
        fields.username == employee.username
        and fields.full_name == employee.full_name
        and fields.email == employee.email
        and (fields.phone or None) == (employee.phone or None)
        and fields.team == employee.team
    )


def create_employee(session: Session) -> None:
    """Management: a new employee with an initial password."""
    permissions.require(session.employee, Action.MANAGE_EMPLOYEES)
    fields = _ask_fields(session, None)
    password = ask_new_password(
        session.prompts,
        partial(service.check_password_policy, username=fields.username),
        "Initial password",
    )
    session.confirm_write()
    employee = session.act(service.create_employee, fields, password)
    print(
        _("Employee {id} created: {username} ({full_name}, {team}).").format(
            id=employee.id, username=employee.username, full_name=employee.full_name, team=term(employee.team)
        )
    )


def update_employee(session: Session) -> None:
    """Management: edit an employee's username, full name, e-mail, phone and team."""
    permissions.require(session.employee, Action.MANAGE_EMPLOYEES)
    employee = _ask_employee(session)
    show_employee(employee)
    print(_("Press Enter to keep a value."))
    fields = _ask_fields(session, employee)
    if _unchanged(employee, fields):
        print(_("Nothing changed."))
        return
    session.confirm_write()
    saved = session.act(service.update_employee, employee.id, employee.version, fields, now=session.clock())
    print(_("Employee {id} saved.").format(id=saved.id))


def reset_password(session: Session) -> None:
    """Management: give another employee a new password (it also lifts a login lock)."""
    permissions.require(session.employee, Action.MANAGE_EMPLOYEES)
    employee = _pick_target(
        session,
        True,
        _("another active employee"),
        _("There is no other active employee."),
        service.OWN_RESET,
    )
    if employee is None:
        return
    if employee.id == session.employee.id:
        raise ValidationError(service.OWN_RESET)
    print(
        _("New password for {full_name} ({username}).").format(
            full_name=employee.full_name, username=employee.username
        )
    )
    password = ask_new_password(
        session.prompts, partial(service.check_password_policy, username=employee.username), "New password"
    )
    session.confirm_write()
    session.act(service.reset_password, employee.id, password)
    print(_("Password of {username} reset; give it to them in person.").format(username=employee.username))


def _show_reassignments(employee: Employee, pending: service.Reassignments, *, hint: bool = True) -> None:
    print(_("{full_name} still has {work}:").format(full_name=employee.full_name, work=pending.summary()))
    if pending.clients:
        show_table(
            (N_("Client"), N_("Name"), N_("Company")), [(c.id, c.name, c.detail) for c in pending.clients]
        )
        if pending.client_count > len(pending.clients):
            print(_("… and {count} more clients.").format(count=pending.client_count - len(pending.clients)))
        if hint:
            print(_("Reassign them: Clients → Clients of a sales employee, then Reassign a client."))
    if pending.events:
        show_table(
            (N_("Event"), N_("Name"), N_("Client"), N_("Start")),
            [(e.id, e.name, e.detail, e.starts_at) for e in pending.events],
        )
        if pending.event_count > len(pending.events):
            print(_("… and {count} more events.").format(count=pending.event_count - len(pending.events)))
        if hint:
            print(_("Reassign them: Events → Reports → Events of a support employee, then Assign support."))


def _pick_successor(session: Session, employee: Employee) -> int | None:
    """Ask who gets the employee's work: another active employee of their team (None, said, when
    there is nobody)."""
    team = Team(employee.team)
    named = term(employee.team)
    heading = _("Active {team} employees:").format(team=named)
    if not show_candidates(session, heading, team=team, active=True, leave_out=employee.id):
        print(_("There is no other active {team} employee to hand them to.").format(team=named))
        return None
    return pick_employee(
        session,
        _("Hand them to (employee id, or part of a name):"),
        _("another active {team} employee").format(team=named),
        team=team,
        refusals={employee.id: _("Choose another active {team} employee.").format(team=named)},
    )


def _handed_over(employee: Employee, plan: HandOverPlan, to: Employee) -> str:
    if employee.team == Team.SALES:
        text = ngettext(
            "{count} client of {name} handed over to {to}.",
            "{count} clients of {name} handed over to {to}.",
            plan.count,
        )
    else:
        text = ngettext(
            "{count} event of {name} handed over to {to}.",
            "{count} events of {name} handed over to {to}.",
            plan.count,
        )
    return text.format(count=plan.count, name=employee.full_name, to=to.full_name)


def deactivate_employee(session: Session) -> None:
    """Management: block an employee's login (never yourself, never the last manager)."""
    permissions.require(session.employee, Action.MANAGE_EMPLOYEES)
    employee = _pick_target(
        session,
        True,
        _("another active employee"),
        _("There is no other active employee."),
        service.NOT_YOURSELF,
    )
    if employee is None:
        return
    pending = session.act(service.deactivation_check, employee.id, now=session.clock())
    if pending:
        _show_reassignments(employee, pending)
        if employee.team == Team.SALES:
            hand = _("Hand all the clients to another sales employee, then deactivate")
        else:
            hand = _("Hand all the events to another support employee, then deactivate")
        how = session.prompts.choose(
            _("What becomes of them?"),
            [
                (hand, "hand"),
                (_("Deactivate anyway (reassign them one by one later)"), "anyway"),
                (_("Cancel"), None),
            ],
        )
        session.touch()
        if how is None:
            print(_("Nothing was changed."))
            return
        if how == "hand":
            _hand_over_and_deactivate(session, employee)
            return
        question = _("Deactivate {name} ({username}) anyway?").format(
            name=employee.full_name, username=employee.username
        )
    else:
        question = _("Deactivate {name} ({username})? They will not be able to log in.").format(
            name=employee.full_name, username=employee.username
        )
    if not session.prompts.confirm(question, default=False):
        print(_("Nothing was changed."))
        return
    session.confirm_write()
    saved = session.act(
        service.deactivate_employee, employee.id, now=session.clock(), reassignments_seen=bool(pending)
    )
    print(
        _("{full_name} ({username}) is deactivated.").format(
            full_name=saved.full_name, username=saved.username
        )
    )


def _hand_over_and_deactivate(session: Session, employee: Employee) -> None:
    """The deactivation's hand-over: one successor, then one transaction that moves everything
    shown and deactivates (refused whole if anything changed meanwhile)."""
    plan = session.act(service.hand_over_plan, employee.id, session.clock())
    to_id = _pick_successor(session, employee)
    if to_id is None:
        return
    to = session.run(service.get_employee, to_id)
    session.confirm_write()
    done = session.act(service.hand_over, employee.id, to_id, session.clock(), seen=plan, deactivate=True)
    print(_handed_over(employee, done, to))
    print(
        _("{full_name} ({username}) is deactivated.").format(
            full_name=employee.full_name, username=employee.username
        )
    )


def hand_over_work(session: Session) -> None:
    """Management: give all of an employee's clients (sales) or events not ended (support) to
    another active employee of the same team, in one step."""
    permissions.require(session.employee, Action.HAND_OVER)
    employee = _ask_employee(session)
    if employee.team not in service.OWNS:
        raise ValidationError(service.MANAGEMENT_OWNS_NOTHING.format(employee.full_name))
    plan = session.act(service.hand_over_plan, employee.id, session.clock())
    if not plan.count:
        if employee.team == Team.SALES:
            nothing = _("{full_name} has no clients to hand over.")
        else:
            nothing = _("{full_name} has no events to hand over.")
        print(nothing.format(full_name=employee.full_name))
        return
    _show_reassignments(employee, session.run(service.work_of, employee.id, session.clock()), hint=False)
    to_id = _pick_successor(session, employee)
    if to_id is None:
        return
    to = session.run(service.get_employee, to_id)
    session.confirm_write()
    done = session.act(service.hand_over, employee.id, to_id, session.clock(), seen=plan)
    print(_handed_over(employee, done, to))


def reactivate_employee(session: Session) -> None:
    """Management: let a deactivated employee log in again."""
    permissions.require(session.employee, Action.MANAGE_EMPLOYEES)
    employee = _pick_target(
        session, False, _("a deactivated employee"), _("There is no deactivated employee.")
    )
    if employee is None:
        return
    if employee.is_active:
        raise ValidationError(_("{full_name} is already active.").format(full_name=employee.full_name))
    session.confirm_write()
    saved = session.act(service.reactivate_employee, employee.id)
    print(
        _("{full_name} ({username}) is active again.").format(
            full_name=saved.full_name, username=saved.username
        )
    )


def employees_section() -> Section:
    """The Employees section: everyone lists and reads; management writes."""
    manage = Action.MANAGE_EMPLOYEES
    return Section(
        N_("Employees"),
        (
            MenuAction(N_("List employees"), list_employees, Action.READ),
            MenuAction(N_("Show an employee"), show_one_employee, Action.READ),
            MenuAction(N_("Create an employee"), create_employee, manage),
            MenuAction(N_("Update an employee"), update_employee, manage),
            MenuAction(N_("Reset a password"), reset_password, manage),
            MenuAction(N_("Deactivate an employee"), deactivate_employee, manage),
            MenuAction(N_("Reactivate an employee"), reactivate_employee, manage),
            MenuAction(N_("Hand over"), hand_over_work, Action.HAND_OVER),
        ),
    )


# My account ----------------------------------------------------------------------------------------


def show_my_account(session: Session) -> None:
    """The logged-in employee's own details."""
    show_employee(session.employee)


def change_my_password(session: Session) -> None:
    """Any employee: the current password (which counts as a login attempt), then a new one twice."""
    permissions.require(session.employee, Action.CHANGE_OWN_PASSWORD)
    current = session.prompts.password(_("Current password:"))
    session.check_password(current)
    username = session.employee.username

    def check(password: str) -> None:
        service.check_password_policy(password, username)
        if password == current:
            raise ValidationError(_("The new password must differ from the current one."))

    new = ask_new_password(session.prompts, check, "New password")
    session.backend.change_password(current, new)
    print(_("Your password has been changed."))


# The languages offered, each named in itself (as language menus do everywhere).
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}


def choose_language(session: Session) -> None:
    """My account: the language of one's own screens (English, Français, or the program's)."""
    permissions.require(session.employee, Action.CHANGE_OWN_LANGUAGE, owner_id=session.employee.id)
    current = session.act(service.own_language)
    program = LANGUAGE_NAMES[session.default_language]
    if current is None:
        print(_("Your screens follow the program's language ({language}).").format(language=program))
    else:
        print(_("Your screens are in {language}.").format(language=LANGUAGE_NAMES[current]))
    choices: list[tuple[str, str | None]] = [(name, code) for code, name in LANGUAGE_NAMES.items()]
    choices.append((_("The program's language ({language})").format(language=program), None))
    wanted = session.prompts.choose(_("Language of your screens:"), choices)
    session.touch()
    if wanted == current:
        print(_("Nothing changed."))
        return
    session.confirm_write()
    session.act(service.set_own_language, wanted)
    i18n.set_language(wanted or session.default_language)
    print(
        _("Language saved: {language}.").format(language=LANGUAGE_NAMES[wanted or session.default_language])
    )


def my_account_section() -> Section:
    """My account: one's own details and password."""
    return Section(
        N_("My account"),
        (
            MenuAction(N_("Show my details"), show_my_account, Action.READ_OWN_ACCOUNT),
            MenuAction(N_("Change my password"), change_my_password, Action.CHANGE_OWN_PASSWORD),
            MenuAction(N_("Show my digest"), show_my_digest, Action.READ_DIGEST),
            MenuAction(N_("Digest at login (on or off)"), digest_setting, Action.CHANGE_OWN_DIGEST),
            MenuAction(N_("Language"), choose_language, Action.CHANGE_OWN_LANGUAGE),
        ),
    )
