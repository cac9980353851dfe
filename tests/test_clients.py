"""Clients through the service layer, against the real database: lists, search, writes, rules."""

from __future__ import annotations

import psycopg
import pytest

from crm import setup
from crm.db import connect
from crm.errors import NotFound, PermissionDenied, StaleRecord, ValidationError
from crm.repositories.clients import ClientFields, ClientRepository
from crm.services import clients as service
from crm.services import contracts as contract_service
from tests.conftest import database_before_fixture
from tests.factories import make_client, make_contract, make_employee, make_staff
from tests.plans import explain

SQL_LIKE = "'; DROP TABLE clients; --"
NON_LATIN = "Aliénor Vichum 東京"


@pytest.fixture
def staff(admin_conn):
    """One employee of each kind the client rules tell apart."""
    staff = make_staff(admin_conn, "manager", "bill", "sam", "kate")
    return {**staff, "gone": make_employee(admin_conn, "sales", "gone", active=False)}


def fields(**changes) -> ClientFields:
    values = dict(
        full_name="Kevin Casey",
        email="kevin@startup.io",
        phone="+678 123 456 78",
        company_name="Cool Startup LLC",
    )
    values.update(changes)
    return ClientFields(**values)


def client_rows(admin_conn):
    return admin_conn.execute("SELECT * FROM clients ORDER BY id").fetchall()


def names(clients):
    return [c.full_name for c in clients]


# Lists, filters, search ---------------------------------------------------------------------------


def test_list_is_newest_first_with_the_sales_contact(db, admin_conn, staff):
    first = make_client(admin_conn, staff["bill"].id, "Ann")
    make_client(admin_conn, staff["sam"].id, "Bob")
    clients = service.list_clients(db, 0, 10)
    assert names(clients) == ["Bob", "Ann"]
    assert [c.sales_contact_name for c in clients] == ["Sam Seller", "Bill Boquet"]
    assert clients[1].id == first


def test_list_pages_have_exact_boundaries(db, admin_conn, staff):
    ids = [make_client(admin_conn, staff["bill"].id, f"Client {i}") for i in range(16)]
    newest_first = list(reversed(ids))
    assert [c.id for c in service.list_clients(db, 0, 15)] == newest_first[:15]
    assert [c.id for c in service.list_clients(db, 15, 15)] == newest_first[15:]
    assert service.list_clients(db, 16, 15) == []
    assert [c.id for c in service.list_clients(db, 14, 2)] == newest_first[14:16]


def test_same_moment_clients_are_ordered_by_id(db, admin_conn, staff):
    ids = [make_client(admin_conn, staff["bill"].id, f"C{i}") for i in range(3)]
    admin_conn.execute("UPDATE clients SET created_at = '2024-01-01 10:00+00'")
    assert [c.id for c in service.list_clients(db, 0, 10)] == list(reversed(ids))
    assert [c.id for c in service.list_clients(db, 1, 1)] == [ids[1]]


def test_my_clients_are_only_the_sales_employees_own(db, admin_conn, staff):
    bill, sam = staff["bill"], staff["sam"]
    make_client(admin_conn, bill.id, "Bill old")
    make_client(admin_conn, sam.id, "Sam's")
    make_client(admin_conn, bill.id, "Bill new")
    make_client(admin_conn, sam.id, "Sam's newest")
    assert names(service.my_clients(db, bill, 0, 10)) == ["Bill new", "Bill old"]
    assert names(service.my_clients(db, bill, 1, 10)) == ["Bill old"]
    assert names(service.my_clients(db, sam, 0, 1)) == ["Sam's newest"]
    assert service.my_clients(db, staff["manager"], 0, 10) == []


