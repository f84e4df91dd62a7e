"""Response headers, cookies and CSRF tokens shared by every page.

Headers follow the OWASP secure headers set: no caching, no referrer, no framing, a strict CSP
that allows nothing but this server's own stylesheet (contact pages carry no script at all).
"""

from __future__ import annotations

import hmac
import secrets

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from homeward.crypto.keys import ServerSecrets

CONTACT_COOKIE = "hw_contact"
OFFICER_COOKIE = "hw_officer"
DEVICE_COOKIE = "hw_device"
"""Kept by an officer's browser after a sign-in: see `accounts.devices`."""
DEVICE_COOKIE_DAYS = 90
ANON_COOKIE = "hw_form"
CSRF_FIELD = "csrf"

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CSP.encode()),
    (b"cache-control", b"no-store, max-age=0"),
    (b"pragma", b"no-cache"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"cross-origin-embedder-policy", b"require-corp"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    (b"x-permitted-cross-domain-policies", b"none"),
]


class SecurityHeaders:
    """Pure ASGI middleware: adds the header set to every response, drops `server`."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.headers = list(SECURITY_HEADERS)
        if hsts:
            self.headers.append((b"strict-transport-security", b"max-age=63072000"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in self.headers}
                kept = [(n, v) for n, v in message.get("headers", []) if n.lower() not in names]
                kept = [(n, v) for n, v in kept if n.lower() != b"server"]
                message["headers"] = kept + self.headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def new_form_cookie() -> str:
    return secrets.token_urlsafe(24)


def csrf_token(server: ServerSecrets, cookie_value: str) -> str:
    """A token bound to the visitor's session (or pre-session) cookie: double submit, signed."""
    return hmac.new(server.subkey("hw-csrf"), cookie_value.encode(), "sha256").hexdigest()


def csrf_valid(server: ServerSecrets, cookie_value: str | None, submitted: str | None) -> bool:
    if not cookie_value or not submitted:
        return False
    return hmac.compare_digest(csrf_token(server, cookie_value), submitted)
