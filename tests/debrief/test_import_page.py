"""The import page, on both engines, between two installations: FRA's page downloads a report
released to GBR as a signed bundle; on GBR's installation a debriefer uploads it on a case of
the GBR desk, as the one signed document or as the command line's bundle and `.sig` file (in
either input), and lands on the imported report, owned by FRA. Every refusal (a tampered
signature, content re-signed with an unknown marking, an owner other than the signer, not
JSON, not UTF-8, too large, no signature, a file name meant to hurt, already here, an expired
form) comes back on the page with the reason and the form, stores nothing and leaves no file
behind in the blob store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from homeward.core.runtime import Runtime
from homeward.web.app import create_app
from tests import helpers
from tests.debrief import partner as partners
from tests.debrief import world
from tests.debrief.test_pages import stored

LIMIT = 256 * 1024
"""The partner's file size limit (attachment_max_bytes), small so the too-large case is cheap."""
HOSTILE_NAME = "../../<script>alert(1)</script>\u202e<img src=x onerror=alert(2)>.json"


@pytest.fixture
def partner(
    engine_name: str, templates: helpers.Templates, tmp_path: Path, runtime: Runtime
) -> Iterator[partners.Partner]:
    with partners.installation(
        engine_name, templates, tmp_path / "partner", runtime, attachment_max_bytes=LIMIT
    ) as made:
        yield made


@pytest.fixture
def exported(runtime: Runtime, personas: helpers.Personas) -> dict[str, dict[str, Any]]:
    """Two FRA reports released to GBR, as FRA's page downloads them."""
    people = world.populate(runtime, personas)
    case_id = world.fra_case(runtime, people)
    found = {}
    for marker in ("one", "two"):
        made = world.draft(
            marker, release=["GBR"], caveats=["ORCON"], section_levels={"methods": 3}
        )
        report_id = world.write(runtime, people["fra_debriefer"], case_id, made)
        found[marker] = partners.downloaded(runtime, people["fra_debriefer"], report_id)
    return found


def _blobs(runtime: Runtime) -> list[str]:
    folder = runtime.settings.blobs_dir
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _send(client: TestClient, case_id: str, files: list[tuple[str, tuple[str, bytes, str]]]) -> Any:
    csrf = helpers.csrf_of(client.get(f"/officer/debrief/cases/{case_id}/import").text)
    return client.post(
        f"/officer/debrief/cases/{case_id}/import",
        data={"csrf": csrf},
        files=files,
        follow_redirects=False,
    )


def test_a_partner_bundle_imported_in_either_shape(
    partner: partners.Partner, exported: dict[str, dict[str, Any]]
) -> None:
    other, case_id = partner.runtime, partner.case_id
    with TestClient(create_app(other), base_url="http://127.0.0.1") as client:
        helpers.officer_signin(client, other, partner.people["gbr_debriefer"])
        card = client.get(f"/officer/cases/{case_id}").text.split('id="debriefs"', 1)[1]
        assert f'href="/officer/debrief/cases/{case_id}/import"' in card
        page = client.get(f"/officer/debrief/cases/{case_id}/import").text
        assert 'enctype="multipart/form-data"' in page
        assert 'id="import-bundle" name="bundle" type="file"' in page

        # The page's download, under a name chosen to hurt: the name is never used.
        document = partners.as_bytes(exported["one"])
        before = stored(other)
        response = _send(client, case_id, [("bundle", (HOSTILE_NAME, document, "text/plain"))])
        assert response.status_code == 303, response.text[:600]
        landing = response.headers["location"]
        assert landing.startswith("/officer/debrief/")
        assert stored(other)[0] == before[0] + 1
        shown = client.get(landing).text
        assert "Session one one" in shown
        assert "REL TO FRA, GBR" in shown
        assert "ORCON" in shown
        assert "Recruiter one" in shown

        # The command line's shape: the bundle and its .sig file, signature in the first input.
        two = exported["two"]
        signature = {"signer": two["signer"], "signature": two["signature"]}
        files = [
            ("bundle", ("report.json.sig", partners.as_bytes(signature), "application/json")),
            ("signature", ("report.json", partners.as_bytes(two["bundle"]), "application/json")),
        ]
        response = _send(client, case_id, files)
        assert response.status_code == 303, response.text[:600]
        assert "Session one two" in client.get(response.headers["location"]).text
        card = client.get(f"/officer/cases/{case_id}").text.split('id="debriefs"', 1)[1]
        assert card.count("from FRA") == 2
    assert _blobs(other) == []


