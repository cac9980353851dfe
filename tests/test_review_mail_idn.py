"""Review: e-mail addresses are stored with their domain in Unicode form (README: `Jean@BÜCHER.DE`
is stored as `Jean@bücher.de`). crm/services/mail.py message_for builds the To header with
email.utils.formataddr, which raises UnicodeEncodeError for a non-ASCII address. drain() catches
only Unreachable / OSError / SMTPException, so the error escapes: the row's transaction rolls back,
the row stays pending with 0 attempts and, being the oldest due, is claimed first by every later
drain — which fails the same way. One employee with an IDN domain stops every e-mail of the
outbox for good (`mail drain` ends in "Something went wrong", exit 70, each time)."""

from __future__ import annotations

from crm.services import events as event_service
from crm.services import mail
from tests.factories import make_client, make_contract, make_event, make_staff
from tests.test_notifications import Inbox, free_port, outbox, settings


def _world(admin_conn, db):
    staff = make_staff(admin_conn, "manager", "bill", "kate", "alienor")
    admin_conn.execute("UPDATE employees SET email = 'kate@bücher.de' WHERE id = %s", (staff["kate"].id,))
    events = [
        make_event(
            admin_conn,
            make_contract(admin_conn, make_client(admin_conn, staff["bill"].id, name), signed=True),
            starts_in_days=20,
        )  # fmt: skip
        for name in ("Kevin Casey", "Zoé Lefèvre")
    ]
    event_service.assign_support(db, staff["manager"], events[0], 1, staff["kate"].id)  # queued first
    event_service.assign_support(db, staff["manager"], events[1], 1, staff["alienor"].id)
    return staff


def test_review_one_unsendable_address_does_not_block_the_outbox(db, admin_conn):
    staff = _world(admin_conn, db)
    # An IDN domain is sent in its ASCII form (the next test); a non-ASCII local part cannot be
    # written without SMTPUTF8: that e-mail is given up, the others go.
    admin_conn.execute(
        "UPDATE employees SET email = 'andré@epicevents.test' WHERE id = %s", (staff["kate"].id,)
    )
    port = free_port()
    with Inbox(port) as inbox:
        try:
            mail.drain(db, settings(port))
        except Exception as error:  # noqa: BLE001
            raise AssertionError(f"drain raised {error.__class__.__name__}: {error}") from None
        assert [m.rcpt_tos for m in inbox.messages] == [["alienor@epicevents.test"]]
    rows = outbox(admin_conn)
    assert rows[1][0] == "sent"
    assert rows[0][0] == "failed" and rows[0][1] >= 1  # given up at once, counted as an attempt


def test_review_a_support_employee_with_an_idn_domain_is_mailed(db, admin_conn):
    _world(admin_conn, db)
    port = free_port()
    with Inbox(port) as inbox:  # an ordinary relay: no SMTPUTF8
        try:
            mail.drain(db, settings(port))
        except Exception:  # noqa: BLE001 — the test above is about that
            pass
        assert ["kate@xn--bcher-kva.de"] in [m.rcpt_tos for m in inbox.messages]


def test_review_mail_drain_command_keeps_working_past_an_unsendable_address(db, admin_conn, crm_db, tmp_path):
    from crm.config import MailSettings
    from tests.commands import Commands

    _world(admin_conn, db)
    port = free_port()
    cli = Commands(crm_db, tmp_path)
    from tests.configs import write_config

    relay = MailSettings(
        host="127.0.0.1", port=port, sender="crm@epicevents.test", security="none", timeout=3
    )
    write_config(cli.config, crm_db, mail=relay)
    with Inbox(port) as inbox:
        for _ in range(2):  # cron, twice
            done = cli.process("mail", "drain")
            assert done.status == 0, (done.status, done.err)
        assert ["alienor@epicevents.test"] in [m.rcpt_tos for m in inbox.messages]
