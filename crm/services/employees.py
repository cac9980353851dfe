"""Employee use cases: lists and details for everyone; management's writes; own password.

Every write asks crm.permissions first (before any SQL) and again inside its transaction with
the actor as the database has them now. Nobody is ever deleted: employees are deactivated, which
blocks their login at once. Two rules keep the company running: nobody deactivates themselves,
and the last active manager cannot be deactivated or moved to another team — checked with the
active managers' rows locked, so two managers deactivating each other cannot both succeed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from crm import monitoring, permissions, security, validation
from crm.db import Database
from crm.errors import CRMError, NotFound, StaleRecord, ValidationError
from crm.i18n import LANGUAGES, N_, _, ngettext
from crm.models import Employee, EmployeeFields, HandOverPlan, OwnedRecord, Team
from crm.permissions import Action
from crm.repositories.clients import ClientRepository
from crm.repositories.employees import EmployeeRepository
from crm.repositories.events import EventRepository
from crm.repositories.sessions import SessionRepository
from crm.repositories.throttle import ThrottleRepository
from crm.services import auth, mail
from crm.services.actor import recheck_actor
from crm.services.rules import RuleMessage, rules_as_messages

__all__ = [
    "EmployeeFields",
    "OwnedRecord",
    "ReassignmentNeeded",
    "Reassignments",
    "change_own_password",
    "check_email_free",
    "check_password_policy",
    "check_username_free",
    "clean_fields",
    "create_employee",
    "deactivate_employee",
    "deactivation_check",
    "get_employee",
    "hand_over",
    "hand_over_candidates",
    "hand_over_plan",
    "work_of",
    "list_employees",
    "search_employees",
    "reactivate_employee",
    "reset_password",
    "team_change_check",
    "update_employee",
]

check_password_policy = security.check_password_policy  # what a new password must meet

USERNAME_TAKEN = N_("The username {username!r} is already taken.")
EMAIL_TAKEN = N_("The e-mail address {email!r} is already used by another employee.")
NOT_YOURSELF, OWN_TEAM, OWN_RESET = permissions.NOT_YOURSELF, permissions.OWN_TEAM, permissions.OWN_RESET
LAST_MANAGER = permissions.LAST_MANAGER

# What a broken database rule means to the user, by constraint name.
_RULE_MESSAGES: dict[str, RuleMessage] = {
    "employees_username_key": N_("That username is already taken."),
    "employees_email_key": N_("That e-mail address is already used by another employee."),
    "employees_username_check": N_("A username is 3 to 40 characters: letters, digits, '.', '-' or '_'."),
    "employees_full_name_check": (
        lambda: _("Full name cannot be blank and has at most {NAME_MAX} characters.").format(
            NAME_MAX=validation.NAME_MAX
        )
    ),
    "employees_email_check": N_("Enter a valid e-mail address, like name@example.com."),
    "employees_phone_check": N_("A phone number has at most 40 characters."),
    "employees_team_check": N_("The team must be management, sales or support."),
    "employees_full_name_text": lambda: validation.text_rule(_("Full name"), shown=True),
    "employees_email_text": lambda: validation.text_rule(_("E-mail")),
    "employees_phone_text": lambda: validation.text_rule(_("Phone")),
    "employees_password_hash_text": lambda: validation.text_rule(_("A password hash")),
}


@dataclass(frozen=True)
class Reassignments:
    """What an employee still has in their care: their clients (sales), their coming events (support)."""

    clients: list[OwnedRecord] = field(default_factory=list)
    events: list[OwnedRecord] = field(default_factory=list)

    @property
    def client_count(self) -> int:
        return self.clients[0].total if self.clients else 0

    @property
    def event_count(self) -> int:
        return self.events[0].total if self.events else 0

    def __bool__(self) -> bool:
        return bool(self.clients or self.events)

    def summary(self) -> str:
        """'3 clients and 1 upcoming event' (what is there)."""
        clients = ngettext("{count} client", "{count} clients", self.client_count)
        events = ngettext("{count} upcoming event", "{count} upcoming events", self.event_count)
        if self.client_count and self.event_count:
            return _("{clients} and {events}").format(
                clients=clients.format(count=self.client_count), events=events.format(count=self.event_count)
            )
        if self.client_count:
            return clients.format(count=self.client_count)
        if self.event_count:
            return events.format(count=self.event_count)
        return _("nothing")


class ReassignmentNeeded(CRMError):
    """Deactivating this employee would leave clients or events without their contact."""

    def __init__(self, employee: Employee, reassignments: Reassignments) -> None:
        self.reassignments = reassignments
        super().__init__(
            _(
                "{full_name} still has {summary} to reassign; look at them and confirm to deactivate anyway."
            ).format(full_name=employee.full_name, summary=reassignments.summary())
        )


def clean_fields(fields: EmployeeFields) -> EmployeeFields:
    """Validated employee fields (docs/rules.md §7)."""
    try:
        team = Team(fields.team)
    except ValueError:
        raise ValidationError(_("The team must be management, sales or support.")) from None
    return EmployeeFields(
        username=validation.username(fields.username),
        full_name=validation.name(fields.full_name, _("Full name")),
        email=validation.email(fields.email),
        phone=validation.phone(fields.phone or ""),
        team=team,
    )


SEARCH_MAX = 150  # the longest search text, as the client and event searches

# Reads --------------------------------------------------------------------------------------------


def list_employees(
    db: Database, offset: int, limit: int, team: Team | None = None, active: bool | None = None
) -> list[Employee]:
    """A page of employees by name; team and active (True / False) filter when given."""
    return EmployeeRepository(db.conn).page(offset, limit, team=team, active=active)


def search_employees(
    db: Database,
    text: str,
    offset: int,
    limit: int,
    team: Team | None = None,
    active: bool | None = None,
) -> list[Employee]:
    """A page of the employees whose name or username contains the text, by name; team and
    active (True / False) filter when given."""
    text = validation.name(text, "Search text", SEARCH_MAX)
    return EmployeeRepository(db.conn).search(text, offset, limit, team=team, active=active)


def get_employee(db: Database, employee_id: int) -> Employee:
    """One employee, or NotFound."""
    employee = EmployeeRepository(db.conn).get(employee_id)
    if employee is None:
        raise NotFound(_("No employee with id {employee_id}.").format(employee_id=employee_id))
    return employee


def check_username_free(db: Database, username: str, employee_id: int | None = None) -> None:
    """ValidationError when another employee has this username (any case)."""
    owner = EmployeeRepository(db.conn).id_of_username(username)
    if owner is not None and owner != employee_id:
        raise ValidationError(_(USERNAME_TAKEN).format(username=username))


def check_email_free(db: Database, email: str, employee_id: int | None = None) -> None:
    """ValidationError when another employee has this e-mail address (any case)."""
    owner = EmployeeRepository(db.conn).id_of_email(email)
    if owner is not None and owner != employee_id:
        raise ValidationError(_(EMAIL_TAKEN).format(email=email))


def _reassignments(repo: EmployeeRepository, employee: Employee, now: datetime) -> Reassignments:
    return Reassignments(clients=repo.clients_owned(employee.id), events=repo.events_ahead(employee.id, now))


# Writes -------------------------------------------------------------------------------------------


def _recheck_manager(db: Database, repo: EmployeeRepository, actor: Employee) -> list[int]:
    """In a management write's transaction: lock the active managers' rows (always first, in id
    order, so two managers' writes wait for each other instead of deadlocking), then re-read the
    actor and ask crm.permissions. The active managers' ids."""
    managers = repo.lock_active_managers()
    recheck_actor(db, actor, Action.MANAGE_EMPLOYEES)
    return managers


def _business_event(what: str, employee: Employee, actor: Employee) -> None:
    monitoring.business_event(f"employee.{what}", employee_id=employee.id, team=employee.team, by=actor.id)


def _target(repo: EmployeeRepository, employee_id: int, *, lock: bool = False) -> Employee:
    employee = repo.get(employee_id, lock=lock)
    if employee is None:
        raise NotFound(_("No employee with id {employee_id}.").format(employee_id=employee_id))
    return employee


def create_employee(db: Database, actor: Employee, fields: EmployeeFields, password: str) -> Employee:
    """Create an active employee with an initial password that meets the policy."""
    fields = clean_fields(fields)
    security.check_password_policy(password, fields.username)
    password_hash = security.hash_password(password)  # before any lock is taken (it takes a while)
    repo = EmployeeRepository(db.conn)
    with db.transaction(actor.id), rules_as_messages(_RULE_MESSAGES):
        _recheck_manager(db, repo, actor)
        check_username_free(db, fields.username)
        check_email_free(db, fields.email)
        employee_id = repo.insert(fields, password_hash)
    employee = get_employee(db, employee_id)
    _business_event("created", employee, actor)
    return employee


def update_employee(
    db: Database, actor: Employee, employee_id: int, version: int, fields: EmployeeFields, now: datetime
) -> Employee:
    """Save an employee's username, full name, e-mail, phone and team (versioned).

    A team change is refused for yourself, for the last active manager, and for someone who
    still has clients (sales) or coming events (support) until those are reassigned; it ends the
    employee's open sessions (they log in again, to their new team's menu).
    """
    repo = EmployeeRepository(db.conn)
    with db.transaction(actor.id), rules_as_messages(_RULE_MESSAGES):
        managers = _recheck_manager(db, repo, actor)
        current = _target(repo, employee_id, lock=True)
        if current.version != version:
            raise StaleRecord()
        fields = clean_fields(fields)
        if fields.team != current.team:
            team_change_check(db, actor, current, fields.team, now, managers)
        check_username_free(db, fields.username, employee_id)
        check_email_free(db, fields.email, employee_id)
        if not repo.update(employee_id, version, fields):
            raise StaleRecord()
    employee = get_employee(db, employee_id)
    _business_event("updated", employee, actor)
    return employee


def team_change_check(
    db: Database,
    actor: Employee,
    employee: Employee,
    team: Team,
    now: datetime,
    managers: list[int] | None = None,
) -> None:
    """Refuse moving the employee to `team` (one line: yourself, the last active manager, clients or
    coming events still in their care). Forms call it as soon as the team is chosen; the save calls
    it again under lock, with the active managers it has locked."""
    if team == employee.team:
        return
    repo = EmployeeRepository(db.conn)
    if managers is None:
        managers = repo.active_manager_ids()
    permissions.require_none(permissions.team_change_refusal(actor, employee, managers))
    pending = _reassignments(repo, employee, now)
    if pending:
        raise ValidationError(
            _("{full_name} still has {summary}: reassign them before changing {full_name}'s team.").format(
                full_name=employee.full_name, summary=pending.summary()
            )
        )


def reset_password(db: Database, actor: Employee, employee_id: int, new_password: str) -> None:
    """Give another employee a new password (it also lifts a lock from failed logins, and ends the
    employee's open sessions)."""
    security.check_password_policy(new_password, get_employee(db, employee_id).username)
    password_hash = security.hash_password(new_password)  # before any lock is taken
    repo = EmployeeRepository(db.conn)
    with db.transaction(actor.id):
        _recheck_manager(db, repo, actor)
        permissions.require_none(permissions.reset_refusal(actor, employee_id))
        target = _target(repo, employee_id, lock=True)
        repo.set_password_hash(employee_id, password_hash)
        ThrottleRepository(db.conn).forget_employee(target.id)


def _check_deactivation(actor: Employee, employee: Employee, managers: list[int]) -> None:
    permissions.require_none(permissions.deactivation_refusal(actor, employee, managers))
    if not employee.is_active:
        raise ValidationError(_("{full_name} is already deactivated.").format(full_name=employee.full_name))


def deactivation_check(db: Database, actor: Employee, employee_id: int, now: datetime) -> Reassignments:
    """Whether the actor may deactivate this employee (else a one-line refusal), and what they
    still have in their care: clients (sales) and coming events (support) to reassign."""
    actor = recheck_actor(db, actor, Action.MANAGE_EMPLOYEES)  # as the database has them now
    repo = EmployeeRepository(db.conn)
    employee = get_employee(db, employee_id)
    managers = repo.active_manager_ids() if employee.team == Team.MANAGEMENT else []
    _check_deactivation(actor, employee, managers)
    return _reassignments(repo, employee, now)


def deactivate_employee(
    db: Database, actor: Employee, employee_id: int, now: datetime, *, reassignments_seen: bool = False
) -> Employee:
    """Deactivate an employee: they cannot log in any more, and their open sessions end.

    Refused for yourself and for the last active manager. If they still have clients or coming
    events, ReassignmentNeeded (listing them) unless the caller has shown them (reassignments_seen).
    """
    repo = EmployeeRepository(db.conn)
    with db.transaction(actor.id):
        managers = _recheck_manager(db, repo, actor)
        employee = _target(repo, employee_id, lock=True)
        _check_deactivation(actor, employee, managers)
        pending = _reassignments(repo, employee, now)
        if pending and not reassignments_seen:
            raise ReassignmentNeeded(employee, pending)
        repo.set_active(employee_id, False)
    _business_event("deactivated", employee, actor)
    return get_employee(db, employee_id)


def reactivate_employee(db: Database, actor: Employee, employee_id: int) -> Employee:
    """Let a deactivated employee log in again."""
    repo = EmployeeRepository(db.conn)
    with db.transaction(actor.id):
        _recheck_manager(db, repo, actor)
        employee = _target(repo, employee_id, lock=True)
        if employee.is_active:
            raise ValidationError(_("{full_name} is already active.").format(full_name=employee.full_name))
        repo.set_active(employee_id, True)
    _business_event("reactivated", employee, actor)
    return get_employee(db, employee_id)


def change_own_password(
    db: Database,
    actor: Employee,
    old_password: str,
    new_password: str,
    now: datetime | None = None,
    keep_session: int | None = None,
    device_token: str | None = None,
) -> None:
    """Change the actor's own password: the current one first (a wrong one counts as a failed
    login, on the session's device count, and may lock it: AccountLocked), then a new one that
    meets the policy.

    Every other open session of the actor ends (sql/0012_sessions.sql); keep_session (the id of
    the session making the change) goes on.
    """
    with db.transaction():  # deactivated meanwhile: refused before any password is checked
        recheck_actor(db, actor, Action.CHANGE_OWN_PASSWORD)
    auth.confirm_password(db, actor, old_password, now, device_token)
    security.check_password_policy(new_password, actor.username)
    if new_password == old_password:
        raise ValidationError(_("The new password must differ from the current one."))
    password_hash = security.hash_password(new_password)
    repo = EmployeeRepository(db.conn)
    with db.transaction(actor.id):
        recheck_actor(db, actor, Action.CHANGE_OWN_PASSWORD, for_update=True)
        if keep_session is not None:
            SessionRepository(db.conn).keep_open(keep_session)
        repo.set_password_hash(actor.id, password_hash)


def own_language(db: Database, actor: Employee) -> str | None:
    """The language the actor chose for their screens ('en', 'fr'), or None: the program's
    `[ui] language` setting."""
    with db.transaction():
        return EmployeeRepository(db.conn).language(actor.id)


def set_own_language(db: Database, actor: Employee, language: str | None) -> None:
    """Choose the language of the actor's own screens ('en', 'fr'; None: the program's setting)."""
    if language is not None and language not in LANGUAGES:
        raise ValidationError(
            _("Choose a language among: {languages}.").format(languages=", ".join(LANGUAGES))
        )
    with db.transaction(actor.id):
        recheck_actor(db, actor, Action.CHANGE_OWN_LANGUAGE, owner_id=actor.id, for_update=True)
        EmployeeRepository(db.conn).set_language(actor.id, language)


# Handing over someone's work ----------------------------------------------------------------------

# What each team owns: a sales employee their clients, a support employee their events not ended.
OWNS = {Team.SALES: "clients", Team.SUPPORT: "events"}
MANAGEMENT_OWNS_NOTHING = N_("{} is in management: only sales and support employees own clients or events.")


def _plan(db: Database, employee: Employee, now: datetime, *, lock: bool = False) -> HandOverPlan:
    if employee.team == Team.SALES:
        clients = ClientRepository(db.conn).owned_versions(employee.id, lock=lock)
        return HandOverPlan(employee.id, employee.team, clients=tuple(clients))
    if employee.team == Team.SUPPORT:
        events = EventRepository(db.conn).ahead_versions(employee.id, now, lock=lock)
        return HandOverPlan(employee.id, employee.team, events=tuple(events))
    raise ValidationError(_(MANAGEMENT_OWNS_NOTHING).format(employee.full_name))


def work_of(db: Database, employee_id: int, now: datetime) -> Reassignments:
    """What an employee has in their care now (the first 20 of each, and how many): their clients
    and their events that have not ended."""
    return _reassignments(EmployeeRepository(db.conn), get_employee(db, employee_id), now)


def hand_over_plan(db: Database, actor: Employee, employee_id: int, now: datetime) -> HandOverPlan:
    """What handing over this employee's work would move now: all their clients (sales) or their
    events that have not ended (support), each at its current version (what a form shows, then
    passes to hand_over as `seen`)."""
    permissions.require(actor, Action.HAND_OVER)
    return _plan(db, get_employee(db, employee_id), now)


def hand_over_candidates(db: Database, employee_id: int) -> list[Employee]:
    """Who this employee's work may go to: the other active employees of their team, by name."""
    employee = get_employee(db, employee_id)
    if employee.team not in OWNS:
        return []
    return [e for e in EmployeeRepository(db.conn).active_of_team(Team(employee.team)) if e.id != employee_id]


def hand_over(
    db: Database,
    actor: Employee,
    employee_id: int,
    to_id: int,
    now: datetime,
    *,
    seen: HandOverPlan | None = None,
    deactivate: bool = False,
) -> HandOverPlan:
    """Give all of an employee's clients (sales) or events that have not ended (support) to another
    active employee of the same team, in one transaction (one audit row per record); what moved.

    seen: the plan the actor looked at (hand_over_plan); if any of those records changed since
    (another version, another owner, one more or one fewer), nothing moves: StaleRecord. Without
    it, the records as they are now, locked. deactivate: also deactivate the employee, in the same
    transaction (the rules of deactivate_employee).
    """
    repo = EmployeeRepository(db.conn)
    with db.transaction(actor.id):
        managers = repo.lock_active_managers()
        fresh = recheck_actor(db, actor, Action.HAND_OVER)
        if deactivate:
            permissions.require(fresh, Action.MANAGE_EMPLOYEES)
        employee = _target(repo, employee_id, lock=True)
        if employee.team not in OWNS:
            raise ValidationError(_(MANAGEMENT_OWNS_NOTHING).format(employee.full_name))
        if deactivate:
            _check_deactivation(fresh, employee, managers)
        if isinstance(to_id, bool) or not isinstance(to_id, int) or to_id == employee_id:
            another = (
                _("Choose another active sales employee.")
                if employee.team == Team.SALES
                else _("Choose another active support employee.")
            )
            raise ValidationError(another)
        target = repo.get(to_id, share=True)
        if target is None or not target.is_active or target.team != employee.team:
            raise ValidationError(
                (
                    _("Employee {to_id} is not an active sales employee.")
                    if employee.team == Team.SALES
                    else _("Employee {to_id} is not an active support employee.")
                ).format(to_id=to_id)
            )
        plan = _plan(db, employee, now, lock=True)
        if seen is not None and (set(seen.clients), set(seen.events)) != (
            set(plan.clients),
            set(plan.events),
        ):
            changed = (
                N_("{full_name}'s clients changed meanwhile — reload and try again.")
                if employee.team == Team.SALES
                else N_("{full_name}'s events changed meanwhile — reload and try again.")
            )
            raise StaleRecord(_(changed).format(full_name=employee.full_name))
        if not plan.count and not deactivate:
            nothing = (
                N_("{full_name} has no clients to hand over.")
                if employee.team == Team.SALES
                else N_("{full_name} has no events to hand over.")
            )
            raise ValidationError(_(nothing).format(full_name=employee.full_name))
        # Under lock every record is still as read: a count short of the plan cannot happen, and
        # would undo the whole hand-over.
        moved = 0
        if plan.clients:
            moved += ClientRepository(db.conn).hand_over(list(plan.clients), employee_id, to_id)
        if plan.events:
            moved += EventRepository(db.conn).hand_over(list(plan.events), employee_id, to_id)
        if moved != plan.count:
            raise StaleRecord()
        if deactivate:
            repo.set_active(employee_id, False)
    if plan.events:
        mail.after_commit(db)  # both support employees told, by e-mail too when [mail] is set
    monitoring.business_event(
        "employee.handed_over",
        employee_id=employee_id,
        to=to_id,
        clients=len(plan.clients),
        events=len(plan.events),
        by=actor.id,
    )
    if deactivate:
        _business_event("deactivated", employee, actor)
    return plan
