"""Debrief reports exchanged as STIX 2.1 bundles (the `stix2` library), signed by the nation
that owns them.

Export: a `report` (title, session date, free text; the debriefer as an external reference)
whose object_refs are the sections: people as `identity` (individual), places as `location`,
events as `note`, organisations as `intrusion-set`, methods as `attack-pattern`; the debriefed
person as an `identity` with the role `debriefed`, only when the release says so. Labels travel
as marking definitions: statement markings for the classification, the release list ("REL TO
FRA, GBR"), each caveat and the roles opened to, and the TLP 2.0 marking the programme maps the
level to; a section stricter than the report carries its own classification on its objects and
as a granular marking on the report's reference to them. Everything is created by the owner
nation's `identity`. The bundle is signed (Ed25519, over its canonical JSON) with the owner
nation's exchange key.

Import: a bundle that does not validate, carries a marking this programme does not know, or
claims an owner other than the nation whose key signed it is refused with the reason, and
nothing is stored. Otherwise it becomes a report owned by that nation, on a case of the
importing desk, its markings back to labels, checked by the same rule as a written report.

Keys: each coalition nation's exchange key is derived from the server's data key (one
installation signs for its desks); a partner outside is known by the public key in
`<data dir>/debrief/partners.json` ({"GBR": "<hex>"}), which takes precedence.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import stix2
import stix2.exceptions
from sqlalchemy import select
from sqlalchemy.orm import Session

from homeward.accounts import service as accounts_service
from homeward.accounts.service import Keyring
from homeward.audit import service as audit
from homeward.core.errors import BadInput, Forbidden
from homeward.core.settings import Settings
from homeward.crypto import sealing
from homeward.crypto.keys import ServerSecrets
from homeward.debrief import handling as handlings
from homeward.debrief import service
from homeward.debrief.models import IMPORTED, DebriefReport
from homeward.debrief.schemas import SECTIONS, Entry
from homeward.policy import binding, compartments, roles
from homeward.policy import check as policy
from homeward.policy.labels import Classification

NAMESPACE = uuid.UUID("6f1c2a52-3f0e-4d55-9a43-7d1e0c1b2d10")
"""Fixed, so a nation's identity and each marking have the same id in every export."""
FIXED = datetime(2026, 1, 1, tzinfo=UTC)
TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2 = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
"""The TLP 2.0 marking definitions as FIRST and OASIS publish them."""
CLASSIFICATION, REL_TO, CAVEAT, READERS = (
    "HOMEWARD CLASSIFICATION: ",
    "HOMEWARD REL TO: ",
    "HOMEWARD CAVEAT: ",
    "HOMEWARD READERS: ",
)
DEBRIEFER_SOURCE = "homeward-debriefer"
SUBJECT_ROLE, PERSON_ROLE = "debriefed", "named"
NATION = re.compile(r"^[A-Z]{3}$")
BUNDLE_MAX_OBJECTS = 2000
SECTION_TYPES = {
    "identity": "people",
    "location": "places",
    "note": "events",
    "intrusion-set": "organisations",
    "threat-actor": "organisations",
    "attack-pattern": "methods",
}


class BundleRefused(BadInput):
    """A bundle not taken, with the reason; nothing of it was stored."""

    def __init__(self, problem: str) -> None:
        super().__init__("bundle", problem)


@dataclass(frozen=True)
class SignedBundle:
    bundle: dict[str, Any]
    signer: str
    signature: str
    """Ed25519 over `canonical(bundle)`, hex."""

    def signature_fields(self) -> dict[str, str]:
        """The signer and its signature, as they travel beside the bundle (the CLI's `.sig`
        file) or with it: built here once, so every adapter carries the same names."""
        return {"signer": self.signer, "signature": self.signature}

    def document(self) -> dict[str, Any]:
        """The bundle with its signature fields, as the API and the page's download carry it."""
        return {"bundle": self.bundle, **self.signature_fields()}

    @classmethod
    def received(cls, bundle: Any, fields: Mapping[str, Any]) -> SignedBundle:
        """A bundle and the signature fields that came with it (KeyError if one is missing)."""
        return cls(bundle, str(fields["signer"]), str(fields["signature"]))


