"""Known devices: a browser or client where an officer has signed in before.

The server-wide ceiling on failed sign-ins and the lock on a hammered username slow a guesser,
but they would also keep the real officer out while an attacker keeps them full. So a
successful sign-in hands the client a device token (OWASP's "device cookie"), and a later
attempt that shows a valid token for the same username is judged apart: it passes the
server-wide ceiling and counts its failures on a throttle of its own, keyed by the token. A
guesser without the officer's token cannot fill that throttle; a guesser who stole it gets
one more username-sized allowance of tries (5 free, then waits and 15-minute locks), no more.

The token is stateless: a random nonce and a keyed hash binding it to the username, under a
server subkey. Nothing about it is stored; rotating the server keys forgets every device.
"""

from __future__ import annotations

import base64
import binascii
import secrets as random

from homeward.crypto import sealing
from homeward.crypto.keys import ServerSecrets

_PURPOSE = "hw-device"
_NONCE_BYTES = 16
_MAC_BYTES = 16
TOKEN_MAX_LENGTH = 64


def _mac(secrets: ServerSecrets, username: str, nonce: bytes) -> bytes:
    normalised = username.strip().lower().encode()
    return sealing.keyed_hash(
        secrets.subkey(_PURPOSE), nonce + b"\0" + normalised, _PURPOSE, _MAC_BYTES
    )


def issue(*, secrets: ServerSecrets, username: str) -> str:
    """A new device token for this username, to be kept by the client."""
    nonce = random.token_bytes(_NONCE_BYTES)
    raw = nonce + _mac(secrets, username, nonce)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def nonce_of(*, secrets: ServerSecrets, username: str, token: str | None) -> str | None:
    """The token's nonce (hex) if it was issued by this server for this username, else None.
    A malformed, forged or other username's token is simply not a known device."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(raw) != _NONCE_BYTES + _MAC_BYTES:
        return None
    nonce, mac = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
    if not sealing.equal(mac, _mac(secrets, username, nonce)):
        return None
    return nonce.hex()
