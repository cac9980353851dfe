"""/api/v1/notifications: what changed on the caller's events (support), newest first, and
marking them read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from crm.models import Notification
from crm.services import notifications as service
from crm.web.daily_schemas import Marked, MarkRead
from crm.web.deps import Paging, Reader, ok, page
from crm.web.schemas import Page

router = APIRouter(prefix="/notifications", tags=["notifications"])


@router.get("", response_model=Page[Notification], summary="Your notifications, newest first (support)")
def list_notifications(  # noqa: ANN201
    who: Reader,
    paging: Paging,
    unread: Annotated[bool, Query(description="Only the ones not read yet.")] = False,
):
    """Each one: the event, what changed (field → [old, new]), by whom, when; read_at once read."""
    return ok(page(lambda o, n: who.act(service.list_notifications, unread, o, n), paging))


@router.post("/read", response_model=Marked, summary="Mark your notifications read (support)")
def mark_read(who: Reader, body: MarkRead | None = None):  # noqa: ANN201
    """Every unread one of yours, or only those of `ids`; nobody marks someone else's."""
    ids = body.ids if body is not None else None
    return ok({"marked": who.act(service.mark_read, ids)})
