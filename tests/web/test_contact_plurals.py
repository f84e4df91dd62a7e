"""Counts on the contact pages take the form their language needs, from the catalogs' plural
forms: Arabic has six (one minute is "دقيقة واحدة", two "دقيقتين", three to ten "دقائق", eleven
to ninety-nine "دقيقة" after the number), French three, German and English two. Both engines."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from homeward.core.runtime import Runtime
from homeward.web.app import create_app
from tests import helpers

Server = Callable[..., Runtime]


@pytest.fixture
def server(engine_name: str, templates: helpers.Templates, tmp_path: Path) -> Iterator[Server]:
    """A server with the given settings, its desks with their keys."""
    with ExitStack() as stack:

        def made(**overrides: object) -> Runtime:
            runtime = stack.enter_context(
                helpers.fresh_runtime(engine_name, templates, tmp_path, **overrides)
            )
            helpers.make_personas(runtime)
            return runtime

        yield made


def contact(runtime: Runtime, lang: str) -> TestClient:
    """A new contact, codename typed back, on the write page's side."""
    client = TestClient(create_app(runtime), base_url="http://127.0.0.1")
    helpers.contact_start(client, lang)
    return client


@pytest.mark.parametrize(
    ("minutes", "files", "expected"),
    [
        (
            1,
            1,
            {
                "ar": ("بعد دقيقة واحدة دون أي نشاط", "يمكنك إرفاق ملف واحد حجمه"),
                "en": ("after <bdi>1</bdi> minute without", "Up to <bdi>1</bdi> file of up to"),
                "de": ("nach einer Minute ohne", "Eine Datei mit höchstens"),
            },
        ),
        (
            2,
            2,
            {
                "ar": ("بعد دقيقتين دون أي نشاط", "ما يصل إلى ملفين، حجم كل منهما"),
                "en": ("after <bdi>2</bdi> minutes without", "Up to <bdi>2</bdi> files of up to"),
                "de": ("nach <bdi>2</bdi> Minuten ohne", "Bis zu <bdi>2</bdi> Dateien"),
            },
        ),
        (
            10,
            5,
            {
                "ar": ("بعد <bdi>10</bdi> دقائق دون أي نشاط", "ما يصل إلى <bdi>5</bdi> ملفات"),
                "en": ("after <bdi>10</bdi> minutes without", "Up to <bdi>5</bdi> files of up to"),
                "de": ("nach <bdi>10</bdi> Minuten ohne", "Bis zu <bdi>5</bdi> Dateien"),
            },
        ),
        (
            30,
            11,
            {
                "ar": ("بعد <bdi>30</bdi> دقيقة دون أي نشاط", "ما يصل إلى <bdi>11</bdi> ملفًا"),
                "en": ("after <bdi>30</bdi> minutes without", "Up to <bdi>11</bdi> files of up to"),
                "de": ("nach <bdi>30</bdi> Minuten ohne", "Bis zu <bdi>11</bdi> Dateien"),
            },
        ),
    ],
)
def test_the_write_page_counts_minutes_and_files_in_each_language_s_forms(
    minutes: int, files: int, expected: dict[str, tuple[str, ...]], server: Server
) -> None:
    runtime = server(contact_idle_minutes=minutes, attachments_max_count=files)
    for lang, phrases in expected.items():
        page = contact(runtime, lang).get(f"/{lang}/write").text
        for phrase in phrases:
            assert phrase in page, (lang, phrase)


def test_refusals_count_characters_and_files_in_arabic(server: Server) -> None:
    client = contact(server(message_max_chars=11, attachments_max_count=2), "ar")
    csrf = helpers.csrf_of(client.get("/ar/write").text)
    too_long = client.post(
        "/ar/write",
        data={"csrf": csrf, "message": "رسالة تجريبية طويلة", "desk": "FRA"},
        files=[("files", ("", b"", "application/octet-stream"))],
    )
    assert too_long.status_code == 400
    assert "رسالتك أطول من <bdi>11</bdi> حرفًا." in too_long.text
    assert "يمكنك كتابة ما يصل إلى <bdi>11</bdi> حرفًا." in too_long.text
    too_many = client.post(
        "/ar/write",
        data={"csrf": csrf, "message": "رسالة", "desk": "FRA"},
        files=[("files", (f"{n}.txt", b"synthetic", "text/plain")) for n in range(3)],
    )
    assert too_many.status_code == 400
    assert "لا يمكن أن يُرفق بالرسالة الواحدة أكثر من ملفين؛" in too_many.text
