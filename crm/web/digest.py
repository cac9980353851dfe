"""/api/v1/me/digest: the short screen of what the caller's team needs to look at today (the one
the menus show at login), moving its "seen up to" mark, and turning it on or off at login."""

from __future__ import annotations

from fastapi import APIRouter

from crm.models import Digest
from crm.services import digest as service
from crm.web.daily_schemas import DigestEnabled, DigestSetting
from crm.web.deps import Reader, ok

router = APIRouter(prefix="/me/digest", tags=["me"])


@router.get("", response_model=Digest, summary="Your digest")
def show_digest(who: Reader):  # noqa: ANN201
    """Each line a count and its first five records (support: unread notifications, events of the
    next 7 days, events others changed since the mark; sales: contracts not signed, not fully paid,
    clients not contacted for 90 days; management: events of the next 30 days without support,
    contracts signed over 30 days ago not fully paid, deactivated employees still owning work).
    Reading it moves nothing."""
    return ok(who.act(service.digest, who.now()))


@router.post("/seen", response_model=Digest, summary="Your digest, marked seen")
def mark_digest_seen(who: Reader):  # noqa: ANN201
    """The digest now, and your "seen up to" mark moved past it, as a login to the menus does: the
    next digest's "changed since" lists only what changed after this."""
    return ok(who.act(service.digest, who.now(), mark_seen=True))


@router.put("/setting", response_model=DigestEnabled, summary="Turn your digest at login on or off")
def set_digest(body: DigestSetting, who: Reader):  # noqa: ANN201
    return ok({"enabled": who.act(service.set_digest_enabled, body.enabled)})
