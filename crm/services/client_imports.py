"""Importing clients from a CSV file: every line checked first, then all of it or nothing.

The file is checked as a whole before anything is written (a dry run stops there): UTF-8 text
(a BOM allowed), RFC 4180, a header naming exactly the import's columns, and every line checked
with the client forms' own rules (crm.services.clients.FIELD_CHECKS), each problem reported with
its line, column and message. Sales import clients who become theirs; management names each
client's sales contact in a sales_contact_id column (an active sales employee). A line whose
e-mail address an existing client has is a duplicate: reported, then skipped or — for the
client's own sales contact — updated, as the user chooses. Then one transaction: the lines are
COPYed into a staging table and written by one INSERT … SELECT (crm/repositories/client_imports.py).
Any problem, and nothing is written.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import replace

from crm import permissions, validation
from crm.db import Database
from crm.errors import CRMError, ValidationError
from crm.i18n import N_, _, ngettext
from crm.models import Employee, ImportDuplicate, ImportedClient, ImportProblem, ImportReport, Team
from crm.permissions import Action
from crm.repositories.client_imports import ClientImportRepository
from crm.services.actor import recheck_actor
from crm.services.clients import FIELD_CHECKS, database_rules_as_messages
from crm.services.csvio import cell_text

COLUMNS = ("full_name", "email", "phone", "company_name")
OWNER_COLUMN = "sales_contact_id"
# An export's own columns, which the database sets: an exported file imports as it is.
IGNORED = ("id", "sales_contact_name", "created_at", "updated_at", "version")
ON_DUPLICATE = ("skip", "update")
MAX_BYTES = 64 * 1024 * 1024
MAX_ROWS = 200_000
MAX_PROBLEMS = 1000  # kept in a report; the count says how many more
_NOT_UTF8 = N_(
    "The file is not UTF-8 text (byte 0x{byte:02X} on line {line}): save it as UTF-8 "
    "(in Excel: CSV UTF-8) and try again."
)


class ImportRefused(CRMError):
    """The file cannot be imported: the report says every reason; nothing was written."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        super().__init__(
            ngettext(
                "Nothing was imported: {count} problem(s) in the file.",
                "Nothing was imported: {count} problem(s) in the file.",
                report.problem_count,
            ).format(count=report.problem_count)
        )


def expected_columns(actor: Employee) -> tuple[str, ...]:
    """The columns an import file of this employee has: management adds the sales contact."""
    return COLUMNS + ((OWNER_COLUMN,) if actor.team == Team.MANAGEMENT else ())


class _Problems:
    """The problems found so far (at most MAX_PROBLEMS kept, all counted)."""

    def __init__(self) -> None:
        self.kept: list[ImportProblem] = []
        self.count = 0

    def add(self, line: int, column: str, message: str) -> None:
        self.count += 1
        if len(self.kept) < MAX_PROBLEMS:
            self.kept.append(ImportProblem(line, column, message))