def test_search_matches_name_or_company_in_any_case(db, admin_conn, staff):
    make_client(admin_conn, staff["bill"].id, "Zoé Martin", company="Atelier")
    make_client(admin_conn, staff["bill"].id, "Ann Lee", company="ZOÉ Events")
    make_client(admin_conn, staff["bill"].id, "Bob Ray", company="Rayon")
    make_client(admin_conn, staff["bill"].id, "Zoe Plain", company="")
    assert names(service.search_clients(db, "zoé", 0, 10)) == ["Zoe Plain", "Ann Lee", "Zoé Martin"]
    assert names(service.search_clients(db, "ATEL", 0, 10)) == ["Zoé Martin"]
    assert names(service.search_clients(db, "ray", 0, 10)) == ["Bob Ray"]
    assert names(service.search_clients(db, "zoé", 1, 10)) == ["Ann Lee", "Zoé Martin"]
    assert service.search_clients(db, "nothing like it", 0, 10) == []


def test_search_takes_wildcards_and_quotes_literally(db, admin_conn, staff):
    make_client(admin_conn, staff["bill"].id, "Under_score 100%")
    make_client(admin_conn, staff["bill"].id, "UnderXscore 1000")
    make_client(admin_conn, staff["bill"].id, SQL_LIKE)
    assert names(service.search_clients(db, "_", 0, 10)) == ["Under_score 100%"]
    assert names(service.search_clients(db, "%", 0, 10)) == ["Under_score 100%"]
    assert names(service.search_clients(db, "'; drop", 0, 10)) == [SQL_LIKE]


def test_search_text_cannot_be_blank(db):
    with pytest.raises(ValidationError, match="Search text cannot be blank"):
        service.search_clients(db, "   ", 0, 10)


def test_search_ignores_accents_both_ways_and_case(db, admin_conn, staff):
    make_client(admin_conn, staff["bill"].id, "Amélie Lefèvre", company="Maison Œuvre")
    make_client(admin_conn, staff["bill"].id, "Zoé Martin", company="Château Straße")
    make_client(admin_conn, staff["bill"].id, "ZOE PLAIN", company="Atelier")
    make_client(admin_conn, staff["bill"].id, "Bob Ray", company="Rayon")
    for text in ("lefevre", "LEFEVRE", "Lefèvre", "lefêvre", "amelie lefevre", "AMÉLIE LEFÈVRE", "oeuvre"):
        assert names(service.search_clients(db, text, 0, 10)) == ["Amélie Lefèvre"], text
    for text in ("zoe", "Zoé", "ZOÉ", "zoë", "ZOE"):
        assert names(service.search_clients(db, text, 0, 10)) == ["ZOE PLAIN", "Zoé Martin"], text
    assert names(service.search_clients(db, "chateau strasse", 0, 10)) == ["Zoé Martin"]
    assert names(service.search_clients(db, "CHÂTEAU", 0, 10)) == ["Zoé Martin"]
    # A decomposed accent (e + combining acute) is an accent too.
    assert names(service.search_clients(db, "Ame\u0301lie", 0, 10)) == ["Amélie Lefèvre"]
    assert names(service.search_clients(db, "zoé", 1, 10)) == ["Zoé Martin"]
    assert service.search_clients(db, "lefebvre", 0, 10) == []


def test_search_keeps_like_wildcards_literal_once_accents_are_removed(db, admin_conn, staff):
    make_client(admin_conn, staff["bill"].id, "Ré_sumé 100%", company="")
    make_client(admin_conn, staff["bill"].id, "RéXsumé 1000", company="")
    make_client(admin_conn, staff["bill"].id, "Back\\slash Éric", company="")
    make_client(admin_conn, staff["bill"].id, "Backslash Eric", company="")
    assert names(service.search_clients(db, "e_s", 0, 10)) == ["Ré_sumé 100%"]
    assert names(service.search_clients(db, "é_s", 0, 10)) == ["Ré_sumé 100%"]
    assert names(service.search_clients(db, "0%", 0, 10)) == ["Ré_sumé 100%"]
    assert names(service.search_clients(db, "\\s", 0, 10)) == ["Back\\slash Éric"]
    assert names(service.search_clients(db, "k\\slash eric", 0, 10)) == ["Back\\slash Éric"]
    # unaccent() turns a full-width ％ ＿ ＼ into % _ \: they stay literal all the same.
    assert names(service.search_clients(db, "％", 0, 10)) == ["Ré_sumé 100%"]
    assert names(service.search_clients(db, "e＿s", 0, 10)) == ["Ré_sumé 100%"]
    assert names(service.search_clients(db, "＼", 0, 10)) == ["Back\\slash Éric"]


