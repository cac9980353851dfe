"""The Employees section (everyone reads; management writes) and the My account section.

Nothing here shows a password hash or anything about failed logins. Every save asks the
password again (session.confirm_write), except a password change, whose current password is
that check.
"""

from __future__ import annotations

from functools import partial

from crm import permissions, validation
from crm.errors import CRMError, ValidationError
from crm.models import Employee, EmployeeFields, HandOverPlan, Team
from crm.permissions import Action
from crm.services import employees as service
from crm.ui.digest import digest_setting, show_my_digest
from crm.ui.menu import MenuAction, Section
from crm.ui.pickers import find_employee, pick_employee, show_candidates
from crm.ui.prompts import ask_new_password
from crm.ui.render import NAME, WHOLE, Column, Columns, show_record, show_table
from crm.ui.session import Session

# On a narrow terminal the phone, then the e-mail, are left out.
LIST_HEADERS = Columns(
    Column("Id", WHOLE),
    Column("Username", NAME, least=12),
    Column("Full name", NAME, least=14),
    Column("Team", WHOLE),
    Column("E-mail", least=16, drop=2),
    Column("Phone", WHOLE, drop=1),
    Column("Status", WHOLE),
    show="Show an employee gives the whole record",
)
TEAM_CHOICES: list[tuple[str, Team]] = [(team.value, team) for team in Team]


def status(employee: Employee) -> str:
    return "active" if employee.is_active else "deactivated"


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
        f"Employee {employee.id}",
        [
            ("Username", employee.username),
            ("Full name", employee.full_name),
            ("E-mail", employee.email),
            ("Phone", employee.phone),
            ("Team", employee.team),
            ("Status", status(employee)),
            ("Created", employee.created_at),
            ("Last updated", employee.updated_at),
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
    team = prompts.choose("Team:", [("All teams", None), *TEAM_CHOICES])
    active = prompts.choose(
        "Status:", [("Active only", True), ("Deactivated only", False), ("Active and deactivated", None)]
    )
    session.pick_made()
    title = "Employees" + (f" of {team}" if team else "")
    title += {True: " (active)", False: " (deactivated)", None: ""}[active]
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

    username = session.ask("Username:", parse_username, current.username if current else "")
    full_name = session.ask(
        "Full name:",
        partial(validation.name, what="Full name"),
        current.full_name if current else "",
    )
    email = session.ask("E-mail:", parse_email, current.email if current else "")
    phone = session.ask("Phone (optional):", validation.phone, (current.phone or "") if current else "")
    if current is not None and current.id == session.employee.id:
        print(f"Team: {current.team} (you cannot change your own team).")
        team = current.team
    else:
        choices = TEAM_CHOICES
        if current is not None:  # the current team first, so Enter keeps it
            choices = sorted(TEAM_CHOICES, key=lambda choice: choice[1] != current.team)
        while True:
            team = prompts.choose("Team:", choices)
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
        session.prompts, partial(service.check_password_policy, username=fields.username), "Initial password"
    )
    session.confirm_write()
    employee = session.act(service.create_employee, fields, password)
    print(f"Employee {employee.id} created: {employee.username} ({employee.full_name}, {employee.team}).")


def update_employee(session: Session) -> None:
    """Management: edit an employee's username, full name, e-mail, phone and team."""
    permissions.require(session.employee, Action.MANAGE_EMPLOYEES)
    employee = _ask_employee(session)
    show_employee(employee)
    print("Press Enter to keep a value.")
    fields = _ask_fields(session, employee)
    if _unchanged(employee, fields):
        print("Nothing changed.")
        return
    session.confirm_write()
    saved = session.act(service.update_employee, employee.id, employee.version, fields, now=session.clock())
    print(f"Employee {saved.id} saved.")


def reset_password(session: Session) -> None:
    """Management: give another employee a new password (it also lifts a login lock)."""
    permissions.require(session.employee, Action.MANAGE_EMPLOYEES)
    employee = _pick_target(
        session, True, "another active employee", "There is no other active employee.", service.OWN_RESET
    )
    if employee is None:
        return
    if employee.id == session.employee.id:
        raise ValidationError(service.OWN_RESET)
    print(f"New password for {employee.full_name} ({employee.username}).")
    password = ask_new_password(
        session.prompts, partial(service.check_password_policy, username=employee.username), "New password"
    )
    session.confirm_write()
    session.act(service.reset_password, employee.id, password)
    print(f"Password of {employee.username} reset; give it to them in person.")


def _show_reassignments(employee: Employee, pending: service.Reassignments, *, hint: bool = True) -> None:
    print(f"{employee.full_name} still has {pending.summary()}:")
    if pending.clients:
        show_table(("Client", "Name", "Company"), [(c.id, c.name, c.detail) for c in pending.clients])
        if pending.client_count > len(pending.clients):
            print(f"… and {pending.client_count - len(pending.clients)} more clients.")
        if hint:
            print("Reassign them: Clients → Clients of a sales employee, then Reassign a client.")
    if pending.events:
        show_table(
            ("Event", "Name", "Client", "Start"),
            [(e.id, e.name, e.detail, e.starts_at) for e in pending.events],
        )
        if pending.event_count > len(pending.events):
            print(f"… and {pending.event_count - len(pending.events)} more events.")
        if hint:
            print("Reassign them: Events → Reports → Events of a support employee, then Assign support.")


