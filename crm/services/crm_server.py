"""Whether a CRM server answers at a URL: the setup wizard's check before it writes a "CRM server"
config (crm/ui/wizard.py). Nothing is sent but a GET of the API's schema: no login, no secret.
"""

from __future__ import annotations

import ssl
from typing import Any

import httpx

from crm.errors import CRMError
from crm.i18n import _

API_TITLE = "Epic Events CRM API"  # crm/web/app.py's FastAPI title
SCHEMA = "/api/v1/openapi.json"


class ServerUnreachable(CRMError):
    """No CRM server answers at that address (or its certificate cannot be trusted)."""


def tls_context(ca_file: str = "") -> ssl.SSLContext:
    """How the server's certificate is checked: against ca_file, else the system's trusted CAs
    (always with its name against the URL's host)."""
    return ssl.create_default_context(cafile=ca_file or None)


def check(url: str, ca_file: str = "", *, timeout: float = 10.0, transport: Any = None) -> str:
    """The version of the CRM server at url (as the config keeps it); ServerUnreachable, in one
    line, when nothing answers there, its certificate is not trusted, or what answers is not an
    Epic Events CRM server."""
    options: dict[str, Any] = {"timeout": timeout, "follow_redirects": False}
    if transport is not None:
        options["transport"] = transport
    elif url.startswith("https://"):
        try:
            options["verify"] = tls_context(ca_file)
        except (OSError, ssl.SSLError):
            raise ServerUnreachable(
                _("Cannot read the CA file {ca_file} (a PEM certificate).").format(ca_file=ca_file)
            ) from None
    try:
        with httpx.Client(**options) as client:
            answer = client.get(url + SCHEMA)
    except httpx.ConnectError as error:
        if "CERTIFICATE_VERIFY_FAILED" in str(error) or "certificate" in str(error).lower():
            raise ServerUnreachable(
                _(
                    "The server at {url} has a certificate this computer does not trust: give the CA"
                    " file that signed it."
                ).format(url=url)
            ) from None
        raise ServerUnreachable(
            _("Cannot connect to a CRM server at {url}: nothing answers there.").format(url=url)
        ) from None
    except httpx.TimeoutException:
        raise ServerUnreachable(
            _("The server at {url} did not answer within {timeout:g} seconds.").format(
                url=url, timeout=timeout
            )
        ) from None
    except httpx.HTTPError as error:
        raise ServerUnreachable(
            _("Cannot talk to a CRM server at {url} ({error}).").format(
                url=url, error=error.__class__.__name__
            )
        ) from None
    info: Any = None
    if answer.status_code == 200:
        try:
            info = answer.json().get("info")
        except (ValueError, AttributeError):
            info = None
    if not isinstance(info, dict) or info.get("title") != API_TITLE:
        raise ServerUnreachable(
            _(
                "{url} answers (HTTP {status}), but not as an Epic Events CRM server; check the address."
            ).format(url=url, status=answer.status_code)
        )
    return str(info.get("version") or "")
