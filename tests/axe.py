"""axe-core in the page tests: the copy bundled with the pinned axe-playwright-python, injected
by the test into the page it checks. Homeward never serves it, and the contact pages' own
"no script" promise is checked elsewhere with JavaScript off; axe needs it on."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

BLOCKING = frozenset({"serious", "critical"})
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "a11y"


@cache
def source() -> str:
    return (resources.files("axe_playwright_python") / "axe.min.js").read_text("utf-8")


@dataclass(frozen=True)
class Finding:
    page: str
    rule: str
    impact: str
    target: str
    summary: str

    @property
    def blocking(self) -> bool:
        return self.impact in BLOCKING

    def __str__(self) -> str:
        return f"{self.page}: {self.rule} ({self.impact}) at {self.target}: {self.summary}"


def scan(page: Page, name: str) -> list[Finding]:
    """Every violation axe finds on the page as it is now, one finding per element."""
    page.wait_for_load_state("load")  # a page still loading has no document to scan
    # Evaluated through the DevTools protocol, so the page's CSP (no script) does not stop it.
    page.evaluate(source())
    result: dict[str, Any] = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    findings = []
    for violation in result["violations"]:
        for node in violation["nodes"]:
            summary = " ".join((node.get("failureSummary") or violation["help"]).split())
            findings.append(
                Finding(
                    page=name,
                    rule=violation["id"],
                    impact=node.get("impact") or violation.get("impact") or "unknown",
                    target=" ".join(str(part) for part in node["target"]),
                    summary=summary,
                )
            )
    return findings


def sideways(page: Page, name: str) -> list[Finding]:
    """Not an axe rule: a page wider than the window makes a phone reader scroll sideways
    (WCAG 1.4.10, reflow). Reported, not refused, until the pages it names are fixed."""
    extra: int = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if extra <= 1:
        return []
    return [Finding(name, "reflow", "moderate", "html", f"{extra} px wider than the window")]
