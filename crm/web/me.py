"""/api/v1/me: the logged-in employee, and changing one's own password."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from crm.models import Employee
from crm.web.deps import Reader, no_content, ok, password_attempts
from crm.web.schemas import NewPasswordBody

router = APIRouter(prefix="/me", tags=["me"])


@router.get("", response_model=Employee, summary="Who is logged in")
def show_me(who: Reader):  # noqa: ANN201
    return ok(who.employee, version=who.employee.version)


@router.post(
    "/password",
    status_code=204,
    dependencies=[Depends(password_attempts)],
    summary="Change your own password",
)
def change_password(body: NewPasswordBody, who: Reader):  # noqa: ANN201
    """The current password (a wrong one counts as a failed login), then a new one that meets the
    policy. Your other sessions end; this one goes on."""
    who.backend.device_token = body.device_token or None
    who.backend.change_password(body.current_password, body.new_password)
    return no_content()
