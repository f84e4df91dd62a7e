"""The example bundle README shows (docs/examples/debrief-bundle.json, exported with
`homeward debrief export` from the demo world, all names invented) is what an export writes:
valid STIX 2.1 and marked the way an import reads it back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import stix2

from homeward.debrief import stix

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "debrief-bundle.json"


def _example() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(EXAMPLE.read_text("utf-8"))
    return loaded


def test_the_example_validates_as_stix_2_1_without_custom_content() -> None:
    parsed = stix2.parse(_example(), allow_custom=False)
    assert parsed.type == "bundle"
    assert {o.spec_version for o in parsed.objects} == {"2.1"}


def test_the_example_report_is_owned_and_marked_as_an_import_expects() -> None:
    bundle = _example()
    by_id = {o["id"]: o for o in bundle["objects"]}
    (report,) = [o for o in bundle["objects"] if o["type"] == "report"]
    owner = by_id[report["created_by_ref"]]
    assert owner["type"] == "identity"
    assert stix.NATION.match(owner["name"])
    statements = [
        by_id[ref]["definition"]["statement"]
        for ref in report["object_marking_refs"]
        if by_id[ref].get("definition_type") == "statement"
    ]
    assert sum(s.startswith(stix.CLASSIFICATION) for s in statements) == 1
    (release,) = [s for s in statements if s.startswith(stix.REL_TO)]
    assert release.removeprefix(stix.REL_TO).split(", ")[0] == owner["name"]
    assert set(report["object_marking_refs"]) & set(stix.TLP2.values())
    for ref in report["object_refs"]:  # every section object is the owner's and in the bundle
        assert by_id[ref]["created_by_ref"] == owner["id"]
        assert by_id[ref]["type"] in stix.SECTION_TYPES
