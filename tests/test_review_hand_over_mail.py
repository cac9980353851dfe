"""Review: docs/rules.md §4 / crm/services/mail.py — "the program drains after each event write
when [mail] is set". assign_support, update_event and change_status call mail.after_commit;
crm/services/employees.py hand_over (which reassigns events, and so notifies both support
employees through the trigger) never does: its e-mails wait for a cron `mail drain`."""

from __future__ import annotations

from datetime import UTC, datetime

from crm.services import employees as employee_service
from crm.services import events as event_service
from crm.services import mail
from tests.factories import make_client_of, make_contract, make_event, make_staff
from tests.test_notifications import Inbox, free_port, outbox, settings


def test_review_a_hand_over_of_events_mails_after_commit(db, admin_conn):
    staff = make_staff(admin_conn, "manager", "bill", "kate", "alienor")
    contract = make_contract(admin_conn, make_client_of(admin_conn, staff["bill"]), signed=True)
    event = make_event(admin_conn, contract, starts_in_days=20)
    event_service.assign_support(db, staff["manager"], event, 1, staff["kate"].id)  # mail off
    admin_conn.execute("DELETE FROM mail_outbox")
    port = free_port()
    with Inbox(port) as inbox:
        mail.configure(settings(port))
        try:
            employee_service.hand_over(
                db, staff["manager"], staff["kate"].id, staff["alienor"].id, datetime.now(UTC)
            )
        finally:
            mail.configure(None)
        assert admin_conn.execute("SELECT count(*) FROM mail_outbox").fetchone()[0] == 2
        # Both support employees e-mailed after commit, as assign_support does.
        assert outbox(admin_conn) == [("sent", 1, True), ("sent", 1, True)]
        assert len(inbox.messages) == 2