def test_search_finds_non_latin_text(db, admin_conn, staff):
    make_client(admin_conn, staff["bill"].id, "Дмитрий Иванов", company="Ёлка")
    make_client(admin_conn, staff["bill"].id, "王伟", company="東京 Studio")
    make_client(admin_conn, staff["bill"].id, "さくら 佐藤", company="")
    make_client(admin_conn, staff["bill"].id, "Αλέξανδρος Παπαδόπουλος", company="")
    assert names(service.search_clients(db, "Иванов", 0, 10)) == ["Дмитрий Иванов"]
    assert names(service.search_clients(db, "ДМИТРИЙ ИВАНОВ", 0, 10)) == ["Дмитрий Иванов"]
    assert names(service.search_clients(db, "елка", 0, 10)) == ["Дмитрий Иванов"]
    assert names(service.search_clients(db, "王伟", 0, 10)) == ["王伟"]
    assert names(service.search_clients(db, "東京", 0, 10)) == ["王伟"]
    assert names(service.search_clients(db, "佐藤", 0, 10)) == ["さくら 佐藤"]
    assert names(service.search_clients(db, "さくら", 0, 10)) == ["さくら 佐藤"]
    assert names(service.search_clients(db, "αλεξανδρος", 0, 10)) == ["Αλέξανδρος Παπαδόπουλος"]
    assert names(service.search_clients(db, "Παπαδόπουλος", 0, 10)) == ["Αλέξανδρος Παπαδόπουλος"]


def test_sql_looking_search_text_is_only_text(db, admin_conn, staff):
    make_client(admin_conn, staff["bill"].id, SQL_LIKE)
    make_client(admin_conn, staff["bill"].id, "O'Brien Lefèvre", company="")
    assert names(service.search_clients(db, "'; DRÖP", 0, 10)) == [SQL_LIKE]
    assert names(service.search_clients(db, "'; drop table clients; --", 0, 10)) == [SQL_LIKE]
    assert names(service.search_clients(db, "o'brien lefevre", 0, 10)) == ["O'Brien Lefèvre"]
    assert service.search_clients(db, "') OR 1=1 --", 0, 10) == []
    assert service.search_clients(db, "\\'; SELECT pg_sleep(5); --", 0, 10) == []
    assert admin_conn.execute("SELECT count(*) FROM clients").fetchone() == (2,)


def test_search_can_use_the_accent_insensitive_indexes(db, admin_conn, staff):
    make_client(admin_conn, staff["bill"].id, "Amélie Lefèvre")
    # On a few rows the planner rightly prefers a plain scan: forbid it, to see the indexes match.
    with db.conn.transaction():
        db.conn.execute("SET LOCAL enable_seqscan = off")
        db.conn.execute("SET LOCAL enable_indexscan = off")
        plan = explain(db.conn, lambda conn: ClientRepository(conn).search("LEFÈVRE", 0, 20))
    assert "Seq Scan on clients" not in plan
    assert "clients_full_name_search_idx" in plan
    assert "clients_company_name_search_idx" in plan
    assert "'%LEFEVRE%'" in plan  # the pattern was computed while planning


def test_the_app_role_may_call_the_search_functions_and_still_not_the_audit_function(db, crm_db):
    privilege = "SELECT has_function_privilege(%s, %s, 'EXECUTE')"
    app = crm_db.roles.app
    assert db.conn.execute(privilege, (app, "public.f_unaccent(text)")).fetchone() == (True,)
    assert db.conn.execute(privilege, (app, "public.f_search_pattern(text)")).fetchone() == (True,)
    assert db.conn.execute(privilege, (app, "public.audit_changes()")).fetchone() == (False,)
    # Bound when created: no search_path at call time changes what they run.
    with db.conn.transaction():
        db.conn.execute("SET LOCAL search_path = pg_catalog")
        assert db.conn.execute("SHOW search_path").fetchone() == ("pg_catalog",)
        assert db.conn.execute(
            "SELECT public.f_unaccent('Zoé Lefèvre'), public.f_search_pattern('É_%')"
        ).fetchone() == ("Zoe Lefevre", "%E\\_\\%%")


