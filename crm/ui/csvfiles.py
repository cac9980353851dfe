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
from crm.i18n import _
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
        ("All clients", ExportRequest("clients"), Action.READ),
        ("My clients", ExportRequest("clients", mine=True), Action.LIST_MY_CLIENTS),
        ("Clients of a sales employee", ExportRequest("clients", sales_id=0), Action.LIST_CLIENTS_OF_SALES),
        ("Clients matching a search", ExportRequest("clients", search=""), Action.READ),
    ],
    "contracts": [
        ("All contracts", ExportRequest("contracts"), Action.READ),
        ("Contracts not signed", ExportRequest("contracts", unsigned=True), Action.FOLLOW_UP_CONTRACTS),
        ("Contracts not fully paid", ExportRequest("contracts", unpaid=True), Action.FOLLOW_UP_CONTRACTS),
        ("My clients' contracts", ExportRequest("contracts", mine=True), Action.LIST_MY_CLIENTS),
        ("All payments", ExportRequest("payments"), Action.READ),
    ],
    "events": [
        ("All events", ExportRequest("events"), Action.READ),
        ("My events", ExportRequest("events", mine=True), Action.LIST_MY_EVENTS),
        (
            "Events without support",
            ExportRequest("events", no_support=True),
            Action.LIST_EVENTS_WITHOUT_SUPPORT,
        ),
        (
            "Events of a support employee",
            ExportRequest("events", support_id=0),
            Action.LIST_EVENTS_OF_SUPPORT,
        ),
        ("Events matching a search", ExportRequest("events", search=""), Action.READ),
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
        share = f" ({100 * done // expected}%)" if expected else ""
        width = 30
        filled = width * done // expected if expected else width
        self.out.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,} / {expected:,} rows{share}")
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
    return f"Exported {count:,} {kind if count != 1 else kind.rstrip('s')} to {path} (readable by you only)."


def report_lines(report: ImportReport, *, dry_run: bool, on_duplicate: str) -> list[str]:
    """What an import's check or run found, one line each: problems first, then duplicates."""
    lines: list[str] = []
    if report.problems:
        lines.append(
            f"{report.problem_count:,} problem(s); nothing was imported. Fix the file and try again:"
        )
        for p in report.problems[:PROBLEMS_SHOWN]:
            where = f"line {p.line}" if p.line else "the file"
            lines.append(f"  {where}{', column ' + p.column if p.column else ''}: {p.message}")
        if report.problem_count > PROBLEMS_SHOWN:
            lines.append(f"  … and {report.problem_count - PROBLEMS_SHOWN:,} more.")
        return lines
    will = "would be" if dry_run else "were"
    for d in report.duplicates[:PROBLEMS_SHOWN]:
        lines.append(f"  line {d.line}: client {d.client_id} already has the e-mail address {d.email}")
    if len(report.duplicates) > PROBLEMS_SHOWN:
        lines.append(f"  … and {len(report.duplicates) - PROBLEMS_SHOWN:,} more duplicates.")
    if dry_run:
        outcome = "updated" if on_duplicate == "update" else "skipped"
        lines.append(
            f"{report.rows:,} client(s) checked, no problem: {report.created:,} {will} created, "
            f"{len(report.duplicates):,} duplicate(s) {will} {outcome}."
        )
    else:
        lines.append(
            f"Imported: {report.created:,} client(s) created, {report.updated:,} updated, "
            f"{report.skipped:,} duplicate(s) left as they were."
        )
    return lines


def read_import_file(path: str | Path) -> bytes:
    """The bytes of a file to import (ValidationError: missing, a folder, unreadable, too big)."""
    file = Path(path).expanduser()
    if not file.is_file():
        raise ValidationError(f"No file {file}.")
    if file.stat().st_size > READ_MAX:
        raise ValidationError(f"The file is larger than {READ_MAX // (1024 * 1024)} MB: split it.")
    try:
        return file.read_bytes()
    except OSError as error:
        raise ValidationError(f"Cannot read {file}: {error.strerror or error}.") from None


# The menus -----------------------------------------------------------------------------------------


def _export_path(raw: str) -> Path:
    text = validation.printable(raw.strip(), "File name")
    if not text:
        raise ValidationError("Type a file name, such as clients.csv.")
    return writable_target(text)


def _complete(session: Session, request: ExportRequest) -> ExportRequest:
    """Ask what the request still needs: a sales or support employee, or a search text."""
    if request.sales_id == 0:
        sales = pick_team_member(session, Team.SALES, "Sales employee id:")
        return ExportRequest(request.kind, sales_id=sales.id)
    if request.support_id == 0:
        support = pick_team_member(session, Team.SUPPORT, "Support employee id:")
        return ExportRequest(request.kind, support_id=support.id)
    if request.search == "":
        text = session.ask(
            "Search text (name, company or client):",
            lambda raw: validation.name(raw, "Search text", service.SEARCH_MAX),
        )
        return ExportRequest(request.kind, search=text)
    return request


def export_list(session: Session, section: str) -> None:
    """Export one of the section's lists to a CSV file."""
    permissions.require(session.employee, Action.EXPORT_CSV)
    offered = [(t, r) for t, r, a in CHOICES[section] if permissions.visible(session.employee, a)]
    request = session.prompts.choose("Which list?", [*offered, ("Back", None)])
    session.touch()
    if request is None:
        return
    request = _complete(session, request)
    default = f"{request.kind}-{date.today().isoformat()}.csv"
    while True:
        path = session.ask("Export to file:", _export_path, default)
        if not path.exists() or session.prompts.confirm(f"{path} exists: replace it?", False):
            break
    excel = session.prompts.confirm("For Excel (starts the file with a UTF-8 BOM)?", False)
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
    print(f"The file: UTF-8 CSV, a header line naming the columns {columns}.")
    if actor.team == Team.SALES:
        print("You become the sales contact of every client imported.")
    data = session.ask("File to import:", read_import_file)
    on_duplicate = session.prompts.choose(
        "A client whose e-mail address is already known:",
        [("Skip it (keep the client as it is)", "skip"), ("Update it with the file's values", "update")],
    )
    session.touch()
    print("Checking every line (nothing is written yet)…")
    try:
        report = session.act(import_service.import_clients, data, on_duplicate, dry_run=True)
    except import_service.ImportRefused as refused:
        _print(report_lines(refused.report, dry_run=True, on_duplicate=on_duplicate))
        return
    _print(report_lines(report, dry_run=True, on_duplicate=on_duplicate))
    if not report.created and not (on_duplicate == "update" and report.duplicates):
        print("Nothing to import.")
        return
    if not session.prompts.confirm("Import these clients now (all or nothing)?", False):
        print("Cancelled; nothing was saved.")
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
