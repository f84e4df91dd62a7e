"""Server secrets kept outside the database: the data key (tier 2), the codename pepper and
the audit log's Ed25519 signing seed.

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
LOG_KEY_FILE = "log-signing.key"


@dataclass(frozen=True)
class ServerSecrets:
    data_key: bytes
    pepper: bytes
    log_seed: bytes
    """Signs audit checkpoints; its public half is what witnesses and auditors hold."""

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
    paths = [keys_dir / name for name in (DATA_KEY_FILE, PEPPER_FILE, LOG_KEY_FILE)]
    if not create and not all(path.exists() for path in paths):
        msg = f"server keys not found in {keys_dir}: run `homeward init` first"
        raise FileNotFoundError(msg)
    data_key, pepper, log_seed = (_read_or_create(path) for path in paths)
    return ServerSecrets(data_key=data_key, pepper=pepper, log_seed=log_seed)
