"""The device token travels as the pages' `hw_device` cookie and the API's `device` field: an
officer's own browser or client signs in while a spray has emptied the server-wide ceiling."""

from __future__ import annotations

from fastapi.testclient import TestClient

from homeward.core.ceiling import FailureCeiling
from homeward.core.runtime import Runtime
from homeward.web.security import DEVICE_COOKIE
from tests import helpers


def _empty_ceiling(runtime: Runtime) -> None:
    runtime.officer_signin_failures = FailureCeiling(1, clock=lambda: 0.0)
    assert runtime.officer_signin_failures.take()


def test_the_pages_keep_a_device_cookie_that_passes_an_empty_ceiling(
    client: TestClient, runtime: Runtime, personas: helpers.Personas
) -> None:
    fra = personas["fra_officer"]
    helpers.officer_signin(client, runtime, fra)
    device = client.cookies.get(DEVICE_COOKIE)
    assert device
    client.post("/officer/signout", data={"csrf": helpers.csrf_of(client.get("/officer/").text)})
    _empty_ceiling(runtime)

    stranger = TestClient(client.app, base_url="http://127.0.0.1")
    page = stranger.get("/officer/signin")
    refused = stranger.post(
        "/officer/signin",
        data={
            "username": fra.username,
            "password": fra.password,
            "code": helpers.totp_code(runtime, fra),
            "csrf": helpers.csrf_of(page.text),
        },
        follow_redirects=False,
    )
    assert refused.status_code == 429
    assert "too many failed sign-ins on this server" in refused.text

    helpers.officer_signin(client, runtime, fra)  # the officer's own browser: 303
    assert client.get("/officer/").status_code == 200


def test_the_api_returns_a_device_token_that_passes_an_empty_ceiling(
    client: TestClient, runtime: Runtime, personas: helpers.Personas
) -> None:
    deu = personas["deu_officer"]
    body = {"username": deu.username, "password": deu.password}
    code = helpers.totp_code(runtime, deu)
    first = client.post("/api/v1/auth/token", json={**body, "code": code})
    assert first.status_code == 200, first.text
    device = first.json()["device"]
    _empty_ceiling(runtime)
    code = helpers.totp_code(runtime, deu)
    without = client.post("/api/v1/auth/token", json={**body, "code": code})
    assert without.status_code == 429
    with_device = client.post("/api/v1/auth/token", json={**body, "code": code, "device": device})
    assert with_device.status_code == 200, with_device.text
    assert with_device.json()["device"] == device
