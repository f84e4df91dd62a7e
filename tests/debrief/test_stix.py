"""STIX 2.1 exchange, on both engines: a report exported by FRA from one installation and
imported by GBR into another (which knows FRA's exchange key) keeps every section and label;
the export is signed, audited and leaves out what FRA may not release; bundles that do not
validate, carry an unknown marking, claim an owner other than their signer, or are signed by
nobody known are refused with the reason, and nothing is stored."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import stix2
from sqlalchemy import func, select

from homeward.audit.models import AuditEvent
from homeward.core.errors import Forbidden
from homeward.core.runtime import Runtime
from homeward.crypto import sealing
from homeward.debrief import service as debrief
from homeward.debrief import stix
from homeward.debrief.models import IMPORTED, DebriefReport
from homeward.policy import binding
from tests import helpers
from tests.debrief import world
from tests.screening import world as screening_world


@pytest.fixture
def people(runtime: Runtime, personas: helpers.Personas) -> helpers.Personas:
    return world.populate(runtime, personas)


@pytest.fixture
def partner(
    engine_name: str, templates: helpers.Templates, tmp_path: Path, runtime: Runtime
) -> Iterator[tuple[Runtime, helpers.Personas, str]]:
    """A second installation where GBR works, which knows FRA's exchange key; a GBR case."""
    with helpers.fresh_runtime(engine_name, templates, tmp_path / "partner") as other:
        folder = other.settings.data_dir / "debrief"
        folder.mkdir(parents=True)
        key = stix.exchange_public_key(runtime.secrets, "FRA").hex()
        (folder / "partners.json").write_text(json.dumps({"FRA": key}))
        people = world.populate(other, helpers.make_personas(other))
        case_id = screening_world.open_case(other, people["gbr_officer"])
        yield other, people, case_id


def _export(runtime: Runtime, persona: helpers.Persona, report_id: str) -> stix.SignedBundle:
    keyring = helpers.keyring(runtime, persona)
    with runtime.db.transaction() as session:
        return stix.export_report(
            session=session,
            keyring=keyring,
            secrets=runtime.secrets,
            settings=runtime.settings,
            report_id=report_id,
        )


def _import(
    runtime: Runtime, persona: helpers.Persona, case_id: str, signed: stix.SignedBundle
) -> str:
    keyring = helpers.keyring(runtime, persona)
    with runtime.db.transaction() as session:
        return stix.import_bundle(
            session=session,
            keyring=keyring,
            secrets=runtime.secrets,
            settings=runtime.settings,
            case_id=case_id,
            signed=signed,
        ).id


def _shared(runtime: Runtime, people: helpers.Personas, **changes: object) -> str:
    case_id = world.fra_case(runtime, people)
    made = world.draft(
        "RT",
        classification=2,
        release=["GBR"],
        caveats=["ORCON"],
        reader_roles=["debriefer", "supervisor"],
        section_levels={"methods": 3},
        subject_released=True,
    )
    for name, value in changes.items():
        setattr(made, name, value)
    return world.write(runtime, people["fra_debriefer"], case_id, made)


def _resign(runtime: Runtime, bundle: dict[str, object], nation: str = "FRA") -> stix.SignedBundle:
    """A tampered bundle signed again with the nation's real key: only the content is wrong."""
    seed = runtime.secrets.subkey(f"debrief-stix-{nation}")
    return stix.SignedBundle(bundle, nation, sealing.sign(seed, stix.canonical(bundle)).hex())


def _count(runtime: Runtime) -> int:
    with runtime.db.transaction() as session:
        binding.as_system(session, "test counts reports")
        return session.scalar(select(func.count()).select_from(DebriefReport)) or 0


def test_round_trip_keeps_every_section_and_label(
    runtime: Runtime,
    people: helpers.Personas,
    partner: tuple[Runtime, helpers.Personas, str],
) -> None:
    report_id = _shared(runtime, people)
    signed = _export(runtime, people["fra_debriefer"], report_id)
    parsed = stix2.parse(signed.bundle, allow_custom=False)
    types = sorted(o.type for o in parsed.objects)
    assert types.count("marking-definition") == 6  # level, REL TO, ORCON, readers, TLP, SECRET
    assert {"report", "identity", "location", "note", "intrusion-set", "attack-pattern"} <= set(
        types
    )
    report = next(o for o in parsed.objects if o.type == "report")
    assert stix.TLP2["amber"] in report.object_marking_refs
    assert report.granular_markings[0].selectors == ["object_refs.[4]"]
    with runtime.db.transaction() as session:
        binding.as_system(session, "test reads the audit log")
        exports = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.action == "debrief:report:export", AuditEvent.resource_id == report_id
            )
        )
    assert exports == 1

    other, their, case_id = partner
    imported_id = _import(other, their["gbr_debriefer"], case_id, signed)
    keyring = helpers.keyring(other, their["gbr_debriefer"])
    with other.db.transaction() as session:
        back = debrief.open_report(
            session=session, keyring=keyring, secrets=other.secrets, report_id=imported_id
        )
    with runtime.db.transaction() as session:
        source = debrief.open_report(
            session=session,
            keyring=helpers.keyring(runtime, people["fra_debriefer"]),
            secrets=runtime.secrets,
            report_id=report_id,
        )
    assert back.sections == source.sections
    assert back.section_levels == source.section_levels == {"methods": 3}
    assert (back.subject, back.text) == (source.subject, source.text)
    mine, theirs = source.summary, back.summary
    for label in (
        "title",
        "session_on",
        "debriefer",
        "owner_nation",
        "classification",
        "release",
        "caveats",
        "reader_roles",
    ):
        assert getattr(theirs, label) == getattr(mine, label), label
    assert theirs.origin == IMPORTED