def _text(data: bytes, problems: _Problems) -> str | None:
    """The file as text: UTF-8, without a BOM; None (and a problem) when it is not."""
    if len(data) > MAX_BYTES:
        problems.add(
            0, "", _("The file is larger than {value} MB: split it.").format(value=MAX_BYTES // (1024 * 1024))
        )
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        problems.add(line, "", _(_NOT_UTF8).format(byte=data[error.start], line=line))
        return None


def _records(text: str, problems: _Problems) -> Iterator[tuple[int, list[str]]]:
    """(line number where the record starts, its cells) for each record of the CSV text."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            problems.add(
                start, "", _("Not valid CSV ({error}): check the quotes on this line.").format(error=error)
            )
            return
        yield start, row


def _header(row: list[str], actor: Employee, problems: _Problems) -> list[str] | None:
    """The header's column names (trimmed, lower case), or None when they are not the import's."""
    names = [cell.strip().lower() for cell in row]
    wanted = expected_columns(actor)
    ok = True
    seen: set[str] = set()
    for name in names:
        if name in seen:
            problems.add(1, name, _("The column {name!r} appears twice.").format(name=name))
            ok = False
        seen.add(name)
    for name in wanted:
        if name not in seen:
            problems.add(
                1,
                name,
                _("Missing column {name!r}: the columns are {items}.").format(
                    name=name, items=", ".join(wanted)
                ),
            )
            ok = False
    for name in names:
        if name in wanted or name in IGNORED:
            continue
        if name == OWNER_COLUMN:
            continue  # sales: allowed when it names themselves (an export of theirs), line by line
        message = _("Unknown column {name!r}: the columns are {items}.").format(
            name=name, items=", ".join(wanted)
        )
        problems.add(1, name, message)
        ok = False
    return names if ok else None


def _check_line(
    line: int,
    cells: dict[str, str],
    actor: Employee,
    sales_ids: set[int],
    problems: _Problems,
) -> ImportedClient | None:
    """One line checked with the forms' rules (every bad cell reported), or None."""
    values: dict[str, object] = {}
    good = True
    for name, check in FIELD_CHECKS.items():
        try:
            values[name] = check(cells[name])
        except ValidationError as error:
            problems.add(line, name, str(error))
            good = False
    owner = actor.id
    if actor.team != Team.MANAGEMENT and cells.get(OWNER_COLUMN, "").strip() not in ("", str(actor.id)):
        problems.add(
            line,
            OWNER_COLUMN,
            _(
                "Only management chooses the sales contact: the clients you import are yours "
                "(employee {id}); remove the column or leave your own id."
            ).format(id=actor.id),
        )
        good = False
    if actor.team == Team.MANAGEMENT:
        try:
            owner = validation.record_id(cells[OWNER_COLUMN], _("The sales contact id"))
            if owner not in sales_ids:
                raise ValidationError(
                    _("Employee {owner} is not an active sales employee.").format(owner=owner)
                )
        except ValidationError as error:
            problems.add(line, OWNER_COLUMN, str(error))
            good = False
    if not good:
        return None
    return ImportedClient(line=line, sales_contact_id=owner, **values)  # type: ignore[arg-type]


def check_client_file(
    db: Database, actor: Employee, data: bytes, on_duplicate: str = "skip"
) -> tuple[list[ImportedClient], ImportReport]:
    """Read and check a whole file (nothing is written): the lines to import, and the report —
    every problem (line, column, message), and the duplicates of existing clients."""
    permissions.require(actor, Action.IMPORT_CLIENTS, owner_id=actor.id)
    if on_duplicate not in ON_DUPLICATE:
        raise ValidationError(_("On a duplicate e-mail address: skip or update."))
    repo = ClientImportRepository(db.conn)
    problems = _Problems()
    rows: list[ImportedClient] = []
    text = _text(data, problems)
    if text is None:
        return [], _report(0, problems)
    records = _records(text, problems)
    first = next(records, None)
    if first is None:
        if not problems.count:
            problems.add(
                1,
                "",
                _("The file is empty: its first line names the columns ({items}).").format(
                    items=", ".join(expected_columns(actor))
                ),
            )
        return [], _report(0, problems)
    names = _header(first[1], actor, problems)
    if names is None:
        return [], _report(0, problems)
    sales_ids = repo.active_sales_ids() if actor.team == Team.MANAGEMENT else set()
    emails: dict[str, int] = {}
    count = 0
    for line, cells in records:
        if not cells or cells == [""]:
            continue  # a blank line
        count += 1
        if count > MAX_ROWS:
            problems.add(
                line, "", _("More than {MAX_ROWS:,} clients: split the file.").format(MAX_ROWS=MAX_ROWS)
            )
            break
        if len(cells) != len(names):
            problems.add(
                line,
                "",
                _("{count} values where the header has {count2} columns.").format(
                    count=len(cells), count2=len(names)
                ),
            )
            continue
        values = dict(zip(names, (cell_text(c) for c in cells), strict=True))
        checked = _check_line(line, values, actor, sales_ids, problems)
        if checked is None:
            continue
        key = checked.email.lower()
        if key in emails:
            problems.add(
                line, "email", _("The same e-mail address as line {emails}.").format(emails=emails[key])
            )
            continue
        emails[key] = line
        rows.append(checked)
    if not count and not problems.count:
        problems.add(2, "", _("The file has a header but no client."))
    existing = repo.existing_emails(list(emails)) if emails else {}
    duplicates = []
    for row in rows:
        found = existing.get(row.email.lower())
        if found is None:
            continue
        duplicates.append(ImportDuplicate(row.line, row.email, found[0], found[1]))
        if on_duplicate == "update":
            reason = permissions.refusal(actor, Action.UPDATE_CLIENT, owner_id=found[1])
            if reason is not None:
                problems.add(
                    row.line,
                    "email",
                    _("Client {found} has this e-mail address. {reason}").format(
                        found=found[0], reason=reason
                    ),
                )
    report = _report(count, problems, duplicates)
    updated = len(duplicates) if on_duplicate == "update" else 0
    return rows, replace(
        report,
        created=len(rows) - len(duplicates),
        updated=updated,
        skipped=len(duplicates) - updated,
    )


def _report(rows: int, problems: _Problems, duplicates: list[ImportDuplicate] | None = None) -> ImportReport:
    return ImportReport(
        rows=rows,
        problems=tuple(problems.kept),
        duplicates=tuple(duplicates or ()),
        problem_count=problems.count,
    )


def import_clients(
    db: Database, actor: Employee, data: bytes, on_duplicate: str = "skip", *, dry_run: bool = False
) -> ImportReport:
    """Check the file, then (unless dry_run) import all of it in one transaction: new clients
    created, duplicates skipped or updated. ImportRefused (with the report) when any line has a
    problem: nothing is written."""
    rows, report = check_client_file(db, actor, data, on_duplicate)
    if report.problems:
        raise ImportRefused(report)
    if dry_run:
        return report
    repo = ClientImportRepository(db.conn)
    with db.transaction(actor.id), database_rules_as_messages():
        fresh = recheck_actor(db, actor, Action.IMPORT_CLIENTS, owner_id=actor.id)
        if fresh.team == Team.SALES and any(r.sales_contact_id != fresh.id for r in rows):
            raise ValidationError(_("Sales import clients of their own only."))
        repo.stage(rows)
        # What the database holds now (locked): another employee may have saved since the check.
        duplicates = repo.staged_duplicates()
        update = []
        for duplicate in duplicates:
            if on_duplicate != "update":
                continue
            reason = permissions.refusal(fresh, Action.UPDATE_CLIENT, owner_id=duplicate.sales_contact_id)
            if reason is not None:
                raise ValidationError(
                    _(
                        "Line {line}: client {client_id} has this e-mail address. {reason} Nothing "
                        "was imported."
                    ).format(line=duplicate.line, client_id=duplicate.client_id, reason=reason)
                )
            update.append(duplicate.line)
        created = repo.insert_new()
        updated = repo.update_existing(update) if update else 0
    return replace(
        report,
        duplicates=tuple(duplicates),
        created=created,
        updated=updated,
        skipped=len(duplicates) - updated,
        written=True,
    )
