"""The one shape every figure takes: a table of counts (or durations) with its row and column
headings. The page draws a chart from it and shows it beside the chart; the CSV and XLSX files
write it; disclosure control works on it. Keeping one shape is what lets a test prove that a
chart's numbers are its table's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Chart(StrEnum):
    """How the page draws a table."""

    BARS = "bars"
    """One bar per row (first column), or grouped bars per column."""
    LINES = "lines"
    """One line per column over the rows (weeks, quarters)."""
    NONE = "none"
    """Table only."""


SUPPRESSED = None
"""A cell withheld by disclosure control: written as `*` in files, `suppressed` on the page."""

Cell = int | float | None


@dataclass(frozen=True)
class Table:
    """`rows[i][j]` is the value for `row_labels[i]` and `column_labels[j]`."""

    key: str
    """Stable name, used for file names and anchors: `funnel-by-nation`."""
    title: str
    unit: str
    """What a cell counts: `cases`, `letters`, `days`."""
    row_labels: tuple[str, ...]
    column_labels: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    chart: Chart = Chart.BARS
    notes: tuple[str, ...] = field(default_factory=tuple)
    """What the reader must know: `counts under 10 suppressed, the rest rounded to 5`."""

    def __post_init__(self) -> None:
        if len(self.rows) != len(self.row_labels):
            raise ValueError(f"{self.key}: {len(self.rows)} rows for {len(self.row_labels)} labels")
        for row in self.rows:
            if len(row) != len(self.column_labels):
                raise ValueError(
                    f"{self.key}: a row of {len(row)} cells for {len(self.column_labels)} columns"
                )


@dataclass(frozen=True)
class Figures:
    """One run: every table for one period and one view."""

    view: str
    """`FRA` (a nation's own, in full) or `coalition` (disclosure-controlled)."""
    period_start: str
    period_end: str
    """ISO dates, start inclusive, end exclusive."""
    controlled: bool
    """True when the 10-5 rule and secondary suppression were applied."""
    tables: tuple[Table, ...]
