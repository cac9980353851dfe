"""E-mailing notifications: the outbox drained after commit (issue 15 §2).

Every notification gets an outbox row in the transaction that made it (sql/0015), so nothing is
lost when the mail server is down and nothing is sent for a change that was rolled back. A drain
takes one due row at a time — `SELECT … FOR UPDATE SKIP LOCKED`, so two drains at once never take
the same row — sends it while holding the row, and marks it sent in that same transaction: a row
marked sent is never sent again (the database refuses to move it back, mail_outbox_moves). A
failure is logged and tried again later, each time waiting twice as long (1 minute, 2, 4 … at
most an hour), and given up after MAX_ATTEMPTS; a notification older than MAX_AGE is not mailed
any more (it stays in the Notifications menu). The one gap left: if the database connection is
lost after the server took the e-mail and before the COMMIT, the row stays pending and that
e-mail is sent again — an e-mail twice rather than none.

The program drains after each event write when [mail] is set (`configure`, at start-up) — a
short drain, with the server's timeout — and `python -m main mail drain` does it from cron.
The SMTP password is never logged: MailSettings keeps it out of its repr, and failures are
logged by their class and the server's reply only.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from crm.config import MailSettings
from crm.db import Database
from crm.i18n import N_, _
from crm.models import COMPANY_ZONE, MailReport, Notification
from crm.repositories.notifications import OutboxMail, OutboxRepository
from crm.services.notifications import describe, headline

__all__ = ["MailSettings", "after_commit", "configure", "drain", "message_for"]

log = logging.getLogger("crm.mail")

MAX_ATTEMPTS = 12
MAX_AGE = timedelta(days=1)
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)
ERROR_MAX = 500

# What a broken outbox rule means, by constraint name (the program never breaks them itself).
RULE_MESSAGES = {
    "mail_outbox_last_error_text": N_("An e-mail's error cannot contain control or invisible characters."),
    "mail_outbox_moves": N_("An outbox row only moves forward: a sent e-mail is never sent again."),
}

_settings: MailSettings | None = None


def configure(settings: MailSettings | None) -> None:
    """The [mail] settings this process drains with after each event write (None: off)."""
    global _settings
    _settings = settings


def configured() -> MailSettings | None:
    return _settings


class Unreachable(Exception):
    """The mail server could not be reached: the rest of the outbox waits for the next drain."""


class SmtpSender:
    """One SMTP connection for a drain, opened at the first e-mail."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        try:
            if s.security == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=s.timeout, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
            if s.user:
                smtp.login(s.user, s.password)
        except (OSError, smtplib.SMTPException) as error:
            raise Unreachable(_reason(error)) from None
        return smtp

    def send(self, message: EmailMessage) -> None:
        if self.smtp is None:
            self.smtp = self._open()
        self.smtp.send_message(message)

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self.smtp = None


def _reason(error: BaseException) -> str:
    """A failure as one printable line (it is stored and logged): its class and the server's reply."""
    text = f"{error.__class__.__name__}: {error}".replace("\r", " ").replace("\n", " ")
    clean = "".join(c if c.isprintable() else "\ufffd" for c in text)
    return clean[:ERROR_MAX]


def _notification(mail: OutboxMail) -> Notification:
    return Notification(
        id=mail.notification_id,
        employee_id=0,
        event_id=mail.event_id,
        event_name=mail.event_name,
        kind=mail.kind,
        changes=mail.changes,
        changed_by=None,
        changed_by_name=mail.changed_by_name,
        created_at=mail.notified_at,
        read_at=None,
    )


class Unwritable(ValueError):
    """An address no e-mail header can carry (a non-ASCII local part without SMTPUTF8)."""


def ascii_address(address: str) -> str:
    """The address as an e-mail header carries it: its domain in IDNA (kate@xn--bcher-kva.de for
    kate@bücher.de, the Unicode form the program stores); Unwritable if the local part is not
    ASCII or the domain cannot be encoded."""
    local, _, domain = address.rpartition("@")
    if not local or not local.isascii():
        raise Unwritable(f"the address {address!r} cannot be written in an e-mail header")
    if domain.isascii():
        return address
    import idna

    try:
        return f"{local}@{idna.encode(domain, uts46=True).decode('ascii')}"
    except idna.IDNAError:
        raise Unwritable(f"the domain of {address!r} cannot be written in an e-mail header") from None


