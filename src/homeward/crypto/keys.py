"""Server secrets kept outside the database: the data key (tier 2) and the codename pepper.

They live as files under the data directory's `keys/` folder (mode 0600) or wherever
HOMEWARD_DATA_DIR points; a copy of the database alone holds neither.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from homeward.crypto import sealing

DATA_KEY_FILE = "data.key"
PEPPER_FILE = "pepper.key"


@dataclass(frozen=True)
class ServerSecrets:
    data_key: bytes
    pepper: bytes

    def subkey(self, purpose: str) -> bytes:
        """A key for one purpose (CSRF tokens, tier-2 fields), so one leak does not open all."""
        return sealing.keyed_hash(self.data_key, b"subkey", purpose)

    def seal_field(self, plaintext: str) -> bytes:
        """Tier 2: at rest under the server data key."""
        return sealing.encrypt(self.subkey("hw-tier2"), plaintext.encode())

    def open_field(self, ciphertext: bytes) -> str:
        return sealing.decrypt(self.subkey("hw-tier2"), ciphertext).decode()


def _read_or_create(path: Path) -> bytes:
    if path.exists():
        secret = path.read_bytes()
        if len(secret) != sealing.KEY_SIZE:
            msg = f"key file {path} is damaged (expected {sealing.KEY_SIZE} bytes)"
            raise ValueError(msg)
        return secret
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    secret = sealing.random_bytes()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(secret)
    return secret


def load_server_secrets(keys_dir: Path, *, create: bool = False) -> ServerSecrets:
    data_path, pepper_path = keys_dir / DATA_KEY_FILE, keys_dir / PEPPER_FILE
    if not create and not (data_path.exists() and pepper_path.exists()):
        msg = f"server keys not found in {keys_dir}: run `homeward init` first"
        raise FileNotFoundError(msg)
    return ServerSecrets(data_key=_read_or_create(data_path), pepper=_read_or_create(pepper_path))
