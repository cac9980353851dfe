"""Review: `serve --workers N` builds each worker's app with crm.cli.serve.worker_app(), which
loads the config but never calls crm.services.mail.configure(config.mail) (the single-process
path gets it from CommandContext.config, the menus from crm.app.main). So with [mail] set and
several workers, the API's event writes never e-mail their notifications after commit (they
wait for a cron `mail drain`), unlike the same writes through the menus and the commands."""

from __future__ import annotations

from crm import config as config_file
from crm.services import mail
from tests.test_config import sample


def test_review_every_api_worker_drains_mail_after_commit(tmp_path, monkeypatch):
    path = config_file.write(sample(tmp_path))
    path.write_text(path.read_text() + "[mail]\nhost = smtp.example.com\nfrom = crm@epicevents.test\n")
    wanted = config_file.load(path).mail
    assert wanted is not None
    monkeypatch.setenv("CRM_CONFIG", str(path))
    mail.configure(None)  # a fresh worker process
    try:
        from crm.cli.serve import worker_app

        worker_app()
        assert mail.configured() == wanted
    finally:
        mail.configure(None)
