"""The digest at login (issue 15 §1) through its service, against hand-made data: what each team's
lines list and what they leave out, the "seen up to" mark, and turning it off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from psycopg import sql

from crm.errors import PermissionDenied
from crm.models import EventFields
from crm.services import digest as service
from crm.services import events as event_service
from crm.services import notes as note_service
from tests.factories import fields_from, make_client, make_contract, make_employee, make_event, make_staff


@pytest.fixture
def staff(admin_conn):
    return make_staff(admin_conn, "manager", "bill", "sam", "kate", "alienor")


def lines(digest) -> dict[str, tuple[int, list[int]]]:
    return {line.key: (line.count, [item.id for item in line.items]) for line in digest.lines}


def now() -> datetime:
    return datetime.now(UTC)


def age(admin_conn, table: str, record_id: int, column: str, days: int) -> None:
    """Move a date of a row `days` into the past (as superuser)."""
    query = sql.SQL("UPDATE {} SET {} = now() - make_interval(days => %s) WHERE id = %s")
    admin_conn.execute(query.format(sql.Identifier(table), sql.Identifier(column)), (days, record_id))


# Support -------------------------------------------------------------------------------------------


def test_support_see_their_unread_notifications_first(db, admin_conn, staff):
    kate = staff["kate"]
    client = make_client(admin_conn, staff["bill"].id)
    moved = make_event(admin_conn, make_contract(admin_conn, client, signed=True), "Moved", kate.id, 5)
    quiet = service.digest(db, kate, now())
    assert lines(quiet)["unread_notifications"] == (0, [])
    current = event_service.get_event(db, moved)
    fields = fields_from(EventFields, current, location="The new venue")
    event_service.update_event(db, staff["manager"], moved, current.version, fields, now())
    digest = service.digest(db, kate, now())
    first = digest.lines[0]
    assert (first.key, first.count, [i.id for i in first.items]) == ("unread_notifications", 1, [moved])
    assert first.items[0].detail.startswith("changed: ")
    assert "unread_notifications" not in lines(service.digest(db, staff["bill"], now()))


def test_support_sees_their_events_of_the_next_seven_days(db, admin_conn, staff):
    kate, alienor = staff["kate"], staff["alienor"]
    client = make_client(admin_conn, staff["bill"].id)

    def event(days, support, name):
        return make_event(admin_conn, make_contract(admin_conn, client, signed=True), name, support, days)

    soon = event(2, kate.id, "Soon")
    sooner = event(1, kate.id, "Sooner")
    event(10, kate.id, "Later")  # beyond 7 days
    event(-1, kate.id, "Past")
    event(3, alienor.id, "Not hers")
    event(3, None, "Nobody's")
    digest = service.digest(db, kate, now())
    keys = [line.key for line in digest.lines]
    assert keys == ["unread_notifications", "upcoming_events", "changed_events"]
    assert lines(digest)["upcoming_events"] == (2, [sooner, soon])
    item = digest.lines[1].items[0]
    assert item.name == "Sooner" and "75 attendees" in item.detail and "Candé" in item.detail


def test_support_is_told_of_changes_others_made_since_their_last_login(db, admin_conn, staff):
    kate, manager = staff["kate"], staff["manager"]
    client = make_client(admin_conn, staff["bill"].id)
    mine = make_event(admin_conn, make_contract(admin_conn, client, signed=True), "Mine", kate.id, 20)
    other = make_event(admin_conn, make_contract(admin_conn, client, signed=True), "Other", kate.id, 25)
    theirs = make_event(
        admin_conn, make_contract(admin_conn, client, signed=True), "Theirs", staff["alienor"].id
    )
    # Before the first login nothing counts as changed; the login sets the mark.
    first = service.login_digest(db, kate, now())
    assert lines(first)["changed_events"] == (0, [])

    def edit(actor, event_id, **changes):
        current = event_service.get_event(db, event_id)
        event_service.update_event(
            db, actor, event_id, current.version, fields_from(EventFields, current, **changes), now=now()
        )

    current = event_service.get_event(db, mine)
    edit(manager, mine, location="Château de Chambord", starts_at=current.starts_at + timedelta(hours=1),
         ends_at=current.ends_at + timedelta(hours=1))  # fmt: skip
    edit(kate, other, attendees=80)  # her own change: not news to her
    edit(manager, theirs, attendees=10)  # not her event
    second = service.login_digest(db, kate, now())
    assert lines(second)["changed_events"] == (1, [mine])
    item = second.lines[2].items[0]
    assert item.detail == "end, location, start — by Marie Manager"
    # Seen: the next login lists nothing again.
    assert lines(service.login_digest(db, kate, now()))["changed_events"] == (0, [])
    # A digest read without marking (the command) leaves the mark where it was.
    edit(manager, other, attendees=90)
    assert lines(service.digest(db, kate, now()))["changed_events"] == (1, [other])
    assert lines(service.digest(db, kate, now()))["changed_events"] == (1, [other])


def test_a_rolled_back_change_is_never_listed(db, admin_conn, staff):
    kate = staff["kate"]
    client = make_client(admin_conn, staff["bill"].id)
    mine = make_event(admin_conn, make_contract(admin_conn, client, signed=True), "Mine", kate.id)
    service.login_digest(db, kate, now())
    with pytest.raises(RuntimeError):
        with db.transaction(staff["manager"].id):
            db.conn.execute("UPDATE events SET attendees = 1, version = version + 1 WHERE id = %s", (mine,))
            raise RuntimeError("rolled back")
    assert lines(service.login_digest(db, kate, now()))["changed_events"] == (0, [])


# Sales ---------------------------------------------------------------------------------------------


def test_sales_see_their_unsigned_and_unpaid_contracts(db, admin_conn, staff):
    bill = staff["bill"]
    mine = make_client(admin_conn, bill.id, "Kevin Casey")
    other = make_client(admin_conn, staff["sam"].id, "Zoé Lefèvre")
    draft = make_contract(admin_conn, mine, total="500.00")
    half = make_contract(admin_conn, mine, total="1000.00", remaining="400.00", signed=True)
    make_contract(admin_conn, mine, total="300.00", remaining="0.00", signed=True)  # paid, signed
    make_contract(admin_conn, other)  # not mine
    found = lines(service.digest(db, bill, now()))
    assert found["unsigned_contracts"] == (1, [draft])
    assert found["unpaid_contracts"] == (2, [draft, half])
    digest = service.digest(db, bill, now())
    assert digest.lines[1].items[1].detail == "400.00 of 1000.00 to pay"


def test_sales_see_their_clients_not_contacted_for_90_days(db, admin_conn, staff):
    bill = staff["bill"]
    quiet = make_client(admin_conn, bill.id, "Quiet One")
    quieter = make_client(admin_conn, bill.id, "Quieter One")
    noted = make_client(admin_conn, bill.id, "Noted Recently")
    make_client(admin_conn, bill.id, "Fresh")
    sams = make_client(admin_conn, staff["sam"].id, "Sam's Quiet")
    for client_id, days in ((quiet, 100), (quieter, 200), (noted, 120), (sams, 300)):
        age(admin_conn, "clients", client_id, "updated_at", days)
    note_service.add_client_note(db, bill, noted, "called, wants a DJ")  # a note is a contact
    old_note = note_service.add_client_note(db, bill, quiet, "long ago")
    age(admin_conn, "notes", old_note.id, "created_at", 95)
    digest = service.digest(db, bill, now())
    assert [line.key for line in digest.lines] == ["unsigned_contracts", "unpaid_contracts", "quiet_clients"]
    assert lines(digest)["quiet_clients"] == (2, [quieter, quiet])


# Management ----------------------------------------------------------------------------------------


def test_management_sees_unstaffed_events_overdue_contracts_and_deactivated_owners(db, admin_conn, staff):
    manager = staff["manager"]
    client = make_client(admin_conn, staff["bill"].id)
    unstaffed = make_event(admin_conn, make_contract(admin_conn, client, signed=True), "Unstaffed", None, 10)
    make_event(admin_conn, make_contract(admin_conn, client, signed=True), "Far", None, 40)
    make_event(admin_conn, make_contract(admin_conn, client, signed=True), "Staffed", staff["kate"].id, 5)
    make_event(admin_conn, make_contract(admin_conn, client, signed=True), "Past", None, -3)
    overdue = make_contract(admin_conn, client, total="900.00", remaining="900.00", signed=True)
    age(admin_conn, "contracts", overdue, "signed_at", 45)
    recent = make_contract(admin_conn, client, total="900.00", remaining="100.00", signed=True)
    age(admin_conn, "contracts", recent, "signed_at", 10)
    paid = make_contract(admin_conn, client, total="900.00", remaining="0.00", signed=True)
    age(admin_conn, "contracts", paid, "signed_at", 60)
    # Deactivated owners: a sales with a client, a support with an event ahead, one with nothing.
    gone_sales = make_employee(admin_conn, "sales", "gone_sales", full_name="Gone Sales")
    make_client(admin_conn, gone_sales.id, "Orphan")
    gone_support = make_employee(admin_conn, "support", "gone_support", full_name="Gone Support")
    make_event(admin_conn, make_contract(admin_conn, client, signed=True), "Orphan event", gone_support.id)
    idle = make_employee(admin_conn, "support", "idle", full_name="Idle Leaver")
    make_event(admin_conn, make_contract(admin_conn, client, signed=True), "Done", idle.id, -10)
    admin_conn.execute(
        "UPDATE employees SET is_active = false WHERE id = ANY(%s)",
        ([gone_sales.id, gone_support.id, idle.id],),
    )
    digest = service.digest(db, manager, now())
    found = lines(digest)
    assert [line.key for line in digest.lines] == [
        "unstaffed_events",
        "overdue_contracts",
        "deactivated_owners",
    ]
    assert found["unstaffed_events"] == (1, [unstaffed])
    assert found["overdue_contracts"] == (1, [overdue])
    assert found["deactivated_owners"] == (2, [gone_sales.id, gone_support.id])
    assert [i.detail for i in digest.lines[2].items] == ["sales, 1 clients", "support, 1 events"]


def test_each_line_shows_the_first_five_and_counts_them_all(db, admin_conn, staff):
    client = make_client(admin_conn, staff["bill"].id)
    for _ in range(7):
        make_contract(admin_conn, client)
    line = service.digest(db, staff["bill"], now()).lines[0]
    assert line.count == 7 and len(line.items) == service.SHOWN == 5


# The setting --------------------------------------------------------------------------------------


def test_the_digest_at_login_can_be_turned_off_and_the_mark_still_moves(db, admin_conn, staff):
    kate = staff["kate"]
    assert service.login_digest(db, kate, now()) is not None
    assert service.set_digest_enabled(db, kate, False) is False
    assert admin_conn.execute(
        "SELECT enabled FROM employee_digest WHERE employee_id = %s", (kate.id,)
    ).fetchone() == (False,)
    mark = admin_conn.execute("SELECT seen_audit_id FROM employee_digest").fetchone()[0]
    make_employee(admin_conn, "sales", "newcomer")  # an audit row after the mark
    assert service.login_digest(db, kate, now()) is None
    assert admin_conn.execute("SELECT seen_audit_id FROM employee_digest").fetchone()[0] > mark
    assert service.digest(db, kate, now()).enabled is False
    service.set_digest_enabled(db, kate, True)
    assert service.login_digest(db, kate, now()).enabled is True


def test_a_deactivated_employee_reads_no_digest(db, admin_conn, staff):
    gone = make_employee(admin_conn, "sales", "gone", active=False)
    with pytest.raises(PermissionDenied):
        service.digest(db, gone, now())
    with pytest.raises(PermissionDenied):
        service.set_digest_enabled(db, gone, False)


def test_the_seen_mark_never_goes_back_nor_past_the_newest_audit_row(db, admin_conn, staff):
    kate = staff["kate"]
    service.login_digest(db, kate, now())
    newest = admin_conn.execute("SELECT max(id) FROM audit_log").fetchone()[0]
    with db.transaction(kate.id):
        db.conn.execute("UPDATE employee_digest SET seen_audit_id = 0")
    with db.transaction(kate.id):
        db.conn.execute("UPDATE employee_digest SET seen_audit_id = 10000000")
    assert admin_conn.execute("SELECT seen_audit_id FROM employee_digest").fetchone() == (newest,)


def test_counting_stops_at_the_cap_and_says_so(db, admin_conn, staff, monkeypatch, capsys):
    from crm.ui.digest import print_digest

    monkeypatch.setattr(service, "COUNT_MAX", 3)
    monkeypatch.setattr(service, "CAP", 4)
    client = make_client(admin_conn, staff["bill"].id)
    for _ in range(6):
        make_contract(admin_conn, client)
    digest = service.digest(db, staff["bill"], now())
    line = digest.lines[0]
    assert (line.count, line.capped, len(line.items)) == (3, True, 5)
    print_digest(digest)
    assert "My contracts not signed: 3+" in capsys.readouterr().out
