"""CSV files in the menus: "Export to CSV" (Clients, Contracts, Events) and "Import clients from
CSV" (Clients), and the words both the menus and the commands use to report them.

An export asks which list, then the file (an existing one is replaced only if you say so), and
shows its progress while it writes; the file is mode 0600 and appears only once complete
(crm/services/csvio.py). An import always runs its dry run first and shows its report; only a
file without a problem is offered for import, after the duplicates question and the password.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import IO

from crm import permissions, validation
from crm.errors import ValidationError
from crm.i18n import N_, _, ngettext
from crm.models import ExportRequest, ImportReport, Team
from crm.permissions import Action
from crm.services import client_imports as import_service
from crm.services import exports as service
from crm.services.csvio import atomic_file, writable_target
from crm.ui.accessible import speaks_plainly
from crm.ui.pickers import pick_team_member
from crm.ui.session import Session

READ_MAX = import_service.MAX_BYTES
PROBLEMS_SHOWN = 50

# Each section's lists: (title, the request, who is offered it).
CHOICES: dict[str, list[tuple[str, ExportRequest, Action]]] = {
    "clients": [
        (N_("All clients"), ExportRequest("clients"), Action.READ),
        (N_("My clients"), ExportRequest("clients", mine=True), Action.LIST_MY_CLIENTS),
        (
            N_("Clients of a sales employee"),
            ExportRequest("clients", sales_id=0),
            Action.LIST_CLIENTS_OF_SALES,
        ),
        (N_("Clients matching a search"), ExportRequest("clients", search=""), Action.READ),
    ],
    "contracts": [
        (N_("All contracts"), ExportRequest("contracts"), Action.READ),
        (N_("Contracts not signed"), ExportRequest("contracts", unsigned=True), Action.FOLLOW_UP_CONTRACTS),
        (N_("Contracts not fully paid"), ExportRequest("contracts", unpaid=True), Action.FOLLOW_UP_CONTRACTS),
        (N_("My clients' contracts"), ExportRequest("contracts", mine=True), Action.LIST_MY_CLIENTS),
        (N_("All payments"), ExportRequest("payments"), Action.READ),
    ],
    "events": [
        (N_("All events"), ExportRequest("events"), Action.READ),
        (N_("My events"), ExportRequest("events", mine=True), Action.LIST_MY_EVENTS),
        (
            N_("Events without support"),
            ExportRequest("events", no_support=True),
            Action.LIST_EVENTS_WITHOUT_SUPPORT,
        ),
        (
            N_("Events of a support employee"),
            ExportRequest("events", support_id=0),
            Action.LIST_EVENTS_OF_SUPPORT,
        ),
        (N_("Events matching a search"), ExportRequest("events", search=""), Action.READ),
    ],
}


# Shared with the commands ------------------------------------------------------------------------


class Progress:
    """Rows written so far, on one line of a terminal that is rewritten (nothing elsewhere);
    plain (accessible mode): a line of its own at each quarter, nothing rewritten."""

    def __init__(self, stream: IO[str] | None = None, *, plain: bool = False) -> None:
        out = stream or sys.stdout
        self.out = getattr(out, "terminal", out)  # under visible_output(): the terminal itself
        self.shown = False
        self.plain, self.quarter = plain, 0

    def __call__(self, done: int, expected: int) -> None:
        if not self.out.isatty():
            return
        if self.plain:
            self._say_quarter(done, expected)
            return
        width = 30
        filled = width * done // expected if expected else width
        bar = f"[{'#' * filled}{'.' * (width - filled)}]"
        if expected:
            line = _("{bar} {done:,} / {expected:,} rows ({percent}%)").format(
                bar=bar, done=done, expected=expected, percent=100 * done // expected
            )
        else:
            line = _("{bar} {done:,} / {expected:,} rows").format(bar=bar, done=done, expected=expected)
        self.out.write("\r" + line)
        self.out.flush()
        self.shown = True

    def _say_quarter(self, done: int, expected: int) -> None:
        quarter = min(4, 4 * done // expected) if expected else 0
        if quarter > self.quarter:
            self.quarter = quarter
            self.out.write(
                _("{done} of {expected} rows written ({percent}%).").format(
                    done=f"{done:,}", expected=f"{expected:,}", percent=25 * quarter
                )
                + "\n"
            )
            self.out.flush()

    def end(self) -> None:
        if self.shown:
            self.out.write("\n")
            self.out.flush()


def exported_message(count: int, kind: str, path: Path) -> str:
    """What an export says when done (kind: clients, contracts, events or payments)."""
    if kind == "clients":
        text = ngettext(
            "Exported {count:,} client to {path} (readable by you only).",
            "Exported {count:,} clients to {path} (readable by you only).",
            count,
        )
    elif kind == "contracts":
        text = ngettext(
            "Exported {count:,} contract to {path} (readable by you only).",
            "Exported {count:,} contracts to {path} (readable by you only).",
            count,
        )
    elif kind == "events":
        text = ngettext(
            "Exported {count:,} event to {path} (readable by you only).",
            "Exported {count:,} events to {path} (readable by you only).",
            count,
        )
    else:
        text = ngettext(
            "Exported {count:,} payment to {path} (readable by you only).",
            "Exported {count:,} payments to {path} (readable by you only).",
            count,
        )
    return text.format(count=count, path=path)


def report_lines(report: ImportReport, *, dry_run: bool, on_duplicate: str) -> list[str]:
    """What an import's check or run found, one line each: problems first, then duplicates."""
    lines: list[str] = []
    if report.problems:
        lines.append(
            _("{count:,} problem(s); nothing was imported. Fix the file and try again:").format(
                count=report.problem_count
            )
        )
        for p in report.problems[:PROBLEMS_SHOWN]:
            if p.line and p.column:
                where = _("  line {line}, column {column}: {message}")
            elif p.line:
                where = _("  line {line}: {message}")
            elif p.column:
                where = _("  the file, column {column}: {message}")
            else:
                where = _("  the file: {message}")
            lines.append(where.format(line=p.line, column=p.column, message=p.message))
        if report.problem_count > PROBLEMS_SHOWN:
            lines.append(_("  … and {count:,} more.").format(count=report.problem_count - PROBLEMS_SHOWN))
        return lines
    for d in report.duplicates[:PROBLEMS_SHOWN]:
        lines.append(
            _("  line {line}: client {id} already has the e-mail address {email}").format(
                line=d.line, id=d.client_id, email=d.email
            )
        )
    if len(report.duplicates) > PROBLEMS_SHOWN:
        lines.append(
            _("  … and {count:,} more duplicates.").format(count=len(report.duplicates) - PROBLEMS_SHOWN)
        )
    if dry_run:
        if on_duplicate == "update":
            text = _(
                "{rows:,} client(s) checked, no problem: {created:,} would be created, "
                "{duplicates:,} duplicate(s) would be updated."
            )
        else:
            text = _(
                "{rows:,} client(s) checked, no problem: {created:,} would be created, "
                "{duplicates:,} duplicate(s) would be skipped."
            )
        lines.append(text.format(rows=report.rows, created=report.created, duplicates=len(report.duplicates)))
    else:
        lines.append(
            _(
                "Imported: {created:,} client(s) created, {updated:,} updated, "
                "{skipped:,} duplicate(s) left as they were."
            ).format(created=report.created, updated=report.updated, skipped=report.skipped)
        )
    return lines


