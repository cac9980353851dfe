"""Review: the pipeline report's month and quarter starts (crm/services/pipeline.py
period_starts) are computed with `now.astimezone()` when no zone is given — which every face
does (crm/ui/pipeline.py, crm/cli/pipeline.py call pipeline_report without tz). That is a
*fixed* offset (today's), so across a DST change the quarter (or month) starts an hour off:
in November in Paris the quarter "starts" at 1 October 00:00+01:00, i.e. 01:00 local time."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from crm.services.pipeline import period_starts

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def paris_local_time():
    old = os.environ.get("TZ")
    os.environ["TZ"] = "Europe/Paris"
    time.tzset()
    yield
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    time.tzset()


def test_review_quarter_starts_at_local_midnight_across_dst(paris_local_time):
    now = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)  # CET (+01:00); 1 October was CEST (+02:00)
    month, quarter = period_starts(now)  # as the menus and commands call it (no tz)
    assert month == datetime(2026, 11, 1, tzinfo=PARIS)
    # Midnight of 1 October in Paris is 2026-09-30 22:00 UTC.
    assert quarter == datetime(2026, 10, 1, tzinfo=PARIS), quarter.isoformat()


def test_review_month_starts_at_local_midnight_across_dst(paris_local_time):
    now = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)  # CEST (+02:00); 1 March was CET (+01:00)
    month, _quarter = period_starts(now)
    assert month == datetime(2026, 3, 1, tzinfo=PARIS), month.isoformat()
