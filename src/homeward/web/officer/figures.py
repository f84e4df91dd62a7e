"""The programme figures page: a period and a view (the officer's own nation in full, or the
coalition's, disclosure-controlled), each figure as a chart drawn on the server with its table
beside it, and the same tables as files (a CSV per table, one workbook with a sheet per table).

Thin over reports/service: the service decides who may see which view and applies the 10-5
rule; every page view and every download is one figure run, and so one audit entry. The page
takes the period as officers say it, both days included; the service's end is the day after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from homeward.core.db import utcnow
from homeward.core.errors import BadInput, Forbidden, NotFound
from homeward.policy.check import Principal
from homeward.reports import charts, files
from homeward.reports import service as figures_service
from homeward.reports.tables import Figures, Table
from homeward.web.deps import DbSession, runtime_of
from homeward.web.errors import status_of
from homeward.web.officer.deps import SignedIn, render
from homeward.web.params import Flag
from homeward.web.text import attachment_disposition

router = APIRouter(prefix="/officer", include_in_schema=False)
DEFAULT_DAYS = 365
"""The period shown first: the last twelve months, today included."""
WIDE_COLUMNS = 5
"""A table with more columns than this goes under its chart, not beside it: it needs the
page's width."""
DAY_TEXT = 10
"""A date as the form sends it, `2026-12-07`; longer is not a date."""

Day = Annotated[str, Query(max_length=DAY_TEXT)]
View = Annotated[str, Query(max_length=20)]


@dataclass(frozen=True)
class Asked:
    """What the officer asked for: a view and a period, both days included."""

    view: str
    first: date
    last: date

    @property
    def end(self) -> date:
        """The service's end: the day after the last, not included."""
        return self.last + timedelta(days=1)

    def query(self, **more: str) -> str:
        """The query string that asks for this again (the downloads' links)."""
        pairs = {"view": self.view, "from": self.first.isoformat(), "to": self.last.isoformat()}
        return urlencode({**pairs, **more})


@dataclass(frozen=True)
class Shown:
    """A table as the page shows it: its chart (SVG drawn by reports/charts) and its table."""

    table: Table
    chart: Markup
    suppressed: int


def _day(value: str, name: str, default: date) -> date:
    if not value.strip():
        return default
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise BadInput(name, "a date such as 2026-12-07") from None


def _asked(principal: Principal, view: str, first: str, last: str) -> Asked:
    views = figures_service.views(principal)
    if not views:
        raise Forbidden("your role does not read programme figures")
    today = utcnow().date()  # the figures count UTC days
    last_day = _day(last, "to", today)
    first_day = _day(first, "from", last_day - timedelta(days=DEFAULT_DAYS - 1))
    return Asked(view.strip() or views[0], first_day, last_day)


def _run(
    request: Request, session: Session, principal: Principal, asked: Asked, controlled: bool
) -> Figures:
    return figures_service.run(
        session,
        principal,
        start=asked.first,
        end=asked.end,
        view=asked.view,
        controlled=True if controlled else None,
        settings=runtime_of(request).settings,
    )


def _view_words(principal: Principal, view: str) -> str:
    if view == figures_service.COALITION:
        return "Coalition: every nation, published rule"
    return f"{view} in full: your desk's cases"


@router.get("/figures")
def page(
    request: Request,
    *,
    session: DbSession,
    keyring: SignedIn,
    view: View = "",
    first: Annotated[str, Query(alias="from", max_length=DAY_TEXT)] = "",
    last: Annotated[str, Query(alias="to", max_length=DAY_TEXT)] = "",
) -> Response:
    principal = keyring.principal
    views = figures_service.views(principal)
    settings = runtime_of(request).settings
    context: dict[str, object] = {
        "principal": principal,
        "views": [(code, _view_words(principal, code)) for code in views],
        "threshold": settings.figures_threshold,
        "rounding": settings.figures_rounding,
        "max_days": settings.figures_max_days,
        "wide_columns": WIDE_COLUMNS,
        "typed": {"view": view, "from": first, "to": last},
    }
    try:
        asked = _asked(principal, view, first, last)
        context["asked"] = asked
        context["typed"] = {
            "view": asked.view,
            "from": asked.first.isoformat(),
            "to": asked.last.isoformat(),
        }
        result = _run(request, session, principal, asked, controlled=False)
    except BadInput as exc:
        field = {"end": "to", "start": "from"}.get(exc.field, exc.field)
        words = {"to": "To", "from": "From", "view": "View"}.get(field, field)
        context["refusal"] = (field, f"{words}: {exc.problem}")
        return render(request, "figures.html", status_of(exc), **context)
    shown = [
        Shown(
            table,
            Markup(charts.svg(table)),  # noqa: S704 - charts.svg escapes every label
            sum(value is None for row in table.rows for value in row),
        )
        for table in result.tables
    ]
    context |= {
        "figures": result,
        "shown": shown,
        "view_words": _view_words(principal, result.view),
    }
    return render(request, "figures.html", 200, **context)


@router.get("/figures/{key}.csv")
def table_csv(
    request: Request,
    *,
    session: DbSession,
    keyring: SignedIn,
    key: str,
    view: View = "",
    first: Annotated[str, Query(alias="from", max_length=DAY_TEXT)] = "",
    last: Annotated[str, Query(alias="to", max_length=DAY_TEXT)] = "",
    controlled: Flag = 0,
) -> Response:
    """One table as CSV (UTF-8 with a byte-order mark, so a spreadsheet reads it right)."""
    principal = keyring.principal
    asked = _asked(principal, view, first, last)
    result = _run(request, session, principal, asked, controlled=bool(controlled))
    found = next((table for table in result.tables if table.key == key), None)
    if found is None:
        raise NotFound("figure")
    return Response(
        "\ufeff" + files.csv_text(result, found),
        media_type="text/csv; charset=utf-8",
        headers=_download(f"{files.file_stem(result)}-{found.key}.csv"),
    )


@router.get("/figures.xlsx")
def workbook(
    request: Request,
    *,
    session: DbSession,
    keyring: SignedIn,
    view: View = "",
    first: Annotated[str, Query(alias="from", max_length=DAY_TEXT)] = "",
    last: Annotated[str, Query(alias="to", max_length=DAY_TEXT)] = "",
    controlled: Flag = 0,
) -> Response:
    """Every table of the run as one workbook, a sheet per table."""
    principal = keyring.principal
    asked = _asked(principal, view, first, last)
    result = _run(request, session, principal, asked, controlled=bool(controlled))
    return Response(
        files.xlsx_bytes(result),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers=_download(f"{files.file_stem(result)}.xlsx"),
    )


def _download(name: str) -> dict[str, str]:
    return {"Content-Disposition": attachment_disposition(name), "Cache-Control": "no-store"}
