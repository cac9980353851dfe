"""The sales pipeline through its services on a real PostgreSQL (sql/0013_pipeline.sql): the
catalogue, opportunities and lines, the stage machine (every allowed and refused move), amounts,
lost, won (one contract, even when two managers win at once), and the report's figures against
hand-computed ones."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest

from crm.errors import NotFound, PermissionDenied, StaleRecord, ValidationError
from crm.models import OpportunityFields, ServiceFields, Stage, Unit
from crm.services import catalogue, pipeline
from crm.services import contracts as contract_service
from tests.conftest import wait_for_lock_waiters
from tests.factories import make_client, make_opportunity, make_service, make_staff

FIELDS = OpportunityFields("Wedding in June", date(2027, 6, 4), 200)


@pytest.fixture
def staff(admin_conn):
    return make_staff(admin_conn, "manager", "bill", "sam", "kate")


@pytest.fixture
def client_id(admin_conn, staff):
    return make_client(admin_conn, staff["bill"].id, "Kevin Casey")


def row(admin_conn, opportunity_id):
    return admin_conn.execute(
        "SELECT stage, amount, lost_reason, contract_id, closed_at IS NOT NULL, version FROM opportunities"
        " WHERE id = %s",
        (opportunity_id,),
    ).fetchone()


def stage_of(admin_conn, opportunity_id):
    return admin_conn.execute("SELECT stage FROM opportunities WHERE id = %s", (opportunity_id,)).fetchone()[
        0
    ]


# The catalogue -----------------------------------------------------------------------------------------


def test_management_keeps_the_catalogue(db, admin_conn, staff):
    boss = staff["manager"]
    created = catalogue.create_service(
        db, boss, ServiceFields(" Catering ", "Menus for every taste", D("45.50"), Unit.GUEST)
    )
    assert (created.name, created.unit_price, created.unit, created.is_active) == (
        "Catering",
        D("45.50"),
        "guest",
        True,
    )
    with pytest.raises(ValidationError, match="Another service already has this name"):
        catalogue.create_service(db, boss, ServiceFields("CATERING", "", D("1"), Unit.EVENT))
    updated = catalogue.update_service(
        db, boss, created.id, 1, ServiceFields("Catering", "", D("50"), "per guest")
    )
    assert (updated.unit_price, updated.version) == (D("50.00"), 2)
    with pytest.raises(StaleRecord):
        catalogue.update_service(db, boss, created.id, 1, ServiceFields("Catering", "", D("60"), Unit.GUEST))
    retired = catalogue.retire_service(db, boss, created.id, 2)
    assert retired.is_active is False
    with pytest.raises(ValidationError, match="already retired"):
        catalogue.retire_service(db, boss, created.id, 3)
    assert [s.name for s in catalogue.list_services(db, 0, 10, active_only=True)] == []
    assert catalogue.bring_back_service(db, boss, created.id, 3).is_active is True
    assert admin_conn.execute("SELECT count(*) FROM services").fetchone() == (1,)


@pytest.mark.parametrize(
    "fields, message",
    [
        (ServiceFields("", "", D("1"), Unit.HOUR), "cannot be blank"),
        (ServiceFields("DJ", "", D("-1"), Unit.HOUR), "cannot be negative"),
        (ServiceFields("DJ", "", D("1.005"), Unit.HOUR), "at most 2 decimals"),
        (ServiceFields("DJ", "", D("1"), "per day"), "per event, per guest or per hour"),
        (ServiceFields("D\x1bJ", "", D("1"), Unit.HOUR), "control characters"),
    ],
)
def test_a_bad_service_is_refused_in_one_line(db, admin_conn, staff, fields, message):
    with pytest.raises(ValidationError, match=message):
        catalogue.create_service(db, staff["manager"], fields)
    assert admin_conn.execute("SELECT count(*) FROM services").fetchone() == (0,)


# Opportunities and lines --------------------------------------------------------------------------------


def test_sales_open_an_opportunity_and_its_amount_is_the_sum_of_its_lines(db, admin_conn, staff, client_id):
    bill = staff["bill"]
    catering = make_service(admin_conn, "Catering", "45.00", "guest")
    sound = make_service(admin_conn, "Sound and light", "1200.00", "event")
    opened = pipeline.create_opportunity(db, bill, client_id, FIELDS)
    assert (opened.stage, opened.amount, opened.probability, opened.sales_contact_id) == (
        "new",
        D("0.00"),
        10,
        bill.id,
    )
    detail = pipeline.add_line(db, bill, opened.id, 1, catering, 200)
    assert detail.opportunity.amount == D("9000.00")
    assert detail.lines[0].unit_price == D("45.00")  # copied from the catalogue
    detail = pipeline.add_line(db, bill, opened.id, 2, sound, 1, D("999.99"))  # a negotiated price
    assert detail.opportunity.amount == D("9999.99")
    assert detail.opportunity.weighted_amount == D("1000.00")  # 10 %
    line = detail.lines[0]
    detail = pipeline.update_line(db, bill, line.id, 3, 180, D("45.00"))
    assert detail.opportunity.amount == D("9099.99")
    detail = pipeline.remove_line(db, bill, line.id, 4)
    assert detail.opportunity.amount == D("999.99") and len(detail.lines) == 1
    with pytest.raises(NotFound):
        pipeline.update_line(db, bill, line.id, 5, 1, D("1"))
    # The price of the catalogue changing later does not change what was quoted.
    admin_conn.execute("UPDATE services SET unit_price = 1 WHERE id = %s", (sound,))
    assert pipeline.get_opportunity(db, opened.id).amount == D("999.99")
    assert row(admin_conn, opened.id) == ("new", D("999.99"), None, None, False, 5)
    lines = admin_conn.execute("SELECT quantity, unit_price, is_removed FROM opportunity_lines ORDER BY id")
    assert lines.fetchall() == [(180, D("45.00"), True), (1, D("999.99"), False)]


def test_a_line_needs_an_active_service_a_real_quantity_and_a_fitting_amount(
    db, admin_conn, staff, client_id
):
    bill = staff["bill"]
    retired = make_service(admin_conn, "Fireworks", "500.00", "event", active=False)
    big = make_service(admin_conn, "Castle", "9999999999.99", "event")
    opportunity = make_opportunity(admin_conn, client_id)
    with pytest.raises(ValidationError, match="retired"):
        pipeline.add_line(db, bill, opportunity, 1, retired, 1)
    with pytest.raises(NotFound, match="No service with id 99"):
        pipeline.add_line(db, bill, opportunity, 1, 99, 1)
    for quantity in (0, -1, 1.5, "two", True, 1_000_001):
        with pytest.raises(ValidationError):
            pipeline.add_line(db, bill, opportunity, 1, big, quantity)
    with pytest.raises(ValidationError, match="cannot exceed"):
        pipeline.add_line(db, bill, opportunity, 1, big, 2)
    assert row(admin_conn, opportunity)[1:] == (D("0.00"), None, None, False, 1)
    assert admin_conn.execute("SELECT count(*) FROM opportunity_lines").fetchone() == (0,)


def test_an_edit_with_an_old_version_is_refused(db, admin_conn, staff, client_id):
    opportunity = make_opportunity(admin_conn, client_id)
    pipeline.update_opportunity(
        db, staff["bill"], opportunity, 1, OpportunityFields("Bigger wedding", None, 250)
    )
    with pytest.raises(StaleRecord):
        pipeline.update_opportunity(db, staff["bill"], opportunity, 1, OpportunityFields("Other", None, 1))
    assert pipeline.get_opportunity(db, opportunity).title == "Bigger wedding"


def test_a_client_reassigned_takes_its_opportunities_along(db, admin_conn, staff, client_id):
    opportunity = make_opportunity(admin_conn, client_id)
    admin_conn.execute("UPDATE clients SET sales_contact_id = %s WHERE id = %s", (staff["sam"].id, client_id))
    with pytest.raises(PermissionDenied):
        pipeline.move_opportunity(db, staff["bill"], opportunity, 1, "qualified")
    assert pipeline.move_opportunity(db, staff["sam"], opportunity, 1, "qualified").stage == "qualified"


# The stage machine ---------------------------------------------------------------------------------------

OPEN = ["new", "qualified", "proposal", "negotiation"]
EVERY_MOVE = [(a, b) for a in [*OPEN, "won", "lost"] for b in [*OPEN, "won", "lost"]]
EXPECTED_ALLOWED = {
    ("new", "qualified"), ("qualified", "proposal"), ("proposal", "negotiation"),
    ("qualified", "new"), ("proposal", "new"), ("proposal", "qualified"),
    ("negotiation", "new"), ("negotiation", "qualified"), ("negotiation", "proposal"),
    ("new", "lost"), ("qualified", "lost"), ("proposal", "lost"), ("negotiation", "lost"),
    ("negotiation", "won"),
}  # fmt: skip


def test_the_service_and_the_database_know_the_same_moves(admin_conn):
    assert {(str(a), str(b)) for a, b in pipeline.ALLOWED_MOVES} == EXPECTED_ALLOWED
    in_database = {
        (a, b)
        for a, b in EVERY_MOVE
        if admin_conn.execute("SELECT opportunity_move_allowed(%s, %s)", (a, b)).fetchone()[0]
    }
    assert in_database == EXPECTED_ALLOWED


@pytest.mark.parametrize("start, target", EVERY_MOVE, ids=[f"{a}->{b}" for a, b in EVERY_MOVE])
def test_every_move_through_the_services(db, admin_conn, staff, client_id, start, target):
    boss = staff["manager"]
    service_id = make_service(admin_conn)
    opportunity = make_opportunity(admin_conn, client_id, lines=[(service_id, 2, "100.00")], stage=start)
    version = row(admin_conn, opportunity)[-1]
    contracts_before = admin_conn.execute("SELECT count(*) FROM contracts").fetchone()[0]

    def attempt():
        if target == "won":
            return pipeline.win_opportunity(db, boss, opportunity, version)
        if target == "lost":
            return pipeline.lose_opportunity(db, boss, opportunity, version, "Budget cut")
        return pipeline.move_opportunity(db, boss, opportunity, version, target)

    if (start, target) in EXPECTED_ALLOWED:
        moved = attempt()
        assert moved.stage == target and moved.version == version + 1
        assert stage_of(admin_conn, opportunity) == target
        assert moved.probability == pipeline.DEFAULT_PROBABILITIES[Stage(target)]
        if target in ("won", "lost"):
            assert moved.closed_at is not None
    else:
        before = row(admin_conn, opportunity)
        with pytest.raises(ValidationError) as refused:
            attempt()
        assert "\n" not in str(refused.value)
        assert row(admin_conn, opportunity) == before
        assert admin_conn.execute("SELECT count(*) FROM contracts").fetchone()[0] == contracts_before


def test_a_closed_opportunity_and_its_lines_never_change(db, admin_conn, staff, client_id):
    service_id = make_service(admin_conn)
    for stage in ("won", "lost"):
        opportunity = make_opportunity(admin_conn, client_id, lines=[(service_id, 1, "10.00")], stage=stage)
        version = row(admin_conn, opportunity)[-1]
        line = pipeline.get_opportunity_detail(db, opportunity).lines[0]
        before = row(admin_conn, opportunity)
        boss = staff["manager"]
        for fn, *args in (
            (pipeline.update_opportunity, opportunity, version, FIELDS),
            (pipeline.add_line, opportunity, version, service_id, 1),
            (pipeline.update_line, line.id, version, 2, D("1")),
            (pipeline.remove_line, line.id, version),
        ):
            with pytest.raises(ValidationError, match="never changes"):
                fn(db, boss, *args)
        assert row(admin_conn, opportunity) == before


def test_lost_needs_a_reason(db, admin_conn, staff, client_id):
    opportunity = make_opportunity(admin_conn, client_id)
    for reason in ("", "   ", "a" * 301, None, "bad\x07"):
        with pytest.raises(ValidationError):
            pipeline.lose_opportunity(db, staff["bill"], opportunity, 1, reason)
    lost = pipeline.lose_opportunity(db, staff["bill"], opportunity, 1, " Went with a competitor ")
    assert (lost.stage, lost.lost_reason, lost.probability, lost.weighted_amount) == (
        "lost", "Went with a competitor", 0, D("0.00"))  # fmt: skip


# Winning ---------------------------------------------------------------------------------------------


def test_winning_creates_the_contract_and_the_contract_names_the_opportunity(
    db, admin_conn, staff, client_id
):
    service_id = make_service(admin_conn, "Venue", "2500.50", "event")
    opportunity = make_opportunity(
        admin_conn, client_id, lines=[(service_id, 2, "2500.50")], stage="negotiation"
    )
    version = row(admin_conn, opportunity)[-1]
    with pytest.raises(PermissionDenied, match="Only management can mark an opportunity won"):
        pipeline.win_opportunity(db, staff["bill"], opportunity, version)
    won = pipeline.win_opportunity(db, staff["manager"], opportunity, version)
    contract = admin_conn.execute(
        "SELECT id, client_id, total_amount, remaining_amount, is_signed FROM contracts"
    ).fetchall()
    assert contract == [(won.contract_id, client_id, D("5001.00"), D("5001.00"), False)]
    detail = contract_service.get_contract_detail(db, won.contract_id)
    assert (detail.opportunity_id, detail.opportunity_title) == (opportunity, "Wedding in June")
    assert pipeline.opportunity_of_contract(db, won.contract_id) == (opportunity, "Wedding in June")
    with pytest.raises(ValidationError, match="already won"):
        pipeline.win_opportunity(db, staff["manager"], opportunity, version + 1)


def test_an_opportunity_without_lines_is_not_won(db, admin_conn, staff, client_id):
    opportunity = make_opportunity(admin_conn, client_id, stage="negotiation")
    with pytest.raises(ValidationError, match="without lines"):
        pipeline.win_opportunity(db, staff["manager"], opportunity, 4)
    assert admin_conn.execute("SELECT count(*) FROM contracts").fetchone() == (0,)


def test_two_managers_winning_at_once_make_exactly_one_contract(db, second_db, admin_conn, staff, client_id):
    other_boss = make_staff(admin_conn, "alienor")["alienor"]
    admin_conn.execute("UPDATE employees SET team = 'management' WHERE id = %s", (other_boss.id,))
    from dataclasses import replace

    other_boss = replace(other_boss, team="management")
    service_id = make_service(admin_conn)
    opportunity = make_opportunity(
        admin_conn, client_id, lines=[(service_id, 3, "300.00")], stage="negotiation"
    )
    version = row(admin_conn, opportunity)[-1]
    results: list = []

    def win(database, actor):
        try:
            results.append(
                ("won", pipeline.win_opportunity(database, actor, opportunity, version).contract_id)
            )
        except ValidationError as error:
            results.append(("refused", str(error)))

    # Hold the opportunity so both pass no check before the lock, then queue on it.
    with admin_conn.transaction():
        admin_conn.execute("SELECT 1 FROM opportunities WHERE id = %s FOR UPDATE", (opportunity,))
        threads = [
            threading.Thread(target=win, args=(db, staff["manager"])),
            threading.Thread(target=win, args=(second_db, other_boss)),
        ]
        for thread in threads:
            thread.start()
        wait_for_lock_waiters(admin_conn, 2)
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(kind for kind, _ in results) == ["refused", "won"]
    contract_id = next(value for kind, value in results if kind == "won")
    assert "already won" in next(value for kind, value in results if kind == "refused")
    assert admin_conn.execute("SELECT id, total_amount FROM contracts").fetchall() == [
        (contract_id, D("900.00"))
    ]
    assert row(admin_conn, opportunity)[:4] == ("won", D("900.00"), None, contract_id)


# The report ------------------------------------------------------------------------------------------------

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2027, 5, 20, 12, 0, tzinfo=PARIS)


def test_period_starts_are_local_midnights():
    month, quarter = pipeline.period_starts(NOW, PARIS)
    assert month == datetime(2027, 5, 1, tzinfo=PARIS) and quarter == datetime(2027, 4, 1, tzinfo=PARIS)
    assert month.utcoffset() == timedelta(hours=2)
    month, quarter = pipeline.period_starts(datetime(2027, 1, 3, 5, 0, tzinfo=UTC), PARIS)
    assert quarter == datetime(2027, 1, 1, tzinfo=PARIS)


def test_the_report_matches_hand_computed_figures(db, admin_conn, staff):
    bill, sam = staff["bill"], staff["sam"]
    kevin = make_client(admin_conn, bill.id, "Kevin Casey")
    lou = make_client(admin_conn, sam.id, "Lou Bouzin")
    s = make_service(admin_conn, "Venue", "100.00", "event")

    def opp(client, amount, stage, closed=None):
        return make_opportunity(admin_conn, client, lines=[(s, 1, amount)], stage=stage, closed_at=closed)

    opp(kevin, "1000.00", "new")  # weighted 100.00
    opp(kevin, "333.33", "qualified")  # weighted 83.33 (83.3325)
    opp(lou, "2000.00", "proposal")  # weighted 1000.00
    opp(lou, "4000.00", "negotiation")  # weighted 3000.00
    opp(kevin, "10.00", "negotiation")  # weighted 7.50
    this_month = datetime(2027, 5, 2, 9, 0, tzinfo=PARIS)
    this_quarter = datetime(2027, 4, 15, 9, 0, tzinfo=PARIS)
    before = datetime(2027, 3, 31, 23, 30, tzinfo=PARIS)  # last quarter, by 30 minutes
    opp(kevin, "500.00", "won", this_month)
    opp(lou, "700.00", "won", this_quarter)
    opp(lou, "50.00", "lost", this_month)
    opp(kevin, "60.00", "lost", before)
    opp(kevin, "70.00", "won", before)
    report = pipeline.pipeline_report(db, NOW, PARIS)
    assert [(f.stage, f.probability, f.count, f.amount, f.weighted_amount) for f in report.by_stage] == [
        ("new", 10, 1, D("1000.00"), D("100.00")),
        ("qualified", 25, 1, D("333.33"), D("83.33")),
        ("proposal", 50, 1, D("2000.00"), D("1000.00")),
        ("negotiation", 75, 2, D("4010.00"), D("3007.50")),
    ]
    assert [(f.sales_id, f.count, f.amount, f.weighted_amount) for f in report.by_sales] == [
        (sam.id, 2, D("6000.00"), D("4000.00")),
        (bill.id, 3, D("1343.33"), D("190.83")),
    ]
    assert [(f.period, f.won_count, f.won_amount, f.lost_count, f.lost_amount) for f in report.closed] == [
        ("this month", 1, D("500.00"), 1, D("50.00")),
        ("this quarter", 2, D("1200.00"), 1, D("50.00")),
    ]
    assert [(f.period, f.closed_count, f.won_count, f.conversion_rate) for f in report.conversion] == [
        ("this month", 2, 1, D("50.0")),
        ("this quarter", 3, 2, D("66.7")),
        ("all time", 5, 3, D("60.0")),
    ]


def test_an_empty_pipeline_reports_zeros(db, admin_conn, staff):
    report = pipeline.pipeline_report(db, NOW, PARIS)
    assert [(f.count, f.amount) for f in report.by_stage] == [(0, D("0"))] * 4
    assert {f.sales_name for f in report.by_sales} == {"Bill Boquet", "Sam Seller"}
    assert [f.conversion_rate for f in report.conversion] == [None, None, None]
