"""The programme figures page for the accessibility scan (tests/web/test_accessibility.py):
the crawl reaches /officer/figures from the navigation (a supervisor's own nation in full);
these are the coalition view, disclosure-controlled, as the FRA supervisor and as the
coordination cell, and a short period with its line charts."""

from __future__ import annotations


def pages() -> dict[str, list[tuple[str, str]]]:
    return {
        "fra.supervisor": [
            ("figures-coalition", "/officer/figures?view=coalition"),
            ("figures-quarter", "/officer/figures?view=FRA&from=2026-01-01&to=2026-03-31"),
        ],
        "irq.coordinator": [("figures-coalition", "/officer/figures")],
    }
