"""The encrypted file store: one file per attachment under data_dir/blobs, random names."""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from homeward.core.errors import TooLarge
from homeward.crypto import sealing

_NAME_MAX = 200
_BLOB_NAME = re.compile(r"[0-9a-f]{32}")
"""What BlobWriter names a file: nothing else in the folder is ever taken for a blob."""


@dataclass(frozen=True)
class StoredBlob:
    """A file written and encrypted, not yet attached to any message."""

    blob_name: str
    key: bytes
    size_bytes: int
    filename: str
    content_type: str

    def sealed_meta(self) -> bytes:
        meta = {"name": self.filename, "type": self.content_type}
        return sealing.encrypt(self.key, json.dumps(meta).encode())


class BlobWriter:
    """Receives a file chunk by chunk and writes only ciphertext; refuses past `max_bytes`."""

    def __init__(self, blobs_dir: Path, *, max_bytes: int, filename: str, content_type: str):
        blobs_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.blob_name = secrets.token_hex(16)
        self.path = blobs_dir / self.blob_name
        self._key = sealing.random_bytes()
        self._max_bytes = max_bytes
        self._filename = clean_filename(filename)
        self._content_type = content_type[:100] or "application/octet-stream"
        self._handle: BinaryIO = open(self.path, "xb")  # noqa: SIM115 - closed in finish/abort
        os.chmod(self.path, 0o600)
        self._encryptor = sealing.StreamEncryptor(self._key, self._handle)

    def write(self, chunk: bytes) -> None:
        if self._encryptor.plaintext_size + len(chunk) > self._max_bytes:
            self.abort()
            raise TooLarge("file", f"larger than the limit of {self._max_bytes} bytes")
        self._encryptor.write(chunk)

    def finish(self) -> StoredBlob:
        """The file reaches the disk, name included, before the row that names it can commit:
        a power cut after the letter is acknowledged must not keep the row and lose the file."""
        self._encryptor.close()
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        _sync_folder(self.path.parent)
        return StoredBlob(
            blob_name=self.blob_name,
            key=self._key,
            size_bytes=self._encryptor.plaintext_size,
            filename=self._filename,
            content_type=self._content_type,
        )

    def abort(self) -> None:
        self._handle.close()
        remove(self.path.parent, self.blob_name)


def _sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def clean_filename(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*')
    return cleaned[:_NAME_MAX] or "file"


def read_meta(key: bytes, sealed: bytes) -> dict[str, str]:
    meta: dict[str, str] = json.loads(sealing.decrypt(key, sealed))
    return meta


def open_plaintext(blobs_dir: Path, blob_name: str, key: bytes) -> Iterator[bytes]:
    """Decrypt a stored file chunk by chunk."""
    with open(blobs_dir / blob_name, "rb") as handle:
        yield from sealing.stream_decrypt(key, handle)


def remove(blobs_dir: Path, blob_name: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(blobs_dir / blob_name)


def older_than(blobs_dir: Path, cutoff: datetime) -> list[str]:
    """Blob files last written before `cutoff`: the only ones that may be orphans, for an
    upload in flight writes its file before its row exists."""
    if not blobs_dir.is_dir():
        return []
    limit = cutoff.timestamp()
    names = []
    for entry in os.scandir(blobs_dir):
        if _BLOB_NAME.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
            with contextlib.suppress(FileNotFoundError):
                if entry.stat(follow_symlinks=False).st_mtime < limit:
                    names.append(entry.name)
    return names
