"""The figures cache: a finished run's tables, kept while the data they count is unchanged."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from homeward.core.db import Base, utcnow


class FiguresCache(Base):
    """One run's tables by what decides them (`key`: view, period, the reader's policy scope,
    the disclosure rule) and the state of the data when they were counted (`fingerprint`). A
    row is only ever served to a run with the same key and fingerprint (reports/cache.py)."""

    __tablename__ = "figures_cache"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    figures: Mapped[str] = mapped_column(Text)
    """The tables as JSON (counts, medians and labels: what the run returns, nothing more)."""
    made_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
