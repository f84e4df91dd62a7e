"""Headless Chromium for the page tests: Debian's package, driven by Playwright.

`HOMEWARD_CHROMIUM` names the binary; without it, `chromium` on the PATH is used, so a plain
`make test` on a machine that has the browser runs these tests too. With neither, they skip
visibly, except in CI, where a missing browser is a failure."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from homeward.core.runtime import Runtime
from tests import helpers

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    path = os.environ.get("HOMEWARD_CHROMIUM") or shutil.which("chromium")
    if not path:
        reason = "no Chromium: install Debian's chromium or set HOMEWARD_CHROMIUM"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    return path


def launched() -> Iterator[Browser]:
    """Body of each test folder's `browser` fixture."""
    path = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def sign_in(page: Page, base: str, runtime: Runtime, persona: helpers.Persona) -> None:
    """Sign an officer in on the sign-in page (password and authenticator code)."""
    page.goto(f"{base}/officer/signin")
    page.get_by_label("Username").fill(persona.username)
    page.get_by_label("Password").fill(persona.password)
    page.get_by_label("Authenticator code").fill(helpers.totp_code(runtime, persona))
    page.get_by_role("button", name="Sign in").click()


def shots(page: Page, stem: Path) -> None:
    """The whole page at 390 and 1280 px wide, as `<stem>-390.png` and `<stem>-1280.png`."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=stem.parent / f"{stem.name}-{width}.png", full_page=True)
