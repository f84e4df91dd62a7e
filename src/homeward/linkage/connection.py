"""The DuckDB connection Splink works in, on files: capped in memory and threads, so a
million-report run on a shared machine takes what it was given and spills the rest."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from homeward.core.errors import BadInput


class BatchSettings(BaseSettings):
    """HOMEWARD_IDENTITY_MEMORY and _THREADS: what DuckDB may take training or scoring on
    files. Without a cap it takes 80 % of the machine's memory, which a shared machine does
    not have; over the cap it spills to a temporary directory instead."""

    model_config = SettingsConfigDict(env_prefix="HOMEWARD_IDENTITY_", extra="ignore")

    memory: str = Field(default="2GB", pattern=r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$")
    """DuckDB's memory_limit, e.g. 3GB or 1500MiB. At 2GB a million-report dedupe peaks at
    3.2 GiB in all (3GB: 4.4 GiB; none: 5.1 GiB), for about a tenth more time."""
    threads: int | None = Field(default=None, ge=1, le=256)
    """DuckDB's threads; empty: one per core."""


@cache
def batch_settings() -> BatchSettings:
    try:
        return BatchSettings()
    except ValidationError as exc:
        raise BadInput(
            "HOMEWARD_IDENTITY_MEMORY/THREADS",
            "memory is a size such as 3GB or 1500MiB, threads a whole number from 1",
        ) from exc


def capped_connection() -> Any:
    """An in-memory DuckDB connection capped as `BatchSettings` says."""
    import duckdb

    settings = batch_settings()
    config: dict[str, Any] = {"memory_limit": settings.memory}
    if settings.threads is not None:
        config["threads"] = settings.threads
    return duckdb.connect(":memory:", config=config)
