"""The identity page in headless Chromium with JavaScript off: a registry imported through the
form, the case's candidates with their waterfall charts (inline SVG under the strict CSP), and
a confirmation through the form; screenshots in test-artifacts/identity/. SQLite only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from homeward.core.runtime import Runtime
from tests import browser as browsers
from tests import helpers, live_server
from tests.identity.online_world import as_csv, open_case, registry, using_real_model

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "identity"


@pytest.fixture
def browser() -> Iterator[Browser]:
    yield from browsers.launched()


def test_the_waterfall_chart_in_a_browser(
    browser: Browser, sqlite_runtime: Runtime, tmp_path: Path
) -> None:
    runtime = sqlite_runtime
    personas = helpers.make_personas(runtime)
    officer = personas["fra_officer"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    made = registry()
    upload = tmp_path / "registry.csv"
    upload.write_text(as_csv(made.reports), encoding="utf-8")
    case_id = open_case(runtime, officer, made.case_identity)
    with using_real_model(tmp_path), live_server.serve(runtime) as base:
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text))
        page.goto(f"{base}/officer/signin")
        page.get_by_label("Username").fill(officer.username)
        page.get_by_label("Password").fill(officer.password)
        page.get_by_label("Authenticator code").fill(helpers.totp_code(runtime, officer))
        page.get_by_role("button", name="Sign in").click()

        page.goto(f"{base}/officer/identity")
        page.get_by_label("File").set_input_files(str(upload))
        page.get_by_role("button", name="Import").first.click()
        expect(page.get_by_text(f"Imported {len(made.reports)} reports")).to_be_visible()

        page.goto(f"{base}/officer/cases/{case_id}")
        page.get_by_role("link", name="Who might this be").click()
        chart = page.locator("figure.waterfall svg").first
        expect(chart).to_be_visible()
        assert chart.bounding_box() is not None
        expect(page.locator("figure.waterfall").first.locator("rect")).not_to_have_count(0)
        expect(page.get_by_text(made.registry_record)).to_be_visible()
        page.screenshot(path=ARTIFACTS / "candidates.png", full_page=True)

        page.get_by_role("button", name="Same person: confirm").first.click()
        page.goto(f"{base}/officer/cases/{case_id}")
        expect(page.get_by_text("Identity link confirmed")).to_be_visible()
        page.screenshot(path=ARTIFACTS / "confirmed.png", full_page=True)
        assert not [e for e in errors if "Content Security Policy" in e]
        context.close()
