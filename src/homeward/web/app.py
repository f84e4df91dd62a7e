"""The FastAPI application: routers, security headers, and errors turned into answers here
and only here. No access log is configured anywhere: contact requests leave no trace."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from homeward import __version__
from homeward.accounts.exceptions import SessionExpired
from homeward.audit import checkpoints
from homeward.core.errors import HomewardError
from homeward.core.runtime import Runtime
from homeward.web.api import approvals as api_approvals
from homeward.web.api import audit as api_audit
from homeward.web.api import cases as api_cases
from homeward.web.api import child_protection as api_child_protection
from homeward.web.api import debrief as api_debrief
from homeward.web.api import handover as api_handover
from homeward.web.api import households as api_households
from homeward.web.api import identity as api_identity
from homeward.web.api import inbox as api_inbox
from homeward.web.api import passage as api_passage
from homeward.web.api import screening as api_screening
from homeward.web.contact import deps as contact_deps
from homeward.web.contact import pages as contact_pages
from homeward.web.errors import status_of
from homeward.web.officer import approvals as officer_approvals
from homeward.web.officer import auditor as officer_auditor
from homeward.web.officer import cases as officer_cases
from homeward.web.officer import child_protection as officer_child_protection
from homeward.web.officer import debrief as officer_debrief
from homeward.web.officer import deps as officer_deps
from homeward.web.officer import figures as officer_figures
from homeward.web.officer import handover as officer_handover
from homeward.web.officer import home as officer_home
from homeward.web.officer import households as officer_households
from homeward.web.officer import identity as officer_identity
from homeward.web.officer import inbox as officer_inbox
from homeward.web.officer import passage as officer_passage
from homeward.web.officer import screening as officer_screening
from homeward.web.officer import transfers as officer_transfers
from homeward.web.security import SecurityHeaders

STATIC_DIR = Path(__file__).parent / "static"
logger = logging.getLogger(__name__)


def _validation_problem(exc: RequestValidationError) -> str:
    problems = []
    for error in exc.errors():
        location = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        problems.append(f"{location or 'request'}: {error.get('msg', 'invalid')}")
    return "; ".join(problems) or "malformed request"


def sign_checkpoint(runtime: Runtime) -> None:
    with runtime.db.transaction() as session:
        checkpoints.make_checkpoint(
            session=session, secrets=runtime.secrets, origin=runtime.settings.log_origin
        )


@asynccontextmanager
async def periodic_checkpoints(app: FastAPI) -> AsyncIterator[None]:
    """Sign a checkpoint every few minutes while the log grows (none when it does not)."""
    runtime: Runtime = app.state.runtime
    interval = runtime.settings.checkpoint_interval_seconds

    async def loop() -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await run_in_threadpool(sign_checkpoint, runtime)
            except Exception:  # a failed round is retried at the next one
                logger.exception("signing the periodic audit checkpoint failed")

    task = asyncio.create_task(loop()) if interval > 0 else None
    yield
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def create_app(runtime: Runtime) -> FastAPI:
    app = FastAPI(
        lifespan=periodic_checkpoints,
        title="Homeward",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.runtime = runtime
    app.include_router(officer_home.router)
    app.include_router(officer_auditor.router)
    app.include_router(officer_inbox.router)
    app.include_router(officer_cases.router)
    app.include_router(officer_identity.router)
    app.include_router(officer_transfers.router)
    app.include_router(officer_passage.router)
    app.include_router(officer_handover.router)
    app.include_router(officer_screening.router)
    app.include_router(officer_households.router)
    app.include_router(officer_child_protection.router)
    app.include_router(officer_approvals.router)
    app.include_router(officer_debrief.router)
    app.include_router(officer_figures.router)
    app.include_router(api_inbox.router)
    app.include_router(api_audit.router)
    app.include_router(api_cases.router)
    app.include_router(api_handover.router)
    app.include_router(api_identity.router)
    app.include_router(api_passage.router)
    app.include_router(api_screening.router)
    app.include_router(api_households.router)
    app.include_router(api_child_protection.router)
    app.include_router(api_approvals.router)
    app.include_router(api_debrief.router)
    app.include_router(contact_pages.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(SecurityHeaders, hsts=runtime.settings.secure_cookies)

    @app.exception_handler(HomewardError)
    async def homeward_error(request: Request, exc: HomewardError) -> Response:
        path = request.url.path
        if path.startswith("/api/"):
            return JSONResponse({"detail": str(exc)}, status_code=status_of(exc))
        if path.startswith("/officer"):
            if isinstance(exc, SessionExpired):
                return RedirectResponse("/officer/signin?ended=1", status_code=303)
            return officer_deps.error_page(request, exc)
        return contact_deps.error_page(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        """A contact who mistypes an address, or reopens /fr/start from the history, gets the
        contact error page in their language rather than an English JSON body."""
        if request.url.path.startswith(("/api/", "/officer", "/static/")):
            return await http_exception_handler(request, exc)
        response = contact_deps.error_page(
            request, contact_deps.PageNotFound(), status_code=exc.status_code
        )
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        problem = _validation_problem(exc)
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": problem}, status_code=422)
        error = HomewardError(problem)
        if request.url.path.startswith("/officer"):
            return officer_deps.error_page(request, error)
        return contact_deps.error_page(request, error)

    return app
