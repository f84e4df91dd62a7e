"""Online match latency: one new report against a registry, one call at a time.

Splink's side is its own `predict_between(registry, query)` with the baseline's trained
model: the registry is registered once, each query (a one-row table) is registered, scored
against the whole registry, and its best five candidates fetched; all three are timed.
Homeward's side is its "who might this be" for one report, after a bulk import."""

from __future__ import annotations

import logging
import secrets
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from splink import DuckDBAPI, Linker

from bench.harness.stats import percentiles as harness_percentiles
from bench.identity import baseline
from homeward.linkage.reports import PersonReport

TOP = 5


def percentiles(samples: Sequence[float]) -> dict[str, float]:
    """p50, p99 and max in ms as bench.cases computes them, with the call count and mean."""
    figures = harness_percentiles(list(samples))
    return {
        "calls": figures["count"],
        "p50_ms": figures["p50_ms"],
        "p99_ms": figures["p99_ms"],
        "max_ms": figures["max_ms"],
        "mean_ms": round(statistics.fmean(samples) * 1000, 1),
    }


def timed_calls(
    call: Callable[[int], int], count: int, warm_up: int, progress: Callable[[], None]
) -> tuple[list[float], int]:
    """Run call(i) for the warm-up and then `count` timed calls; (seconds each, candidates)."""
    for index in range(warm_up):
        call(index)
    samples: list[float] = []
    found = 0
    for index in range(count):
        started = time.perf_counter()
        found += call(warm_up + index)
        samples.append(time.perf_counter() - started)
        progress()
    return samples, found


def splink_predict_between(
    registry: Path, queries: pd.DataFrame, model: dict[str, Any]
) -> Callable[[int], int]:
    """A call per query row: register it, `predict_between` against the registry, top 5."""
    db_api = DuckDBAPI()
    registry_table = db_api.register(baseline.load(registry))
    linker = Linker(registry_table, model, log_level=logging.WARNING)

    def call(index: int) -> int:
        row = queries.iloc[[index % len(queries)]]
        query_table = db_api.register(row)
        predictions = linker.inference.predict_between(
            registry_table, query_table, warning_mode="never"
        )
        best = (
            predictions.as_duckdbpyrelation()
            .order("match_probability desc")
            .limit(TOP)
            .select("record_id_l, match_probability")
            .fetchall()
        )
        predictions.drop_table_from_database_and_remove_from_cache()
        query_table.drop_table_from_database_and_remove_from_cache(force_non_splink_table=True)
        return len(best)

    return call


class HomewardOnline:
    """Homeward's online lookup: a fresh SQLite database in `folder`, one FRA desk officer,
    the registry imported in bulk through `identity.imports.import_reports` (grown in steps,
    since each registry is the first rows of the same file), then one
    `who_might_this_be(report, limit=5)` per call in its own transaction, as a request does
    (its audit entry committed with it)."""

    def __init__(self, folder: Path) -> None:
        from homeward import migrations
        from homeward.accounts import service as accounts_service
        from homeward.accounts.service import NewOfficer
        from homeward.audit import service as audit
        from homeward.core.db import Database
        from homeward.core.settings import Settings
        from homeward.crypto import sealing
        from homeward.crypto.keys import load_server_secrets
        from homeward.policy.roles import Role

        url = f"sqlite:///{(folder / 'homeward.sqlite3').as_posix()}"
        migrations.upgrade(url)
        self.db = Database(url)
        self.secrets = load_server_secrets(folder / "keys", create=True)
        self.settings = Settings()
        with self.db.transaction() as session:
            accounts_service.ensure_default_desks(session=session)
            officer, _uri = accounts_service.add_officer(
                session=session,
                secrets=self.secrets,
                cost=sealing.OWASP,
                actor=audit.SYSTEM,
                data=NewOfficer(
                    "bench.identity", secrets.token_urlsafe(18), Role.DESK_OFFICER, "FRA", 3
                ),
            )
            self.principal = accounts_service.principal_of(officer)
        self.imported = 0
        self.import_seconds = 0.0
        self.model: Any = None
        self.model_source = "shipped (LinkageModel.default)"

    def use_model(self, training_reports: Sequence[PersonReport]) -> None:
        """The model shipped with Homeward; while there is none, one trained (EM, no labels)
        on `training_reports`, as `homeward identity dedupe` trains on its input."""
        from homeward.linkage.features import features
        from homeward.linkage.model import LinkageModel
        from homeward.linkage.normalise import normalise
        from homeward.linkage.training import train

        try:
            self.model = LinkageModel.default()
        except FileNotFoundError:
            self.model = train([features(normalise(report)) for report in training_reports])
            self.model_source = f"trained on {len(training_reports):,} registry reports"

    def grow(self, reports: Sequence[PersonReport], progress: Callable[[int], None]) -> None:
        """Import reports[self.imported:] in one transaction, as a registry upload is."""
        from homeward.identity import imports, service

        new = reports[self.imported :]
        if not new:
            return
        started = time.perf_counter()
        with self.db.transaction() as session:
            imports.import_reports(
                session=session,
                secrets=self.secrets,
                settings=self.settings,
                principal=self.principal,
                reports=new,
                protection=service.Protection(),
                progress=progress,
            )
        self.import_seconds += time.perf_counter() - started
        self.imported = len(reports)

    def caller(self, queries: Sequence[PersonReport]) -> Callable[[int], int]:
        from homeward.identity import search

        def call(index: int) -> int:
            with self.db.transaction() as session:
                found = search.who_might_this_be(
                    session=session,
                    secrets=self.secrets,
                    principal=self.principal,
                    report=queries[index % len(queries)],
                    limit=TOP,
                    model=self.model,
                )
            return len(found.candidates)

        return call

    def close(self) -> None:
        self.db.dispose()
