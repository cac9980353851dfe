"""Notes on clients and events (issue 15 §4) through the service, on a real PostgreSQL: who may
add them (the permission matrix extended to notes), what text is accepted, and that nobody can edit
or delete one, nor write one in someone else's name."""

from __future__ import annotations

import pytest
from psycopg import errors as pg_errors

from crm.errors import NotFound, PermissionDenied, ValidationError
from crm.services import history as history_service
from crm.services import notes as service
from tests.factories import make_client, make_contract, make_employee, make_event, make_staff

SQL_LIKE = "'; DROP TABLE notes; --"


@pytest.fixture
def world(admin_conn):
    staff = make_staff(admin_conn, "manager", "bill", "sam", "kate", "alienor")
    rita = make_employee(admin_conn, "sales", "rita", full_name="Rita Retired")
    bills = make_client(admin_conn, staff["bill"].id, "Kevin Casey")
    sams = make_client(admin_conn, staff["sam"].id, "Zoé Lefèvre")
    kates = make_event(admin_conn, make_contract(admin_conn, bills, signed=True), support_id=staff["kate"].id)
    unassigned = make_event(admin_conn, make_contract(admin_conn, sams, signed=True), name="Gala")
    admin_conn.execute("UPDATE employees SET is_active = false WHERE id = %s", (rita.id,))
    rita = type(rita)(**{**rita.__dict__, "is_active": False})
    return {**staff, "rita": rita, "bills": bills, "sams": sams, "kates": kates, "unassigned": unassigned}


def note_rows(admin_conn):
    return admin_conn.execute("SELECT * FROM notes ORDER BY id").fetchall()


# The permission matrix: (who, kind, record) -> allowed, or the refusal.
MATRIX = [
    ("manager", "client", "bills", None),
    ("manager", "event", "kates", None),
    ("manager", "event", "unassigned", None),
    ("bill", "client", "bills", None),
    ("bill", "client", "sams", "Only the client's sales contact can add a note to this client."),
    ("bill", "event", "kates", "Only management or support can add a note to an event."),
    ("kate", "event", "kates", None),
    ("kate", "event", "unassigned", "Only the support employee assigned to this event can add a note to it."),
    ("alienor", "event", "kates", "Only the support employee assigned to this event can add a note to it."),
    ("kate", "client", "bills", "Only management or sales can add a note to a client."),
    ("rita", "client", "bills", "Your account is deactivated."),
]


@pytest.mark.parametrize("who, kind, record, refused", MATRIX, ids=[f"{w}-{k}-{r}" for w, k, r, _ in MATRIX])
def test_who_may_add_a_note(db, admin_conn, world, who, kind, record, refused):
    add = service.add_client_note if kind == "client" else service.add_event_note
    if refused is None:
        note = add(db, world[who], world[record], "called, wants a DJ")
        assert note.author_id == world[who].id and note.body == "called, wants a DJ"
        assert getattr(note, f"{kind}_id") == world[record]
        assert len(note_rows(admin_conn)) == 1
    else:
        before = note_rows(admin_conn)
        with pytest.raises(PermissionDenied) as denied:
            add(db, world[who], world[record], "called")
        assert str(denied.value) == refused
        assert note_rows(admin_conn) == before == []


def test_a_note_on_a_client_reassigned_meanwhile_is_refused(db, admin_conn, world):
    admin_conn.execute(
        "UPDATE clients SET sales_contact_id = %s WHERE id = %s", (world["sam"].id, world["bills"])
    )
    with pytest.raises(PermissionDenied):
        service.add_client_note(db, world["bill"], world["bills"], "still mine?")
    assert note_rows(admin_conn) == []


