"""/api/v1/history/{kind}/{id}: a record's changes, newest first (management)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter

from crm.models import HistoryLine
from crm.services import history as service
from crm.web.deps import Id, Paging, Reader, ok, page
from crm.web.schemas import Page

router = APIRouter(prefix="/history", tags=["history"])


@router.get("/{kind}/{record_id}", response_model=Page[HistoryLine], summary="A record's history")
def record_history(  # noqa: ANN201
    kind: Literal["clients", "contracts", "events", "employees"], record_id: Id, who: Reader, paging: Paging
):
    """One line a changed field (a contract's payments included), newest first."""
    return ok(page(lambda o, n: who.act(service.record_history, kind, record_id, o, n), paging))