database_before_0008 = database_before_fixture("0008")  # a CRM database whose upgrade applies 0008


def test_the_upgrade_makes_existing_clients_searchable_without_accents(database_before_0008, admin_dsn):
    crm = database_before_0008
    with connect(crm.admin_dsn) as conn:
        sales = make_employee(conn, "sales", "bill")
        make_client(conn, sales.id, "Amélie Lefèvre", company="Château")
    assert setup.upgrade(admin_dsn, crm.name)[0] == "0008_search.sql"
    with connect(crm.admin_dsn) as conn:
        old_indexes = conn.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%trgm%'")
        assert old_indexes.fetchall() == []
    with connect(crm.app_dsn) as conn:
        assert names(ClientRepository(conn).search("lefevre", 0, 10)) == ["Amélie Lefèvre"]
        assert names(ClientRepository(conn).search("CHATEAU", 0, 10)) == ["Amélie Lefèvre"]


def test_one_client_in_detail(db, admin_conn, staff):
    client_id = make_client(admin_conn, staff["bill"].id, "Kevin Casey")
    client = service.get_client(db, client_id)
    assert (client.full_name, client.email, client.phone, client.company_name) == (
        "Kevin Casey",
        f"kevin.casey.{staff['bill'].id}@client.test",
        "+678 123 456 78",
        "Cool Startup LLC",
    )
    assert (client.sales_contact_id, client.sales_contact_name, client.version) == (
        staff["bill"].id,
        "Bill Boquet",
        1,
    )
    with pytest.raises(NotFound, match=f"No client with id {client_id + 1}"):
        service.get_client(db, client_id + 1)


def test_active_sales_employees_are_the_ones_offered(db, staff):
    assert [e.username for e in service.active_sales_employees(db)] == ["bill", "sam"]


# Creating ---------------------------------------------------------------------------------------


def test_sales_creates_a_client_who_becomes_theirs(db, admin_conn, staff):
    client = service.create_client(db, staff["bill"], fields(full_name="  Kevin Casey  "))
    row = admin_conn.execute(
        "SELECT full_name, email, phone, company_name, sales_contact_id, version,"
        " created_at = updated_at FROM clients WHERE id = %s",
        (client.id,),
    ).fetchone()
    assert row == (
        "Kevin Casey",
        "kevin@startup.io",
        "+678 123 456 78",
        "Cool Startup LLC",
        staff["bill"].id,
        1,
        True,
    )
    assert client.sales_contact_name == "Bill Boquet"


def test_phone_and_company_are_optional(db, admin_conn, staff):
    client = service.create_client(db, staff["bill"], fields(phone="  ", company_name=""))
    assert admin_conn.execute(
        "SELECT phone, company_name FROM clients WHERE id = %s", (client.id,)
    ).fetchone() == (None, "")
    other = service.create_client(db, staff["bill"], fields(email="other@startup.io", phone=None))
    assert other.phone is None


@pytest.mark.parametrize(
    "changes, message",
    [
        (dict(full_name="   "), "Full name cannot be blank"),
        (dict(full_name="x" * 151), "Full name must be at most 150 characters"),
        (dict(full_name="bad\x00name"), "control characters"),
        (dict(email="kevin"), "Enter a valid e-mail address"),
        (dict(email="kevin@startup"), "Enter a valid e-mail address"),
        (dict(email="kev in@startup.io"), "Enter a valid e-mail address"),
        (dict(email="@startup.io"), "Enter a valid e-mail address"),
        (dict(email="k" * 250 + "@a.io"), "Enter a valid e-mail address"),
        (dict(phone="call me"), "A phone number has at least 6 digits"),
        (dict(phone="12-34-5"), "A phone number has at least 6 digits"),
        (dict(phone="1" * 41), "A phone number has at least 6 digits"),
        (dict(company_name="c" * 151), "Company name must be at most 150 characters"),
        (dict(company_name="bad\x1bco"), "control characters"),
        (dict(full_name=None), "Client fields must be text"),
        (dict(phone=123456), "Client fields must be text"),
    ],
)
def test_each_validation_rule_refuses_and_saves_nothing(db, admin_conn, staff, changes, message):
    with pytest.raises(ValidationError, match=message):
        service.create_client(db, staff["bill"], fields(**changes))
    assert client_rows(admin_conn) == []


