"""Events through the service layer, against the real database: lists, filters, search, writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from crm import validation
from crm.errors import NotFound, StaleRecord, ValidationError
from crm.repositories.events import EventFields, EventRepository
from crm.services import events as service
from tests.factories import make_client, make_contract, make_employee, make_event, make_staff, signed_contract
from tests.plans import explain

SQL_LIKE = "'; DROP TABLE clients; --"
NON_LATIN = "Assemblée générale 東京"


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def staff(admin_conn):
    """One employee of each kind the event rules tell apart."""
    staff = make_staff(admin_conn, "manager", "bill", "sam", "kate", "alienor")
    return {**staff, "gone": make_employee(admin_conn, "support", "gone", active=False)}


def fields(now: datetime, **changes) -> EventFields:
    values = dict(
        name="Lou Bouzin General Assembly",
        client_contact="Jacky Blangier, jacky@loubouzin.grd, + 666 12345",
        starts_at=now + timedelta(days=10),
        ends_at=now + timedelta(days=10, hours=2),
        location="Salle des fêtes de Mufflins",
        attendees=200,
        notes="Assemblée générale des actionnaires (~200 personnes).",
    )
    values.update(changes)
    return EventFields(**values)


def event_rows(admin_conn):
    return admin_conn.execute("SELECT * FROM events ORDER BY id").fetchall()


def names(events):
    return [e.name for e in events]


# Lists, filters, search -------------------------------------------------------------------------


def test_list_is_newest_first_with_client_and_support(db, admin_conn, staff):
    first = make_event(admin_conn, signed_contract(admin_conn, staff["bill"].id, "Ann"), "First")
    make_event(
        admin_conn,
        signed_contract(admin_conn, staff["bill"].id, "Bob"),
        "Second",
        support_id=staff["kate"].id,
    )
    events = service.list_events(db, 0, 10)
    assert names(events) == ["Second", "First"]
    assert (events[0].client_name, events[0].support_contact_name) == ("Bob", "Kate Hastroff")
    assert (events[1].client_name, events[1].support_contact_name) == ("Ann", None)
    assert events[1].id == first


def test_list_pages_have_exact_boundaries(db, admin_conn, staff):
    ids = [
        make_event(admin_conn, signed_contract(admin_conn, staff["bill"].id, f"C{i}"), f"E{i}")
        for i in range(16)
    ]
    newest_first = list(reversed(ids))
    assert [e.id for e in service.list_events(db, 0, 15)] == newest_first[:15]
    assert [e.id for e in service.list_events(db, 15, 15)] == newest_first[15:]
    assert service.list_events(db, 16, 15) == []
    assert [e.id for e in service.list_events(db, 14, 2)] == newest_first[14:16]


def test_without_support_shows_only_unassigned_events(db, admin_conn, staff):
    make_event(admin_conn, signed_contract(admin_conn, staff["bill"].id, "A"), "Assigned", staff["kate"].id)
    make_event(admin_conn, signed_contract(admin_conn, staff["bill"].id, "B"), "Open 1")
    make_event(admin_conn, signed_contract(admin_conn, staff["sam"].id, "C"), "Open 2", starts_in_days=10)
    assert names(service.events_without_support(db, 0, 10)) == ["Open 2", "Open 1"]  # soonest first
    assert names(service.events_without_support(db, 1, 10)) == ["Open 1"]


def test_my_events_lists_upcoming_soonest_first_then_past_and_nobody_elses(db, admin_conn, staff, now):
    kate, alienor = staff["kate"], staff["alienor"]

    def event(name, support, days):
        contract = signed_contract(admin_conn, staff["bill"].id, name)
        return make_event(admin_conn, contract, name, support.id if support else None, days)

    event("Past long ago", kate, -30)
    event("In ten days", kate, 10)
    event("Past recently", kate, -2)
    event("In two days", kate, 2)
    event("Alienor's", alienor, 1)
    event("Nobody's", None, 1)
    assert names(service.my_events(db, kate, now, 0, 10)) == [
        "In two days",
        "In ten days",
        "Past recently",
        "Past long ago",
    ]
    assert names(service.my_events(db, kate, now, 1, 2)) == ["In ten days", "Past recently"]
    assert names(service.my_events(db, alienor, now, 0, 10)) == ["Alienor's"]


def test_my_events_pages_walk_every_event_once_in_order_with_ties(db, admin_conn, staff, now):
    kate = staff["kate"]
    days = [-5, 3, 3, -5, 0, 7, -1, 3, -20, 1, -1]  # ties on both sides of now
    for n, day in enumerate(days):
        contract = signed_contract(admin_conn, staff["bill"].id, f"Client {n}")
        make_event(admin_conn, contract, f"E{n}", kate.id, day)
    rows = admin_conn.execute(
        "SELECT name, starts_at, id FROM events WHERE support_contact_id = %s", (kate.id,)
    ).fetchall()
    upcoming = sorted((r for r in rows if r[1] >= now), key=lambda r: (r[1], -r[2]))
    past = sorted((r for r in rows if r[1] < now), key=lambda r: (r[1], r[2]), reverse=True)
    expected = [r[0] for r in upcoming + past]
    walked = []
    for offset in range(0, len(days), 3):
        walked += names(service.my_events(db, kate, now, offset, 3))
    assert walked == expected and len(walked) == len(days)


def test_search_matches_event_name_or_client_name_in_any_case(db, admin_conn, staff):
    make_event(admin_conn, signed_contract(admin_conn, staff["bill"].id, "Zoé Martin"), "Wedding")
    make_event(admin_conn, signed_contract(admin_conn, staff["bill"].id, "Ann Lee"), "Zoe's gala")
    make_event(admin_conn, signed_contract(admin_conn, staff["bill"].id, "Bob Ray"), "Board meeting")
    assert names(service.search_events(db, "ZOÉ", 0, 10)) == ["Zoe's gala", "Wedding"]
    assert names(service.search_events(db, "zoe", 0, 10)) == ["Zoe's gala", "Wedding"]
    assert names(service.search_events(db, "WEDD", 0, 10)) == ["Wedding"]
    assert names(service.search_events(db, "nothing like it", 0, 10)) == []


def test_search_takes_wildcards_and_quotes_literally(db, admin_conn, staff):
    make_event(admin_conn, signed_contract(admin_conn, staff["bill"].id, "A"), "Summer_Gala 100%")
    make_event(admin_conn, signed_contract(admin_conn, staff["bill"].id, "B"), "SummerXGala 1000")
    make_event(admin_conn, signed_contract(admin_conn, staff["bill"].id, "C"), SQL_LIKE)
    assert names(service.search_events(db, "_", 0, 10)) == ["Summer_Gala 100%"]
    assert names(service.search_events(db, "%", 0, 10)) == ["Summer_Gala 100%"]
    assert names(service.search_events(db, "r_G", 0, 10)) == ["Summer_Gala 100%"]
    assert names(service.search_events(db, "'; drop", 0, 10)) == [SQL_LIKE]
    pattern = db.conn.execute("SELECT f_search_pattern(%s)", ("a\\b%_",)).fetchone()[0]
    assert pattern == "%a\\\\b\\%\\_%"


def test_search_text_cannot_be_blank(db):
    with pytest.raises(ValidationError, match="Search text cannot be blank"):
        service.search_events(db, "   ", 0, 10)


def test_search_ignores_accents_both_ways_and_case_in_event_and_client_names(db, admin_conn, staff):
    bill = staff["bill"].id
    make_event(admin_conn, signed_contract(admin_conn, bill, "Amélie Lefèvre"), "Wedding")
    make_event(admin_conn, signed_contract(admin_conn, bill, "Ann Lee"), "Soirée chez LEFEVRE")
    make_event(admin_conn, signed_contract(admin_conn, bill, "Zoe Plain"), "Board meeting")
    make_event(admin_conn, signed_contract(admin_conn, bill, "Bob Ray"), "Gala de ZOÉ")
    for text in ("lefevre", "LEFÈVRE", "lefêvre", "Lefèvre"):
        assert names(service.search_events(db, text, 0, 10)) == ["Soirée chez LEFEVRE", "Wedding"], text
    for text in ("zoe", "Zoé", "ZOË"):
        assert names(service.search_events(db, text, 0, 10)) == ["Gala de ZOÉ", "Board meeting"], text
    assert names(service.search_events(db, "amelie", 0, 10)) == ["Wedding"]
    assert names(service.search_events(db, "SOIREE", 0, 10)) == ["Soirée chez LEFEVRE"]
    assert names(service.search_events(db, "lefevre", 1, 10)) == ["Wedding"]
    assert service.search_events(db, "lefebvre", 0, 10) == []


def test_search_lists_an_event_matching_both_ways_once_and_pages_newest_first(db, admin_conn, staff):
    bill = staff["bill"].id
    made = [
        make_event(admin_conn, signed_contract(admin_conn, bill, "Kevin Casey"), "Lefèvre 1"),  # name
        make_event(admin_conn, signed_contract(admin_conn, bill, "Zoë Lefèvre"), "Gala 2"),  # client
        make_event(admin_conn, signed_contract(admin_conn, bill, "Léa Lefevre"), "Lefevre 3"),  # both
        make_event(admin_conn, signed_contract(admin_conn, bill, "Ann Lee"), "Other 4"),  # neither
        make_event(admin_conn, signed_contract(admin_conn, bill, "Chloé LEFÈVRE"), "Gala 5"),  # client
        make_event(admin_conn, signed_contract(admin_conn, bill, "Bob Ray"), "lefevre 6"),  # name
    ]
    expected = ["lefevre 6", "Gala 5", "Lefevre 3", "Gala 2", "Lefèvre 1"]
    assert names(service.search_events(db, "LEFEVRE", 0, 10)) == expected
    for size in (1, 2, 3):
        walked = []
        for offset in range(0, 6, size):
            walked += names(service.search_events(db, "lefèvre", offset, size))
        assert walked == expected, size
    found = [e.id for e in service.search_events(db, "lefevre", 0, 10)]
    assert found == [made[i] for i in (5, 4, 2, 1, 0)]


def test_search_keeps_like_wildcards_literal_once_accents_are_removed(db, admin_conn, staff):
    bill = staff["bill"].id
    make_event(admin_conn, signed_contract(admin_conn, bill, "A"), "Soirée_Gala 100%")
    make_event(admin_conn, signed_contract(admin_conn, bill, "B"), "SoiréeXGala 1000")
    make_event(admin_conn, signed_contract(admin_conn, bill, "Back\\slash Éric"), "Dinner")
    make_event(admin_conn, signed_contract(admin_conn, bill, "Backslash Eric"), "Lunch")
    assert names(service.search_events(db, "e_g", 0, 10)) == ["Soirée_Gala 100%"]
    assert names(service.search_events(db, "0%", 0, 10)) == ["Soirée_Gala 100%"]
    assert names(service.search_events(db, "\\", 0, 10)) == ["Dinner"]
    assert names(service.search_events(db, "k\\slash eric", 0, 10)) == ["Dinner"]
    # unaccent() turns a full-width ％ ＿ ＼ into % _ \: they stay literal all the same.
    assert names(service.search_events(db, "％", 0, 10)) == ["Soirée_Gala 100%"]
    assert names(service.search_events(db, "e＿g", 0, 10)) == ["Soirée_Gala 100%"]
    assert names(service.search_events(db, "＼", 0, 10)) == ["Dinner"]
    pattern = db.conn.execute("SELECT f_search_pattern(%s)", ("Ｅ％é＿＼",)).fetchone()[0]
    assert pattern == "%E\\%e\\_\\\\%"


def test_search_finds_non_latin_text(db, admin_conn, staff):
    bill = staff["bill"].id
    make_event(admin_conn, signed_contract(admin_conn, bill, "Дмитрий Иванов"), NON_LATIN)
    make_event(admin_conn, signed_contract(admin_conn, bill, "王伟"), "Ёлка")
    make_event(admin_conn, signed_contract(admin_conn, bill, "Αλέξανδρος"), "さくら 佐藤")
    assert names(service.search_events(db, "ИВАНОВ", 0, 10)) == [NON_LATIN]
    assert names(service.search_events(db, "assemblee generale", 0, 10)) == [NON_LATIN]
    assert names(service.search_events(db, "東京", 0, 10)) == [NON_LATIN]
    assert names(service.search_events(db, "王伟", 0, 10)) == ["Ёлка"]
    assert names(service.search_events(db, "елка", 0, 10)) == ["Ёлка"]
    assert names(service.search_events(db, "佐藤", 0, 10)) == ["さくら 佐藤"]
    assert names(service.search_events(db, "αλεξανδρος", 0, 10)) == ["さくら 佐藤"]


def test_sql_looking_search_text_is_only_text(db, admin_conn, staff):
    make_event(admin_conn, signed_contract(admin_conn, staff["bill"].id, "O'Brien Lefèvre"), SQL_LIKE)
    assert names(service.search_events(db, "'; DRÖP", 0, 10)) == [SQL_LIKE]
    assert names(service.search_events(db, "o'brien lefevre", 0, 10)) == [SQL_LIKE]
    assert service.search_events(db, "') OR 1=1 --", 0, 10) == []
    assert service.search_events(db, "\\'; SELECT pg_sleep(5); --", 0, 10) == []
    assert admin_conn.execute("SELECT count(*) FROM events").fetchone() == (1,)
    assert admin_conn.execute("SELECT count(*) FROM clients").fetchone() == (1,)


def test_search_can_use_the_event_and_client_name_indexes(db, admin_conn, staff):
    make_event(admin_conn, signed_contract(admin_conn, staff["bill"].id, "Amélie Lefèvre"), "Soirée")
    # On a few rows the planner rightly prefers plain scans: forbid them, to see the indexes match.
    with db.conn.transaction():
        db.conn.execute("SET LOCAL enable_seqscan = off")
        db.conn.execute("SET LOCAL enable_indexscan = off")
        plan = explain(db.conn, lambda conn: EventRepository(conn).search("LEFÈVRE", 0, 20))
    assert "events_name_search_idx" in plan
    assert "clients_full_name_search_idx" in plan
    assert "'%LEFEVRE%'" in plan  # the pattern was computed while planning


def test_one_event_in_detail(db, admin_conn, staff):
    contract = signed_contract(admin_conn, staff["bill"].id, "Kevin Casey")
    event_id = make_event(admin_conn, contract, support_id=staff["alienor"].id)
    event = service.get_event(db, event_id)
    assert event.contract_id == contract
    assert event.client_name == "Kevin Casey"
    assert event.client_email == f"kevin.casey.{staff['bill'].id}@client.test"
    assert event.client_phone == "+678 123 456 78"
    assert event.client_contact == "john.ouick@gmail.com, +1 234 567 8901"
    assert event.support_contact_name == "Aliénor Vichum"
    with pytest.raises(NotFound, match=f"No event with id {event_id + 1}"):
        service.get_event(db, event_id + 1)


# Creating ----------------------------------------------------------------------------------------


def test_sales_creates_the_event_of_a_signed_contract_of_their_client(db, admin_conn, staff, now):
    contract = signed_contract(admin_conn, staff["bill"].id)
    event = service.create_event(db, staff["bill"], contract, fields(now), now)
    row = admin_conn.execute(
        "SELECT name, contract_id, support_contact_id, attendees, location, starts_at, version"
        " FROM events WHERE id = %s",
        (event.id,),
    ).fetchone()
    assert row == (
        "Lou Bouzin General Assembly",
        contract,
        None,
        200,
        "Salle des fêtes de Mufflins",
        now + timedelta(days=10),
        1,
    )


def test_an_unsigned_contract_gets_no_event(db, admin_conn, staff, now):
    contract = make_contract(admin_conn, make_client(admin_conn, staff["bill"].id), signed=False)
    with pytest.raises(ValidationError, match=f"Contract {contract} is not signed yet"):
        service.create_event(db, staff["bill"], contract, fields(now), now)
    assert event_rows(admin_conn) == []


def test_a_contract_gets_only_one_event(db, admin_conn, staff, now):
    contract = signed_contract(admin_conn, staff["bill"].id)
    existing = make_event(admin_conn, contract, "Already there")
    before = event_rows(admin_conn)
    with pytest.raises(ValidationError, match=f"already has an event \\(event {existing}\\)"):
        service.create_event(db, staff["bill"], contract, fields(now), now)
    assert event_rows(admin_conn) == before


def test_an_unknown_contract_is_reported(db, staff, now):
    with pytest.raises(NotFound, match="No contract with id 999"):
        service.create_event(db, staff["bill"], 999, fields(now), now)


def test_contracts_awaiting_an_event_are_the_sales_employees_signed_ones_without_event(db, admin_conn, staff):
    bill = staff["bill"]
    waiting = signed_contract(admin_conn, bill.id, "Waiting")
    make_event(admin_conn, signed_contract(admin_conn, bill.id, "Has event"))
    make_contract(admin_conn, make_client(admin_conn, bill.id, "Unsigned"))
    signed_contract(admin_conn, staff["sam"].id, "Not Bill's")
    assert [c.id for c in service.contracts_awaiting_event(db, bill)] == [waiting]


# Validation -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes, message",
    [
        (dict(name="   "), "Event name cannot be blank"),
        (dict(name="x" * 151), "Event name must be at most 150 characters"),
        (dict(name="bad\x00name"), "control characters"),
        (dict(starts_at="past"), "The start cannot be in the past"),
        (dict(ends_at="before start"), "The end cannot be before the start"),
        (dict(attendees=-1), "Attendees must be a whole number, 0 or more"),
        (dict(attendees="12"), "Attendees must be a whole number, 0 or more"),
        (dict(attendees=True), "Attendees must be a whole number, 0 or more"),
        (dict(attendees=2**31), "Attendees is too large"),
        (dict(notes="n" * 5001), "Notes must be at most 5000 characters"),
        (dict(location="l" * 301), "Location must be at most 300 characters"),
        (dict(client_contact="c" * 301), "Client contact must be at most 300 characters"),
        (dict(starts_at="naive"), "Dates need a time zone"),
    ],
)
def test_each_validation_rule_refuses_and_saves_nothing(db, admin_conn, staff, now, changes, message):
    contract = signed_contract(admin_conn, staff["bill"].id)
    special = {
        "past": now - timedelta(minutes=1),
        "before start": now + timedelta(days=10) - timedelta(minutes=1),
        "naive": (now + timedelta(days=1)).replace(tzinfo=None),
    }
    changes = {
        key: special.get(value, value) if isinstance(value, str) else value for key, value in changes.items()
    }  # noqa: E501
    with pytest.raises(ValidationError, match=message):
        service.create_event(db, staff["bill"], contract, fields(now, **changes), now)
    assert event_rows(admin_conn) == []


def test_limits_themselves_are_accepted(db, admin_conn, staff, now):
    contract = signed_contract(admin_conn, staff["bill"].id)
    event = service.create_event(
        db,
        staff["bill"],
        contract,
        fields(now, name="n" * 150, notes="x" * 5000, attendees=0, starts_at=now, ends_at=now),
        now,
    )
    row = admin_conn.execute(
        "SELECT length(name), length(notes), attendees, starts_at = ends_at FROM events WHERE id = %s",
        (event.id,),
    ).fetchone()
    assert row == (150, 5000, 0, True)


def test_the_database_check_on_dates_becomes_a_clear_message(db, admin_conn, staff, now):
    event_id = make_event(admin_conn, signed_contract(admin_conn, staff["bill"].id))
    before = event_rows(admin_conn)
    repo = EventRepository(db.conn)
    with pytest.raises(ValidationError, match="The end cannot be before the start"):
        with db.transaction(staff["manager"].id), service.database_rules_as_messages():
            repo.update(event_id, 1, fields(now, ends_at=now))
    assert event_rows(admin_conn) == before


def test_the_database_refuses_a_second_event_for_a_contract(db, admin_conn, staff, now):
    contract = signed_contract(admin_conn, staff["bill"].id)
    make_event(admin_conn, contract)
    before = event_rows(admin_conn)
    with pytest.raises(ValidationError, match="This contract already has an event"):
        with db.transaction(staff["bill"].id), service.database_rules_as_messages():
            EventRepository(db.conn).insert(contract, fields(now))
    assert event_rows(admin_conn) == before


def test_the_database_refuses_an_event_on_an_unsigned_contract(db, admin_conn, staff, now):
    contract = make_contract(admin_conn, make_client(admin_conn, staff["bill"].id))
    with pytest.raises(ValidationError, match="An event needs a signed contract"):
        with db.transaction(staff["bill"].id), service.database_rules_as_messages():
            EventRepository(db.conn).insert(contract, fields(now))
    assert event_rows(admin_conn) == []


@pytest.mark.parametrize("who", ["bill", "manager", "gone"])
def test_the_database_refuses_a_support_contact_who_is_not_active_support(db, admin_conn, staff, who):
    event_id = make_event(admin_conn, signed_contract(admin_conn, staff["bill"].id))
    before = event_rows(admin_conn)
    with pytest.raises(ValidationError, match="must be an active support employee"):
        with db.transaction(staff["manager"].id), service.database_rules_as_messages():
            EventRepository(db.conn).set_support(event_id, 1, staff[who].id)
    assert event_rows(admin_conn) == before


# Updating and assigning ------------------------------------------------------------------------------


def test_support_updates_every_field_of_their_event_and_the_version_moves(db, admin_conn, staff, now):
    event_id = make_event(
        admin_conn, signed_contract(admin_conn, staff["bill"].id), support_id=staff["kate"].id
    )
    new = fields(now, name="Renamed", location="Ailleurs", attendees=12, notes="Bring chairs")
    service.update_event(db, staff["kate"], event_id, 1, new, now)
    row = admin_conn.execute(
        "SELECT name, client_contact, starts_at, ends_at, location, attendees, notes, version,"
        " support_contact_id FROM events WHERE id = %s",
        (event_id,),
    ).fetchone()
    assert row == (
        "Renamed",
        new.client_contact,
        new.starts_at,
        new.ends_at,
        "Ailleurs",
        12,
        "Bring chairs",
        2,
        staff["kate"].id,
    )


def test_a_past_start_may_stay_but_not_be_moved_into_the_past(db, admin_conn, staff, now):
    event_id = make_event(
        admin_conn,
        signed_contract(admin_conn, staff["bill"].id),
        support_id=staff["kate"].id,
        starts_in_days=-1,
    )
    event = service.get_event(db, event_id)
    keep = fields(now, starts_at=event.starts_at, ends_at=event.ends_at, notes="Debrief done")
    service.update_event(db, staff["kate"], event_id, 1, keep, now)
    assert admin_conn.execute("SELECT notes FROM events WHERE id = %s", (event_id,)).fetchone() == (
        "Debrief done",
    )
    moved = fields(now, starts_at=event.starts_at - timedelta(hours=1), ends_at=event.ends_at)
    before = event_rows(admin_conn)
    with pytest.raises(ValidationError, match="The start cannot be in the past"):
        service.update_event(db, staff["kate"], event_id, 2, moved, now)
    assert event_rows(admin_conn) == before


def test_management_assigns_then_changes_the_support_employee(db, admin_conn, staff):
    event_id = make_event(admin_conn, signed_contract(admin_conn, staff["bill"].id))
    event = service.assign_support(db, staff["manager"], event_id, 1, staff["kate"].id)
    assert (event.support_contact_id, event.version) == (staff["kate"].id, 2)
    service.assign_support(db, staff["manager"], event_id, 2, staff["alienor"].id)
    assert admin_conn.execute(
        "SELECT support_contact_id, version FROM events WHERE id = %s", (event_id,)
    ).fetchone() == (staff["alienor"].id, 3)


@pytest.mark.parametrize("who", ["bill", "manager", "gone", "nobody"])
def test_only_an_active_support_employee_can_be_assigned(db, admin_conn, staff, who):
    event_id = make_event(admin_conn, signed_contract(admin_conn, staff["bill"].id))
    before = event_rows(admin_conn)
    target = 9999 if who == "nobody" else staff[who].id
    with pytest.raises(ValidationError, match=f"Employee {target} is not an active support employee"):
        service.assign_support(db, staff["manager"], event_id, 1, target)
    assert event_rows(admin_conn) == before


def test_assigning_the_support_employee_already_assigned_is_refused_and_changes_nothing(
    db, admin_conn, staff
):
    event_id = make_event(
        admin_conn, signed_contract(admin_conn, staff["bill"].id), support_id=staff["kate"].id
    )
    before = event_rows(admin_conn)
    refusal = f"^{staff['kate'].full_name} is already this event's support contact.$"
    with pytest.raises(ValidationError, match=refusal):
        service.assign_support(db, staff["manager"], event_id, 1, staff["kate"].id)
    assert event_rows(admin_conn) == before  # the version too: nobody's open edit is spoilt


def test_active_support_employees_are_the_ones_offered(db, staff):
    assert [e.username for e in service.active_support_employees(db)] == ["alienor", "kate"]


# No lost updates ------------------------------------------------------------------------------------


def test_the_second_of_two_concurrent_edits_is_refused(db, second_db, admin_conn, staff, now):
    event_id = make_event(
        admin_conn, signed_contract(admin_conn, staff["bill"].id), support_id=staff["kate"].id
    )
    mine = service.get_event(db, event_id)
    theirs = service.get_event(second_db, event_id)
    service.update_event(db, staff["manager"], event_id, mine.version, fields(now, notes="first"), now)
    with pytest.raises(StaleRecord, match="Changed by someone else meanwhile — reload and try again"):
        service.update_event(
            second_db, staff["kate"], event_id, theirs.version, fields(now, notes="second"), now
        )
    assert admin_conn.execute("SELECT notes, version FROM events WHERE id = %s", (event_id,)).fetchone() == (
        "first",
        2,
    )


def test_a_save_at_an_old_version_touches_no_row(db, second_db, admin_conn, staff, now):
    event_id = make_event(admin_conn, signed_contract(admin_conn, staff["bill"].id))
    with second_db.transaction(staff["manager"].id):
        assert EventRepository(second_db.conn).update(event_id, 1, fields(now, notes="first"))
    with db.transaction(staff["manager"].id):
        assert not EventRepository(db.conn).update(event_id, 1, fields(now, notes="second"))
        assert not EventRepository(db.conn).set_support(event_id, 1, staff["kate"].id)
    assert admin_conn.execute(
        "SELECT notes, support_contact_id, version FROM events WHERE id = %s", (event_id,)
    ).fetchone() == ("first", None, 2)


def test_assigning_support_on_a_stale_event_is_refused(db, second_db, admin_conn, staff, now):
    event_id = make_event(admin_conn, signed_contract(admin_conn, staff["bill"].id))
    seen = service.get_event(second_db, event_id)
    service.update_event(db, staff["manager"], event_id, 1, fields(now, notes="edited"), now)
    with pytest.raises(StaleRecord):
        service.assign_support(second_db, staff["manager"], event_id, seen.version, staff["kate"].id)
    assert admin_conn.execute(
        "SELECT support_contact_id FROM events WHERE id = %s", (event_id,)
    ).fetchone() == (None,)


# Text round-trips ----------------------------------------------------------------------------------


def test_sql_looking_and_non_latin_text_round_trip_exactly(db, admin_conn, staff, now):
    contract = signed_contract(admin_conn, staff["bill"].id, NON_LATIN)
    text_fields = fields(now, name=SQL_LIKE, client_contact=NON_LATIN, location=SQL_LIKE, notes=NON_LATIN)
    event = service.create_event(db, staff["bill"], contract, text_fields, now)
    assert (event.name, event.client_contact, event.location, event.notes, event.client_name) == (
        SQL_LIKE,
        NON_LATIN,
        SQL_LIKE,
        NON_LATIN,
        NON_LATIN,
    )
    assert admin_conn.execute(
        "SELECT name, client_contact, location, notes FROM events WHERE id = %s", (event.id,)
    ).fetchone() == (SQL_LIKE, NON_LATIN, SQL_LIKE, NON_LATIN)
    assert admin_conn.execute("SELECT count(*) FROM clients").fetchone() == (1,)
    assert names(service.search_events(db, "東京", 0, 10)) == [SQL_LIKE]


# issue 17.3: the hour that happens twice when clocks go back (2027-10-31 02:00-03:00 in Paris) ----

PARIS = ZoneInfo("Europe/Paris")
SECOND_0230 = datetime(2027, 10, 31, 1, 30, tzinfo=UTC)  # the second 02:30 (UTC+01:00)


def started_at_the_second_0230(admin_conn, staff):
    event_id = make_event(
        admin_conn, signed_contract(admin_conn, staff["bill"].id), support_id=staff["kate"].id
    )
    admin_conn.execute(
        "UPDATE events SET starts_at = %s, ends_at = %s WHERE id = %s",
        (SECOND_0230, SECOND_0230 + timedelta(hours=3), event_id),
    )
    return event_id


def test_a_kept_start_at_the_second_0230_is_saved_as_it_was_whatever_its_zone(db, admin_conn, staff):
    """The kept start as a reader in Paris holds it (fold=1: the second 02:30), while the event
    is under way: it is the same moment, so it is kept (not "in the past"), and stored unchanged."""
    event_id = started_at_the_second_0230(admin_conn, staff)
    now = SECOND_0230 + timedelta(minutes=5)
    kept = datetime(2027, 10, 31, 2, 30, fold=1, tzinfo=PARIS)
    event = service.get_event(db, event_id)
    service.update_event(
        db,
        staff["kate"],
        event_id,
        1,
        fields(now, starts_at=kept, ends_at=event.ends_at, notes="Going on"),
        now,
    )
    assert admin_conn.execute("SELECT starts_at, notes, version FROM events").fetchone() == (
        SECOND_0230,
        "Going on",
        2,
    )


def test_the_first_0230_is_another_moment_and_may_not_move_into_the_past(db, admin_conn, staff):
    event_id = started_at_the_second_0230(admin_conn, staff)
    now = SECOND_0230 + timedelta(minutes=5)
    first = datetime(2027, 10, 31, 2, 30, fold=0, tzinfo=PARIS)  # an hour earlier
    before = event_rows(admin_conn)
    with pytest.raises(ValidationError, match="The start cannot be in the past"):
        service.update_event(db, staff["kate"], event_id, 1, fields(now, starts_at=first), now)
    assert event_rows(admin_conn) == before


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("2027-10-31 02:30 (UTC+01:00)", SECOND_0230),
        ("2027-10-31 02:30 (UTC+02:00)", SECOND_0230 - timedelta(hours=1)),
    ],
)
def test_a_time_typed_with_its_offset_is_stored_as_that_moment(db, admin_conn, staff, typed, stored):
    event_id = started_at_the_second_0230(admin_conn, staff)
    now = datetime(2027, 1, 4, tzinfo=UTC)
    start = validation.moment(typed, PARIS, "Start", now)
    service.update_event(
        db, staff["kate"], event_id, 1, fields(now, starts_at=start, ends_at=start + timedelta(hours=1)), now
    )
    assert admin_conn.execute("SELECT starts_at FROM events").fetchone() == (stored,)
