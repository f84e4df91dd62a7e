"""`homeward identity …`: identity resolution on files, without a server or database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from homeward.identity import synth as synth_data
from homeward.identity.reports import write_reports

app = typer.Typer(help="Identity resolution: person reports and their keys.", no_args_is_help=True)
console = Console(stderr=True)


@app.command()
def synth(
    people: Annotated[int, typer.Option(min=1, help="How many synthetic people.")],
    out: Annotated[Path, typer.Option(help="CSV file to write.", dir_okay=False)],
    seed: Annotated[int, typer.Option(help="Random seed: the same seed, the same file.")] = 0,
    truth: Annotated[
        bool, typer.Option("--truth", help="Add a person_id column (the true identity).")
    ] = False,
) -> None:
    """Write labelled synthetic person reports (registry, family, self, partner)."""
    columns = (BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, disable=people < 1000) as progress:
        task = progress.add_task("people", total=people)
        reports = synth_data.generate(
            people, seed, progress=lambda done: progress.advance(task, done)
        )
    count = write_reports(out, reports, truth=truth)
    console.print(f"{count} reports of {people} people written to {out}.")