def test_limits_themselves_are_accepted(db, admin_conn, staff):
    client = service.create_client(
        db,
        staff["bill"],
        fields(full_name="n" * 150, company_name="c" * 150, phone="(+33) 1.23-45", email="a@b.co"),
    )
    assert admin_conn.execute(
        "SELECT length(full_name), length(company_name), phone, email FROM clients WHERE id = %s",
        (client.id,),
    ).fetchone() == (150, 150, "(+33) 1.23-45", "a@b.co")


def test_an_email_another_client_has_is_refused_in_any_case(db, admin_conn, staff):
    make_client(admin_conn, staff["sam"].id, "Taken", email="Kevin@Startup.io")
    before = client_rows(admin_conn)
    with pytest.raises(ValidationError, match="Another client already has this e-mail address"):
        service.create_client(db, staff["bill"], fields(email="KEVIN@startup.IO"))
    assert client_rows(admin_conn) == before


def test_the_database_unique_email_becomes_a_clear_message(db, admin_conn, staff):
    make_client(admin_conn, staff["sam"].id, "Taken", email="kevin@startup.io")
    before = client_rows(admin_conn)
    with pytest.raises(ValidationError, match="Another client already has this e-mail address"):
        with db.transaction(staff["bill"].id), service.database_rules_as_messages():
            ClientRepository(db.conn).insert(staff["bill"].id, fields(email="KEVIN@STARTUP.IO"))
    assert client_rows(admin_conn) == before


def test_an_unknown_database_rule_is_not_disguised(db, staff):
    with pytest.raises(psycopg.errors.CheckViolation):
        with db.transaction(staff["bill"].id), service.database_rules_as_messages():
            db.conn.execute(
                "DO $$ BEGIN RAISE EXCEPTION 'x' USING ERRCODE = 'check_violation',"
                " CONSTRAINT = 'not_a_known_rule'; END $$"
            )


# Updating ----------------------------------------------------------------------------------------


def test_sales_updates_every_field_of_their_client_and_the_version_moves(db, admin_conn, staff):
    client_id = make_client(admin_conn, staff["bill"].id, "Kevin Casey")
    admin_conn.execute("UPDATE clients SET updated_at = '2023-03-29 10:00+00' WHERE id = %s", (client_id,))
    new = fields(full_name="Kévin Casey", email="k@cool.io", phone=None, company_name="Cooler LLC")
    saved = service.update_client(db, staff["bill"], client_id, 1, new)
    row = admin_conn.execute(
        "SELECT full_name, email, phone, company_name, sales_contact_id, version,"
        " updated_at > '2023-03-29 10:00+00' FROM clients WHERE id = %s",
        (client_id,),
    ).fetchone()
    assert row == ("Kévin Casey", "k@cool.io", None, "Cooler LLC", staff["bill"].id, 2, True)
    assert saved.version == 2


def test_a_client_may_keep_or_recase_their_own_email(db, admin_conn, staff):
    client_id = make_client(admin_conn, staff["bill"].id, "Kevin", email="kevin@startup.io")
    service.update_client(db, staff["bill"], client_id, 1, fields(email="KEVIN@startup.io"))
    assert admin_conn.execute("SELECT email FROM clients WHERE id = %s", (client_id,)).fetchone() == (
        "KEVIN@startup.io",
    )


