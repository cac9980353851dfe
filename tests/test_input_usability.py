"""Usability of typed input and forms (QA review): amounts typed as they are shown, dates that do
not exist, forms that start empty, employee pickers, and updates that change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from psycopg import sql

from crm import validation
from crm.errors import ValidationError
from crm.services import contracts as contract_service
from crm.services import events as event_service
from crm.ui import employees as employees_ui
from crm.ui.clients import clients_section
from crm.ui.contracts import contracts_section
from crm.ui.employees import employees_section
from crm.ui.events import events_section
from crm.ui.menu import Outcome, run_team_menu
from crm.ui.session import Session
from tests.factories import (
    DEFAULT_PASSWORD,
    audit_count,
    make_client,
    make_contract,
    make_employee,
    make_event,
    signed_contract,
)
from tests.scripted import Clock, ScriptedPrompts

D = Decimal
PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
COMMA_MESSAGE = (
    "Total amount: use a dot for decimals, like 1000.50; a comma only separates thousands (1,000.50)."
)


def run(db, employee, sections, answers, clock=None, prompts_class=ScriptedPrompts):
    """Run the team menu with the given sections; the script must end the menu."""
    prompts = prompts_class(answers)
    outcome = run_team_menu(Session(db, employee, prompts, clock=clock or Clock()), sections)
    assert outcome is Outcome.QUIT
    assert prompts.answers == [], "script not used up"
    return prompts


# Amounts ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("1000", "1000.00"),
        ("1000.5", "1000.50"),
        ("1,000", "1000.00"),
        ("1,000.50", "1000.50"),
        ("12,345.67", "12345.67"),
        ("1,234,567.89", "1234567.89"),
        (" 1 000.50 ", "1000.50"),
        (".5", "0.50"),
        ("0", "0.00"),
    ],
)
def test_amounts_are_typed_as_they_are_shown(typed, expected):
    assert validation.amount(typed, "Total amount") == D(expected)


@pytest.mark.parametrize(
    "typed", ["1e5", "1E5", "1.5e2", "NaN", "nan", "Infinity", "-Infinity", "inf", "sNaN", "0x10", "１２"]
)
def test_exponents_and_special_numbers_are_refused(typed):
    with pytest.raises(ValidationError, match=r"^Total amount must be a number like 1200 or 1200\.50\.$"):
        validation.amount(typed, "Total amount")


@pytest.mark.parametrize(
    "typed", ["1,5", "1000,50", "1,00", "12,34.5", "1,0000", ",100", "1,,000", "1.000,50"]
)
def test_a_comma_is_only_a_thousands_separator(typed):
    with pytest.raises(ValidationError) as refused:
        validation.amount(typed, "Total amount")
    assert str(refused.value) == COMMA_MESSAGE


def test_services_take_exact_decimals_written_with_an_exponent(db, admin_conn):
    assert contract_service.clean_total(D("1E+5")) == D("100000.00")
    assert contract_service.clean_total(5) == D("5.00")
    with pytest.raises(ValidationError):
        contract_service.clean_total(D("NaN"))


def test_a_manager_types_a_total_with_thousands_separators(db, admin_conn, capsys):
    manager = make_employee(admin_conn, "management", "marie")
    bill = make_employee(admin_conn, "sales", "bill")
    client_id = make_client(admin_conn, bill.id)
    answers = ["Contracts", "Create a contract", str(client_id), "1e5", "NaN", "1000,50", "1,5"]
    answers += ["12,345.67", False, DEFAULT_PASSWORD, "Back", "Quit"]
    run(db, manager, [contracts_section()], answers)
    out = capsys.readouterr().out
    assert out.count("Total amount must be a number like 1200 or 1200.50.") == 2
    assert out.count(COMMA_MESSAGE) == 2
    assert admin_conn.execute(
        "SELECT client_id, total_amount, remaining_amount FROM contracts"
    ).fetchall() == [(client_id, D("12345.67"), D("12345.67"))]


def test_a_payment_is_typed_as_amounts_are_shown(db, admin_conn, capsys):
    bill = make_employee(admin_conn, "sales", "bill")
    contract_id = make_contract(admin_conn, make_client(admin_conn, bill.id), total="5000.00", signed=True)
    answers = ["Contracts", "Record a payment", str(contract_id), "2e3", "1,000.50", DEFAULT_PASSWORD]
    answers += ["Back", "Quit"]
    run(db, bill, [contracts_section()], answers)
    out = capsys.readouterr().out
    assert "Payment must be a number like 1200 or 1200.50." in out
    assert admin_conn.execute("SELECT amount FROM payments").fetchall() == [(D("1000.50"),)]
    assert admin_conn.execute("SELECT remaining_amount FROM contracts").fetchone() == (D("3999.50"),)


# Dates --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, message",
    [
        ("2027-02-30 10:00", "Start: the date 2027-02-30 does not exist."),
        ("2027-02-29 10:00", "Start: the date 2027-02-29 does not exist."),
        ("2027-04-31 10:00", "Start: the date 2027-04-31 does not exist."),
        ("2027-13-01 10:00", "Start: the date 2027-13-01 does not exist."),
        ("2027-00-10 10:00", "Start: the date 2027-00-10 does not exist."),
        ("2027-06-04 24:00", "Start: 24:00 is not a time of day (00:00 to 23:59)."),
        ("2027-06-04 10:60", "Start: 10:60 is not a time of day (00:00 to 23:59)."),
        ("1999-02-30 10:00", "Start must be in the years 2000 to 2999."),
        ("4 June 2027", "Start must look like 2026-06-04 13:00."),
        ("2027-06-04", "Start must look like 2026-06-04 13:00."),
        ("2027/06/04 10:00", "Start must look like 2026-06-04 13:00."),
    ],
)
def test_a_date_that_does_not_exist_is_told_apart_from_a_wrong_format(typed, message):
    with pytest.raises(ValidationError) as refused:
        validation.moment(typed, PARIS, "Start")
    assert str(refused.value) == message


def test_a_leap_day_exists():
    assert validation.moment("2028-02-29 10:00", PARIS) == datetime(2028, 2, 29, 10, 0, tzinfo=PARIS)


@pytest.mark.parametrize(
    "typed, zone, name",
    [
        ("2027-03-28 02:30", PARIS, "Europe/Paris"),
        ("2027-03-28 02:00", PARIS, "Europe/Paris"),
        ("2027-03-28 02:59", PARIS, "Europe/Paris"),
        ("2027-03-14 02:15", NEW_YORK, "America/New_York"),
    ],
)
def test_a_local_time_skipped_when_clocks_go_forward_is_refused(typed, zone, name):
    with pytest.raises(ValidationError) as refused:
        validation.moment(typed, zone, "Start")
    assert str(refused.value) == f"Start: {typed} does not exist in {name} (clocks go forward)."


def test_the_minutes_around_a_gap_exist():
    assert validation.moment("2027-03-28 01:59", PARIS).astimezone(UTC) == datetime(
        2027, 3, 28, 0, 59, tzinfo=UTC
    )
    assert validation.moment("2027-03-28 03:00", PARIS).astimezone(UTC) == datetime(
        2027, 3, 28, 1, 0, tzinfo=UTC
    )


def test_a_local_time_that_happens_twice_is_its_first_occurrence():
    typed = validation.moment("2027-10-31 02:30", PARIS, "Start")
    assert typed.astimezone(UTC) == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # summer time, UTC+2


def test_fixed_offset_zones_have_no_gaps():
    zone = timezone(timedelta(hours=2))
    assert validation.moment("2027-03-28 02:30", zone) == datetime(2027, 3, 28, 2, 30, tzinfo=zone)


def test_a_local_zone_read_from_a_file_is_named_plainly():
    with open("/usr/share/zoneinfo/Europe/Paris", "rb") as file:
        zone = ZoneInfo.from_file(file, key="localtime")
    with pytest.raises(
        ValidationError, match=r"does not exist in the local time zone \(clocks go forward\)\.$"
    ):
        validation.moment("2027-03-28 02:30", zone, "End")


@pytest.fixture
def sales(admin_conn):
    return make_employee(admin_conn, "sales", "bill")


class Recording(ScriptedPrompts):
    """Scripted prompts that also remember the default each text prompt offered."""

    def __init__(self, answers):
        super().__init__(answers)
        self.defaults: dict[str, list[str]] = {}

    def text(self, message, default=""):
        self.defaults.setdefault(message, []).append(default)
        return super().text(message, default)


def test_an_event_form_refuses_dates_that_do_not_exist_before_the_password(db, admin_conn, sales, capsys):
    contract = signed_contract(admin_conn, sales.id)
    answers = ["Events", "Create an event", str(contract), "Spring gala", None]
    answers += ["2027-02-30 10:00", "2027-03-28 02:30", "2027-03-28 01:30"]  # start
    answers += ["2027-03-28 02:45", "2027-03-28 01:20", "2027-03-28 03:15"]  # end
    answers += ["Lyon", "120", "", DEFAULT_PASSWORD, "Back", "Quit"]
    prompts = run(db, sales, [events_section(PARIS)], answers, clock=Clock(datetime(2027, 1, 4, tzinfo=UTC)))
    out = capsys.readouterr().out
    assert "Start: the date 2027-02-30 does not exist." in out
    assert "Start: 2027-03-28 02:30 does not exist in Europe/Paris (clocks go forward)." in out
    assert "End: 2027-03-28 02:45 does not exist in Europe/Paris (clocks go forward)." in out
    assert "The end cannot be before the start." in out
    assert [kind for kind, _ in prompts.asked].count("password") == 1
    assert admin_conn.execute("SELECT starts_at, ends_at, attendees FROM events").fetchall() == [
        (datetime(2027, 3, 28, 0, 30, tzinfo=UTC), datetime(2027, 3, 28, 1, 15, tzinfo=UTC), 120)
    ]


def test_an_event_across_the_autumn_change_keeps_the_first_occurrence(db, admin_conn, sales):
    contract = signed_contract(admin_conn, sales.id)
    answers = ["Events", "Create an event", str(contract), "Night party", None]
    answers += ["2027-10-31 01:30", "2027-10-31 02:30", "Paris", "40", "", DEFAULT_PASSWORD, "Back", "Quit"]
    run(db, sales, [events_section(PARIS)], answers, clock=Clock(datetime(2027, 1, 4, tzinfo=UTC)))
    assert admin_conn.execute("SELECT starts_at, ends_at FROM events").fetchall() == [
        (datetime(2027, 10, 30, 23, 30, tzinfo=UTC), datetime(2027, 10, 31, 0, 30, tzinfo=UTC))
    ]


# Forms start empty ----------------------------------------------------------------------------------


def test_a_new_event_form_offers_no_attendees_default_and_an_update_keeps_the_current(db, admin_conn, sales):
    contract = signed_contract(admin_conn, sales.id)
    answers = [
        "Events",
        "Create an event",
        str(contract),
        "Gala",
        None,
        "2027-06-04 18:00",
        "2027-06-04 23:00",
    ]
    answers += ["Lyon", "", "200", "", DEFAULT_PASSWORD, "Back", "Quit"]
    prompts = run(
        db,
        sales,
        [events_section(PARIS)],
        answers,
        clock=Clock(datetime(2027, 1, 4, tzinfo=UTC)),
        prompts_class=Recording,
    )
    assert prompts.defaults["Attendees:"] == ["", ""]
    assert all(
        defaults == [""] * len(defaults)
        for message, defaults in prompts.defaults.items()
        if message not in ("Client contact details:",)
    )
    assert admin_conn.execute("SELECT attendees FROM events").fetchall() == [(200,)]

    support = make_employee(admin_conn, "support", "kate")
    admin_conn.execute("UPDATE events SET support_contact_id = %s", (support.id,))
    event_id = admin_conn.execute("SELECT id FROM events").fetchone()[0]
    answers = ["Events", "Update an event", str(event_id)] + [None] * 5 + ["250", None, DEFAULT_PASSWORD]
    answers += ["Back", "Quit"]
    prompts = run(
        db,
        support,
        [events_section(PARIS)],
        answers,
        prompts_class=Recording,
        clock=Clock(datetime(2027, 1, 4, tzinfo=UTC)),
    )
    assert prompts.defaults["Attendees:"] == ["200"]
    assert prompts.defaults["Start (YYYY-MM-DD HH:MM, Europe/Paris time):"] == ["2027-06-04 18:00"]
    assert admin_conn.execute("SELECT attendees, version FROM events").fetchall() == [(250, 2)]


# Employees: pick from a list; your own team; nothing changed --------------------------------------------


def activity(admin_conn):
    return admin_conn.execute("SELECT id, is_active, version FROM employees ORDER BY id").fetchall()


@pytest.fixture
def people(admin_conn):
    return {
        "boss": make_employee(admin_conn, "management", "marie", full_name="Marie Boss"),
        "kate": make_employee(admin_conn, "support", "kate", full_name="Kate Hastroff"),
        "bill": make_employee(admin_conn, "sales", "bill", full_name="Bill Boquet"),
        "gone": make_employee(admin_conn, "sales", "gone", full_name="Gone Away", active=False),
        "rita": make_employee(admin_conn, "support", "rita", full_name="Rita Retired", active=False),
    }


def test_reactivate_shows_the_deactivated_employees_and_takes_only_theirs(db, admin_conn, people, capsys):
    boss, kate, gone = people["boss"], people["kate"], people["gone"]
    answers = [
        "Employees",
        "Reactivate an employee",
        str(kate.id),
        str(boss.id),
        str(gone.id),
        DEFAULT_PASSWORD,
    ]
    run(db, boss, [employees_section()], [*answers, "Back", "Quit"])
    out = capsys.readouterr().out
    shown = out.split("Deactivated employees:", 1)[1].split("is not a deactivated employee", 1)[0]
    assert "Gone Away" in shown and "Rita Retired" in shown
    assert "Kate Hastroff" not in shown and "Marie Boss" not in shown and "Bill Boquet" not in shown
    assert f"Employee {kate.id} is not a deactivated employee; pick an id above." in out
    assert f"Employee {boss.id} is not a deactivated employee; pick an id above." in out
    assert "Gone Away (gone) is active again." in out
    assert admin_conn.execute("SELECT id FROM employees WHERE NOT is_active").fetchall() == [
        (people["rita"].id,)
    ]


def test_deactivate_shows_the_other_active_employees(db, admin_conn, people, capsys):
    boss, kate, gone = people["boss"], people["kate"], people["gone"]
    answers = ["Employees", "Deactivate an employee", str(gone.id), str(boss.id), str(kate.id), True]
    answers += [DEFAULT_PASSWORD, "Back", "Quit"]
    run(db, boss, [employees_section()], answers)
    out = capsys.readouterr().out
    shown = out.split("Active employees:", 1)[1].split("is not another active employee", 1)[0]
    assert "Kate Hastroff" in shown and "Bill Boquet" in shown
    assert "Marie Boss" not in shown and "Gone Away" not in shown and "Rita Retired" not in shown
    assert f"Employee {gone.id} is not another active employee; pick an id above." in out
    assert "You cannot deactivate your own account." in out
    assert "Kate Hastroff (kate) is deactivated." in out
    assert admin_conn.execute("SELECT is_active FROM employees WHERE id = %s", (kate.id,)).fetchone() == (
        False,
    )
    assert admin_conn.execute("SELECT count(*) FROM employees WHERE is_active").fetchone() == (2,)


def test_reset_a_password_shows_the_other_active_employees(db, admin_conn, people, capsys):
    boss, bill, rita = people["boss"], people["bill"], people["rita"]
    before = admin_conn.execute("SELECT id, password_hash FROM employees ORDER BY id").fetchall()
    new = "violet tractor on the moon"
    answers = ["Employees", "Reset a password", str(rita.id), str(boss.id), str(bill.id), new, new]
    answers += [DEFAULT_PASSWORD, "Back", "Quit"]
    run(db, boss, [employees_section()], answers)
    out = capsys.readouterr().out
    shown = out.split("Active employees:", 1)[1].split("is not another active employee", 1)[0]
    assert "Kate Hastroff" in shown and "Bill Boquet" in shown and "Rita Retired" not in shown
    assert "Marie Boss" not in shown
    assert "To change your own password use My account → Change my password." in out
    assert "Password of bill reset" in out
    after = admin_conn.execute("SELECT id, password_hash FROM employees ORDER BY id").fetchall()
    assert [row[0] for row in before if row not in after] == [bill.id]


def test_with_nobody_to_pick_nothing_is_asked(db, admin_conn, capsys):
    boss = make_employee(admin_conn, "management", "marie")
    before = activity(admin_conn)
    prompts = run(
        db,
        boss,
        [employees_section()],
        ["Employees", "Reactivate an employee", "Deactivate an employee", "Reset a password", "Back", "Quit"],
    )
    out = capsys.readouterr().out
    assert "There is no deactivated employee." in out
    assert out.count("There is no other active employee.") == 2
    assert "Employee id:" not in prompts.messages
    assert activity(admin_conn) == before


def test_too_many_to_list_falls_back_to_typing_an_id(db, admin_conn, people, capsys, monkeypatch):
    monkeypatch.setattr(employees_ui, "PICK_MAX", 1)
    boss, kate = people["boss"], people["kate"]
    answers = ["Employees", "Deactivate an employee", str(kate.id), True, DEFAULT_PASSWORD, "Back", "Quit"]
    run(db, boss, [employees_section()], answers)
    out = capsys.readouterr().out
    assert "More than 1 employees: find the id in Employees → List employees." in out
    assert admin_conn.execute("SELECT is_active FROM employees WHERE id = %s", (kate.id,)).fetchone() == (
        False,
    )


def test_a_manager_updating_their_own_record_is_not_asked_their_team(db, admin_conn, people, capsys):
    boss = people["boss"]
    answers = ["Employees", "Update an employee", str(boss.id), None, "Marie Grande-Boss", None, None]
    answers += [DEFAULT_PASSWORD, "Back", "Quit"]
    prompts = run(db, boss, [employees_section()], answers)
    out = capsys.readouterr().out
    assert "Team:" not in prompts.messages
    assert "Team: management (you cannot change your own team)." in out
    assert f"Employee {boss.id} saved." in out
    assert admin_conn.execute(
        "SELECT full_name, team, version FROM employees WHERE id = %s", (boss.id,)
    ).fetchone() == ("Marie Grande-Boss", "management", 2)


def test_an_employee_update_that_changes_nothing_asks_no_password_and_writes_nothing(
    db, admin_conn, people, capsys
):
    boss, kate = people["boss"], people["kate"]
    before, audited = activity(admin_conn), audit_count(admin_conn)
    answers = [
        "Employees",
        "Update an employee",
        str(kate.id),
        None,
        " Kate Hastroff ",
        None,
        None,
        "support",
    ]
    prompts = run(db, boss, [employees_section()], [*answers, "Back", "Quit"])
    out = capsys.readouterr().out
    assert "Nothing changed." in out and "saved" not in out
    assert "password" not in [kind for kind, _ in prompts.asked]
    assert activity(admin_conn) == before
    assert audit_count(admin_conn) == audited


def passwords_asked(prompts) -> int:
    return [kind for kind, _ in prompts.asked].count("password")


def versions(admin_conn, table):
    query = sql.SQL("SELECT id, version, updated_at FROM {} ORDER BY id").format(sql.Identifier(table))
    return admin_conn.execute(query).fetchall()


def test_a_client_update_that_changes_nothing_writes_nothing(db, admin_conn, sales, capsys):
    client_id = make_client(admin_conn, sales.id, "Kevin Casey")
    before, audited = versions(admin_conn, "clients"), audit_count(admin_conn)
    answers = ["Clients", "Update a client", str(client_id), None, None, None, None, "Back", "Quit"]
    prompts = run(db, sales, [clients_section()], answers)
    assert "Nothing changed." in capsys.readouterr().out
    assert passwords_asked(prompts) == 0
    assert versions(admin_conn, "clients") == before and audit_count(admin_conn) == audited

    answers = [
        "Clients",
        "Update a client",
        str(client_id),
        None,
        None,
        None,
        "Kevin's Bakery",
        DEFAULT_PASSWORD,
    ]
    prompts = run(db, sales, [clients_section()], [*answers, "Back", "Quit"])
    assert f"Client {client_id} saved." in capsys.readouterr().out
    assert passwords_asked(prompts) == 1
    assert admin_conn.execute("SELECT company_name, version FROM clients").fetchone() == ("Kevin's Bakery", 2)
    assert audit_count(admin_conn) == audited + 1


def test_a_contract_update_that_changes_nothing_writes_nothing(db, admin_conn, sales, capsys):
    contract_id = make_contract(admin_conn, make_client(admin_conn, sales.id), total="1000.00")
    before, audited = versions(admin_conn, "contracts"), audit_count(admin_conn)
    answers = ["Contracts", "Update a contract", str(contract_id), None, False]
    answers += ["Update a contract", str(contract_id), "1,000.00", False, "Back", "Quit"]
    prompts = run(db, sales, [contracts_section()], answers)
    assert capsys.readouterr().out.count("Nothing changed.") == 2
    assert passwords_asked(prompts) == 0
    assert versions(admin_conn, "contracts") == before and audit_count(admin_conn) == audited

    answers = [
        "Contracts",
        "Update a contract",
        str(contract_id),
        None,
        True,
        DEFAULT_PASSWORD,
        "Back",
        "Quit",
    ]
    run(db, sales, [contracts_section()], answers)
    assert f"Contract {contract_id} saved and signed." in capsys.readouterr().out
    assert admin_conn.execute("SELECT is_signed, version FROM contracts").fetchone() == (True, 2)


def test_an_event_update_that_changes_nothing_writes_nothing(db, admin_conn, sales, capsys):
    kate = make_employee(admin_conn, "support", "kate")
    event_id = make_event(admin_conn, signed_contract(admin_conn, sales.id), support_id=kate.id)
    before, audited = versions(admin_conn, "events"), audit_count(admin_conn)
    answers = ["Events", "Update an event", str(event_id)] + [None] * 7 + ["Back", "Quit"]
    prompts = run(db, kate, [events_section(PARIS)], answers)
    assert "Nothing changed." in capsys.readouterr().out
    assert passwords_asked(prompts) == 0
    assert versions(admin_conn, "events") == before and audit_count(admin_conn) == audited

    answers = ["Events", "Update an event", str(event_id)] + [None] * 5 + ["76", None, DEFAULT_PASSWORD]
    run(db, kate, [events_section(PARIS)], [*answers, "Back", "Quit"])
    assert f"Event {event_id} saved." in capsys.readouterr().out
    assert admin_conn.execute("SELECT attendees, version FROM events").fetchone() == (76, 2)


# Events without support: upcoming first -----------------------------------------------------------------


def test_events_without_support_show_upcoming_soonest_first_then_past(db, admin_conn, sales, capsys):
    manager = make_employee(admin_conn, "management", "marie")
    kate = make_employee(admin_conn, "support", "kate")
    for name, days in [("Far past", -20), ("Late", 40), ("Recent past", -2), ("Soon", 3)]:
        make_event(
            admin_conn, signed_contract(admin_conn, sales.id, f"Client {name}"), name, starts_in_days=days
        )
    make_event(
        admin_conn, signed_contract(admin_conn, sales.id, "Client X"), "Staffed", kate.id, starts_in_days=1
    )
    now = datetime.now(UTC)
    expected = ["Soon", "Late", "Recent past", "Far past"]
    assert [e.name for e in event_service.events_without_support(db, 0, 10, now)] == expected
    assert [e.name for e in event_service.events_without_support(db, 1, 2, now)] == expected[1:3]
    assert [e.name for e in event_service.events_without_support(db, 3, 2, now)] == expected[3:]
    assert event_service.events_without_support(db, 4, 2, now) == []

    run(db, manager, [events_section(PARIS)], ["Events", "Events without support", "Back", "Quit"])
    out = capsys.readouterr().out
    assert "Events without support (upcoming first)" in out
    positions = [out.index(name) for name in expected]
    assert positions == sorted(positions) and "Staffed" not in out
