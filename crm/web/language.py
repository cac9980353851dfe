"""The API's language: each request is answered in the language its Accept-Language asks for.

French or English (RFC 9110 §12.5.4: language ranges with q-values, `*` for any, `q=0` for
"not this one"); English when the header is absent or names neither. Only the messages are
translated: the error codes, the field names and the OpenAPI document stay English.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from crm.i18n import DEFAULT_LANGUAGE, LANGUAGES, speaking


def accepted(header: str | None) -> str:
    """The language to answer in for an Accept-Language header value ("fr" or "en")."""
    best, best_q = DEFAULT_LANGUAGE, 0.0
    for item in (header or "").split(","):
        parts = [part.strip() for part in item.split(";")]
        tag = parts[0].lower()
        if not tag:
            continue
        q = 1.0
        for parameter in parts[1:]:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
        if not 0.0 < q <= 1.0:
            continue
        code = DEFAULT_LANGUAGE if tag == "*" else tag.split("-")[0]
        if code in LANGUAGES and q > best_q:  # the first of equal q-values wins
            best, best_q = code, q
    return best


class Language:
    """ASGI middleware: the request (its endpoint, its errors, the services it calls) speaks the
    language its Accept-Language header prefers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = dict(scope.get("headers", [])).get(b"accept-language", b"").decode("latin-1")
        with speaking(accepted(header)):
            await self.app(scope, receive, send)
