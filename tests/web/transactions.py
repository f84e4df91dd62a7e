"""Counts the database transactions each request begins, read from the engine itself.

On SQLite every transaction begins with BEGIN IMMEDIATE, the database's one write lock; on
PostgreSQL each is a BEGIN on its own connection. Requests in these tests run one at a time,
so every BEGIN the engine sees while a request is in the app belongs to that request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from sqlalchemy import event
from starlette.types import Receive, Scope, Send

from homeward.core.runtime import Runtime

# Requests allowed more than one transaction, each for a reason documented in web/deps.py.
EXCEPTIONS = frozenset(
    {
        ("POST", "/officer/signin"),
        ("POST", "/api/v1/auth/token"),
        ("POST", "/{lang}/write"),
    }
)


@dataclass
class Seen:
    method: str
    route: str
    status: int
    begins: int


@dataclass
class TransactionCounter:
    """Attached to an app that may already have served requests."""

    runtime: Runtime
    app: FastAPI
    seen: list[Seen] = field(default_factory=list)
    _begins: int = 0

    def __post_init__(self) -> None:
        event.listen(self.runtime.db.engine, "begin", self._begin)
        inner = self.app.middleware_stack or self.app.build_middleware_stack()

        async def counted(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await inner(scope, receive, send)
                return
            status = [0]

            async def send_status(message: Any) -> None:
                if message["type"] == "http.response.start":
                    status[0] = message["status"]
                await send(message)

            self._begins = 0
            await inner(scope, receive, send_status)
            route = getattr(scope.get("route"), "path", scope["path"])
            self.seen.append(Seen(scope["method"], route, status[0], self._begins))

        self.app.middleware_stack = counted

    def _begin(self, _connection: Any) -> None:
        self._begins += 1

    def close(self) -> None:
        event.remove(self.runtime.db.engine, "begin", self._begin)

    def over_one(self) -> list[Seen]:
        """Requests that began more than one transaction, documented exceptions aside."""
        return [
            seen
            for seen in self.seen
            if seen.begins > 1 and (seen.method, seen.route) not in EXCEPTIONS
        ]