def message_for(mail: OutboxMail, sender: str) -> EmailMessage:
    """The e-mail of one outbox row: the notification's headline and what changed (Paris time)."""
    notification = _notification(mail)
    message = EmailMessage()
    message["From"] = sender
    message["To"] = formataddr((mail.to_name, ascii_address(mail.to_address)))
    message["Subject"] = f"[Epic Events] {headline(notification)}"
    # One id per outbox row: a server that sees the same message twice can tell.
    message["Message-ID"] = make_msgid(idstring=f"outbox-{mail.id}", domain="epicevents.crm")
    when = mail.notified_at.astimezone(COMPANY_ZONE).strftime("%Y-%m-%d %H:%M")
    lines = [
        headline(notification),
        "",
        *describe(notification, COMPANY_ZONE),
        "",
        _("When: {when} (Europe/Paris).").format(when=when),
    ]
    lines.append(_("See Notifications in the Epic Events CRM."))
    message.set_content("\n".join(lines) + "\n")
    return message


def _retry_at(attempts: int, now: datetime) -> datetime | None:
    """When to try again after the attempts made so far failed (None: give up)."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return now + min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_RETRY)


def drain(
    db: Database,
    settings: MailSettings,
    *,
    limit: int = 100,
    sender: Callable[[MailSettings], SmtpSender] = SmtpSender,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> MailReport:
    """Send up to `limit` due e-mails of the outbox, one transaction each; what was done."""
    outbox = OutboxRepository(db.conn)
    with db.transaction():
        expired = outbox.expire_older_than(now() - MAX_AGE)
    sent = retried = failed = 0
    smtp = sender(settings)
    try:
        for _ in range(limit):
            with db.transaction():
                mail = outbox.claim_next()
                if mail is None:
                    break
                try:
                    message = message_for(mail, settings.sender)
                except (Unwritable, UnicodeError) as error:  # no retry can help: given up
                    outbox.mark_failed(mail.id, str(error), None)
                    log.warning("e-mail %s given up: %s", mail.id, error)
                    failed += 1
                    continue
                try:
                    smtp.send(message)
                except (Unreachable, OSError, smtplib.SMTPException) as error:
                    smtp.close()  # a fresh connection for the next one
                    reason = str(error) if isinstance(error, Unreachable) else _reason(error)
                    permanent = isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500
                    permanent = permanent or isinstance(error, smtplib.SMTPRecipientsRefused)
                    retry = None if permanent else _retry_at(mail.attempts + 1, now())
                    outbox.mark_failed(mail.id, reason, retry)
                    log.warning(
                        "e-mail %s (notification %s) to %s not sent, attempt %s%s: %s",
                        mail.id, mail.notification_id, mail.to_address, mail.attempts + 1,
                        "" if retry else ", given up", reason,
                    )  # fmt: skip
                    if retry is None:
                        failed += 1
                    else:
                        retried += 1
                    if isinstance(error, Unreachable | OSError | smtplib.SMTPServerDisconnected):
                        break  # the server is down: the others wait for the next drain
                    continue
                outbox.mark_sent(mail.id)
                sent += 1
                log.info(
                    "e-mail %s (notification %s) sent to %s", mail.id, mail.notification_id, mail.to_address
                )
    finally:
        smtp.close()
    return MailReport(sent=sent, retried=retried, failed=failed, expired=expired)


def after_commit(db: Database) -> None:
    """After a write that may have notified someone: a short drain when [mail] is set. Never
    raises — a failure is logged, and the outbox keeps the e-mail for the next drain."""
    if _settings is None:
        return
    try:
        drain(db, _settings, limit=20)
    except Exception:  # noqa: BLE001 — the write has succeeded; the e-mail waits in the outbox
        log.exception("draining the e-mail outbox failed")
