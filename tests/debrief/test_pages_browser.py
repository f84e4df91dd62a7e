"""Debrief pages in a real browser, JavaScript off: a debriefer writes a report from the case
page (a place without its country refused, the field named and everything typed kept), downloads
it as a signed STIX bundle; a supervisor releases it (refused without a basis, then on one) and
sanitises it into a lower, wider copy without its methods. A report typed in Arabic with its
methods at SECRET shows them withheld to a debriefer cleared to RESTRICTED. Screenshots at 390
and 1280 px in test-artifacts/debrief/ (officer pages are English; the Arabic is the report's
own words). SQLite only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from homeward.core.runtime import Runtime
from homeward.crypto import sealing
from homeward.debrief import stix
from tests import browser as browsers
from tests import helpers, live_server
from tests.debrief import world

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "debrief"


@pytest.fixture
def browser() -> Iterator[Browser]:
    yield from browsers.launched()


def shot(page: Page, name: str) -> None:
    browsers.shots(page, ARTIFACTS / name)


def _signed_in(
    browser: Browser, base: str, runtime: Runtime, persona: helpers.Persona, locale: str = "en-GB"
) -> Page:
    context = browser.new_context(java_script_enabled=False, locale=locale)
    page = context.new_page()
    browsers.sign_in(page, base, runtime, persona)
    return page


def test_write_export_release_and_sanitise(browser: Browser, sqlite_runtime: Runtime) -> None:
    runtime = sqlite_runtime
    people = world.populate(runtime, helpers.make_personas(runtime))
    case_id = world.fra_case(runtime, people)
    with live_server.serve(runtime) as base:
        page = _signed_in(browser, base, runtime, people["fra_debriefer"])
        page.goto(f"{base}/officer/cases/{case_id}")
        card = page.locator("#debriefs")
        expect(card).to_contain_text("No debrief report that you may open.")
        card.get_by_role("link", name="Write a debrief report").click()
        page.get_by_label("Title").fill("Synthetic session one: the northern route")
        page.get_by_label("Date of the session").fill("2026-11-30")
        page.locator("#subject").fill("Karim Benali (synthetic)")
        page.get_by_label("Classification").select_option(label="CONFIDENTIAL")
        page.get_by_label("ORCON").check()
        page.get_by_label("Name 1").first.fill("Abu Mariam")
        page.locator("#people-0-description").fill("Recruiter at the mosque, 2014")
        page.locator("#places-0-name").fill("Safe house by the river")
        page.locator("#places-0-description").fill("Stayed there two weeks")
        page.locator("#methods-0-name").fill("Courier letters")
        page.locator("#methods-0-description").fill("Messages carried by hand")
        page.get_by_label("Anything else from the session").fill("He asked to call his mother.")
        page.get_by_role("button", name="Save the report").click()

        alert = page.get_by_role("alert")
        expect(alert).to_contain_text("Places, row 1, country: the place's country as two")
        expect(page.locator("#places-0-country")).to_have_attribute("aria-invalid", "true")
        expect(alert.get_by_role("link", name="Go to the field")).to_have_attribute(
            "href", "#places-0-country"
        )
        expect(page.locator("#places-0-name")).to_have_value("Safe house by the river")
        expect(page.locator("#methods-0-description")).to_have_value("Messages carried by hand")
        expect(page.get_by_label("ORCON")).to_be_checked()
        expect(page.get_by_label("Classification")).to_have_value("2")
        shot(page, "write-refused")

        page.locator("#places-0-country").fill("sy")
        page.get_by_role("button", name="Save the report").click()
        for where in ("#labels-top", "#labels-bottom"):
            expect(page.locator(where)).to_contain_text("CONFIDENTIAL")
            expect(page.locator(where)).to_contain_text("FRA ONLY")
            expect(page.locator(where)).to_contain_text("ORCON")
        expect(page.locator("#section-places")).to_contain_text("SY")
        expect(page.locator("#history")).to_contain_text("Never released")
        report_url = page.url
        shot(page, "report")

        with page.expect_download() as started:
            page.get_by_role("link", name="Download as a signed STIX bundle").click()
        signed = json.loads(Path(started.value.path()).read_text())
        assert signed["signer"] == "FRA"
        key = stix.exchange_public_key(runtime.secrets, "FRA")
        assert sealing.signature_valid(
            key, stix.canonical(signed["bundle"]), bytes.fromhex(signed["signature"])
        )
        assert any(o["type"] == "report" for o in signed["bundle"]["objects"])
        page.context.close()

        page = _signed_in(browser, base, runtime, people["fra_supervisor"])
        page.goto(report_url)
        release = page.locator("#release")
        release.get_by_text("Choose nations, say why").click()
        release.get_by_label("GBR").check()
        release.get_by_label("Why").fill("Synthetic: the British desk holds his brother.")
        release.get_by_role("button", name="Release").click()
        expect(page.locator("#release-refusal")).to_contain_text(
            "Basis: say on what basis GBR may read this report"
        )
        gone_to = page.locator("#release-refusal").get_by_role("link", name="Go to the field")
        expect(gone_to).to_have_attribute("href", "#release-basis")
        expect(page.locator("#release-basis")).to_have_attribute("aria-invalid", "true")
        release = page.locator("#release")
        expect(release.get_by_label("GBR")).to_be_checked()
        expect(release.get_by_label("Why")).to_have_value(
            "Synthetic: the British desk holds his brother."
        )
        shot(page, "release-refused")
        release.get_by_label("A legal obligation").check()
        release.get_by_label("Grounds").fill("Synthetic: treaty article 7.")
        release.get_by_role("button", name="Release").click()
        expect(page.locator("#labels-top")).to_contain_text("REL TO FRA, GBR")
        history = page.locator("#history")
        expect(history).to_contain_text("Released to GBR")
        expect(history).to_contain_text("fra.supervisor")
        expect(history).to_contain_text("a legal obligation")
        expect(history).to_contain_text("the British desk holds his brother")
        shot(page, "released")

        sanitise = page.locator("#sanitise")
        sanitise.get_by_text("Choose the level, nations and sections").click()
        sanitise.get_by_label("Level of the new report").select_option(label="RESTRICTED")
        sanitise.get_by_label("DEU").check()
        sanitise.get_by_label("Methods").uncheck()
        sanitise.get_by_label("Why").fill("Synthetic: for the coalition's screening cell.")
        sanitise.get_by_label("A legal obligation").check()
        sanitise.get_by_label("Grounds").fill("Synthetic: treaty article 9.")
        sanitise.get_by_role("button", name="Make the sanitised report").click()
        expect(page.locator("#labels-top")).to_contain_text("RESTRICTED")
        expect(page.locator("#labels-top")).to_contain_text("REL TO FRA, DEU, GBR")
        expect(page.locator(".source-link")).to_contain_text("Sanitised from")
        expect(page.locator("#section-methods")).to_contain_text("left out when sanitised")
        expect(page.locator("#section-people")).to_contain_text("Abu Mariam")
        shot(page, "sanitised")

        page.goto(f"{base}/officer/cases/{case_id}")
        card = page.locator("#debriefs")
        expect(card.get_by_role("link")).to_have_count(4)  # two reports, write, import
        expect(card).to_contain_text("sanitised copy")
        shot(page, "case-card")
        page.goto(report_url)
        expect(page.locator(".copies")).to_contain_text("RESTRICTED, REL TO FRA, DEU, GBR")
        page.context.close()


def test_arabic_report_with_a_withheld_section(browser: Browser, sqlite_runtime: Runtime) -> None:
    runtime = sqlite_runtime
    people = world.populate(runtime, helpers.make_personas(runtime))
    case_id = world.fra_case(runtime, people)
    with live_server.serve(runtime) as base:
        page = _signed_in(browser, base, runtime, people["fra_debriefer"], "ar-IQ")
        page.goto(f"{base}/officer/debrief/cases/{case_id}/new")
        page.get_by_label("Title").fill("جلسة أولى: الطريق الشمالي")
        page.locator("#subject").fill("كريم بن علي")
        page.get_by_label("Classification").select_option(label="RESTRICTED")
        page.locator("#people-0-name").fill("أبو مريم")
        page.locator("#people-0-description").fill("كان يجند الشباب في المسجد")
        page.locator("#places-0-name").fill("بيت قرب النهر")
        page.locator("#places-0-country").fill("SY")
        page.locator("#methods-0-name").fill("رسائل باليد")
        page.get_by_label("Stricter level for methods").select_option(label="SECRET")
        page.get_by_label("Anything else from the session").fill("طلب أن يتصل بأمه.")
        shot(page, "ar-write")
        page.get_by_role("button", name="Save the report").click()
        expect(page.locator("h1")).to_have_text("جلسة أولى: الطريق الشمالي")
        expect(page.locator("#section-methods")).to_contain_text("رسائل باليد")
        report_url = page.url
        shot(page, "ar-report")
        page.context.close()

        page = _signed_in(browser, base, runtime, people["fra_junior"], "ar-IQ")
        page.goto(report_url)
        expect(page.locator("#section-methods")).to_contain_text("withheld")
        expect(page.locator("#section-methods")).not_to_contain_text("رسائل باليد")
        expect(page.locator("#section-people")).to_contain_text("أبو مريم")
        shot(page, "ar-withheld")
        page.context.close()
