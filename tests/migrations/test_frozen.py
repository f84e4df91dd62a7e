"""Migrations are frozen: a revision gives the same schema and data whatever the live code
becomes, so it imports nothing of Homeward but the migrations package itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import homeward.migrations

VERSIONS = sorted((Path(homeward.migrations.__file__).parent / "versions").glob("*.py"))


def homeward_imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return [name for name in names if name == "homeward" or name.startswith("homeward.")]


def test_there_are_revisions() -> None:
    assert len(VERSIONS) >= 6


@pytest.mark.parametrize("path", VERSIONS, ids=lambda path: path.stem)
def test_revision_imports_no_live_code(path: Path) -> None:
    live = [
        name
        for name in homeward_imports(path)
        if name != "homeward.migrations" and not name.startswith("homeward.migrations.")
    ]
    assert live == [], f"{path.name} imports live code: {live}"
