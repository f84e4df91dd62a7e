"""The RFC 6962 vectors from transparency-dev/merkle (copied into vectors/rfc6962 with their
notice and licence): every inclusion and consistency case is accepted or rejected exactly as
it says."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from homeward.audit import merkle

VECTORS = Path(__file__).resolve().parent / "vectors" / "rfc6962"


def _cases(kind: str) -> list[Path]:
    return sorted((VECTORS / kind).rglob("*.json"))


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value) if value else b""


def _proof(values: list[str] | None) -> list[bytes]:
    return [_b64(item) for item in values or []]


def test_vectors_are_there() -> None:
    assert len(_cases("inclusion")) > 50
    assert len(_cases("consistency")) > 50


@pytest.mark.parametrize("path", _cases("inclusion"), ids=lambda p: str(p.relative_to(VECTORS)))
def test_inclusion_vector(path: Path) -> None:
    case = json.loads(path.read_text())

    def verify() -> None:
        merkle.verify_inclusion(
            _b64(case["leafHash"]),
            case["leafIdx"],
            case["treeSize"],
            _proof(case["proof"]),
            _b64(case["root"]),
        )

    if case["wantErr"]:
        with pytest.raises(merkle.ProofError):
            verify()
    else:
        verify()


@pytest.mark.parametrize("path", _cases("consistency"), ids=lambda p: str(p.relative_to(VECTORS)))
def test_consistency_vector(path: Path) -> None:
    case = json.loads(path.read_text())

    def verify() -> None:
        merkle.verify_consistency(
            case["size1"],
            case["size2"],
            _b64(case["root1"]),
            _b64(case["root2"]),
            _proof(case["proof"]),
        )

    if case["wantErr"]:
        with pytest.raises(merkle.ProofError):
            verify()
    else:
        verify()
