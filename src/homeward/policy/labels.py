"""Labels every protected record carries: owning nation, classification, release list.

A labelled model names its read permission where it is declared, and is protected from the
moment its class exists: importing this module registers the binding's query guard, and every
model imports this module. No import order can leave a labelled table unguarded.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from homeward.policy import binding

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
    """Mixin for models whose rows are protected by need to know. A subclass names the
    permission that reads it (`__read_permission__ = roles.CASE_READ`); one that does not is
    refused when its class is created, so a new record cannot be left readable by all."""

    __read_permission__: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Checked before the class is mapped, so a refused class leaves no table behind."""
        if cls.__dict__.get("__abstract__"):
            super().__init_subclass__(**kwargs)
            return
        permission = cls.__dict__.get("__read_permission__")
        if not isinstance(permission, str) or not permission:
            msg = f"{cls.__qualname__} is Labelled but declares no __read_permission__"
            raise TypeError(msg)
        super().__init_subclass__(**kwargs)
        binding.protect(cls, permission)

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
