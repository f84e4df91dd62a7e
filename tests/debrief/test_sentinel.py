"""A debrief's body is never in clear at rest: unique markers go into the subject, every
section, the free text and the title of a report written through the API, into the reason of a
release decision and into the text of a sanitised copy; then every file under the data
directory (SQLite database and its log, keys), a PostgreSQL dump and everything logged are
searched for them, in UTF-8, hex and UTF-16. The desk reads them back in clear through the API
first, so the markers really went in. Both engines."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from homeward.core.runtime import Runtime
from tests import helpers, sentinel
from tests.debrief import world

API = "/api/v1/debrief"


def test_no_report_body_is_stored_or_logged_in_clear(
    runtime: Runtime, personas: helpers.Personas, client: TestClient, captured_log: Path
) -> None:
    people = world.populate(runtime, personas)
    case_id = world.fra_case(runtime, people)
    mark = {
        name: sentinel.marker(name)
        for name in (
            "subject",
            "people",
            "places",
            "events",
            "organisations",
            "methods",
            "text",
            "title",
            "reason",
            "sanitised",
        )
    }
    sections = {
        name: [{"name": mark[name], "description": mark[name], "country": "SY"}]
        if name == "places"
        else [{"name": mark[name], "description": mark[name]}]
        for name in ("people", "places", "events", "organisations", "methods")
    }
    debriefer = helpers.api_token(client, runtime, people["fra_debriefer"])
    written = client.post(
        f"{API}/cases/{case_id}/reports",
        headers=debriefer,
        json={
            "title": mark["title"],
            "session_on": "2026-11-28",
            "subject": mark["subject"],
            "sections": sections,
            "text": mark["text"],
            "classification": 2,
        },
    )
    assert written.status_code == 201, written.text
    report_id = written.json()["id"]
    supervisor = helpers.api_token(client, runtime, people["fra_supervisor"])
    widened = client.post(
        f"{API}/reports/{report_id}/release",
        headers=supervisor,
        json={
            "nations": ["GBR"],
            "reason": mark["reason"],
            "basis": {"kind": "legal_obligation", "grounds": "Synthetic: treaty."},
        },
    )
    assert widened.status_code == 200, widened.text
    assert widened.json()["releases"][0]["reason"] == mark["reason"]
    sanitised = client.post(
        f"{API}/reports/{report_id}/sanitise",
        headers=supervisor,
        json={
            "classification": 1,
            "release": ["GBR"],
            "reason": "For partners",
            "text": mark["sanitised"],
        },
    )
    assert sanitised.status_code == 201, sanitised.text
    assert sanitised.json()["text"] == mark["sanitised"]
    opened = client.get(f"{API}/reports/{report_id}", headers=debriefer).json()
    assert opened["subject"] == mark["subject"]
    assert opened["title"] == mark["title"]
    assert opened["text"] == mark["text"]
    assert {name: opened["sections"][name][0]["name"] for name in sections} == {
        name: mark[name] for name in sections
    }

    found = sentinel.found_at_rest(
        runtime, list(mark.values()), captured_log, "debrief_report", "debrief_release"
    )
    assert found == {}
