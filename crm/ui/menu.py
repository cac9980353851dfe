"""Numbered team menus: sections of actions, each shown only to who may use it.

An action is a function of the Session. The loop catches what actions raise: a CRMError is
shown as its one line, Ctrl-C cancels the action, anything else is reported with a reference.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from crm import monitoring, permissions
from crm.errors import CRMError, DatabaseUnavailable
from crm.i18n import N_, _, ngettext
from crm.models import Employee
from crm.permissions import Action
from crm.ui.prompts import InputClosed, Keyed
from crm.ui.render import HELP, help_entry, show_keys, term, visible_output
from crm.ui.session import LoggedOut, Session


@dataclass(frozen=True)
class MenuAction:
    """One menu entry, shown to whoever crm.permissions lets perform its action."""

    label: str
    run: Callable[[Session], None]
    permission: Action

    def visible_to(self, employee: Employee) -> bool:
        return permissions.visible(employee, self.permission)


@dataclass(frozen=True)
class Section:
    """A sub-menu (Clients, Contracts, …): each team sees at most 9 of its entries (keys 1 to 9),
    plus Help (h or ?) and Back (0). An entry is an action or a sub-section (Events → Reports),
    shown to whoever may use one of its actions."""

    title: str
    actions: tuple[MenuAction | Section, ...]

    def visible_actions(self, employee: Employee) -> list[MenuAction | Section]:
        return [a for a in self.actions if a.visible_to(employee)]

    def visible_to(self, employee: Employee) -> bool:
        return any(a.visible_to(employee) for a in self.actions)

    @property
    def label(self) -> str:
        """How the section is named as an entry of the menu above it."""
        return self.title


MOST_ENTRIES = 9  # a menu's entries have the single keys 1 to 9; 0 is Back (Quit at the main menu)


def numbered(entries: list[tuple[str, object]], last: tuple[str, object]) -> list[tuple[str, object]]:
    """A menu's choices: the entries on keys 1 to 9 (any past 9 on the next free letters), then
    Help (h or ?), then `last` (Back or Quit) on 0."""
    choices: list[tuple[str, object]] = [
        (Keyed(title, str(number)) if number <= MOST_ENTRIES else title, value)
        for number, (title, value) in enumerate(entries, start=1)
    ]
    return [*choices, help_entry(), (Keyed(last[0], "0"), last[1])]


class Outcome(Enum):
    LOG_OUT = "log out"
    QUIT = "quit"
    ENDED = "session ended"  # logged out by the program (idle, deactivated, locked); already said


def run_action(action: MenuAction, session: Session) -> None:
    """Run one action; turn its failures into one line each."""
    try:
        action.run(session)
    except (KeyboardInterrupt, EOFError):  # Ctrl-C or Ctrl-D at any question of the action
        print(_("Cancelled; nothing was saved."))
    except CRMError as error:
        print(error)
    except LoggedOut:
        raise
    except Exception as error:  # noqa: BLE001 — the one place unexpected errors are reported
        reference = monitoring.capture(error)
        print(
            _("Something went wrong; it has been reported (reference {reference}).").format(
                reference=reference
            )
        )


# What a section's menu asks on Ctrl-D (Enter, n, Ctrl-C or Ctrl-D again: stay in the section).
QUIT_QUESTION = N_("Quit the program?")
CTRL_D = object()  # _pick's answer when Ctrl-D was pressed at the menu


def _pick(session: Session, message: str, choices: list[tuple[str, object]]) -> object:
    """A menu choice; Ctrl-C re-shows the menu, Ctrl-D answers CTRL_D, an input that has ended
    Outcome.QUIT (the database unavailable: said, and the menu again)."""
    while True:
        try:
            choice = session.prompts.choose(message, choices)
        except KeyboardInterrupt:
            continue
        except InputClosed:
            return Outcome.QUIT
        except EOFError:
            return CTRL_D
        try:
            session.pick_made()
        except DatabaseUnavailable as error:
            print(error)
            continue
        return choice


def run_team_menu(session: Session, sections: list[Section]) -> Outcome:
    """The employee's numbered menu until they log out or quit (or the session ends).

    Everything it prints goes through visible_output(): no stored text reaches the terminal raw.
    """
    with visible_output():
        return _menu_loop(session, sections)


def _menu_loop(session: Session, sections: list[Section]) -> Outcome:
    try:
        while True:
            employee = session.employee
            shown = [s for s in sections if s.visible_actions(employee)]
            entries: list[tuple[str, object]] = [(_(s.title), s) for s in shown]
            entries.append((_("Log out"), Outcome.LOG_OUT))
            choices = numbered(entries, (_("Quit"), Outcome.QUIT))
            title = _main_title(session)
            choice = _pick(session, title, choices)
            if choice is CTRL_D:  # the main menu is the top: Ctrl-D there quits
                return Outcome.QUIT
            if choice is HELP:
                show_keys()
                continue
            if isinstance(choice, Outcome):
                return choice
            if isinstance(choice, Section) and _run_section(session, choice) is Outcome.QUIT:
                return Outcome.QUIT
    except LoggedOut as ended:
        print(ended)
        return Outcome.ENDED


def _main_title(session: Session) -> str:
    """The main menu's title: who is logged in, and their count of unread notifications (support)."""
    employee = session.employee
    team = term(employee.team)
    count = _unread(session)
    if not count:
        return _("{name} ({team}) — main menu").format(name=employee.full_name, team=team)
    return ngettext(
        "{name} ({team}) — main menu — {count} unread notification",
        "{name} ({team}) — main menu — {count} unread notifications",
        count,
    ).format(name=employee.full_name, team=team, count=count)


def _unread(session: Session) -> int:
    """How many unread notifications the employee has (support; 0 for the others)."""
    from crm.services import notifications

    if not permissions.visible(session.employee, Action.READ_NOTIFICATIONS):
        return 0
    try:
        return session.act(notifications.unread_count)
    except DatabaseUnavailable:
        return 0


def _run_section(session: Session, section: Section) -> Outcome | None:
    """A section's menu until Back (None) or quitting (Outcome.QUIT: Ctrl-D, then yes)."""
    while True:
        actions = section.visible_actions(session.employee)
        choices = numbered([(_(a.label), a) for a in actions], (_("Back"), None))
        choice = _pick(session, _(section.title), choices)
        if choice is CTRL_D:
            if _quit_confirmed(session):
                return Outcome.QUIT
            continue
        if choice is Outcome.QUIT:  # the input has ended
            return Outcome.QUIT
        if choice is HELP:
            show_keys()
        elif isinstance(choice, Section):
            if _run_section(session, choice) is Outcome.QUIT:
                return Outcome.QUIT
        elif isinstance(choice, MenuAction):
            run_action(choice, session)
        else:  # Back
            return None


def _quit_confirmed(session: Session) -> bool:
    """Ctrl-D in a section: quit only if the employee says so (y). Enter, n, Ctrl-C or Ctrl-D
    again stay: two Ctrl-D never quit by accident (an input that has ended does quit)."""
    try:
        answer = session.prompts.confirm(QUIT_QUESTION, default=False)
    except InputClosed:
        return True
    except (KeyboardInterrupt, EOFError):
        return False
    session.touch()
    return answer
