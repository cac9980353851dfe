"""The digest at login (docs/rules.md §6.1): printed after "Welcome", before the main menu; and
the My account entries that show it again or turn it off."""

from __future__ import annotations

from datetime import tzinfo

from crm import permissions
from crm.models import Digest, DigestItem
from crm.permissions import Action
from crm.services import digest as service
from crm.ui.menu import MenuAction, run_action
from crm.ui.render import NAME, WHOLE, Column, Columns, local_moment, show_table, visible_output
from crm.ui.session import Session

HEADERS = Columns(
    Column("Kind", WHOLE),
    Column("Id", WHOLE),
    Column("When", WHOLE),
    Column("Name", NAME, least=14, most=40),
    Column("Detail", least=14),
    show="each record's own Show action gives it whole",
)


NOTHING = "Your digest: nothing to look at today."


def digest_row(item: DigestItem, tz: tzinfo | None = None) -> tuple:
    """One record of a digest line."""
    return (item.kind, item.id, local_moment(item.at, tz) if item.at else "", item.name, item.detail)


def print_digest(digest: Digest, tz: tzinfo | None = None) -> None:
    """The digest's lines that count something: each its count, then its first few records
    (shared with the commands); when none does, one line says so."""
    shown = [line for line in digest.lines if line.count]
    if not shown:
        print(NOTHING)
        return
    print("Your digest:")
    for line in shown:
        print(f"{line.title}: {line.count}")
        if line.items:
            show_table(HEADERS, [digest_row(item, tz) for item in line.items])
        if line.count > len(line.items):
            print(f"  … and {line.count - len(line.items)} more.")


def _login_digest(session: Session) -> None:
    digest = session.act(service.login_digest, session.clock())
    if digest is not None:
        print_digest(digest)
        if any(line.count for line in digest.lines):
            print("(My account → Digest at login turns this screen off.)")


def show_login_digest(session: Session) -> None:
    """After login: the employee's digest (unless turned off in My account), which moves their
    "seen up to" mark. A failure is one line (run like a menu action) and the menu follows: the
    digest never blocks a login."""
    with visible_output():
        run_action(MenuAction("Digest", _login_digest, Action.READ_DIGEST), session)


def show_my_digest(session: Session) -> None:
    """My account: the digest now (it does not move the "seen up to" mark)."""
    print_digest(session.act(service.digest, session.clock()))


def digest_setting(session: Session) -> None:
    """My account: turn the digest at login on or off."""
    permissions.require(session.employee, Action.CHANGE_OWN_DIGEST, owner_id=session.employee.id)
    enabled = session.act(service.digest, session.clock()).enabled
    print(f"The digest at login is {'on' if enabled else 'off'}.")
    wanted = session.prompts.choose(
        "Show the digest at login?", [("Yes, after every login", True), ("No, turn it off", False)]
    )
    session.touch()
    if wanted == enabled:
        print("Nothing changed.")
        return
    session.confirm_write()
    session.act(service.set_digest_enabled, wanted)
    print(f"The digest at login is now {'on' if wanted else 'off'}.")
