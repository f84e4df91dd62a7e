"""`homeward identity …`: identity resolution on files, without a server or database."""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from homeward.core.errors import BadInput
from homeward.linkage import spark
from homeward.linkage.batch import CLUSTER_THRESHOLD, bin_labels, feature_rows, feature_table
from homeward.linkage.batch import dedupe as dedupe_rows
from homeward.linkage.features import Features
from homeward.linkage.matching import Tally, match_all
from homeward.linkage.model import LinkageModel
from homeward.linkage.reports import (
    InvalidCell,
    PersonReport,
    invalid_report_path,
    read_report_file,
    write_invalid_report,
    write_reports,
)
from homeward.linkage.synthetic import generator as synth_data
from homeward.linkage.training import train as train_model

app = typer.Typer(help="Identity resolution: person reports and their keys.", no_args_is_help=True)
console = Console(stderr=True)

InputFile = Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or XLSX.")]
ModelOption = Annotated[
    Path | None,
    typer.Option(
        "--model", exists=True, dir_okay=False, help="A saved model; default: train on the input."
    ),
]


class Engine(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


class OnInvalid(StrEnum):
    refuse = "refuse"
    blank = "blank"


InvalidOption = Annotated[
    OnInvalid,
    typer.Option(
        "--invalid",
        help="A cell that fails its check (month 90, 31 February, a nation code that is not "
        "ISO): refuse the file, naming every one (the default), or blank it, count them by "
        "field and list each (line, field, value, why) in OUT.invalid.csv beside the output. "
        "A bad or repeated record_id, header or field count refuses the file either way.",
    ),
]


@dataclass
class _Reading:
    """The files one command reads, and the cells blanked reading them."""

    invalid: OnInvalid
    blanked: list[InvalidCell] = field(default_factory=list)

    def read(self, path: Path, progress: Progress) -> list[PersonReport]:
        task = progress.add_task(f"reading {path.name}", total=None)
        read = read_report_file(path, invalid=self.invalid.value)
        self.blanked.extend(read.blanked)
        progress.update(task, total=len(read.reports), completed=len(read.reports))
        return read.reports

    def report(self, out: Path) -> None:
        """When blanking: every blanked cell in a file beside `out`, counted by field."""
        if self.invalid is not OnInvalid.blank:
            return
        path = invalid_report_path(out)
        write_invalid_report(path, self.blanked)
        counts = Counter(cell.field for cell in self.blanked)
        fields = ", ".join(f"{name} {count}" for name, count in sorted(counts.items()))
        console.print(
            f"{len(self.blanked)} invalid cell(s) blanked ({fields or 'none'}); "
            f"each listed in {path}."
        )


THRESHOLD_HELP = (
    "Match probability at which two reports join one cluster. Higher: fewer, surer links; "
    "lower: more links, more of them wrong. On the project's evaluation of real name "
    "variants (bench/README.md, full names mostly alone) 0.9 gave precision 0.99 and recall "
    "0.64; 0.5 gave 0.93 and 0.69; 0.95 gave 0.996 and 0.21. The run ends with how many "
    "pairs it scored and where their probabilities fell."
)


def _pairs_summary(scored: int, joined: int, bins: tuple[int, ...], threshold: float) -> None:
    """How many pairs the model scored, how many joined, and where their probabilities fell:
    what a threshold did, to judge whether it suits the file (see `--threshold`)."""
    from rich.table import Table

    table = Table(
        title=f"{scored:,} pairs scored, {joined:,} at or above {threshold:g}",
        title_justify="left",
    )
    table.add_column("match probability")
    table.add_column("pairs", justify="right")
    table.add_column("")
    most = max(bins, default=0) or 1
    for label, count in zip(bin_labels(), bins, strict=False):
        table.add_row(label, f"{count:,}", "█" * round(24 * count / most))
    console.print(table)


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


@contextmanager
def _refusing() -> Iterator[None]:
    """Bad input ends the command with its message and exit code 2, nothing written."""
    try:
        yield
    except BadInput as exc:
        console.print(f"[red]error:[/red] {exc.field}: {exc.problem}")
        raise typer.Exit(2) from exc


def _rows(reports: list[PersonReport], progress: Progress, what: str) -> list[Features]:
    task = progress.add_task(f"normalising {what}", total=len(reports))
    return feature_rows(reports, advance=lambda done: progress.advance(task, done))


def _table(reports: list[PersonReport], progress: Progress) -> Any:
    task = progress.add_task("normalising reports", total=len(reports))
    return feature_table(reports, advance=lambda done: progress.advance(task, done))


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


@app.command()
def train(
    input_file: InputFile,
    out: Annotated[Path, typer.Option(help="Model file (JSON) to write.", dir_okay=False)],
    invalid: InvalidOption = OnInvalid.refuse,
) -> None:
    """Train the linkage model on a file of reports, without labels, and save it."""
    reading = _Reading(invalid)
    with _refusing(), _progress() as progress:
        table = _table(reading.read(input_file, progress), progress)
        task = progress.add_task("training", total=None)
        model = train_model(table, step=lambda part: progress.update(task, description=part))
        progress.update(task, total=1, completed=1, description="trained")
    model.save(out)
    console.print(f"Model trained on {table.num_rows} reports written to {out}.")
    reading.report(out)


@app.command()
def dedupe(
    input_file: InputFile,
    out: Annotated[Path, typer.Option(help="CSV of record_id,cluster_id.", dir_okay=False)],
    model_file: ModelOption = None,
    threshold: Annotated[
        float, typer.Option(min=0.0, max=1.0, help=THRESHOLD_HELP)
    ] = CLUSTER_THRESHOLD,
    save_model: Annotated[
        Path | None, typer.Option(dir_okay=False, help="Also save the model trained here.")
    ] = None,
    *,
    invalid: InvalidOption = OnInvalid.refuse,
    engine: Annotated[
        Engine,
        typer.Option(
            help="Where pairs are scored and clustered: DuckDB in this process, or Spark "
            "(local mode on this machine; needs the optional extra 'spark', see README)."
        ),
    ] = Engine.duckdb,
) -> None:
    """Deduplicate a registry: every record gets a cluster of reports of one person."""
    reading = _Reading(invalid)
    with _refusing(), _progress() as progress:
        if engine is Engine.spark:
            spark.require_pyspark()
        model = LinkageModel.load(model_file) if model_file else None
        table = _table(reading.read(input_file, progress), progress)
        task = progress.add_task("linking", total=None)
        result = (spark.dedupe if engine is Engine.spark else dedupe_rows)(
            table,
            model=model,
            threshold=threshold,
            step=lambda part: progress.update(task, description=part),
        )
        progress.update(task, total=1, completed=1, description="linked")
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("record_id", "cluster_id"))
        for record_id in table.column("record_id").to_pylist():
            writer.writerow((record_id, result.cluster_of.get(record_id, record_id)))
    if save_model:
        result.model.save(save_model)
    clusters = len(set(result.cluster_of.values()))
    console.print(f"{table.num_rows} records in {clusters} clusters written to {out}.")
    _pairs_summary(result.scored, result.pairs, result.bins, threshold)
    reading.report(out)


