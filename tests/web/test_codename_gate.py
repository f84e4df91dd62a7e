"""The codename is typed back once before the contact goes on: until then, writing and the
conversation lead back to the codename page, and a letter posted straight to /write is not
stored (its body is not even read). Both engines."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from homeward.contact.models import Message
from homeward.core.runtime import Runtime
from tests import helpers


def messages(runtime: Runtime) -> int:
    with runtime.db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(Message)) or 0)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_writing_and_the_conversation_wait_for_the_codename_typed_back(
    lang: str, runtime: Runtime, personas: helpers.Personas, client: TestClient
) -> None:
    codename = helpers.contact_start(client, lang, typed_back=False)
    shown = client.get(f"/{lang}/codename")
    for path in ("/write", "/conversation"):
        held = client.get(f"/{lang}{path}", follow_redirects=False)
        assert held.status_code == 303, (path, held.text)
        assert held.headers["location"] == f"/{lang}/codename"
    posted = client.post(
        f"/{lang}/write",
        data={"csrf": helpers.csrf_of(shown.text), "message": "Synthetic letter.", "desk": "FRA"},
        files=[("files", ("note.txt", b"synthetic", "text/plain"))],
        follow_redirects=False,
    )
    assert posted.status_code == 303
    assert posted.headers["location"] == f"/{lang}/codename"
    assert messages(runtime) == 0
    assert not list(runtime.settings.blobs_dir.glob("*"))

    # Still shown, and once typed back the way is open.
    assert codename.split(" ")[0] in client.get(f"/{lang}/codename").text
    confirmed = client.post(
        f"/{lang}/codename/confirm",
        data={"csrf": helpers.csrf_of(shown.text), "typed": codename},
        follow_redirects=False,
    )
    assert confirmed.headers["location"] == f"/{lang}/write"
    assert client.get(f"/{lang}/write", follow_redirects=False).status_code == 200
    assert client.get(f"/{lang}/conversation", follow_redirects=False).status_code == 200
    assert helpers.contact_write(client, "Synthetic letter.", lang=lang) == 303
    assert messages(runtime) == 1
