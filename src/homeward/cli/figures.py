"""`homeward figures`: the programme's figures for a period as files to publish (one CSV per
table and one XLSX workbook), as the officer whose session token is in HOMEWARD_API_TOKEN
(`homeward passage sign-in`), through the same service, policy and audit entry as the page.

Files written here are for publication, so they are always disclosure-controlled, whichever
view: the coalition's (roles with figures:count) or the officer's own nation's (figures:read).
The threshold and the rounding come from HOMEWARD_FIGURES_THRESHOLD and
HOMEWARD_FIGURES_ROUNDING; `--threshold` and `--rounding` may only make them stricter.

`homeward figures-backfill` fills the clear statistical columns of cases opened before
migration 0018 (sex, age band at opening) from their sealed identities, as system work.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from homeward.cases import service as case_service
from homeward.core.errors import BadInput, HomewardError
from homeward.core.runtime import Runtime
from homeward.core.settings import Settings
from homeward.reports import files
from homeward.reports import service as figures_service
from homeward.reports.disclosure import Rule
from homeward.web import officer_auth

TOKEN_VARIABLE = "HOMEWARD_API_TOKEN"  # noqa: S105 - the variable's name, not a token


def _fail(message: str) -> typer.Exit:
    Console(stderr=True).print(f"[red]error:[/red] {message}", soft_wrap=True)
    return typer.Exit(code=2)


def _day(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise _fail(f"{name}: a date as YYYY-MM-DD, not {text!r}") from exc


def figures(  # noqa: PLR0917 - Typer passes each option by its name
    out: Annotated[Path, typer.Option("--out", help="The folder to write the files in.")],
    start: Annotated[str, typer.Option("--start", help="First day (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--end", help="Day after the last (YYYY-MM-DD).")],
    view: Annotated[
        str, typer.Option("--view", help="`coalition`, or your own nation's code.")
    ] = "coalition",
    threshold: Annotated[
        int | None,
        typer.Option("--threshold", help="Suppress counts under this (at least the setting)."),
    ] = None,
    rounding: Annotated[
        int | None,
        typer.Option("--rounding", help="Round counts to this (at least the setting)."),
    ] = None,
) -> None:
    """Write the figures of [start, end) as CSV files and an XLSX workbook, controlled."""
    first, after = _day(start, "--start"), _day(end, "--end")
    token = os.environ.get(TOKEN_VARIABLE, "").strip()
    if not token:
        raise _fail(f"no officer signed in: set {TOKEN_VARIABLE} first")
    try:
        runtime = Runtime.from_settings(Settings())
    except FileNotFoundError as exc:
        raise _fail(str(exc)) from exc
    settings = runtime.settings
    try:
        rule = Rule(
            threshold=settings.figures_threshold if threshold is None else threshold,
            base=settings.figures_rounding if rounding is None else rounding,
        )
    except ValueError as exc:
        runtime.close()
        raise _fail(str(exc)) from exc
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    try:
        with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
            progress.add_task("counting", total=None)
            with runtime.db.transaction() as session:
                keyring = officer_auth.keyring_for(session, settings, token)
                result = figures_service.run(
                    session,
                    keyring.principal,
                    start=first,
                    end=after,
                    view=view,
                    controlled=True,
                    settings=settings,
                    rule=rule,
                )
    except BadInput as exc:
        raise _fail(f"--{exc.field.replace('_', '-')}: {exc.problem}") from exc
    except HomewardError as exc:
        raise _fail(str(exc)) from exc
    finally:
        runtime.close()
    written = [*files.write_csv(result, out), files.write_xlsx(result, out)]
    Console().print(
        f"wrote {len(written)} files for {result.view}, {result.period_start} to "
        f"{result.period_end} (disclosure-controlled) in {out}"
    )


def backfill() -> None:
    """Fill the sex and age band of cases opened before migration 0018 (system work)."""
    try:
        runtime = Runtime.from_settings(Settings())
    except FileNotFoundError as exc:
        raise _fail(str(exc)) from exc
    try:
        with runtime.db.transaction() as session:
            count = case_service.backfill_statistics(session=session, secrets=runtime.secrets)
    finally:
        runtime.close()
    Console().print(f"looked at {count} cases without statistics")
