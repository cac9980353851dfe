"""Review: the menus' "Export my calendar" asks a file name with crm/ui/planning.py _calendar_path,
which (unlike the CSV export's _export_path, validation.printable) lets a control character
through; a NUL then makes crm/services/agenda.write_private raise ValueError ("embedded null
byte") — not a ValidationError — so the user gets "Something went wrong; it has been reported"
instead of a one-line message and the question again."""

from __future__ import annotations

from pathlib import Path

import pytest

from crm.errors import ValidationError
from crm.services.agenda import write_private
from crm.ui.planning import _calendar_path


def test_review_a_calendar_file_name_with_a_nul_gets_a_one_line_message(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValidationError):
        path = _calendar_path("cal\x00.ics")
        write_private(Path(path), b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
