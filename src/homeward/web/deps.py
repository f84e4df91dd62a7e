"""Request-scoped helpers shared by the page and API routers: above all, the request's one
transaction.

Every route that reads or changes the database takes `DbSession`. Authentication uses the
same session, services add and flush, and the transaction commits once the route has returned
and before the response is sent, so an answer never reports a change that did not commit, and
a failure anywhere in the request (the read-back after a change included) leaves nothing.

Two routes are exceptions, each for a reason: the contact's streamed upload (`write` in
web/contact/pages.py) checks the session in one short transaction and stores the letter in
another once the body has arrived, so SQLite's write lock is never held while a file streams
in; and officer sign-in (web/officer_auth.py) reads, runs Argon2id with no transaction open,
then writes, and a refusal's audit entry commits although the request fails.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from homeward.accounts.exceptions import SessionExpired
from homeward.core.runtime import Runtime
from homeward.policy.roles import may
from homeward.web.text import show_bidi

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
# The officer nav bar offers only what the role may do, decided by the policy, not the template.
TEMPLATES.env.globals["may"] = may
# What a contact wrote is shown with its bidi controls made visible (see web/text.py).
TEMPLATES.env.filters["bidi_visible"] = show_bidi
AFTER_COMMIT = "homeward.web.after_commit"


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


@contextmanager
def transaction(runtime: Runtime) -> Iterator[Session]:
    """One transaction: commits on success, rolls back on any error but one. A refused
    session (`SessionExpired`) commits: the refusal is the deletion of the expired row, which
    must not be rolled back with it (nor redone in a second transaction)."""
    with runtime.db.transaction() as session:
        try:
            yield session
        except SessionExpired:
            session.commit()
            raise


def request_session(request: Request) -> Iterator[Session]:
    """The request's transaction. Declared with scope="function" (see `DbSession`), FastAPI
    runs the code after `yield` when the route returns and before the response is sent, so a
    failed commit is answered as an error, never as a success. Work that must follow the
    commit (removing a deleted contact's files) is queued with `after_commit`."""
    with transaction(runtime_of(request)) as session:
        yield session
    for work in session.info.pop(AFTER_COMMIT, []):
        work()


DbSession = Annotated[Session, Depends(request_session, scope="function")]


def after_commit(session: Session, work: Callable[[], None]) -> None:
    """Run `work` once the request's transaction has committed and its connection is back
    (never if it rolls back)."""
    session.info.setdefault(AFTER_COMMIT, []).append(work)
