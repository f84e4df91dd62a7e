"""The FastAPI application: routers, security headers, and errors turned into answers here
and only here. No access log is configured anywhere: contact requests leave no trace."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from homeward import __version__
from homeward.accounts.exceptions import SessionExpired
from homeward.core.errors import HomewardError
from homeward.core.runtime import Runtime
from homeward.web import api_v1, contact_pages, officer_pages
from homeward.web.security import SecurityHeaders

STATIC_DIR = Path(__file__).parent / "static"


def _validation_problem(exc: RequestValidationError) -> str:
    problems = []
    for error in exc.errors():
        location = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        problems.append(f"{location or 'request'}: {error.get('msg', 'invalid')}")
    return "; ".join(problems) or "malformed request"


def create_app(runtime: Runtime) -> FastAPI:
    app = FastAPI(
        title="Homeward",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.runtime = runtime
    app.include_router(officer_pages.router)
    app.include_router(api_v1.router)
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
