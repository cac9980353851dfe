"""/api/v1/sessions: log in (a bearer token), log out, confirm the password again before writes.

The same sessions table, expiry and login throttle as the menus and the commands: a failed API
login is a failed login (it counts towards the lock of that username).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from crm.services.sessions import OWN_IDLE_LOCK
from crm.web.deps import DB, Reader, backend_for, no_content, ok, password_attempts
from crm.web.schemas import ConfirmedOut, CurrentSessionOut, LoginBody, PasswordBody, SessionOut

router = APIRouter(prefix="/sessions", tags=["sessions"])


@router.post(
    "",
    status_code=201,
    response_model=SessionOut,
    dependencies=[Depends(password_attempts)],
    summary="Log in: a bearer token",
)
def log_in(body: LoginBody, request: Request, db: DB):  # noqa: ANN201
    """Check the username and password (throttled like every login) and open a session. The login
    counts as a password confirmation: writes need none for `[security] reauth_minutes`."""
    backend = backend_for(request, db, face=body.face)
    employee = backend.log_in(body.username, body.password, device_token=body.device_token or None)
    now, policy = backend.clock(), backend.policy
    idle = int(policy.idle.total_seconds() // 60) if policy.idle and body.face not in OWN_IDLE_LOCK else None
    return ok(
        {
            "token": backend.token,
            "token_type": "bearer",
            "expires_at": now + policy.lifetime,
            "idle_minutes": idle,
            "confirmed_until": now + policy.reauth_window,
            "employee": employee,
        },
        201,
    )


@router.get(
    "/current", response_model=CurrentSessionOut, summary="Your session: whether writes need your password"
)
def current_session(who: Reader):  # noqa: ANN201
    """Whether the password was typed within `[security] reauth_minutes` (writes then need no
    confirmation), and you as you are now: what a client asks before it prompts for the password."""
    return ok({"confirmed": who.confirmed, "employee": who.employee})


@router.delete("", status_code=204, summary="Log out: the token's session ends")
def log_out(who: Reader):  # noqa: ANN201
    who.backend.log_out()
    return no_content()


@router.post(
    "/reauth",
    response_model=ConfirmedOut,
    dependencies=[Depends(password_attempts)],
    summary="Confirm your password: writes need none for a while",
)
def reauthenticate(body: PasswordBody, who: Reader):  # noqa: ANN201
    """The password again (a wrong one counts as a failed login, 401; too many lock the
    username, 423). Writes then need no confirmation for `[security] reauth_minutes`."""
    who.backend.device_token = body.device_token or None
    employee = who.backend.confirm_password(body.password)
    return ok({"confirmed_until": who.now() + who.backend.policy.reauth_window, "employee": employee})
