"""Headless Chromium for the page tests: Debian's package, driven by Playwright.

`HOMEWARD_CHROMIUM` names the binary; without it, `chromium` on the PATH is used, so a plain
`make test` on a machine that has the browser runs these tests too. With neither, they skip
visibly, except in CI, where a missing browser is a failure."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

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
