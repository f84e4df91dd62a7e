"""The import page in a real browser, JavaScript off, on both engines and two installations: a
FRA debriefer downloads a report released to GBR from its page; on GBR's installation a GBR
debriefer follows the case's Debriefs card to the import page, tries a bundle whose signature
was tampered with, one that is not JSON and one re-signed with an unknown marking (each refused
on the page with the reason, nothing stored), then the real download, and lands on the
imported report with FRA's labels. The same with a report written in Arabic, in an Arabic
browser. Screenshots at 390 and 1280 px in test-artifacts/debrief/import-*."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from homeward.core.runtime import Runtime
from homeward.debrief.schemas import Entry
from tests import browser as browsers
from tests import helpers, live_server
from tests.debrief import partner as partners
from tests.debrief import world
from tests.debrief.test_pages import stored

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "debrief"
ARABIC_SECTIONS = {
    "people": [Entry("أبو مريم", "كان يجند الشباب في المسجد")],
    "places": [Entry("بيت قرب النهر", "بقي فيه أسبوعين", "SY")],
    "events": [Entry("العبور", "غادر في آذار 2024")],
    "organisations": [Entry("كتيبة الشمال", "وحدة مقاتلين أجانب")],
    "methods": [Entry("رسائل باليد", "تنقل الرسائل باليد")],
}


@pytest.fixture
def browser() -> Iterator[Browser]:
    yield from browsers.launched()


def _signed_in(
    browser: Browser, base: str, runtime: Runtime, persona: helpers.Persona, locale: str
) -> Page:
    context = browser.new_context(java_script_enabled=False, locale=locale, accept_downloads=True)
    page = context.new_page()
    browsers.sign_in(page, base, runtime, persona)
    return page


def _download(page: Page, base: str, report_id: str, folder: Path) -> Path:
    page.goto(f"{base}/officer/debrief/{report_id}")
    with page.expect_download() as started:
        page.get_by_role("link", name="Download as a signed STIX bundle").click()
    path = folder / started.value.suggested_filename
    started.value.save_as(path)
    return path


@pytest.mark.parametrize("locale", ["en-GB", "ar-IQ"])
def test_import_a_partner_bundle_through_the_page(
    browser: Browser,
    runtime: Runtime,
    personas: helpers.Personas,
    *,
    engine_name: str,
    templates: helpers.Templates,
    tmp_path: Path,
    locale: str,
) -> None:
    arabic = locale.startswith("ar")
    people = world.populate(runtime, personas)
    case_id = world.fra_case(runtime, people)
    made = world.draft("", release=["GBR"], caveats=["ORCON"], section_levels={"methods": 3})
    if arabic:
        made.title, made.text = "جلسة أولى: الطريق الشمالي", "طلب أن يتصل بأمه."
        made.sections = ARABIC_SECTIONS
    report_id = world.write(runtime, people["fra_debriefer"], case_id, made)
    stem = "import-ar" if arabic else "import"
    with live_server.serve(runtime) as home:
        page = _signed_in(browser, home, runtime, people["fra_debriefer"], locale)
        path = _download(page, home, report_id, tmp_path)
        page.context.close()
    signed = json.loads(path.read_text(encoding="utf-8"))
    bad = {
        "tampered": {**signed, "signature": "00" * 64},
        "marking": partners.resigned(runtime, partners.with_unknown_marking(signed)),
    }
    for name, content in bad.items():
        (tmp_path / f"{name}.stix.json").write_bytes(partners.as_bytes(content))
    (tmp_path / "cut.stix.json").write_bytes(path.read_bytes()[:-30])

    with (
        partners.installation(engine_name, templates, tmp_path / "partner", runtime) as partner,
        live_server.serve(partner.runtime) as base,
    ):
        other = partner.runtime
        page = _signed_in(browser, base, other, partner.people["gbr_debriefer"], locale)
        page.goto(f"{base}/officer/cases/{partner.case_id}")
        page.locator("#debriefs").get_by_role(
            "link", name="Import a partner's signed bundle"
        ).click()
        expect(page.locator("h1")).to_contain_text("Import a partner's debrief")
        browsers.shots(page, ARTIFACTS / stem)

        before = stored(other)
        refusals = [
            ("tampered.stix.json", "Bundle: the signature is not FRA's over this bundle"),
            ("cut.stix.json", "Bundle: cut.stix.json is not JSON ("),
            ("marking.stix.json", f"Bundle: unknown marking {partners.UNKNOWN_MARKING}"),
        ]
        for file_name, reason in refusals:
            page.get_by_label("Bundle file").set_input_files(tmp_path / file_name)
            page.get_by_role("button", name="Import the report").click()
            alert = page.get_by_role("alert")
            expect(alert).to_contain_text("Refused; nothing was stored.")
            expect(alert).to_contain_text(reason)
            expect(page.get_by_label("Bundle file")).to_have_attribute("aria-invalid", "true")
            expect(alert.get_by_role("link", name="Go to the field")).to_have_attribute(
                "href", "#import-bundle"
            )
            assert stored(other) == before, file_name
        browsers.shots(page, ARTIFACTS / f"{stem}-refused")

        page.get_by_label("Bundle file").set_input_files(path)
        page.get_by_role("button", name="Import the report").click()
        for where in ("#labels-top", "#labels-bottom"):
            expect(page.locator(where)).to_contain_text("CONFIDENTIAL")
            expect(page.locator(where)).to_contain_text("REL TO FRA, GBR")
            expect(page.locator(where)).to_contain_text("ORCON")
        expect(page.locator("h1")).to_contain_text(made.title)
        first = made.sections["people"][0].name
        expect(page.locator("#section-people")).to_contain_text(first)
        assert stored(other)[0] == before[0] + 1
        browsers.shots(page, ARTIFACTS / f"{stem}-done")

        page.goto(f"{base}/officer/cases/{partner.case_id}")
        expect(page.locator("#debriefs")).to_contain_text("from FRA")
        page.context.close()
