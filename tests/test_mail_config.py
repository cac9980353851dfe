"""[mail] in the INI file (issue 15 §2): off without a host, read and checked, written back by the
program, and its password never shown (not in repr, so never in a log line or a report)."""

from __future__ import annotations

import pytest

from crm import config as config_file
from crm.config import MailSettings
from crm.errors import ConfigError
from tests.test_config import sample


def with_mail(tmp_path, text: str):
    path = config_file.write(sample(tmp_path))
    body = path.read_text() + "[mail]\n" + text
    path.write_text(body)
    return config_file.load(path)


def test_no_mail_host_means_no_mail(tmp_path):
    assert config_file.load(config_file.write(sample(tmp_path))).mail is None


def test_mail_settings_are_read_with_defaults_and_round_trip(tmp_path):
    loaded = with_mail(
        tmp_path, "host = smtp.example.com\nfrom = crm@epicevents.com\nuser = crm\npassword = p%ss;w\n"
    )
    assert loaded.mail == MailSettings(host="smtp.example.com", sender="crm@epicevents.com", port=587,
                                       security="starttls", user="crm", password="p%ss;w")  # fmt: skip
    tls = with_mail(tmp_path, "host = smtp.example.com\nfrom = crm@epicevents.com\nsecurity = tls\n")
    assert (tls.mail.port, tls.mail.security) == (465, "tls")
    # What the program writes (the wizard, a restore) keeps it.
    again = config_file.load(config_file.write(loaded))
    assert again.mail == loaded.mail


def test_the_password_is_never_in_the_settings_repr(tmp_path):
    loaded = with_mail(tmp_path, "host = h.example\nfrom = a@b.example\nuser = u\npassword = Very-Secret-1\n")
    assert "Very-Secret-1" not in repr(loaded.mail) and "Very-Secret-1" not in repr(loaded)


@pytest.mark.parametrize(
    "text, message",
    [
        ("host = h\nfrom = a@b.c\nsecurity = ssl\n", "security must be one of starttls, tls, none"),
        ("host = h\nfrom = a@b.c\nport = 0\n", r"\[mail\] port must be a whole number from 1 to 65535"),
        ("host = h\nfrom = a@b.c\nport = twenty\n", r"\[mail\] port must be a whole number from 1 to 6553"),
        ("host = h\nfrom = nobody\n", "from must be an e-mail address"),
        ("host = h\nfrom = a@b.c\npassword = x\n", "password needs a user"),
        ("host = h\nfrom = a@b.c\ntimeout = 500\n", "timeout must be a number of seconds, more than 0"),
        ("host = h\nfrom = a@b.c\ntimeout = soon\n", "timeout must be a number of seconds, more than 0"),
    ],
)
def test_bad_mail_settings_are_refused_in_one_line(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        with_mail(tmp_path, text)
