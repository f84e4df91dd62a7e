"""Labels every protected record carries: owning nation, classification, release list."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

NATION_CODE_LENGTH = 3


class Classification(enum.IntEnum):
    """Ordered levels; an officer reads a record only when cleared to at least its level."""

    UNCLASSIFIED = 0
    RESTRICTED = 1
    CONFIDENTIAL = 2
    SECRET = 3


def encode_release(nations: list[str] | tuple[str, ...] | set[str]) -> str:
    """',USA,GBR,' so that one LIKE finds a nation on SQLite and PostgreSQL alike."""
    cleaned = sorted({nation.strip().upper() for nation in nations if nation.strip()})
    return "," + ",".join(cleaned) + "," if cleaned else ""


def decode_release(stored: str) -> list[str]:
    return [nation for nation in stored.split(",") if nation]


class Labelled:
    """Mixin for models whose rows are protected by need to know."""

    owner_nation: Mapped[str] = mapped_column(String(NATION_CODE_LENGTH), index=True)
    classification: Mapped[int] = mapped_column(Integer, default=int(Classification.RESTRICTED))
    release: Mapped[str] = mapped_column(String(200), default="")

    @property
    def release_list(self) -> list[str]:
        return decode_release(self.release)


class HasLabels(Protocol):
    """What the policy decides on: a protected row, or labels one record takes from another."""

    @property
    def owner_nation(self) -> str: ...

    @property
    def classification(self) -> int: ...

    @property
    def release_list(self) -> list[str]: ...


@dataclass(frozen=True)
class Labels:
    """Labels held by no row of their own (a transfer's, taken from its case when asked)."""

    owner_nation: str
    classification: int
    release: tuple[str, ...] = ()

    @property
    def release_list(self) -> list[str]:
        return list(self.release)
