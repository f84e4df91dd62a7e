"""Support for the online identity tests: the real linkage model, a small synthetic registry
and the people in it. Synthetic people only."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from homeward.cases import flows as case_flows
from homeward.cases import service as case_service
from homeward.cases.identity import ClaimedIdentity
from homeward.core.runtime import Runtime
from homeward.identity import index
from homeward.linkage import training
from homeward.linkage.features import features
from homeward.linkage.model import LinkageModel
from homeward.linkage.normalise import normalise
from homeward.linkage.reports import COLUMNS, PersonReport
from homeward.linkage.synthetic import generator as synth
from homeward.policy.check import Principal
from tests import helpers

PEOPLE = 150
SEED = 2026


@cache
def real_model() -> LinkageModel:
    """The model shipped with Homeward; until its file is in the package, the same Splink
    model trained (EM, no labels) on a synthetic set, as `homeward identity train` does."""
    try:
        return LinkageModel.default()
    except FileNotFoundError:
        reports = synth.generate(5000, seed=11)
        return training.train([features(normalise(report)) for report in reports])


@contextmanager
def using_real_model(folder: Path) -> Iterator[LinkageModel]:
    """The real model, also as the one the web app loads (HOMEWARD_IDENTITY_MODEL)."""
    model = real_model()
    path = folder / "model.json"
    model.save(path)
    before = os.environ.get("HOMEWARD_IDENTITY_MODEL")
    os.environ["HOMEWARD_IDENTITY_MODEL"] = str(path)
    index.identity_settings.cache_clear()
    index.linkage_model.cache_clear()
    yield model
    if before is None:
        os.environ.pop("HOMEWARD_IDENTITY_MODEL", None)
    else:
        os.environ["HOMEWARD_IDENTITY_MODEL"] = before
    index.identity_settings.cache_clear()
    index.linkage_model.cache_clear()


@dataclass(frozen=True)
class Registry:
    """The imported reports, and one person held back: a case is opened from one of his
    other reports (another spelling), his registry report stays in the registry."""

    reports: list[PersonReport]
    person_id: str
    registry_record: str
    case_identity: ClaimedIdentity


def registry() -> Registry:
    everything = synth.generate(PEOPLE, seed=SEED)
    by_person: dict[str, list[PersonReport]] = {}
    for report in everything:
        by_person.setdefault(report.person_id, []).append(report)
    for person_id, reports in sorted(by_person.items()):
        official = [r for r in reports if r.nationality and r.document_number]
        family = [
            r
            for r in reports
            if r not in official and r.given_name and r.family_name and r.dob.count("-") == 2
        ]
        if official and family and official[0].given_name:
            held = family[0]
            identity = ClaimedIdentity(
                given_names=held.given_name,
                family_name=held.family_name,
                date_of_birth=held.dob,
                place_of_birth=held.place_of_birth,
                nationalities=list(held.nationality),
            )
            kept = [r for r in everything if r.record_id != held.record_id]
            return Registry(kept, person_id, official[0].record_id, identity)
    raise AssertionError("no suitable synthetic person")  # pragma: no cover


def as_csv(reports: list[PersonReport]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS))
    writer.writeheader()
    for report in reports:
        writer.writerow(report.as_row())
    return out.getvalue()


def principal(runtime: Runtime, persona: helpers.Persona) -> Principal:
    return helpers.keyring(runtime, persona).principal


def open_case(runtime: Runtime, persona: helpers.Persona, identity: ClaimedIdentity) -> str:
    keyring = helpers.keyring(runtime, persona)
    with runtime.db.transaction() as session:
        case = case_flows.open_case(
            session=session,
            keyring=keyring,
            secrets=runtime.secrets,
            settings=runtime.settings,
            data=case_service.CaseOpen(identity=replace(identity)),
        )
        return case.id


def sentinel_report(name: str) -> PersonReport:
    return PersonReport(
        record_id="SENTINEL-1",
        given_name="Karim",
        family_name=name,
        dob="1991-03-14",
        place_of_birth="Roubaix",
        nationality=("FRA",),
        document_number="ZZ9988771",
    )


def files_under(folder: Path) -> Iterator[Path]:
    yield from (path for path in folder.rglob("*") if path.is_file())
