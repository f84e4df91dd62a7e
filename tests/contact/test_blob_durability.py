"""An encrypted file is on the disk, its name included, before `finish` hands it to the
letter's transaction: with synchronous=FULL the row is durable at commit, so the file must be
too (a power cut may not keep the row and lose the file)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from homeward.contact.blobs import BlobWriter


def test_finish_syncs_the_file_and_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[tuple[int, int]] = []  # (inode, size on disk at the time of the sync)
    real_fsync = os.fsync

    def recording_fsync(descriptor: int) -> None:
        real_fsync(descriptor)
        status = os.fstat(descriptor)
        synced.append((status.st_ino, status.st_size))

    folder = tmp_path / "blobs"
    writer = BlobWriter(folder, max_bytes=1 << 20, filename="scan.pdf", content_type="x/y")
    writer.write(b"synthetic page " * 1000)
    monkeypatch.setattr(os, "fsync", recording_fsync)
    stored = writer.finish()

    blob = folder / stored.blob_name
    inodes = dict(synced)
    assert blob.stat().st_ino in inodes, "the file's data was not synced"
    assert inodes[blob.stat().st_ino] == blob.stat().st_size, "synced before the last chunk"
    assert folder.stat().st_ino in inodes, "the folder entry naming the file was not synced"
