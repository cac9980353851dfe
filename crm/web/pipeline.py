"""/api/v1/pipeline/report: open and weighted amounts by stage and by sales employee, won and lost
this month and this quarter, the conversion rate (management and sales)."""

from __future__ import annotations

from fastapi import APIRouter

from crm.services import pipeline as service
from crm.web.deps import Reader, ok
from crm.web.schemas import PipelineReport

router = APIRouter(prefix="/pipeline", tags=["pipeline"])


@router.get("/report", response_model=PipelineReport, summary="The pipeline report (management, sales)")
def pipeline_report(who: Reader):  # noqa: ANN201
    """Four tables, each one SQL statement: `by_stage` (every open stage, with zeros), `by_sales`
    (every active sales employee, the largest weighted amount first), `closed` (won and lost since
    the start of this month and of this quarter, midnight in the server's time zone) and
    `conversion` (of those closed this month, this quarter and ever, the share won, percent)."""
    return ok(who.act(service.read_pipeline_report, who.now()))
