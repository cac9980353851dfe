"""The digest at login (docs/rules.md §6.1): printed after "Welcome", before the main menu; and
the My account entries that show it again or turn it off."""

from __future__ import annotations

from datetime import tzinfo

from crm import permissions
from crm.i18n import N_, _
from crm.models import Digest, DigestItem
from crm.permissions import Action
from crm.services import digest as service
from crm.ui.menu import MenuAction, run_action
from crm.ui.render import column_moment, terminal_width, visible, visible_output
from crm.ui.session import Session

NOTHING = N_("Your digest: nothing to look at today.")
WIDTH = 100  # when the output is not a terminal


def _fit(text: str, width: int) -> str:
    """The text cut to `width` terminal columns (ending in … when cut)."""
    from wcwidth import wcswidth

    def columns(value: str) -> int:
        return len(value) if value.isascii() else max(wcswidth(value), len(value))

    if columns(text) <= width:
        return text
    text = text[:width]
    while text and columns(text) > width - 1:
        text = text[:-1]
    return text + "…"


def digest_line(item: DigestItem, tz: tzinfo | None = None, width: int = WIDTH) -> str:
    """One record of a digest line, on one line: kind and id, when, name · detail."""
    when = column_moment(item.at, tz) if item.at else ""
    detail = f" · {item.detail}" if item.detail else ""
    text = f"  {_(item.kind)} {item.id:<7} {when:16}  {item.name}{detail}"
    return _fit(visible(text), width)


def print_digest(digest: Digest, tz: tzinfo | None = None) -> None:
    """The digest's lines that count something: each its count, then its first few records one a
    line (shared with the commands); when none does, one line says so."""
    shown = [line for line in digest.lines if line.count]
    if not shown:
        print(_(NOTHING))
        return
    width = terminal_width() or WIDTH
    print(_("Your digest:"))
    for line in shown:
        if line.capped:
            print(_("{title}: {count:,}+").format(title=_(line.title), count=line.count))
        else:
            print(_("{title}: {count:,}").format(title=_(line.title), count=line.count))
        for item in line.items:
            print(digest_line(item, tz, width))
        if line.count > len(line.items):
            if line.capped:
                print(_("  … and more."))
            else:
                print(_("  … and {count:,} more.").format(count=line.count - len(line.items)))


def _login_digest(session: Session) -> None:
    digest = session.act(service.login_digest, session.clock())
    if digest is not None:
        print_digest(digest)
        if any(line.count for line in digest.lines):
            print(_("(My account → Digest at login turns this screen off.)"))


def show_login_digest(session: Session) -> None:
    """After login: the employee's digest (unless turned off in My account), which moves their
    "seen up to" mark. A failure is one line (run like a menu action) and the menu follows: the
    digest never blocks a login."""
    with visible_output():
        run_action(MenuAction(N_("Digest"), _login_digest, Action.READ_DIGEST), session)


def show_my_digest(session: Session) -> None:
    """My account: the digest now (it does not move the "seen up to" mark)."""
    print_digest(session.act(service.digest, session.clock()))


def digest_setting(session: Session) -> None:
    """My account: turn the digest at login on or off."""
    permissions.require(session.employee, Action.CHANGE_OWN_DIGEST, owner_id=session.employee.id)
    enabled = session.act(service.digest_enabled)
    print(_("The digest at login is on.") if enabled else _("The digest at login is off."))
    wanted = session.prompts.choose(
        _("Show the digest at login?"), [(_("Yes, after every login"), True), (_("No, turn it off"), False)]
    )
    session.touch()
    if wanted == enabled:
        print(_("Nothing changed."))
        return
    session.confirm_write()
    session.act(service.set_digest_enabled, wanted)
    print(_("The digest at login is now on.") if wanted else _("The digest at login is now off."))
