"""Every list fits the width it is given (issue 20 item 1): at 80, 100 and 120 columns, with long
realistic data, no line is wider than the terminal, ids, amounts, dates, numbers and phones are
never cut (free text is cut or left out first), and a table that was cut says once, under it,
which Show action gives the whole record. Each list is rendered with its own columns and row
function (crm/ui/<section>.py), and the clients list once through the menu."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from wcwidth import wcswidth

from crm.models import (
    Client,
    Contract,
    Employee,
    Event,
    Notification,
    Opportunity,
    OpportunityLine,
    Payment,
    Service,
    Stage,
    Team,
    Unit,
)
from crm.repositories.audit import HistoryLine
from crm.ui import (
    catalogue,
    clients,
    contracts,
    employees,
    events,
    history,
    notifications,
    pipeline,
    planning,
    render,
)
from crm.ui.menu import Outcome, run_team_menu
from tests.factories import make_client, make_employee
from tests.scripted import Clock, ScriptedPrompts, session_for

WIDTHS = (80, 100, 120)
PARIS = ZoneInfo("Europe/Paris")
T = datetime(2027, 10, 19, 12, 0, tzinfo=UTC)
LONG_NAME = "Maëlle-Françoise de La Rochefoucauld-Bouzin"
SALES = "Jean-Baptiste Poquelin-Molière"
LONG_EMAIL = "maelle-francoise.delarochefoucauld@compagnie-generale-michelin.example"
PHONE = "+33 (0)6 12 34 56 78"

CLIENTS = [
    Client(
        123456,
        LONG_NAME,
        LONG_EMAIL,
        PHONE,
        "Compagnie Générale des Établissements Michelin SCA",
        7,
        SALES,
        T,
        T,
        1,
    ),
    Client(
        123457, "王伟 Παπαδόπουλος", "wang@example.cn", None, "", 7, "Ann Li", T, T + timedelta(days=400), 3
    ),
]
CONTRACTS = [
    Contract(210000, 1, LONG_NAME, 7, SALES, Decimal("29224.50"), Decimal("1234567.89"), True, T, T, T, 1),
    Contract(
        210001,
        2,
        "王伟 Παπαδόπουλος",
        7,
        "Ann",
        Decimal("9999999999.99"),
        Decimal("0.00"),
        False,
        None,
        T,
        T,
        1,
    ),
]
EVENTS = [
    Event(200000, "Lou Bouzin General Assembly and Annual Gala Dinner", 1, 1, LONG_NAME, LONG_EMAIL,
          PHONE, "", 9, "Kate Hastroff-Vandenberghe", T, T + timedelta(days=2, hours=3),
          "53 Rue du Château, 41120 Candé-sur-Beuvron", 1250, "", T, T, 1),
    Event(200001, "Mariage de Zoé et Jean-Baptiste", 2, 2, "王伟 Παπαδόπουλος", "w@example.cn", None, "",
          None, None, T, T + timedelta(hours=5), "Lyon", 80, "", T, T, 1),
]  # fmt: skip
EMPLOYEES = [
    Employee(134, "jean-baptiste.poquelin", SALES, "jean-baptiste.poquelin@epicevents.example", PHONE,
             Team.MANAGEMENT, False, T, T, 1),
    Employee(135, "kate", "Kate Hastroff", "kate@epicevents.example", None, Team.SUPPORT, True, T, T, 1),
]  # fmt: skip
PAYMENTS = [
    Payment(198627, 1, Decimal("-1234567.89"), T, 7, SALES, corrects_payment_id=198001),
    Payment(198001, 1, Decimal("1234567.89"), T, 7, SALES, corrected_by_id=198627),
]
HISTORY = [
    HistoryLine(1, T, 7, SALES, "update", "clients", 123456, "company_name",
                "Compagnie Générale des Établissements Michelin SCA", "Michelin"),
    HistoryLine(2, T, None, None, "insert", "payments", 198627, "amount", None, "-1234567.89"),
    HistoryLine(3, T, 7, SALES, "update", "events", 9, "support_contact_id", "9 (Kate Hastroff-Vandenberghe)",
                "135 (Kate Hastroff)"),
]  # fmt: skip

OPPORTUNITIES = [
    Opportunity(4321, 123456, LONG_NAME, 7, SALES,
                "Wedding in June for about 200 guests at the Château de Chambord", Stage.NEGOTIATION, 75,
                T.date(), 200, Decimal("1234567.89"), Decimal("925925.92"), 3, None, None, None, T, T, 2),
    Opportunity(4322, 123457, "王伟 Παπαδόπουλος", 7, "Ann Li", "Séminaire", Stage.LOST, 0, None, 20,
                Decimal("0.00"), Decimal("0.00"), 0, "Budget", None, T, T, T, 1),
]  # fmt: skip
LINES = [
    OpportunityLine(98765, 4321, 12, "Sound and light for a large hall, with a technician all night",
                    Unit.HOUR, 12, Decimal("1250.00"), Decimal("15000.00"), 1),
]  # fmt: skip
SERVICES = [
    Service(12, "Sound and light for a large hall, with a technician all night",
            "Speakers, mixing desk, stage lights and one technician from set-up to the last guest",
            Decimal("1250.00"), Unit.HOUR, True, T, T, 1),
    Service(13, "Traiteur", "", Decimal("85.50"), Unit.GUEST, False, T, T, 4),
]  # fmt: skip
NOTIFICATIONS = [
    Notification(555001, 9, 200000, EVENTS[0].name, "changed",
                 {"starts_at": [T.isoformat(), (T + timedelta(days=1)).isoformat()],
                  "location": ["Lyon", "Paris"]},
                 7, SALES, T, None),
    Notification(555002, 9, 200001, EVENTS[1].name, "assigned", {}, None, None, T, T),
]  # fmt: skip

# Each list: its columns, its rows, and the values that must appear whole whenever shown.
LISTS = {
    "clients": (clients.LIST_HEADERS, [clients.client_row(c) for c in CLIENTS]),
    "client's contracts": (
        clients.CONTRACT_HEADERS,
        [(c.id, c.total_amount, c.remaining_amount, c.is_signed, c.created_at) for c in CONTRACTS],
    ),
    "contracts": (contracts.LIST_HEADERS, [contracts.contract_row(c) for c in CONTRACTS]),
    "payment history": (contracts.PAYMENT_HEADERS, [contracts.payment_row(p) for p in PAYMENTS]),
    "events": (events.LIST_HEADERS, [events.event_row(e, PARIS) for e in EVENTS]),
    "employees": (employees.LIST_HEADERS, [employees.employee_row(e) for e in EMPLOYEES]),
    "history": (history.HEADERS, [history.history_row(line) for line in HISTORY]),
    "opportunities": (pipeline.OPPORTUNITY_HEADERS, [pipeline.opportunity_row(o) for o in OPPORTUNITIES]),
    "opportunity lines": (pipeline.LINE_HEADERS, [pipeline.line_row(line) for line in LINES]),
    "services": (catalogue.SERVICE_HEADERS, [catalogue.service_row(s) for s in SERVICES]),
    "notifications": (
        notifications.NOTIFICATION_HEADERS, [notifications.notification_row(n) for n in NOTIFICATIONS]
    ),
    "agenda": (planning.AGENDA_HEADERS, [planning.agenda_row(e, T.date()) for e in EVENTS]),
    # Pickers' tables (plain headers: kinds inferred).
    "employee picker": (("Id", "Name", "Username"), [(e.id, e.full_name, e.username) for e in EMPLOYEES]),
    "contracts awaiting an event": (
        ("Contract", "Client", "Total"),
        [(c.id, c.client_name, c.total_amount) for c in CONTRACTS],
    ),
    "reassign clients": (
        ("Client", "Name", "Company"),
        [(c.id, c.full_name, c.company_name) for c in CLIENTS],
    ),
    "reassign events": (
        ("Event", "Name", "Client", "Start"),
        [(e.id, e.name, e.client_name, e.starts_at) for e in EVENTS],
    ),
}  # fmt: skip
# Columns that are never left out, whatever the width.
ALWAYS = {
    "clients": {"Id", "Full name", "E-mail", "Created"},
    "contracts": {"Id", "Client", "Total", "Remaining", "Signed", "Created"},
    "events": {"Id", "Name", "Start", "End", "Guests"},
    "employees": {"Id", "Username", "Full name", "Team", "Status"},
}


def whole_values(headers, rows) -> list[tuple[str, str]]:
    """(header, shown value) of every cell that must never be cut."""
    cells = [[render.cell(v) for v in row] for row in rows]
    spec = render._spec(headers, cells)
    return [(str(col), row[i]) for row in cells for i, col in enumerate(spec) if col.kind == render.WHOLE]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", list(LISTS))
def test_every_list_fits_and_never_cuts_a_number_an_amount_an_id_or_a_date(name, width):
    headers, rows = LISTS[name]
    text = render.table(headers, rows, width=width)
    lines = text.splitlines()
    assert max(wcswidth(line) for line in lines) <= width, text
    shown = re.split(r"\s{2,}", lines[0].strip())
    assert set(shown) <= {str(h) for h in headers}
    assert ALWAYS.get(name, set()) <= set(shown), text
    for header, value in whole_values(headers, rows):
        if header in shown:
            assert value in text, f"{header} {value!r} cut in:\n{text}"
    table_part = "\n".join(lines[: 2 + len(rows)])
    cut = "…" in table_part or len(shown) < len(headers)
    notes = [line for line in lines if line.startswith("(Cut to fit the screen")]
    assert len(notes) == (1 if cut else 0), text
    if notes:
        show = getattr(headers, "show", "Show … gives the whole record")
        assert " ".join(lines[2 + len(rows) :]) == f"(Cut to fit the screen: {show}.)"


def test_the_issues_examples_are_whole_at_80_columns():
    contracts_text = render.table(contracts.LIST_HEADERS, LISTS["contracts"][1], width=80)
    assert "29,224.50" in contracts_text and "9,999,999,999.99" in contracts_text
    events_text = render.table(events.LIST_HEADERS, LISTS["events"][1], width=80)
    assert "2027-10-19 14:00" in events_text  # 12:00 UTC in Paris
    assert "(Cut to fit the screen: Show an event gives the whole record.)" in events_text


def test_a_wide_enough_terminal_shows_short_values_whole_without_a_note():
    assert "Cut to fit" not in render.table(clients.LIST_HEADERS, LISTS["clients"][1][1:], width=400)
    # A name longer than its column ever gets (30) is cut even then, and the note says so.
    text = render.table(clients.LIST_HEADERS, LISTS["clients"][1], width=400)
    assert LONG_NAME[:29] + "…" in text and "(Cut to fit the screen: Show a client" in text


@pytest.mark.usefixtures("menu_variant")
def test_the_clients_list_fits_80_columns_through_the_menu(db, admin_conn, monkeypatch, capsys):
    sales = make_employee(admin_conn, "sales", "jean-baptiste.poquelin", full_name=SALES)
    for i in range(3):
        make_client(
            admin_conn, sales.id, f"{LONG_NAME} {i}", email=f"{i}.{LONG_EMAIL}", company="Compagnie Générale"
        )
    monkeypatch.setattr(render, "terminal_width", lambda: 80)
    prompts = ScriptedPrompts(["Clients", "List clients", "Back", "Quit"])
    assert (
        run_team_menu(session_for(db, sales, prompts, clock=Clock()), [clients.clients_section()])
        is Outcome.QUIT
    )
    out = capsys.readouterr().out
    assert max(wcswidth(line) for line in out.splitlines()) <= 80
    assert out.count("(Cut to fit the screen: Show a client gives the whole record.)") == 1


def test_an_event_at_a_time_that_happens_twice_fits_80_columns_with_its_offset():
    """issue 17.3: the offset of an ambiguous start is part of the date, never cut."""
    second_0230 = datetime(2027, 10, 31, 1, 30, tzinfo=UTC)
    event = EVENTS[0]
    rows = [
        events.event_row(
            replace(event, starts_at=second_0230, ends_at=second_0230 + timedelta(days=1)), PARIS
        ),
        events.event_row(replace(event, id=200002, starts_at=second_0230, ends_at=second_0230), PARIS),
    ]
    for width in WIDTHS:
        text = render.table(events.LIST_HEADERS, rows, width=width)
        assert max(wcswidth(line) for line in text.splitlines()) <= width, text
        assert text.count("2027-10-31 02:30 (+01:00)") == 2 and "2027-11-01 02:30" in text, text
        assert "02:30 (+01:00)  " in text.splitlines()[3], text  # the same day's end: its time