def _refusals(
    home: Runtime, other: Runtime, one: dict[str, Any]
) -> list[tuple[str, list[tuple[str, tuple[str, bytes, str]]], int, str]]:
    """(case, files, status, reason shown) for each way a bundle is refused."""

    def single(content: bytes, name: str = "debrief.stix.json") -> list[Any]:
        return [("bundle", (name, content, "application/json"))]

    flipped = one["signature"][:-2] + ("00" if not one["signature"].endswith("00") else "11")
    by_deu = partners.resigned(other, one["bundle"], "DEU")  # a key the partner knows, not FRA's
    return [
        (
            "tampered signature",
            single(partners.as_bytes({**one, "signature": flipped})),
            400,
            "Bundle: the signature is not FRA&#39;s over this bundle",
        ),
        (
            "tampered content",
            single(partners.as_bytes(partners.with_tampered_title(one))),
            400,
            "Bundle: the signature is not FRA&#39;s over this bundle",
        ),
        (
            "unknown marking",
            single(partners.as_bytes(partners.resigned(home, partners.with_unknown_marking(one)))),
            400,
            f"Bundle: unknown marking {partners.UNKNOWN_MARKING}",
        ),
        (
            "owner other than signer",
            single(partners.as_bytes(by_deu)),
            400,
            "Bundle: the report claims FRA as its owner but DEU signed it",
        ),
        (
            "bad JSON",
            single(partners.as_bytes(one)[:-40]),
            400,
            "Bundle: debrief.stix.json is not JSON (",
        ),
        ("not UTF-8", single(b"\xff\xfe{}"), 400, "Bundle: debrief.stix.json is not UTF-8 text"),
        (
            "hostile name, bad JSON",
            single(b"{", HOSTILE_NAME),
            400,
            "Bundle: scriptimg src=x onerror=alert(2).json is not JSON (",
        ),
        (
            "too large",
            single(b" " * (LIMIT + 1)),
            413,
            "Bundle: debrief.stix.json is larger than the limit of 0.25 MiB",
        ),
        (
            "no signature",
            single(partners.as_bytes(one["bundle"])),
            400,
            "Signature: this bundle has no signature: choose its .sig file too",
        ),
        (
            "a signature alone",
            single(partners.as_bytes({"signer": "FRA", "signature": one["signature"]})),
            400,
            "Bundle: choose the bundle file (JSON)",
        ),
        (
            "two signatures",
            [
                *single(partners.as_bytes(one)),
                (
                    "signature",
                    ("x.sig", partners.as_bytes({"signer": "FRA", "signature": "00"}), "a/b"),
                ),
            ],
            400,
            "Signature: this file carries its own signature: leave the signature file out",
        ),
        ("no file", [], 400, "Bundle: choose the bundle file (JSON)"),
    ]


def test_refused_bundles_show_the_reason_and_store_nothing(
    runtime: Runtime, partner: partners.Partner, exported: dict[str, dict[str, Any]]
) -> None:
    other, case_id = partner.runtime, partner.case_id
    one = exported["one"]
    with TestClient(create_app(other), base_url="http://127.0.0.1") as client:
        helpers.officer_signin(client, other, partner.people["gbr_debriefer"])
        for name, files, status, reason in _refusals(runtime, other, one):
            before = stored(other)
            response = _send(client, case_id, files)
            assert response.status_code == status, (name, response.text[:600])
            page = response.text
            assert "Refused; nothing was stored." in page, name
            assert reason in page, (name, page.split('role="alert"', 1)[-1][:600])
            assert 'id="import-bundle" name="bundle" type="file"' in page, name
            assert 'aria-describedby="import-refusal import-limit" aria-invalid="true"' in page, (
                name
            )
            assert "<script>" not in page, name
            assert "\u202e" not in page, name
            assert stored(other) == before, name
            assert _blobs(other) == [], name

        # Once imported, the same report again is refused: it is already here.
        assert _send(client, case_id, [("bundle", ("a.json", partners.as_bytes(one), "a/b"))])
        before = stored(other)
        response = _send(client, case_id, [("bundle", ("a.json", partners.as_bytes(one), "a/b"))])
        assert response.status_code == 400
        assert "Bundle: this report is already here" in response.text
        assert stored(other) == before

        # A form whose token is not this visitor's: refused before any file is read.
        files = {"bundle": ("b.json", partners.as_bytes(exported["two"]), "application/json")}
        url = f"/officer/debrief/cases/{case_id}/import"
        response = client.post(url, data={"csrf": "0" * 64}, files=files)
        assert response.status_code == 400
        assert "the form has expired" in response.text
        assert stored(other) == before
    assert _blobs(other) == []


def test_who_may_not_import_uploads_nothing(
    partner: partners.Partner, exported: dict[str, dict[str, Any]]
) -> None:
    """A GBR desk officer (reads debriefs, does not exchange them) is refused with 403, its
    bytes skipped unread, and sees no import link on the case."""
    other, case_id = partner.runtime, partner.case_id
    with TestClient(create_app(other), base_url="http://127.0.0.1") as client:
        helpers.officer_signin(client, other, partner.people["gbr_officer"])
        card = client.get(f"/officer/cases/{case_id}").text.split('id="debriefs"', 1)[1]
        assert "/import" not in card.split("</section>", 1)[0]
        csrf = helpers.csrf_of(client.get(f"/officer/cases/{case_id}").text)
        before = stored(other)
        response = client.post(
            f"/officer/debrief/cases/{case_id}/import",
            data={"csrf": csrf},
            files={"bundle": ("b.json", partners.as_bytes(exported["one"]), "application/json")},
        )
        assert response.status_code == 403
        assert stored(other) == before
    assert _blobs(other) == []
