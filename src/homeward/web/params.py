"""Bounds on the numbers a request may carry, in one place: an out-of-range number is a 422
naming the parameter, never a 500 from the database or the arithmetic behind it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

PAGE_MAX = 100_000
"""No list runs that deep; a larger page number is a typo or a probe."""
INT64_MAX = 2**63 - 1
"""The audit log's indices and sizes are 64-bit columns."""
COUNT_MAX = 2**31 - 1

Page = Annotated[int, Query(ge=1, le=PAGE_MAX)]
Flag = Annotated[int, Query(ge=0, le=1)]
LeafIndex = Annotated[int, Path(ge=0, le=INT64_MAX)]
LogSize = Annotated[int, Query(ge=1, le=INT64_MAX)]
