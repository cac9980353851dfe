"""The service calls a face may make over HTTP: one whitelist, by name.

Every service function the menus (crm/ui) and the commands (crm/cli) call through their backend
(`session.run`, `session.act`, `pages`, `pages_as`, `backend.run`, `backend.act`) is here —
tests/test_calls.py fails when a face calls one that is not — and POST /api/v1/calls/{name}
(crm/web/calls.py) calls only these:

- kind "run": a function of the database alone, fn(db, *args): any logged-in employee;
  "act": fn(db, actor, *args), the actor always the caller's employee (never one a client sends);
- writes: the faces ask the password again before it: the server needs a recent one (the same
  reauth window as the REST API); `reads_when` names a keyword argument (dry_run) that, true,
  makes the call a read;
- `stream`: a parameter (IO[str]) the function writes a file's text to. Nothing the client sends
  names a file of the server: the server writes into a temporary spool and answers its text, and
  the face's own stream (a file it opened on the employee's machine, csvio.atomic_file, mode
  0600) receives it there. `local`: parameters the face keeps (a progress callback), never sent;
- parameters named `now` are set by the server's clock, whatever the face sends.

Functions the faces call that must never run on the server for a client (LOCAL_ONLY) say why.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from crm.errors import CRMError, ValidationError
from crm.i18n import N_, _
from crm.services import (
    agenda,
    catalogue,
    client_imports,
    clients,
    contracts,
    digest,
    employees,
    events,
    exports,
    history,
    mail,
    notes,
    notifications,
    pipeline,
)

__all__ = ["CALLS", "LOCAL_ONLY", "Call", "NotRemote", "call_for", "call_named"]

Kind = Literal["run", "act"]
FACES = ("menus", "commands")  # what a face recording an export may call itself


@dataclass(frozen=True)
class Call:
    name: str  # "clients.get_client": the URL's {name}
    function: Callable[..., Any]
    kind: Kind
    writes: bool
    reads_when: str | None = None
    stream: str | None = None
    local: frozenset[str] = field(default_factory=frozenset)
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)  # text arguments of a closed set

    @property
    def skip(self) -> int:
        """The parameters a call never sends: db, and the actor of an act."""
        return 1 if self.kind == "run" else 2

    @property
    def server_now(self) -> bool:
        return "now" in inspect.signature(self.function).parameters

    @property
    def kept(self) -> frozenset[str]:
        """Parameters the client does not send (the face keeps them, or the server sets them)."""
        return (
            self.local | ({self.stream} if self.stream else set()) | ({"now"} if self.server_now else set())
        )

    def check_choices(self, args: list[Any], kwargs: dict[str, Any]) -> None:
        """Text arguments the function takes from a closed set it does not check itself."""
        if not self.choices:
            return
        names = [p.name for p in inspect.signature(self.function).parameters.values()][self.skip :]
        given = dict(zip(names, args, strict=False)) | kwargs
        for name, allowed in self.choices.items():
            if name in given and given[name] not in allowed:
                raise ValidationError(
                    _("{name}: one of {choices}.").format(name=name, choices=", ".join(allowed))
                )

    def is_write(self, kwargs: dict[str, Any]) -> bool:
        if self.reads_when is not None and kwargs.get(self.reads_when) is True:
            return False
        return self.writes


class NotRemote(CRMError):
    """A service function that cannot be called over HTTP (not in the whitelist)."""


def _calls(kind: Kind, writes: bool, *functions: Callable[..., Any], **options: Any) -> list[Call]:
    return [
        Call(f"{fn.__module__.rsplit('.', 1)[-1]}.{fn.__name__}", fn, kind, writes, **options)
        for fn in functions
    ]


_ALL = [
    # Reads of the database alone.
    *_calls(
        "run",
        False,
        catalogue.check_name_free,
        catalogue.get_service,
        catalogue.list_services,
        clients.check_email_free,
        clients.clients_of,
        clients.get_client,
        clients.list_clients,
        clients.search_clients,
        contracts.contracts_not_fully_paid,
        contracts.contracts_not_signed,
        contracts.get_contract,
        contracts.get_contract_detail,
        contracts.get_payment,
        contracts.list_client_contracts,
        contracts.list_contracts,
        contracts.search_contracts,
        employees.check_email_free,
        employees.check_username_free,
        employees.get_employee,
        employees.list_employees,
        employees.search_employees,
        employees.work_of,
        events.events_of,
        events.events_without_support,
        events.get_event,
        events.list_events,
        events.search_events,
        notes.client_notes,
        notes.event_notes,
        pipeline.get_line,
        pipeline.get_opportunity,
        pipeline.get_opportunity_detail,
        pipeline.list_open,
        pipeline.pipeline_report,
    ),
    # Reads (or bookkeeping the faces do without the password) as the acting employee.
    *_calls(
        "act",
        False,
        agenda.export_calendar,  # the .ics text: the face writes the file (agenda.write_private)
        agenda.week_agenda,
        clients.my_clients,
        contracts.contracts_without_event,
        digest.digest,
        digest.digest_enabled,
        digest.login_digest,
        employees.deactivation_check,
        employees.hand_over_plan,
        employees.own_language,
        employees.team_change_check,
        events.contract_for_new_event,
        events.contracts_awaiting_event,
        events.my_events,
        history.record_history,
        notifications.list_notifications,
        notifications.mark_read,
        notifications.unread_count,
        pipeline.my_opportunities,
    ),
    *_calls("run", False, notes.count_notes, choices={"kind": ("client", "event")}),
    *_calls(
        "act",
        False,
        exports.export_csv,
        stream="stream",
        local=frozenset({"progress"}),
        choices={"face": FACES},
    ),
    *_calls("act", False, exports.record_listing, choices={"face": FACES}),
    # Writes: the password again first.
    *_calls("act", True, client_imports.import_clients, reads_when="dry_run"),
    *_calls(
        "act",
        True,
        catalogue.bring_back_service,
        catalogue.create_service,
        catalogue.retire_service,
        catalogue.update_service,
        clients.create_client,
        clients.reassign_client,
        clients.update_client,
        contracts.correct_payment,
        contracts.create_contract,
        contracts.record_payment,
        contracts.update_contract,
        digest.set_digest_enabled,
        employees.create_employee,
        employees.deactivate_employee,
        employees.hand_over,
        employees.reactivate_employee,
        employees.reset_password,
        employees.set_own_language,
        employees.update_employee,
        events.assign_support,
        events.change_status,
        events.create_event,
        events.update_event,
        notes.add_client_note,
        notes.add_event_note,
        pipeline.add_line,
        pipeline.create_opportunity,
        pipeline.lose_opportunity,
        pipeline.move_opportunity,
        pipeline.remove_line,
        pipeline.update_line,
        pipeline.update_opportunity,
        pipeline.win_opportunity,
    ),
]
CALLS: dict[str, Call] = {call.name: call for call in _ALL}
_BY_FUNCTION: dict[Callable[..., Any], Call] = {call.function: call for call in _ALL}

# Called by a face, never over HTTP: why.
LOCAL_ONLY: dict[Callable[..., Any], str] = {
    mail.drain: N_(
        "The e-mail queue is sent by the CRM server itself: run `python -m main mail send` there."
    ),
}


def call_for(fn: Callable[..., Any]) -> Call:
    """The whitelisted call of a service function (NotRemote, one line, otherwise)."""
    call = _BY_FUNCTION.get(fn)
    if call is None:
        reason = LOCAL_ONLY.get(fn)
        name = getattr(fn, "__name__", repr(fn))
        raise NotRemote(reason or _("{name} cannot be called through the CRM server.").format(name=name))
    return call


def call_named(name: str) -> Call | None:
    return CALLS.get(name)