def test_an_update_to_another_clients_email_is_refused(db, admin_conn, staff):
    make_client(admin_conn, staff["sam"].id, "Taken", email="taken@startup.io")
    client_id = make_client(admin_conn, staff["bill"].id, "Kevin", email="kevin@startup.io")
    before = client_rows(admin_conn)
    with pytest.raises(ValidationError, match="Another client already has this e-mail address"):
        service.update_client(db, staff["bill"], client_id, 1, fields(email="Taken@Startup.io"))
    assert client_rows(admin_conn) == before


def test_an_invalid_update_saves_nothing(db, admin_conn, staff):
    client_id = make_client(admin_conn, staff["bill"].id, "Kevin")
    before = client_rows(admin_conn)
    with pytest.raises(ValidationError, match="Enter a valid e-mail address"):
        service.update_client(db, staff["bill"], client_id, 1, fields(email="not an email"))
    with pytest.raises(NotFound, match="No client with id 999"):
        service.update_client(db, staff["bill"], 999, 1, fields())
    assert client_rows(admin_conn) == before


# Reassigning -------------------------------------------------------------------------------------


def test_management_reassigns_a_client_and_its_contracts_follow(db, admin_conn, staff):
    client_id = make_client(admin_conn, staff["bill"].id, "Kevin")
    contracts = [make_contract(admin_conn, client_id), make_contract(admin_conn, client_id, signed=True)]
    other = make_contract(admin_conn, make_client(admin_conn, staff["bill"].id, "Stays"))
    saved = service.reassign_client(db, staff["manager"], client_id, 1, staff["sam"].id)
    assert (saved.sales_contact_id, saved.sales_contact_name, saved.version) == (
        staff["sam"].id,
        "Sam Seller",
        2,
    )
    assert admin_conn.execute(
        "SELECT sales_contact_id, version FROM clients WHERE id = %s", (client_id,)
    ).fetchone() == (staff["sam"].id, 2)
    for contract_id in contracts:
        assert contract_service.get_contract(db, contract_id).sales_contact_id == staff["sam"].id
    assert contract_service.get_contract(db, other).sales_contact_id == staff["bill"].id
    assert names(service.my_clients(db, staff["sam"], 0, 10)) == ["Kevin"]
    assert names(service.my_clients(db, staff["bill"], 0, 10)) == ["Stays"]


@pytest.mark.parametrize("who", ["manager", "kate", "gone", "nobody", "same"])
def test_only_another_active_sales_employee_can_take_a_client(db, admin_conn, staff, who):
    client_id = make_client(admin_conn, staff["bill"].id, "Kevin")
    before = client_rows(admin_conn)
    if who == "same":
        with pytest.raises(ValidationError, match="Bill Boquet is already this client's sales contact"):
            service.reassign_client(db, staff["manager"], client_id, 1, staff["bill"].id)
    else:
        target = 9999 if who == "nobody" else staff[who].id
        with pytest.raises(ValidationError, match=f"Employee {target} is not an active sales employee"):
            service.reassign_client(db, staff["manager"], client_id, 1, target)
    assert client_rows(admin_conn) == before


@pytest.mark.parametrize("who", ["manager", "kate", "gone"])
def test_the_database_refuses_a_sales_contact_who_is_not_active_sales(db, admin_conn, staff, who):
    client_id = make_client(admin_conn, staff["bill"].id, "Kevin")
    before = client_rows(admin_conn)
    with pytest.raises(ValidationError, match="The sales contact must be an active sales employee"):
        with db.transaction(staff["manager"].id), service.database_rules_as_messages():
            ClientRepository(db.conn).set_sales_contact(client_id, 1, staff[who].id)
    assert client_rows(admin_conn) == before


def test_a_client_of_a_deactivated_sales_employee_can_be_reassigned_and_edited(db, admin_conn, staff):
    client_id = make_client(admin_conn, staff["bill"].id, "Kevin")
    admin_conn.execute("UPDATE employees SET is_active = false WHERE id = %s", (staff["bill"].id,))
    service.reassign_client(db, staff["manager"], client_id, 1, staff["sam"].id)
    service.update_client(db, staff["sam"], client_id, 2, fields(full_name="Kevin C."))
    assert admin_conn.execute(
        "SELECT full_name, sales_contact_id, version FROM clients WHERE id = %s", (client_id,)
    ).fetchone() == ("Kevin C.", staff["sam"].id, 3)