def read_import_file(path: str | Path) -> bytes:
    """The bytes of a file to import (ValidationError: missing, a folder, unreadable, too big)."""
    file = Path(path).expanduser()
    if not file.is_file():
        raise ValidationError(_("No file {file}.").format(file=file))
    if file.stat().st_size > READ_MAX:
        raise ValidationError(
            _("The file is larger than {value} MB: split it.").format(value=READ_MAX // (1024 * 1024))
        )
    try:
        return file.read_bytes()
    except OSError as error:
        raise ValidationError(
            _("Cannot read {file}: {reason}.").format(file=file, reason=error.strerror or error)
        ) from None


# The menus -----------------------------------------------------------------------------------------


def _export_path(raw: str) -> Path:
    text = validation.printable(raw.strip(), _("File name"))
    if not text:
        raise ValidationError(_("Type a file name, such as clients.csv."))
    return writable_target(text)


def _complete(session: Session, request: ExportRequest) -> ExportRequest:
    """Ask what the request still needs: a sales or support employee, or a search text."""
    if request.sales_id == 0:
        sales = pick_team_member(session, Team.SALES, _("Sales employee id:"))
        return ExportRequest(request.kind, sales_id=sales.id)
    if request.support_id == 0:
        support = pick_team_member(session, Team.SUPPORT, _("Support employee id:"))
        return ExportRequest(request.kind, support_id=support.id)
    if request.search == "":
        text = session.ask(
            _("Search text (name, company or client):"),
            lambda raw: validation.name(raw, _("Search text"), service.SEARCH_MAX),
        )
        return ExportRequest(request.kind, search=text)
    return request


def export_list(session: Session, section: str) -> None:
    """Export one of the section's lists to a CSV file."""
    permissions.require(session.employee, Action.EXPORT_CSV)
    offered = [(t, r) for t, r, a in CHOICES[section] if permissions.visible(session.employee, a)]
    request = session.prompts.choose(_("Which list?"), [*offered, (_("Back"), None)])
    session.touch()
    if request is None:
        return
    request = _complete(session, request)
    default = f"{request.kind}-{date.today().isoformat()}.csv"
    while True:
        path = session.ask(_("Export to file:"), _export_path, default)
        if not path.exists() or session.prompts.confirm(
            _("{path} exists: replace it?").format(path=path), False
        ):
            break
    excel = session.prompts.confirm(_("For Excel (starts the file with a UTF-8 BOM)?"), False)
    progress = Progress(plain=speaks_plainly(session.prompts))
    try:
        with atomic_file(path) as stream:
            count = session.act(
                service.export_csv, request, stream, excel=excel, face="menus", progress=progress
            )
    finally:
        progress.end()
    print(exported_message(count, request.kind, path))


def import_clients(session: Session) -> None:
    """Import clients from a CSV file: the dry run's report first, then (asked) the import."""
    actor = session.employee
    permissions.require(actor, Action.IMPORT_CLIENTS, owner_id=actor.id)
    columns = ", ".join(import_service.expected_columns(actor))
    print(_("The file: UTF-8 CSV, a header line naming the columns {columns}.").format(columns=columns))
    if actor.team == Team.SALES:
        print(_("You become the sales contact of every client imported."))
    data = session.ask(_("File to import:"), read_import_file)
    on_duplicate = session.prompts.choose(
        _("A client whose e-mail address is already known:"),
        [
            (_("Skip it (keep the client as it is)"), "skip"),
            (_("Update it with the file's values"), "update"),
        ],
    )
    session.touch()
    print(_("Checking every line (nothing is written yet)…"))
    try:
        report = session.act(import_service.import_clients, data, on_duplicate, dry_run=True)
    except import_service.ImportRefused as refused:
        _print(report_lines(refused.report, dry_run=True, on_duplicate=on_duplicate))
        return
    _print(report_lines(report, dry_run=True, on_duplicate=on_duplicate))
    if not report.created and not (on_duplicate == "update" and report.duplicates):
        print(_("Nothing to import."))
        return
    if not session.prompts.confirm(_("Import these clients now (all or nothing)?"), False):
        print(_("Cancelled; nothing was saved."))
        return
    session.confirm_write()
    try:
        done = session.act(import_service.import_clients, data, on_duplicate)
    except import_service.ImportRefused as refused:
        _print(report_lines(refused.report, dry_run=False, on_duplicate=on_duplicate))
        return
    _print(report_lines(done, dry_run=False, on_duplicate=on_duplicate))


def _print(lines: Iterable[str]) -> None:
    for line in lines:
        print(line)


def export_action(section: str) -> Callable[[Session], None]:
    """The "Export to CSV" action of a section (clients, contracts or events)."""
    return lambda session: export_list(session, section)