@app.command()
def match(
    registry: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="CSV or XLSX.")],
    query: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="CSV or XLSX.")],
    out: Annotated[
        Path, typer.Option(help="CSV of query_id,record_id,probability,rank.", dir_okay=False)
    ],
    top: Annotated[int, typer.Option(min=1, max=100, help="Candidates per query.")] = 5,
    model_file: ModelOption = None,
    *,
    invalid: InvalidOption = OnInvalid.refuse,
) -> None:
    """Who might each query report be: the registry's best candidates, ranked."""
    reading = _Reading(invalid)
    with _refusing(), _progress() as progress:
        model = LinkageModel.load(model_file) if model_file else None
        registry_rows = _rows(reading.read(registry, progress), progress, "registry")
        query_rows = _rows(reading.read(query, progress), progress, "queries")
        if model is None:
            task = progress.add_task("training", total=None)
            model = train_model(
                [*registry_rows, *query_rows],
                step=lambda part: progress.update(task, description=part),
            )
            progress.update(task, total=1, completed=1, description="trained")
        task = progress.add_task("matching", total=len(query_rows))
        written = 0
        with out.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(("query_id", "record_id", "probability", "rank"))
            last = None
            tally = Tally()
            for found in match_all(model, registry_rows, query_rows, top=top, tally=tally):
                writer.writerow(
                    (found.query_id, found.record_id, f"{found.score.probability:.6f}", found.rank)
                )
                written += 1
                if found.query_id != last:
                    progress.advance(task)
                    last = found.query_id
            progress.update(task, completed=len(query_rows))
    console.print(f"{written} candidates for {len(query_rows)} queries written to {out}.")
    _pairs_summary(tally.scored, tally.joined, tuple(tally.bins), CLUSTER_THRESHOLD)
    reading.report(out)


@app.command()
def features(
    input_file: InputFile,
    out: Annotated[Path, typer.Option(help="Parquet file of model rows.", dir_okay=False)],
    invalid: InvalidOption = OnInvalid.refuse,
) -> None:
    """Write the model's rows (normalised keys, blocking keys) as Parquet, for Splink on
    Spark: see README, "At national scale"."""
    from pyarrow import parquet  # type: ignore[import-untyped]

    reading = _Reading(invalid)
    with _refusing(), _progress() as progress:
        table = _table(reading.read(input_file, progress), progress)
    parquet.write_table(table, out)
    console.print(f"{table.num_rows} rows written to {out}.")
    reading.report(out)


@app.command("splink-settings")
def splink_settings(
    out: Annotated[Path, typer.Option(help="Splink settings (JSON) to write.", dir_okay=False)],
    model_file: ModelOption = None,
    dialect: Annotated[str, typer.Option(help="duckdb or spark.")] = "spark",
) -> None:
    """Write a trained model as Splink settings in a SQL dialect (default: the shipped
    model, for Spark)."""
    with _refusing():
        if dialect not in ("duckdb", "spark"):
            raise BadInput("dialect", f"{dialect!r} is not duckdb or spark")
        model = LinkageModel.load(model_file) if model_file else LinkageModel.default()
    out.write_text(json.dumps(model.splink_for(dialect), indent=1), encoding="utf-8")
    console.print(f"Splink settings for {dialect} written to {out}.")
