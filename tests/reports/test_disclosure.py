"""Disclosure control: the 10-5 rule, secondary suppression, and the differencing attack.

The attack is written here from what the published tables mean, not from the lines
reports/figures.py hands to disclosure control: every table with a total row adds up to it,
the four funnel tables publish the same totals, the weekly trend adds up to the funnel's totals
and, where weeks and quarters cover the same days, to those quarters. The attacker knows every
published cell exactly (rounding ignored: the worst case) and solves for the stars; a star is
recovered when the published cells fix its value. None may be, in one period or two
consecutive ones.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Hashable
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from homeward.reports import figures
from homeward.reports.counts import Raw
from homeward.reports.disclosure import Line, Rule, determined, suppress
from homeward.reports.tables import Figures, Table

RULE = Rule()
NATIONS = ("CAN", "DEU", "FRA", "GBR", "USA")
PATH = ("new", "identity_verified", "cleared", "handed_over", "repatriated", "closed")
EXITS = ("withdrawn", "lost_contact", "declined", "deceased")
FUNNEL_TABLES = ("funnel-by-nation", "funnel-by-sex", "funnel-by-age", "funnel-by-quarter")


# --- the rule itself ---------------------------------------------------------------------


def test_ten_five_rule() -> None:
    assert [RULE.round(value) for value in (10, 12, 13, 17, 18, 100)] == [10, 10, 15, 15, 20, 100]
    assert [RULE.primary(value) for value in (0, 1, 9, 10)] == [False, True, True, False]
    assert RULE.enough(10)
    assert not RULE.enough(9)
    assert Rule(threshold=3, base=1).round(7) == 7
    with pytest.raises(ValueError, match="threshold"):
        Rule(threshold=0)
    with pytest.raises(ValueError, match="rounding"):
        Rule(base=0)


def test_one_star_in_a_line_gets_a_second() -> None:
    counts = {"a": 3, "b": 20, "c": 30, "T": 53}
    hidden = suppress(counts, [Line(("a", "b", "c"), "T")], RULE)
    assert hidden == {"a", "b"}  # b is the next smallest


def test_a_star_recovered_through_two_lines_is_found() -> None:
    """Each line holds two stars, yet the lines together give one back: the check is the
    algebra, not the count of stars per line."""
    lines = [Line(("x", "y"), "T1"), Line(("x", "z"), "T2"), Line(("y",), "T3")]
    assert determined(lines, {"x", "y", "z"}) == {"x", "y", "z"}
    assert determined([Line(("x", "y"), "T1"), Line(("x", "z"), "T2")], {"x", "y", "z"}) == set()


def test_shared_totals_are_starred_in_every_table() -> None:
    """Two tables share their total; a star over it in one holds in the other."""
    counts = {"a1": 4, "a2": 30, "b1": 15, "b2": 19, "T": 34}
    lines = [Line(("a1", "a2"), "T"), Line(("b1", "b2"), "T")]
    hidden = suppress(counts, lines, RULE)
    assert "a1" in hidden
    assert determined(lines, hidden) == set()


@given(
    st.lists(st.lists(st.integers(0, 40), min_size=1, max_size=6), min_size=1, max_size=8),
    st.integers(2, 12),
)
@settings(max_examples=200, deadline=None)
def test_no_table_gives_a_star_back(grid: list[list[int]], threshold: int) -> None:
    """Any table with a total row and a total column: every small count is starred and no star
    is determined by the totals."""
    width = min(len(row) for row in grid)
    rows = [row[:width] for row in grid]
    counts: dict[Hashable, int] = {}
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            counts[(i, j)] = value
        counts[(i, "T")] = sum(row)
    for j in range(width):
        counts[("T", j)] = sum(row[j] for row in rows)
    counts[("T", "T")] = sum(map(sum, rows))
    lines = [Line(tuple((i, j) for j in range(width)), (i, "T")) for i in range(len(rows))]
    lines += [Line(tuple((i, j) for i in range(len(rows))), ("T", j)) for j in range(width)]
    lines.append(Line(tuple(("T", j) for j in range(width)), ("T", "T")))
    rule = Rule(threshold=threshold)
    hidden = suppress(counts, lines, rule)
    assert {cell for cell, value in counts.items() if rule.primary(value)} <= hidden
    assert determined(lines, hidden) == set()
    assert not _recovered(lines, hidden)


def _recovered(lines: list[Line], hidden: set[Hashable]) -> set[Hashable]:
    """The attacker's algebra (numpy, apart from the module's own): a star is recovered when
    its unit vector lies in the row space of the lines restricted to the stars."""
    unknowns = sorted(hidden, key=repr)
    if not unknowns:
        return set()
    index = {cell: k for k, cell in enumerate(unknowns)}
    rows = []
    for line in lines:
        row = np.zeros(len(unknowns))
        for cell in line.members:
            if cell in index:
                row[index[cell]] += 1
        for cell in line.totals:
            if cell in index:
                row[index[cell]] -= 1
        if row.any():
            rows.append(row)
    if not rows:
        return set()
    matrix = np.array(rows)
    # A star is fixed iff every solution of the homogeneous system is zero there: the null
    # space (right singular vectors past the rank) vanishes at its index.
    _u, singular, vt = np.linalg.svd(matrix)
    rank = int((singular > 1e-9).sum())
    null = vt[rank:]
    found = set()
    for cell, k in index.items():
        if null.shape[0] == 0 or np.abs(null[:, k]).max() < 1e-9:
            found.add(cell)
    return found


# --- random programmes and the attack on what is published -----------------------------------


def _programme(rng: random.Random, first: date, days: int) -> list[dict[str, object]]:
    """Cases of a few nations with small counts: each a nation, sex, band and the day it first
    reached each stage it reached."""
    cases = []
    for nation in rng.sample(NATIONS, rng.randint(1, len(NATIONS))):
        for _ in range(rng.choice((0, 2, 5, 9, 14, 25, 40))):
            opened = first + timedelta(days=rng.randrange(days))
            reached = {"new": opened}
            at = opened
            for stage in PATH[1:]:
                if rng.random() < 0.35:
                    if rng.random() < 0.4:
                        reached[rng.choice(EXITS)] = at + timedelta(days=rng.randint(1, 40))
                    break
                at += timedelta(days=rng.randint(1, 50))
                reached[stage] = at
            cases.append(
                {
                    "nation": nation,
                    "sex": rng.choice(("M", "M", "F", "X", "")),
                    "band": rng.choice(("adult", "adult", "child", "")),
                    "reached": reached,
                }
            )
    return cases


def _letters(rng: random.Random, first: date, days: int) -> list[tuple[str, date]]:
    return [
        (rng.choice((*NATIONS, "IRQ")), first + timedelta(days=rng.randrange(days)))
        for _ in range(rng.choice((0, 5, 30, 120)))
    ]


def _raw(
    cases: list[dict[str, object]],
    letters: list[tuple[str, date]],
    stale: Counter[tuple[str, str]],
    start: date,
    end: date,
) -> Raw:
    """What reports/counts.py would count for [start, end), counted here from the world."""
    raw = Raw(stale=stale)
    for case in cases:
        reached: dict[str, date] = case["reached"]  # type: ignore[assignment]
        for stage, day in reached.items():
            if start <= day < end:
                column = "opened" if stage == "new" else stage
                month = day.strftime("%Y-%m")
                raw.reached[(case["nation"], case["sex"], case["band"], column, month)] += 1  # type: ignore[index]
                raw.reached_days[(column, day.isoformat())] += 1
    for nation, day in letters:
        if start <= day < end:
            raw.letters[(nation, day.strftime("%Y-%m"))] += 1
            raw.letter_days[day.isoformat()] += 1
    return raw


def _nations(raw: Raw) -> list[str]:
    found = {key[0] for key in raw.reached} | {key[0] for key in raw.letters}
    return sorted(found | {key[0] for key in raw.stale} | {"FRA"})


def _table(published: Figures, key: str) -> Table:
    return next(table for table in published.tables if table.key == key)


def _relations(published: Figures, tag: str) -> list[Line]:
    """Every relation the published tables carry, from what they mean. Cells are named
    (tag, table, row, column): `tag` tells two runs apart."""
    lines: list[Line] = []

    def cell(table: str, row: str, column: str) -> tuple[str, str, str, str]:
        return (tag, table, row, column)

    for key in (*FUNNEL_TABLES, "stale-by-stage"):
        table = _table(published, key)
        for column in table.column_labels:
            members = tuple(cell(key, row, column) for row in table.row_labels[:-1])
            lines.append(Line(members, cell(key, "Total", column)))
    for key in FUNNEL_TABLES[1:]:  # the same totals, published four times
        for column in _table(published, key).column_labels:
            lines.append(
                Line((cell(key, "Total", column),), cell("funnel-by-nation", "Total", column))
            )
    trend = _table(published, "trend-weekly")
    start, end = (
        date.fromisoformat(published.period_start),
        date.fromisoformat(published.period_end),
    )
    weeks = [date.fromisoformat(row) for row in trend.row_labels]
    quarter_table = _table(published, "funnel-by-quarter")
    quarter_spans = {
        label: (max(start, _quarter_first(label)), min(end, _next_quarter(label)))
        for label in quarter_table.row_labels[:-1]
    }
    week_spans = {week: (week, min(end, week + timedelta(days=7))) for week in weeks}
    for column in trend.column_labels:
        lines.append(
            Line(
                tuple(cell("trend-weekly", week.isoformat(), column) for week in weeks),
                cell("funnel-by-nation", "Total", column),
            )
        )
        # Any run of quarters covering whole weeks adds up as those weeks do.
        labels = list(quarter_spans)
        for i, first in enumerate(labels):
            for last in labels[i:]:
                low, high = quarter_spans[first][0], quarter_spans[last][1]
                covered = labels[labels.index(first) : labels.index(last) + 1]
                in_weeks = [w for w in weeks if low <= w < high]
                if in_weeks and in_weeks[0] == low and week_spans[in_weeks[-1]][1] == high:
                    lines.append(
                        Line(
                            tuple(cell("trend-weekly", w.isoformat(), column) for w in in_weeks),
                            cell("funnel-by-quarter", covered[0], column),
                            tuple(cell("funnel-by-quarter", q, column) for q in covered[1:]),
                        )
                    )
    return lines


def _quarter_first(label: str) -> date:
    year, number = label.split("-Q")
    return date(int(year), 3 * (int(number) - 1) + 1, 1)


def _next_quarter(label: str) -> date:
    first = _quarter_first(label)
    month = first.month + 3
    return date(first.year + (month > 12), (month - 1) % 12 + 1, 1)


def _stars(published: Figures, tag: str, full: Figures) -> set[Hashable]:
    """The starred cells of the counted tables, checking on the way that every small count is
    starred and every shown count is rounded."""
    found: set[Hashable] = set()
    for table in published.tables:
        if table.key.startswith("time-in-stage") or table.key == "calendar-use":
            continue
        truth = _table(full, table.key)
        for row, values, true_values in zip(table.row_labels, table.rows, truth.rows, strict=True):
            for column, value, true in zip(table.column_labels, values, true_values, strict=True):
                assert isinstance(true, int)
                if value is None:
                    found.add((tag, table.key, row, column))
                    continue
                assert not RULE.primary(true), (table.key, row, column, true)
                assert value == RULE.round(true)
    return found


def _one_period(rng: random.Random, start: date, days: int) -> tuple[Figures, Figures]:
    end = start + timedelta(days=days)
    cases = _programme(rng, start, days)
    stale = Counter({(n, "in_contact"): rng.choice((0, 1, 3, 12)) for n in NATIONS[:3]})
    raw = _raw(cases, _letters(rng, start, days), stale, start, end)
    nations = _nations(raw)
    published = figures.build(
        raw, view="coalition", start=start, end=end, nations=nations, rule=RULE
    )
    full = figures.build(raw, view="coalition", start=start, end=end, nations=nations, rule=None)
    return published, full


def _check_relations_hold(lines: list[Line], runs: list[tuple[str, Figures]]) -> None:
    """The relations the attacker uses are true of the unprotected figures (else the attack
    would prove nothing)."""
    values: dict[Hashable, int] = {}
    for tag, full in runs:
        for table in full.tables:
            for row, cells in zip(table.row_labels, table.rows, strict=True):
                for column, value in zip(table.column_labels, cells, strict=True):
                    if isinstance(value, int):
                        values[(tag, table.key, row, column)] = value
    for line in lines:
        assert sum(values[c] for c in line.members) == sum(values[c] for c in line.totals), line


@pytest.mark.parametrize("seed", range(30))
def test_differencing_recovers_no_star_in_one_period(seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 - a seeded synthetic programme, no secret
    start = date(2026, 1, 1) + timedelta(days=rng.randrange(120))
    published, full = _one_period(rng, start, rng.choice((30, 91, 180, 365)))
    lines = _relations(published, "p")
    _check_relations_hold(lines, [("p", full)])
    stars = _stars(published, "p", full)
    assert not _recovered(lines, stars)


@pytest.mark.parametrize("seed", range(30))
def test_differencing_recovers_no_star_across_two_consecutive_periods(seed: int) -> None:
    """Two runs, the second starting where the first ended, over one programme: their
    flows are apart, and what they share (stale cases, counted now) is starred alike."""
    rng = random.Random(1000 + seed)  # noqa: S311 - a seeded synthetic programme, no secret
    start = date(2026, 1, 1) + timedelta(days=rng.randrange(60))
    days = rng.choice((28, 91, 182))
    middle, end = start + timedelta(days=days), start + timedelta(days=2 * days)
    cases = _programme(rng, start, 2 * days)
    letters = _letters(rng, start, 2 * days)
    stale = Counter({(n, "in_contact"): rng.choice((0, 1, 3, 12)) for n in NATIONS[:3]})
    runs = []
    lines: list[Line] = []
    stars: set[Hashable] = set()
    for tag, (low, high) in (("p1", (start, middle)), ("p2", (middle, end))):
        raw = _raw(cases, letters, stale, low, high)
        nations = sorted(set(_nations(raw)) | {key[0] for key in stale})
        published = figures.build(
            raw, view="coalition", start=low, end=high, nations=nations, rule=RULE
        )
        full = figures.build(raw, view="coalition", start=low, end=high, nations=nations, rule=None)
        runs.append((tag, full))
        lines += _relations(published, tag)
        stars |= _stars(published, tag, full)
    # What both runs publish of the same thing: stale cases, counted now.
    table = _table(runs[0][1], "stale-by-stage")
    shared = set(table.row_labels) & set(_table(runs[1][1], "stale-by-stage").row_labels)
    for row in sorted(shared):
        for column in table.column_labels:
            lines.append(
                Line(
                    (("p1", "stale-by-stage", row, column),), ("p2", "stale-by-stage", row, column)
                )
            )
    _check_relations_hold(lines, runs)
    assert not _recovered(lines, stars)


def test_the_attack_finds_what_small_counts_alone_would_leave() -> None:
    """The attack is real: with only the small counts starred (no secondary suppression), it
    gives stars back in most programmes."""
    found = 0
    for seed in range(20):
        rng = random.Random(seed)  # noqa: S311 - a seeded synthetic programme, no secret
        start = date(2026, 1, 1) + timedelta(days=rng.randrange(120))
        published, full = _one_period(rng, start, 91)
        naive = {
            ("p", table.key, row, column)
            for table in full.tables
            if not table.key.startswith("time-in-stage") and table.key != "calendar-use"
            for row, values in zip(table.row_labels, table.rows, strict=True)
            for column, value in zip(table.column_labels, values, strict=True)
            if isinstance(value, int) and RULE.primary(value)
        }
        found += bool(_recovered(_relations(published, "p"), naive))
    assert found >= 10