# No lost updates ------------------------------------------------------------------------------------


def test_the_second_of_two_concurrent_edits_is_refused(db, second_db, admin_conn, staff):
    client_id = make_client(admin_conn, staff["bill"].id, "Kevin")
    mine = service.get_client(db, client_id)
    theirs = service.get_client(second_db, client_id)
    service.update_client(db, staff["bill"], client_id, mine.version, fields(full_name="First"))
    with pytest.raises(StaleRecord, match="Changed by someone else meanwhile — reload and try again"):
        service.update_client(second_db, staff["bill"], client_id, theirs.version, fields(full_name="Second"))
    assert admin_conn.execute(
        "SELECT full_name, version FROM clients WHERE id = %s", (client_id,)
    ).fetchone() == ("First", 2)


def test_an_edit_started_before_a_reassignment_is_refused(db, second_db, admin_conn, staff):
    client_id = make_client(admin_conn, staff["bill"].id, "Kevin")
    seen = service.get_client(second_db, client_id)
    service.reassign_client(db, staff["manager"], client_id, 1, staff["sam"].id)
    with pytest.raises(PermissionDenied) as refused:
        service.update_client(second_db, staff["bill"], client_id, seen.version, fields(full_name="Mine"))
    assert str(refused.value) == "Only the client's sales contact can update this client."
    assert admin_conn.execute(
        "SELECT full_name, sales_contact_id FROM clients WHERE id = %s", (client_id,)
    ).fetchone() == ("Kevin", staff["sam"].id)


def test_a_reassignment_on_a_stale_client_is_refused(db, second_db, admin_conn, staff):
    client_id = make_client(admin_conn, staff["bill"].id, "Kevin")
    seen = service.get_client(second_db, client_id)
    service.update_client(db, staff["bill"], client_id, 1, fields(full_name="Edited"))
    with pytest.raises(StaleRecord):
        service.reassign_client(second_db, staff["manager"], client_id, seen.version, staff["sam"].id)
    assert admin_conn.execute(
        "SELECT sales_contact_id FROM clients WHERE id = %s", (client_id,)
    ).fetchone() == (staff["bill"].id,)


def test_a_save_at_an_old_version_touches_no_row(db, second_db, admin_conn, staff):
    client_id = make_client(admin_conn, staff["bill"].id, "Kevin")
    with second_db.transaction(staff["bill"].id):
        assert ClientRepository(second_db.conn).update(client_id, 1, fields(full_name="First"))
    with db.transaction(staff["manager"].id):
        assert not ClientRepository(db.conn).update(client_id, 1, fields(full_name="Second"))
        assert not ClientRepository(db.conn).set_sales_contact(client_id, 1, staff["sam"].id)
    assert admin_conn.execute(
        "SELECT full_name, sales_contact_id, version FROM clients WHERE id = %s", (client_id,)
    ).fetchone() == ("First", staff["bill"].id, 2)


# Text round-trips ----------------------------------------------------------------------------------


def test_sql_looking_and_non_latin_text_round_trip_exactly(db, admin_conn, staff):
    client = service.create_client(
        db, staff["bill"], fields(full_name=SQL_LIKE, company_name=NON_LATIN, email="ü@exämple.jp")
    )
    assert (client.full_name, client.company_name, client.email) == (SQL_LIKE, NON_LATIN, "ü@exämple.jp")
    assert admin_conn.execute(
        "SELECT full_name, company_name, email FROM clients WHERE id = %s", (client.id,)
    ).fetchone() == (SQL_LIKE, NON_LATIN, "ü@exämple.jp")
    assert admin_conn.execute("SELECT count(*) FROM clients").fetchone() == (1,)
    assert names(service.search_clients(db, "東京", 0, 10)) == [SQL_LIKE]
    assert names(service.search_clients(db, "ALIÉNOR", 0, 10)) == [SQL_LIKE]