def canonical(bundle: Mapping[str, Any]) -> bytes:
    return json.dumps(bundle, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _seed(secrets: ServerSecrets, nation: str) -> bytes:
    return secrets.subkey(f"debrief-stix-{nation}")


def exchange_public_key(secrets: ServerSecrets, nation: str) -> bytes:
    """The public half of a coalition nation's exchange key (what partners are given)."""
    return sealing.signing_public_key(_seed(secrets, nation))


def _partners(data_dir: Path) -> dict[str, bytes]:
    path = data_dir / "debrief" / "partners.json"
    if not path.exists():
        return {}
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {str(nation).upper(): bytes.fromhex(str(key)) for nation, key in raw.items()}


def _signer_key(session: Session, secrets: ServerSecrets, settings: Settings, nation: str) -> bytes:
    partners = _partners(settings.data_dir)
    if nation in partners:
        return partners[nation]
    if nation in accounts_service.coalition(session=session):
        return exchange_public_key(secrets, nation)
    raise BundleRefused(f"no exchange key is known for {nation}: the signer cannot be checked")


def _id(kind: str, name: str) -> str:
    return f"{kind}--{uuid.uuid5(NAMESPACE, name)}"


def owner_identity(nation: str) -> Any:
    return stix2.Identity(
        id=_id("identity", f"nation:{nation}"),
        created=FIXED,
        modified=FIXED,
        name=nation,
        identity_class="organization",
        description=f"The {nation} national desk of the programme",
    )


def _statement(text: str) -> Any:
    return stix2.MarkingDefinition(
        id=_id("marking-definition", text),
        created=FIXED,
        definition_type="statement",
        definition=stix2.StatementMarking(statement=text),
    )


def _tlp(word: str) -> Any:
    return stix2.MarkingDefinition(
        id=TLP2[word],
        created="2022-10-01T00:00:00.000Z",
        name=f"TLP:{word.upper()}",
        extensions={TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": word}},
    )


def _level_statement(level: int) -> str:
    return CLASSIFICATION + Classification(level).name


def _entry_object(section: str, entry: Entry, common: dict[str, Any], report_id: str) -> Any:
    if section == "people":
        return stix2.Identity(
            name=entry.name,
            description=entry.description or None,
            identity_class="individual",
            roles=[PERSON_ROLE],
            **common,
        )
    if section == "places":
        return stix2.Location(
            name=entry.name, description=entry.description or None, country=entry.country, **common
        )
    if section == "events":
        return stix2.Note(
            abstract=entry.name,
            content=entry.description or entry.name,
            object_refs=[report_id],
            **common,
        )
    if section == "organisations":
        return stix2.IntrusionSet(name=entry.name, description=entry.description or None, **common)
    return stix2.AttackPattern(name=entry.name, description=entry.description or None, **common)


def export_report(
    *,
    session: Session,
    keyring: Keyring,
    secrets: ServerSecrets,
    settings: Settings,
    report_id: str,
) -> SignedBundle:
    """The report as a signed bundle, for an officer of the owning nation (a nation releases
    only its own reports); sections above the officer's clearance and, unless the release says
    so, the debriefed person are left out. Each export is an audit entry."""
    principal = keyring.principal
    report = service.get(session, principal, report_id, roles.DEBRIEF_EXPORT)
    if report.owner_nation != principal.nation:
        raise Forbidden("a nation exports only the reports it owns")
    body = service.read_body(session, keyring, report)
    levels = service.levels_of(report)
    words = handlings.load(settings.data_dir)
    owner = owner_identity(report.owner_nation)
    statements = [
        _statement(_level_statement(report.classification)),
        _statement(REL_TO + ", ".join([report.owner_nation, *report.release_list])),
        *(_statement(CAVEAT + caveat) for caveat in compartments.decode(report.caveats)),
        _statement(READERS + ", ".join(r for r in report.reader_roles.split(",") if r)),
    ]
    tlp_word = words.tlp.get(report.classification)
    markings = [*statements, *([_tlp(tlp_word)] if tlp_word else [])]
    report_refs = [m.id for m in markings]
    stamp = datetime.combine(report.created_at.date(), time(), tzinfo=UTC)
    objects: list[Any] = []
    granular: dict[int, list[str]] = {}
    level_markings: dict[int, Any] = {}
    for section in SECTIONS:
        level = levels.get(section, report.classification)
        if level > principal.clearance:
            continue
        refs = report_refs
        if level > report.classification:
            level_markings.setdefault(level, _statement(_level_statement(level)))
            refs = [level_markings[level].id, *report_refs[1:]]
        for index, entry in enumerate(body.sections.get(section, [])):
            common = {
                "id": _id(SECTION_OBJECT[section], f"{report.stix_id}:{section}:{index}"),
                "created": stamp,
                "modified": stamp,
                "created_by_ref": owner.id,
                "object_marking_refs": refs,
            }
            objects.append(_entry_object(section, entry, common, report.stix_id))
            if level > report.classification:
                granular.setdefault(level, []).append(f"object_refs.[{len(objects) - 1}]")
    if report.subject_released:
        objects.append(
            stix2.Identity(
                id=_id("identity", f"{report.stix_id}:subject"),
                created=stamp,
                modified=stamp,
                name=body.subject,
                identity_class="individual",
                roles=[SUBJECT_ROLE],
                created_by_ref=owner.id,
                object_marking_refs=report_refs,
            )
        )
    stix_report = stix2.Report(
        id=report.stix_id,
        created=stamp,
        modified=stamp,
        name=secrets.open_field(report.title_sealed),
        description=body.text or None,
        published=datetime.combine(report.session_on, time(), tzinfo=UTC),
        report_types=["debrief"],
        object_refs=[o.id for o in objects] or [owner.id],
        created_by_ref=owner.id,
        object_marking_refs=report_refs,
        granular_markings=[
            stix2.GranularMarking(marking_ref=level_markings[level].id, selectors=selectors)
            for level, selectors in sorted(granular.items())
        ]
        or None,
        external_references=[{"source_name": DEBRIEFER_SOURCE, "description": report.debriefer}],
    )
    bundle = stix2.Bundle(
        owner, *markings, *level_markings.values(), *objects, stix_report, allow_custom=False
    )
    as_json: dict[str, Any] = json.loads(bundle.serialize())
    signature = sealing.sign(_seed(secrets, report.owner_nation), canonical(as_json))
    audit.record(
        session=session,
        actor=principal.audit_name,
        action="debrief:report:export",
        resource_type="debrief_report",
        resource_id=report.id,
        nation=report.owner_nation,
    )
    return SignedBundle(as_json, report.owner_nation, signature.hex())


SECTION_OBJECT = {
    "people": "identity",
    "places": "location",
    "events": "note",
    "organisations": "intrusion-set",
    "methods": "attack-pattern",
}


@dataclass(frozen=True)
class _Labels:
    classification: int
    nations: list[str]
    caveats: list[str]
    readers: list[str]


def _marking_words(
    markings: Mapping[str, Any], refs: list[str], words: handlings.Handling
) -> _Labels:
    """The labels a list of marking references gives, refusing any marking not known here."""
    levels: list[int] = []
    nations: list[str] | None = None
    caveats: list[str] = []
    readers: list[str] | None = None
    for ref in refs:
        if ref in TLP2.values():
            continue
        marking = markings.get(ref)
        if marking is None or marking.get("definition_type") != "statement":
            raise BundleRefused(f"unknown marking {ref}")
        text = str(marking["definition"]["statement"])
        if text.startswith(CLASSIFICATION):
            name = text.removeprefix(CLASSIFICATION)
            if name not in Classification.__members__:
                raise BundleRefused(f"unknown classification marking {text!r}")
            levels.append(int(Classification[name]))
        elif text.startswith(REL_TO):
            nations = [n.strip() for n in text.removeprefix(REL_TO).split(",") if n.strip()]
            if not nations or not all(NATION.match(n) for n in nations):
                raise BundleRefused(f"unreadable release marking {text!r}")
        elif text.startswith(CAVEAT):
            caveat = text.removeprefix(CAVEAT)
            if caveat not in words.caveats:
                raise BundleRefused(f"unknown caveat marking {caveat!r}")
            caveats.append(caveat)
        elif text.startswith(READERS):
            readers = [r.strip() for r in text.removeprefix(READERS).split(",") if r.strip()]
        else:
            raise BundleRefused(f"unknown marking statement {text!r}")
    if len(levels) != 1 or nations is None or readers is None:
        raise BundleRefused("each object needs one classification, a release and readers")
    return _Labels(levels[0], nations, caveats, readers)


def _validated(bundle: Mapping[str, Any]) -> dict[str, Any]:
    objects = bundle.get("objects") if isinstance(bundle, Mapping) else None
    if not isinstance(objects, list) or len(objects) > BUNDLE_MAX_OBJECTS:
        raise BundleRefused(f"not a STIX bundle of at most {BUNDLE_MAX_OBJECTS} objects")
    try:
        stix2.parse(dict(bundle), allow_custom=False)
    except (stix2.exceptions.STIXError, ValueError, TypeError, KeyError) as exc:
        raise BundleRefused(f"does not validate as STIX 2.1: {exc}") from exc
    return {str(o["id"]): o for o in objects}


def _entry(section: str, found: Mapping[str, Any]) -> Entry:
    if section == "events":
        return Entry(str(found.get("abstract", "")), str(found.get("content", "")))
    return Entry(
        str(found.get("name", "")),
        str(found.get("description", "")),
        str(found.get("country", "")) if section == "places" else "",
    )


@dataclass(frozen=True)
class _Verified:
    by_id: dict[str, Any]
    report: dict[str, Any]
    owner_ref: str
    owner: str


def _verified(
    session: Session, secrets: ServerSecrets, settings: Settings, signed: SignedBundle
) -> _Verified:
    """The bundle signed by its signer, valid STIX, with one report owned by the signer."""
    if not isinstance(signed.signer, str) or not NATION.match(signed.signer):
        raise BundleRefused("the signer is not a nation code")
    try:
        signature = bytes.fromhex(signed.signature)
    except (ValueError, TypeError) as exc:
        raise BundleRefused("the signature is not hex") from exc
    key = _signer_key(session, secrets, settings, signed.signer)
    if not sealing.signature_valid(key, canonical(signed.bundle), signature):
        raise BundleRefused(f"the signature is not {signed.signer}'s over this bundle")
    by_id = _validated(signed.bundle)
    found_reports = [o for o in by_id.values() if o.get("type") == "report"]
    if len(found_reports) != 1:
        raise BundleRefused("a debrief bundle holds exactly one report")
    report = found_reports[0]
    creator = by_id.get(str(report.get("created_by_ref")))
    claimed = str(creator.get("name", "")) if creator else ""
    if creator is None or creator.get("type") != "identity" or not NATION.match(claimed):
        raise BundleRefused("the report names no owner nation (created_by_ref)")
    if claimed != signed.signer:
        raise BundleRefused(
            f"the report claims {claimed} as its owner but {signed.signer} signed it"
        )
    return _Verified(by_id, report, str(creator["id"]), claimed)


@dataclass(frozen=True)
class _Content:
    sections: dict[str, list[Entry]]
    levels: dict[str, int]
    subject: str


def _content(
    found: _Verified, markings: Mapping[str, Any], labels: _Labels, words: handlings.Handling
) -> _Content:
    """The report's sections in the order it refers to them, each section's level where its
    objects are marked above the report, and the debriefed person when the bundle carries one."""
    sections: dict[str, list[Entry]] = {name: [] for name in SECTIONS}
    levels: dict[str, int] = {}
    subject = ""
    for ref in found.report.get("object_refs", []):
        if ref == found.owner_ref:
            continue  # a report with no section refers to its owner alone
        item = found.by_id.get(ref)
        if item is None:
            raise BundleRefused(f"the report refers to {ref}, which the bundle does not carry")
        if item.get("created_by_ref") != found.owner_ref:
            raise BundleRefused(f"{ref} was not created by the report's owner")
        if item.get("type") == "identity" and SUBJECT_ROLE in item.get("roles", []):
            subject = str(item.get("name", ""))
            continue
        section = SECTION_TYPES.get(str(item.get("type")))
        if section is None:
            raise BundleRefused(f"{item.get('type')} objects are not part of a debrief")
        own = _marking_words(markings, list(item.get("object_marking_refs", [])), words)
        if own.classification > labels.classification:
            levels[section] = max(levels.get(section, 0), own.classification)
        sections[section].append(_entry(section, item))
    return _Content(sections, levels, subject)


def import_bundle(
    *,
    session: Session,
    keyring: Keyring,
    secrets: ServerSecrets,
    settings: Settings,
    case_id: str,
    signed: SignedBundle,
) -> DebriefReport:
    """A partner's signed bundle as a report owned by the signing nation, on a case of the
    importing desk. Refused with the reason, and nothing stored, when it does not validate,
    carries an unknown marking, or claims an owner other than its signer."""
    principal = keyring.principal
    policy.require_permission(principal, roles.DEBRIEF_EXPORT)
    binding.bind(session, principal)
    found = _verified(session, secrets, settings, signed)
    report, claimed = found.report, found.owner
    markings = {i: o for i, o in found.by_id.items() if o.get("type") == "marking-definition"}
    for marking_id, marking in markings.items():
        if marking_id not in TLP2.values() and marking.get("definition_type") != "statement":
            raise BundleRefused(f"unknown marking {marking_id}")
    words = handlings.load(settings.data_dir)
    labels = _marking_words(markings, list(report.get("object_marking_refs", [])), words)
    if labels.nations[0] != claimed:
        raise BundleRefused("the release marking does not name the owner first")
    release = labels.nations[1:]
    if principal.nation != claimed and principal.nation not in release:
        raise BundleRefused(f"the report is not released to {principal.nation}")
    content = _content(found, markings, labels, words)
    if session.scalar(select(DebriefReport.id).where(DebriefReport.stix_id == report["id"])):
        raise BundleRefused("this report is already here")
    checked = service.check_labels(
        session=session,
        settings=settings,
        principal=principal,
        owner=claimed,
        classification=labels.classification,
        release=release,
        caveats=labels.caveats,
        reader_roles=labels.readers,
        section_levels=content.levels,
    )
    case_id = service.own_case_id(session, principal, case_id)
    debriefer = next(
        (
            str(ref.get("description", ""))
            for ref in report.get("external_references", [])
            if ref.get("source_name") == DEBRIEFER_SOURCE
        ),
        "",
    )
    stored = service.store(
        session=session,
        secrets=secrets,
        principal=principal,
        case_id=case_id,
        owner=claimed,
        title=service.clean_text(str(report.get("name", "")), "title", 200, required=True),
        session_on=datetime.fromisoformat(str(report["published"])).date(),
        debriefer=debriefer[:120] or claimed,
        labels=checked,
        body=service.Body(
            subject=content.subject,
            sections=service.checked_sections(content.sections),
            text=str(report.get("description", "")),
        ),
        subject_released=bool(content.subject),
        origin=IMPORTED,
        stix_id=str(report["id"]),
    )
    audit.record(
        session=session,
        actor=principal.audit_name,
        action="debrief:report:import",
        resource_type="debrief_report",
        resource_id=stored.id,
        nation=claimed,
    )
    session.flush()
    return stored