def test_export_leaves_out_what_may_not_go(runtime: Runtime, people: helpers.Personas) -> None:
    report_id = _shared(runtime, people, subject_released=False)
    signed = _export(runtime, people["fra_debriefer"], report_id)
    text = json.dumps(signed.bundle)
    assert "Karim Benali" not in text
    assert stix.SUBJECT_ROLE not in text
    assert "Recruiter RT" in text
    with pytest.raises(Forbidden):
        _export(runtime, people["gbr_debriefer"], report_id)


def _tampered(signed: stix.SignedBundle, change: str) -> dict[str, object]:
    bundle = copy.deepcopy(signed.bundle)
    objects: list[dict[str, object]] = bundle["objects"]
    report = next(o for o in objects if o["type"] == "report")
    if change == "invalid":
        report["published"] = "not a date"
    elif change == "unknown-marking":
        report["object_marking_refs"] = [
            *report["object_marking_refs"],  # type: ignore[misc]
            "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
        ]
    elif change == "unknown-statement":
        marking = next(
            o for o in objects if o["type"] == "marking-definition" and "definition" in o
        )
        marking["definition"] = {"statement": "EYES ONLY"}
    elif change == "unknown-caveat":
        marking = next(
            o
            for o in objects
            if o["type"] == "marking-definition"
            and str(o.get("definition", {}).get("statement", "")).startswith(stix.CAVEAT)  # type: ignore[attr-defined]
        )
        marking["definition"] = {"statement": stix.CAVEAT + "NOFORN"}
    elif change == "missing-object":
        objects.remove(next(o for o in objects if o["type"] == "location"))
    elif change == "foreign-object":
        place = next(o for o in objects if o["type"] == "location")
        place["created_by_ref"] = "identity--" + "0" * 8 + "-0000-4000-8000-" + "0" * 12
    elif change == "other-owner":
        owner = next(o for o in objects if o["type"] == "identity" and o["name"] == "FRA")
        owner["name"] = "DEU"
    return bundle


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("invalid", "does not validate"),
        ("unknown-marking", "unknown marking"),
        ("unknown-statement", "unknown marking statement"),
        ("unknown-caveat", "unknown caveat"),
        ("other-owner", "claims DEU as its owner but FRA signed it"),
        ("missing-object", "which the bundle does not carry"),
        ("foreign-object", "was not created by the report's owner"),
    ],
)
def test_bad_bundles_are_refused_with_the_reason(
    runtime: Runtime, people: helpers.Personas, change: str, reason: str
) -> None:
    report_id = _shared(runtime, people)
    signed = _export(runtime, people["fra_debriefer"], report_id)
    gbr_case = screening_world.open_case(runtime, people["gbr_officer"])
    before = _count(runtime)
    with pytest.raises(stix.BundleRefused, match=reason):
        _import(
            runtime, people["gbr_debriefer"], gbr_case, _resign(runtime, _tampered(signed, change))
        )
    assert _count(runtime) == before


def test_a_bundle_signed_by_another_key_is_refused(
    runtime: Runtime, people: helpers.Personas
) -> None:
    report_id = _shared(runtime, people)
    signed = _export(runtime, people["fra_debriefer"], report_id)
    gbr_case = screening_world.open_case(runtime, people["gbr_officer"])
    forged = _resign(runtime, signed.bundle, "DEU")
    with pytest.raises(stix.BundleRefused, match="claims FRA as its owner but DEU signed it"):
        _import(runtime, people["gbr_debriefer"], gbr_case, forged)
    lying = stix.SignedBundle(signed.bundle, "FRA", forged.signature)
    with pytest.raises(stix.BundleRefused, match="signature is not FRA's"):
        _import(runtime, people["gbr_debriefer"], gbr_case, lying)
    with pytest.raises(stix.BundleRefused, match="no exchange key is known for NZL"):
        _import(
            runtime,
            people["gbr_debriefer"],
            gbr_case,
            stix.SignedBundle(signed.bundle, "NZL", "00"),
        )
    # The real one, in the same installation, is already here.
    with pytest.raises(stix.BundleRefused, match="already here"):
        _import(runtime, people["gbr_debriefer"], gbr_case, signed)
