"""Two installations for the import page's tests: FRA's (the test's runtime), which writes and
exports, and a partner's where GBR works, which knows FRA's exchange key from
`<data dir>/debrief/partners.json` as a real partner would; and the bundles that go wrong on
the way (tampered, re-signed with a real key over wrong content, not JSON)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from homeward.core.runtime import Runtime
from homeward.crypto import sealing
from homeward.debrief import stix
from homeward.web.app import create_app
from tests import helpers
from tests.debrief import world
from tests.screening import world as screening_world

UNKNOWN_MARKING = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"


@dataclass(frozen=True)
class Partner:
    runtime: Runtime
    people: helpers.Personas
    case_id: str


@contextmanager
def installation(
    engine_name: str, templates: helpers.Templates, folder: Path, home: Runtime, **settings: object
) -> Iterator[Partner]:
    """GBR's installation, knowing FRA's public exchange key; a case of the GBR desk."""
    with helpers.fresh_runtime(engine_name, templates, folder, **settings) as other:
        keys = other.settings.data_dir / "debrief"
        keys.mkdir(parents=True)
        public = stix.exchange_public_key(home.secrets, "FRA").hex()
        (keys / "partners.json").write_text(json.dumps({"FRA": public}))
        people = world.populate(other, helpers.make_personas(other))
        yield Partner(other, people, screening_world.open_case(other, people["gbr_officer"]))


def downloaded(runtime: Runtime, persona: helpers.Persona, report_id: str) -> dict[str, Any]:
    """The signed document the report page's download link gives, as the officer gets it."""
    with TestClient(create_app(runtime), base_url="http://127.0.0.1") as client:
        helpers.officer_signin(client, runtime, persona)
        response = client.get(f"/officer/debrief/{report_id}/stix")
        assert response.status_code == 200, response.text[:300]
        found: dict[str, Any] = response.json()
        return found


def resigned(runtime: Runtime, bundle: dict[str, Any], nation: str = "FRA") -> dict[str, Any]:
    """Wrong content signed again with the nation's real key: only the content is at fault."""
    seed = runtime.secrets.subkey(f"debrief-stix-{nation}")
    signature = sealing.sign(seed, stix.canonical(bundle)).hex()
    return {"bundle": bundle, "signer": nation, "signature": signature}


def with_unknown_marking(document: dict[str, Any]) -> dict[str, Any]:
    bundle = copy.deepcopy(document["bundle"])
    report = next(o for o in bundle["objects"] if o["type"] == "report")
    report["object_marking_refs"] = [*report["object_marking_refs"], UNKNOWN_MARKING]
    return bundle


def with_tampered_title(document: dict[str, Any]) -> dict[str, Any]:
    """The same signature over a bundle whose report was renamed on the way."""
    changed = copy.deepcopy(document)
    report = next(o for o in changed["bundle"]["objects"] if o["type"] == "report")
    report["name"] = report["name"] + " (altered)"
    return changed


def as_bytes(document: object) -> bytes:
    return json.dumps(document, indent=2, ensure_ascii=False).encode()
