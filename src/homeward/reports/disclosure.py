"""Disclosure control: the 10-5 rule and secondary suppression (DESIGN, capability 8).

Counts of people under the threshold (10 by default) are suppressed; the rest are rounded to
the nearest multiple of the base (5 by default), the Office for National Statistics' "10-5
rule". A zero is shown: it points at no one.

Suppressing a small cell is not enough when its table also publishes a total: the total minus
the other cells gives it back. So every published relation is written down as a `Line` (these
cells add up to that one), across all the tables of a run (the funnel by nation, by sex, by age
band and by quarter share one total per stage; the weekly trend adds up to it too), and more
cells are suppressed until no suppressed cell is *determined* by the lines, taking every
published cell as exactly known (the worst case: rounding only adds doubt). A cell is
determined when some combination of lines isolates it, which is more than "one star in a row":
two rows of two stars that share a third line can still give a cell away. The check is exact:
linear algebra over the lines, modulo a large prime, one connected group of lines at a time.

Medians and percentiles rest on at least `threshold` people or are not shown (`enough`).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from homeward.core.settings import Settings

CellId = Hashable
_PRIME = (1 << 61) - 1
"""Ranks of 0/±1 systems this small are the same over this field as over the rationals."""


@dataclass(frozen=True)
class Rule:
    """What the controlled view applies: counts under `threshold` suppressed, the rest rounded
    to the nearest `base`; medians and percentiles need `threshold` people."""

    threshold: int = 10
    base: int = 5

    def __post_init__(self) -> None:
        if self.threshold < 1:
            raise ValueError("the threshold is 1 or more")
        if self.base < 1:
            raise ValueError("the rounding base is 1 or more")

    @classmethod
    def of(cls, settings: Settings) -> Rule:
        return cls(threshold=settings.figures_threshold, base=settings.figures_rounding)

    def round(self, value: int) -> int:
        """To the nearest multiple of the base, halves up (12 -> 10, 13 -> 15)."""
        return (value + self.base // 2) // self.base * self.base if self.base > 1 else value

    def primary(self, value: int) -> bool:
        """Too small to show: 1 to threshold - 1 (a zero names no one)."""
        return 0 < value < self.threshold

    def enough(self, people: int) -> bool:
        """A median or percentile may be shown: it rests on at least `threshold` people."""
        return people >= self.threshold

    @property
    def note(self) -> str:
        rounding = f", the rest rounded to the nearest {self.base}" if self.base > 1 else ""
        return (
            f"Counts from 1 to {self.threshold - 1} are suppressed (*){rounding}; more cells are "
            "suppressed (*) where a total would give a suppressed one back. Totals are rounded "
            "on their own, so cells need not add up to them."
        )


@dataclass(frozen=True)
class Line:
    """A relation the published figures carry: the `members` add up to `total` (and to
    `total` with `more_totals` where they add up to several cells together: the weeks of a
    period to the quarters they exactly cover)."""

    members: tuple[CellId, ...]
    total: CellId
    more_totals: tuple[CellId, ...] = ()

    @property
    def totals(self) -> tuple[CellId, ...]:
        return (self.total, *self.more_totals)

    @property
    def cells(self) -> tuple[CellId, ...]:
        return (*self.members, *self.totals)


def suppress(counts: Mapping[CellId, int], lines: Sequence[Line], rule: Rule) -> set[CellId]:
    """The cells to withhold: every small count, and as few more as it takes for none of them to
    be determined by the lines. A cell named by a line must be in `counts`.

    When a suppressed cell is determined, the line through it with the fewest stars gets one
    more: its smallest non-zero cell (a zero only when nothing else is left, since a star over a
    zero that every reader could guess protects nothing). Repeated until nothing is determined;
    it ends, as every step withholds one more cell and withholding all of a line's cells
    leaves none of them determined by it."""
    suppressed = {cell for cell, value in counts.items() if rule.primary(value)}
    by_cell: dict[CellId, list[Line]] = {}
    for line in lines:
        for cell in line.cells:
            by_cell.setdefault(cell, []).append(line)
    order = {cell: index for index, cell in enumerate(counts)}
    while True:
        found = determined(lines, suppressed)
        if not found:
            return suppressed
        touched: set[int] = set()
        for cell in sorted(found, key=order.__getitem__):
            through = by_cell.get(cell, [])
            if any(id(line) in touched for line in through):
                continue  # a line through it just got a star: look again first
            choice = _next_star(through, suppressed, counts, order) or _next_star(
                _group_of(cell, by_cell, suppressed), suppressed, counts, order
            )
            if choice is None:
                continue
            line, star = choice
            suppressed.add(star)
            touched.add(id(line))
        if not touched:  # no line through them has an open cell: withhold their groups whole
            before = len(suppressed)
            for cell in found:
                for line in by_cell.get(cell, []):
                    suppressed.update(line.cells)
            if len(suppressed) == before:
                raise RuntimeError("disclosure control could not hide a determined cell")


def _group_of(
    cell: CellId, by_cell: Mapping[CellId, list[Line]], suppressed: set[CellId]
) -> list[Line]:
    """Every line linked to the cell through stars: where a star is given back by lines that
    are starred whole, one more star in a line of that group takes it away."""
    seen_cells, seen_lines, todo = {cell}, {}, [cell]
    while todo:
        for line in by_cell.get(todo.pop(), []):
            if id(line) in seen_lines:
                continue
            seen_lines[id(line)] = line
            for other in line.cells:
                if other in suppressed and other not in seen_cells:
                    seen_cells.add(other)
                    todo.append(other)
    return list(seen_lines.values())


def _next_star(
    through: Sequence[Line],
    suppressed: set[CellId],
    counts: Mapping[CellId, int],
    order: Mapping[CellId, int],
) -> tuple[Line, CellId] | None:
    def stars(line: Line) -> int:
        return sum(cell in suppressed for cell in line.cells)

    for line in sorted(through, key=stars):
        open_cells = [cell for cell in line.cells if cell not in suppressed]
        if not open_cells:
            continue
        best = min(open_cells, key=lambda cell: (counts[cell] == 0, counts[cell], order[cell]))
        return line, best
    return None


def determined(lines: Iterable[Line], suppressed: set[CellId]) -> set[CellId]:
    """The suppressed cells that the lines give back exactly, when every other cell is known."""
    equations = []
    for line in lines:
        row: dict[CellId, int] = {}
        for cell in line.members:
            if cell in suppressed:
                row[cell] = row.get(cell, 0) + 1
        for cell in line.totals:
            if cell in suppressed:
                row[cell] = row.get(cell, 0) - 1
        row = {cell: value % _PRIME for cell, value in row.items() if value % _PRIME}
        if row:
            equations.append(row)
    found: set[CellId] = set()
    for group in _groups(equations):
        found |= _isolated(group)
    return found


def _groups(equations: list[dict[CellId, int]]) -> list[list[dict[CellId, int]]]:
    """Equations that share no unknown are solved apart (cheap: one small group per stage)."""
    parent: dict[CellId, CellId] = {}

    def root(cell: CellId) -> CellId:
        while parent.setdefault(cell, cell) != cell:
            parent[cell] = parent[parent[cell]]
            cell = parent[cell]
        return cell

    for equation in equations:
        first, *rest = equation
        for cell in rest:
            parent[root(cell)] = root(first)
    groups: dict[CellId, list[dict[CellId, int]]] = {}
    for equation in equations:
        groups.setdefault(root(next(iter(equation))), []).append(equation)
    return list(groups.values())


def _isolated(equations: list[dict[CellId, int]]) -> set[CellId]:
    """Row-reduce; a reduced row with a single unknown is that unknown's value."""
    rows = [dict(equation) for equation in equations]
    cells = list(dict.fromkeys(cell for row in rows for cell in row))
    pivot_rows: list[dict[CellId, int]] = []
    for cell in cells:
        index = next((i for i, row in enumerate(rows) if row.get(cell)), None)
        if index is None:
            continue
        pivot = rows.pop(index)
        inverse = pow(pivot[cell], _PRIME - 2, _PRIME)
        pivot = {key: value * inverse % _PRIME for key, value in pivot.items()}
        for other in (*rows, *pivot_rows):
            factor = other.get(cell)
            if factor:
                for key, value in pivot.items():
                    updated = (other.get(key, 0) - factor * value) % _PRIME
                    if updated:
                        other[key] = updated
                    else:
                        other.pop(key, None)
        pivot_rows.append(pivot)
    return {next(iter(row)) for row in pivot_rows if len(row) == 1}