def _pick_successor(session: Session, employee: Employee) -> int | None:
    """Ask who gets the employee's work: another active employee of their team (None, said, when
    there is nobody)."""
    team = Team(employee.team)
    heading = f"Active {employee.team} employees:"
    if not show_candidates(session, heading, team=team, active=True, leave_out=employee.id):
        print(f"There is no other active {employee.team} employee to hand them to.")
        return None
    return pick_employee(
        session,
        "Hand them to (employee id, or part of a name):",
        f"another active {employee.team} employee",
        team=team,
        refusals={employee.id: f"Choose another active {employee.team} employee."},
    )


def _handed_over(employee: Employee, plan: HandOverPlan, to: Employee) -> str:
    what = service.OWNS[employee.team]
    what = what if plan.count != 1 else what[:-1]
    return f"{plan.count} {what} of {employee.full_name} handed over to {to.full_name}."


def deactivate_employee(session: Session) -> None:
    """Management: block an employee's login (never yourself, never the last manager)."""
    permissions.require(session.employee, Action.MANAGE_EMPLOYEES)
    employee = _pick_target(
        session, True, "another active employee", "There is no other active employee.", service.NOT_YOURSELF
    )
    if employee is None:
        return
    pending = session.act(service.deactivation_check, employee.id, now=session.clock())
    if pending:
        _show_reassignments(employee, pending)
        what = service.OWNS.get(employee.team, "records")
        how = session.prompts.choose(
            "What becomes of them?",
            [
                (f"Hand all the {what} to another {employee.team} employee, then deactivate", "hand"),
                ("Deactivate anyway (reassign them one by one later)", "anyway"),
                ("Cancel", None),
            ],
        )
        session.touch()
        if how is None:
            print("Nothing was changed.")
            return
        if how == "hand":
            _hand_over_and_deactivate(session, employee)
            return
        question = f"Deactivate {employee.full_name} ({employee.username}) anyway?"
    else:
        question = f"Deactivate {employee.full_name} ({employee.username})? They will not be able to log in."
    if not session.prompts.confirm(question, default=False):
        print("Nothing was changed.")
        return
    session.confirm_write()
    saved = session.act(
        service.deactivate_employee, employee.id, now=session.clock(), reassignments_seen=bool(pending)
    )
    print(f"{saved.full_name} ({saved.username}) is deactivated.")


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
    print(f"{employee.full_name} ({employee.username}) is deactivated.")


def hand_over_work(session: Session) -> None:
    """Management: give all of an employee's clients (sales) or events not ended (support) to
    another active employee of the same team, in one step."""
    permissions.require(session.employee, Action.HAND_OVER)
    employee = _ask_employee(session)
    if employee.team not in service.OWNS:
        raise ValidationError(service.MANAGEMENT_OWNS_NOTHING.format(employee.full_name))
    plan = session.act(service.hand_over_plan, employee.id, session.clock())
    if not plan.count:
        print(f"{employee.full_name} has no {service.OWNS[employee.team]} to hand over.")
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
    employee = _pick_target(session, False, "a deactivated employee", "There is no deactivated employee.")
    if employee is None:
        return
    if employee.is_active:
        raise ValidationError(f"{employee.full_name} is already active.")
    session.confirm_write()
    saved = session.act(service.reactivate_employee, employee.id)
    print(f"{saved.full_name} ({saved.username}) is active again.")


def employees_section() -> Section:
    """The Employees section: everyone lists and reads; management writes."""
    manage = Action.MANAGE_EMPLOYEES
    return Section(
        "Employees",
        (
            MenuAction("List employees", list_employees, Action.READ),
            MenuAction("Show an employee", show_one_employee, Action.READ),
            MenuAction("Create an employee", create_employee, manage),
            MenuAction("Update an employee", update_employee, manage),
            MenuAction("Reset a password", reset_password, manage),
            MenuAction("Deactivate an employee", deactivate_employee, manage),
            MenuAction("Reactivate an employee", reactivate_employee, manage),
            MenuAction("Hand over", hand_over_work, Action.HAND_OVER),
        ),
    )


# My account ----------------------------------------------------------------------------------------


def show_my_account(session: Session) -> None:
    """The logged-in employee's own details."""
    show_employee(session.employee)


def change_my_password(session: Session) -> None:
    """Any employee: the current password (which counts as a login attempt), then a new one twice."""
    permissions.require(session.employee, Action.CHANGE_OWN_PASSWORD)
    current = session.prompts.password("Current password:")
    session.check_password(current)
    username = session.employee.username

    def check(password: str) -> None:
        service.check_password_policy(password, username)
        if password == current:
            raise ValidationError("The new password must differ from the current one.")

    new = ask_new_password(session.prompts, check, "New password")
    session.backend.change_password(current, new)
    print("Your password has been changed.")


def my_account_section() -> Section:
    """My account: one's own details and password."""
    return Section(
        "My account",
        (
            MenuAction("Show my details", show_my_account, Action.READ_OWN_ACCOUNT),
            MenuAction("Change my password", change_my_password, Action.CHANGE_OWN_PASSWORD),
            MenuAction("Show my digest", show_my_digest, Action.READ_DIGEST),
            MenuAction("Digest at login (on or off)", digest_setting, Action.CHANGE_OWN_DIGEST),
        ),
    )