def test_notes_are_listed_latest_first_and_paged(db, admin_conn, world):
    for n in range(7):
        service.add_client_note(db, world["bill"], world["bills"], f"note {n}")
    service.add_event_note(db, world["kate"], world["kates"], "venue confirmed for 14:00")
    page = service.client_notes(db, world["bills"], 0, 5)
    assert [n.body for n in page] == ["note 6", "note 5", "note 4", "note 3", "note 2"]
    assert [n.body for n in service.client_notes(db, world["bills"], 5, 5)] == ["note 1", "note 0"]
    assert service.count_notes(db, "client", world["bills"]) == 7
    assert [n.body for n in service.event_notes(db, world["kates"], 0, 5)] == ["venue confirmed for 14:00"]
    assert page[0].author_name == "Bill Boquet"


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "A note cannot be empty."),
        ("   \n ", "A note cannot be empty."),
        ("x" * 2001, "A note must be at most 2000 characters."),
        ("Evil\x1b[2J", "A note cannot contain control characters."),
        ("Zo\u202ee", "A note cannot contain invisible characters that reorder or hide text (U+202E)."),
    ],
)
def test_a_bad_note_is_refused_with_one_line(db, admin_conn, world, text, message):
    with pytest.raises(ValidationError) as refused:
        service.add_client_note(db, world["bill"], world["bills"], text)
    assert "\n" not in str(refused.value)
    assert str(refused.value).startswith(message.split(" (")[0][:20])
    assert note_rows(admin_conn) == []


def test_a_note_keeps_its_text_exactly(db, world):
    text = f"Ligne 1 – Zoé 東京 👩\u200d👩\u200d👧\n\tligne 2 {SQL_LIKE}"
    note = service.add_client_note(db, world["manager"], world["bills"], f"  {text}  ")
    assert note.body == text
    assert service.client_notes(db, world["bills"], 0, 1)[0].body == text
    assert len(service.add_client_note(db, world["manager"], world["bills"], "y" * 2000).body) == 2000


def test_no_such_record(db, world):
    with pytest.raises(NotFound, match="No client with id 999."):
        service.add_client_note(db, world["manager"], 999, "x")
    with pytest.raises(NotFound, match="No event with id 999."):
        service.add_event_note(db, world["manager"], 999, "x")


def test_the_app_role_cannot_edit_delete_or_forge_a_note(db, admin_conn, world):
    note = service.add_client_note(db, world["bill"], world["bills"], "called")
    before = note_rows(admin_conn)
    for statement in ("UPDATE notes SET body = 'rewritten'", "DELETE FROM notes"):
        with pytest.raises(pg_errors.InsufficientPrivilege):
            with db.transaction(world["bill"].id):
                db.conn.execute(statement)
    with pytest.raises(pg_errors.CheckViolation) as forged:
        with db.transaction(world["bill"].id):
            db.conn.execute(
                "INSERT INTO notes (client_id, author_id, body, created_at)"
                " VALUES (%s, %s, 'forged', '2001-01-01')",
                (world["bills"], world["sam"].id),
            )
    assert forged.value.diag.constraint_name == "notes_author_is_actor"
    assert note_rows(admin_conn) == before
    # The date is the database's, whatever is sent.
    with db.transaction(world["bill"].id):
        db.conn.execute(
            "INSERT INTO notes (client_id, author_id, body, created_at)"
            " VALUES (%s, %s, 'dated', '2001-01-01')",
            (world["bills"], world["bill"].id),
        )
    dates = admin_conn.execute(
        "SELECT created_at >= %s FROM notes ORDER BY id", (note.created_at,)
    ).fetchall()
    assert dates == [(True,), (True,)]


def test_a_note_is_on_exactly_one_record(db, admin_conn, world):
    with pytest.raises(pg_errors.CheckViolation) as both:
        with db.transaction(world["manager"].id):
            db.conn.execute(
                "INSERT INTO notes (client_id, event_id, author_id, body) VALUES (%s, %s, %s, 'x')",
                (world["bills"], world["kates"], world["manager"].id),
            )
    assert both.value.diag.constraint_name == "notes_one_record"


def test_notes_are_in_the_records_history(db, world):
    service.add_client_note(db, world["bill"], world["bills"], "called, wants a DJ")
    service.add_event_note(db, world["kate"], world["kates"], "venue confirmed")
    lines = history_service.record_history(db, world["manager"], "clients", world["bills"], 0, 50)
    notes = [line for line in lines if line.source == "notes"]
    assert [(n.field, n.new, n.employee_name, n.action) for n in notes] == [
        ("note", "called, wants a DJ", "Bill Boquet", "note")
    ]
    assert lines[0].source == "notes"  # the newest line
    event_lines = history_service.record_history(db, world["manager"], "events", world["kates"], 0, 50)
    assert [line.new for line in event_lines if line.source == "notes"] == ["venue confirmed"]
