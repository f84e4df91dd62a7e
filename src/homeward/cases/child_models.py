"""A child's age estimate, apart from cases/children.py so that importing the models imports
no service (the migrations and the import-order test load models alone)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from homeward.core.db import Base, new_id, utcnow


class AgeEstimate(Base):
    """An officer's estimate of the person's age when the case has no date of birth. Reached
    only through its case (like a case note), so the case's labels guard it."""

    __tablename__ = "case_age_estimate"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), index=True)
    years: Mapped[int] = mapped_column(Integer)
    basis: Mapped[str] = mapped_column(String(12))
    recorded_by: Mapped[str] = mapped_column(ForeignKey("officer.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
