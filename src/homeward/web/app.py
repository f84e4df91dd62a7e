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
from homeward.web import (
    api_audit,
    api_cases,
    api_identity,
    api_v1,
    auditor_pages,
    case_pages,
    contact_pages,
    identity_pages,
    officer_pages,
    transfer_pages,
)
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
    app.include_router(auditor_pages.router)
    app.include_router(officer_pages.router)
    app.include_router(case_pages.router)
    app.include_router(identity_pages.router)
    app.include_router(transfer_pages.router)
    app.include_router(api_v1.router)
    app.include_router(api_audit.router)
    app.include_router(api_cases.router)
    app.include_router(api_identity.router)
    app.include_router(contact_pages.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(SecurityHeaders, hsts=runtime.settings.secure_cookies)

    @app.exception_handler(HomewardError)
    async def homeward_error(request: Request, exc: HomewardError) -> Response:
        path = request.url.path
        if path.startswith("/api/"):
            return JSONResponse({"detail": str(exc)}, status_code=exc.status_code)
        if path.startswith("/officer"):
            if isinstance(exc, SessionExpired):
                return RedirectResponse("/officer/signin?ended=1", status_code=303)
            return officer_pages.error_page(request, exc)
        return contact_pages.error_page(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        """A contact who mistypes an address, or reopens /fr/start from the history, gets the
        contact error page in their language rather than an English JSON body."""
        if request.url.path.startswith(("/api/", "/officer", "/static/")):
            return await http_exception_handler(request, exc)
        response = contact_pages.error_page(request, contact_pages.PageNotFound(exc.status_code))
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        problem = _validation_problem(exc)
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": problem}, status_code=422)
        error = HomewardError(problem)
        if request.url.path.startswith("/officer"):
            return officer_pages.error_page(request, error)
        return contact_pages.error_page(request, error)

    return app
