"""Issue 15's daily work in the HTTP API: its routers, in the order the app registers them."""

from __future__ import annotations

from crm.web import agenda, csvfiles, daily, digest, notes, notifications

ROUTERS = tuple(module.router for module in (digest, notifications, notes, daily, agenda, csvfiles))
BODY_MAX_BY_PATH = {"/api/v1/imports/clients": csvfiles.IMPORT_BODY_MAX}  # a CSV file is the body
