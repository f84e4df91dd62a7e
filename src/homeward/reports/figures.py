"""Programme figures from the raw counts: the funnel, time in each stage, stale cases, the
weekly trend, the calendar's use and identity work, as `tables.Table`s, in full (a nation's
own view) or disclosure-controlled (the coalition view, every published file).

Period: [start, end), whole UTC days. Funnel: the cases that *first* reached each stage within
the period (a case opened in March and repatriated in May counts under opened in a March
period and under repatriated in a May one), with the letters contacts wrote in it; each case is
counted once per stage, so the tables by nation, sex, age band and quarter and the weekly trend
partition the same cases and add up to the same totals, which disclosure control relies on.
Time in a stage: the stays that ended in the period (median and 90th percentile in days).
Stale cases: now, whatever the period (a case's past stages are not kept as stale or not).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from homeward.cases.states import Stage
from homeward.reports.counts import OPENED, REACHED, TIMED, Raw
from homeward.reports.disclosure import Line, Rule, suppress
from homeward.reports.tables import Cell, Chart, Figures, Table

LETTERS = "letters"
FUNNEL = (LETTERS, *(OPENED if stage == Stage.NEW.value else stage for stage in REACHED))
"""The funnel's columns, in order: the path, then the exits."""
CASE_COLUMNS = FUNNEL[1:]
"""Letters have no sex or age band: the tables by those start at cases opened."""
WORDS = {
    LETTERS: "Letters received",
    OPENED: "Cases opened",
    "identity_verified": "Identity verified",
    "cleared": "Cleared",
    "handed_over": "Handed over",
    "repatriated": "Repatriated",
    "closed": "Closed",
    "withdrawn": "Withdrawn",
    "lost_contact": "Lost contact",
    "declined": "Declined",
    "deceased": "Deceased",
}
SEXES = (("F", "Women and girls"), ("M", "Men and boys"), ("X", "Another"), ("", "Not known"))
BANDS = (("child", "Children (under 18)"), ("adult", "Adults"), ("", "Not known"))
TOTAL = "Total"
ALL_NATIONS = "All nations"
TREND_COLUMNS = (LETTERS, OPENED, Stage.HANDED_OVER.value)


@dataclass
class _Draft:
    """A table being built: its cells, and for each the id disclosure control knows it by
    (shared between tables where two tables publish the same number)."""

    key: str
    title: str
    unit: str
    row_labels: list[str]
    column_labels: list[str]
    values: list[list[Cell]]
    ids: list[list[Hashable | None]]
    """None where the cell is no count of people (a capacity, a median)."""
    chart: Chart = Chart.BARS
    notes: list[str] = field(default_factory=list)


def build(
    raw: Raw, *, view: str, start: date, end: date, nations: list[str], rule: Rule | None
) -> Figures:
    """Every table of one run; `rule` None for a nation's own view in full."""
    drafts: list[_Draft] = []
    lines: list[Line] = []
    _funnel(raw, start, end, nations, drafts=drafts, lines=lines)
    _timing(raw, nations, rule, drafts)
    _stale(raw, nations, drafts, lines)
    _trend(raw, start, end, drafts, lines)
    _calendar(raw, view, drafts)
    _identity(raw, start, end, drafts)
    if rule is not None:
        _control(drafts, lines, rule)
    tables = tuple(
        Table(
            key=draft.key,
            title=draft.title,
            unit=draft.unit,
            row_labels=tuple(draft.row_labels),
            column_labels=tuple(draft.column_labels),
            rows=tuple(tuple(row) for row in draft.values),
            chart=draft.chart,
            notes=tuple(draft.notes),
        )
        for draft in drafts
    )
    return Figures(
        view=view,
        period_start=start.isoformat(),
        period_end=end.isoformat(),
        controlled=rule is not None,
        tables=tables,
    )


def quarters(start: date, end: date) -> list[str]:
    """`2026-Q1` for every quarter the period touches."""
    found: list[str] = []
    day = date(start.year, 3 * ((start.month - 1) // 3) + 1, 1)
    while day < end:
        found.append(f"{day.year}-Q{(day.month - 1) // 3 + 1}")
        month = day.month + 3
        day = date(day.year + (month > 12), (month - 1) % 12 + 1, 1)
    return found


def _quarter(month: str) -> str:
    year, number = month.split("-")
    return f"{year}-Q{(int(number) - 1) // 3 + 1}"


def weeks(start: date, end: date) -> list[date]:
    """The first day of each week of the period, counted from its start."""
    return [start + timedelta(days=7 * index) for index in range(math.ceil((end - start).days / 7))]


def _week_of(day: str, start: date) -> date:
    offset = (date.fromisoformat(day) - start).days // 7
    return start + timedelta(days=7 * offset)


def _funnel(
    raw: Raw,
    start: date,
    end: date,
    nations: list[str],
    *,
    drafts: list[_Draft],
    lines: list[Line],
) -> None:
    """By nation, sex, age band and quarter, each with a total row: one id per total cell,
    shared by the four tables (and the weekly trend), so that a star over it in one is a star
    in all."""
    by: dict[str, dict[tuple[str, str], int]] = {"nation": {}, "sex": {}, "band": {}, "quarter": {}}
    for (nation, sex, band, column, month), count in raw.reached.items():
        if column not in FUNNEL:
            continue  # in contact, passage planned, in custody: steps between the funnel's
        for kind, row in (
            ("nation", nation),
            ("sex", sex),
            ("band", band),
            ("quarter", _quarter(month)),
        ):
            by[kind][(row, column)] = by[kind].get((row, column), 0) + count
    for (nation, month), count in raw.letters.items():
        for kind, row in (("nation", nation), ("quarter", _quarter(month))):
            by[kind][(row, LETTERS)] = by[kind].get((row, LETTERS), 0) + count
    shapes = (
        ("nation", "funnel-by-nation", "By nation", [(n, n) for n in nations], FUNNEL),
        ("sex", "funnel-by-sex", "By sex", list(SEXES), CASE_COLUMNS),
        ("band", "funnel-by-age", "By age band (at opening)", list(BANDS), CASE_COLUMNS),
        (
            "quarter",
            "funnel-by-quarter",
            "By quarter",
            [(q, q) for q in quarters(start, end)],
            FUNNEL,
        ),
    )
    totals = dict.fromkeys(FUNNEL, 0)
    for (_row, column), count in by["nation"].items():
        totals[column] += count
    for kind, key, title, rows, columns in shapes:
        draft = _Draft(
            key=key,
            title=f"Funnel: {title.lower() if kind != 'nation' else 'by nation'}",
            unit="cases",
            row_labels=[*(label for _code, label in rows), TOTAL],
            column_labels=[WORDS[column] for column in columns],
            values=[],
            ids=[],
            notes=[
                "Cases that first reached each stage in the period; letters by the desk "
                "holding them now."
            ],
        )
        for code, label in rows:
            draft.values.append([by[kind].get((code, column), 0) for column in columns])
            draft.ids.append([(key, label, column) for column in columns])
        draft.values.append([totals[column] for column in columns])
        draft.ids.append([("funnel-total", column) for column in columns])
        for index, column in enumerate(columns):
            members = tuple(ids[index] for ids in draft.ids[:-1])
            lines.append(Line(members, ("funnel-total", column)))
        drafts.append(draft)


def _percentile(ordered: list[float], share: float) -> float:
    """Nearest-rank percentile of sorted values (the median is share 0.5): a value some case
    really had."""
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _timing(raw: Raw, nations: list[str], rule: Rule | None, drafts: list[_Draft]) -> None:
    # Each list sorted once for both shares (a year of 100,000 cases is 240,000 stays); a
    # stage's stays of every nation are the nations' sorted lists joined and sorted again,
    # which Python's sort does as a merge of the runs it finds.
    ordered = {where: sorted(found) for where, found in raw.stays.items()}
    by_stage: dict[str, list[list[float]]] = {}
    for (_nation, stage), found in ordered.items():
        by_stage.setdefault(stage, []).append(found)
    for stage in TIMED:
        ordered[(ALL_NATIONS, stage)] = sorted(
            itertools.chain.from_iterable(by_stage.get(stage, []))
        )
    for share, key, title in (
        (0.5, "time-in-stage-median", "Time in each stage: median"),
        (0.9, "time-in-stage-p90", "Time in each stage: 90th percentile"),
    ):
        draft = _Draft(
            key=key,
            title=title,
            unit="days",
            row_labels=[*nations, ALL_NATIONS],
            column_labels=[Stage(stage).value.replace("_", " ").capitalize() for stage in TIMED],
            values=[],
            ids=[],
            notes=["Stays that ended in the period, from entering the stage to leaving it."],
        )
        if rule is not None:
            draft.notes.append(f"Shown only where at least {rule.threshold} cases left the stage.")
        for row in [*nations, ALL_NATIONS]:
            cells: list[Cell] = []
            for stage in TIMED:
                values = ordered.get((row, stage), [])
                shown = values and (rule is None or rule.enough(len(values)))
                cells.append(round(_percentile(values, share), 1) if shown else None)
            draft.values.append(cells)
            draft.ids.append([None] * len(TIMED))
        drafts.append(draft)


def _stale(raw: Raw, nations: list[str], drafts: list[_Draft], lines: list[Line]) -> None:
    stages = list(TIMED)
    draft = _Draft(
        key="stale-by-stage",
        title="Where cases stall: in their stage longer than its limit, now",
        unit="cases",
        row_labels=[*nations, TOTAL],
        column_labels=[stage.replace("_", " ").capitalize() for stage in stages],
        values=[],
        ids=[],
        notes=["As of the run, whatever the period (stage limits: HOMEWARD_STAGE_LIMIT_DAYS)."],
    )
    for nation in nations:
        draft.values.append([raw.stale.get((nation, stage), 0) for stage in stages])
        draft.ids.append([("stale", nation, stage) for stage in stages])
    draft.values.append([sum(raw.stale.get((n, stage), 0) for n in nations) for stage in stages])
    draft.ids.append([("stale", TOTAL, stage) for stage in stages])
    for stage in stages:
        lines.append(Line(tuple(("stale", n, stage) for n in nations), ("stale", TOTAL, stage)))
    drafts.append(draft)


def _trend(raw: Raw, start: date, end: date, drafts: list[_Draft], lines: list[Line]) -> None:
    """Weekly letters, cases opened and handed over: each column adds up to the funnel's
    total for it, a relation disclosure control is told of."""
    starts = weeks(start, end)
    by: dict[tuple[date, str], int] = {}
    for (column, day), count in raw.reached_days.items():
        if column in TREND_COLUMNS:
            week = _week_of(day, start)
            by[(week, column)] = by.get((week, column), 0) + count
    for day, count in raw.letter_days.items():
        week = _week_of(day, start)
        by[(week, LETTERS)] = by.get((week, LETTERS), 0) + count
    draft = _Draft(
        key="trend-weekly",
        title="Each week: letters, cases opened, handed over",
        unit="cases",
        row_labels=[week.isoformat() for week in starts],
        column_labels=[WORDS[column] for column in TREND_COLUMNS],
        values=[[by.get((week, column), 0) for column in TREND_COLUMNS] for week in starts],
        ids=[[("trend", week, column) for column in TREND_COLUMNS] for week in starts],
        chart=Chart.LINES,
        notes=["Weeks start on the period's first day; the last may be shorter."],
    )
    _weeks_to_quarters(start, end, starts, lines)
    for column in TREND_COLUMNS:
        lines.append(
            Line(tuple(("trend", week, column) for week in starts), ("funnel-total", column))
        )
    drafts.append(draft)


def _weeks_to_quarters(start: date, end: date, starts: list[date], lines: list[Line]) -> None:
    """Where a quarter boundary falls on a week's first day, the weeks before it add up to the
    quarters before it (and so on between such boundaries): relations the reader can use."""
    bounds = [start]
    for label in quarters(start, end)[1:]:
        begins = _quarter_start(label, start)
        if (begins - start).days % 7 == 0:
            bounds.append(begins)
    bounds.append(end)
    for low, high in itertools.pairwise(bounds):
        covered = [q for q in quarters(start, end) if low <= _quarter_start(q, start) < high]
        in_weeks = [week for week in starts if low <= week < high]
        for column in TREND_COLUMNS:
            cells = [("funnel-by-quarter", q, column) for q in covered]
            lines.append(
                Line(
                    tuple(("trend", week, column) for week in in_weeks), cells[0], tuple(cells[1:])
                )
            )


def _quarter_start(label: str, start: date) -> date:
    """A quarter's first day within the period (the period's start for the first one)."""
    year, number = label.split("-Q")
    return max(start, date(int(year), 3 * (int(number) - 1) + 1, 1))


def _calendar(raw: Raw, view: str, drafts: list[_Draft]) -> None:
    """Per point and month. A nation's own view shows the places its own plans hold, never the
    windows' counters (other nations' bookings are in them)."""
    own = view != "coalition"
    keys = sorted({*raw.windows, *raw.plans, *raw.handovers})
    columns = [
        "Places in windows opened",
        "Places booked" + (f" by {view}" if own else ""),
        "Handovers confirmed",
    ]
    values: list[list[Cell]] = []
    ids: list[list[Hashable | None]] = []
    for point, month in keys:
        capacity, booked = raw.windows.get((point, month), (0, 0))
        used = raw.plans.get((point, month), 0) if own else booked
        values.append([capacity, used, raw.handovers.get((point, month), 0)])
        ids.append([None, ("calendar", point, month, "booked"), ("calendar", point, month, "done")])
    drafts.append(
        _Draft(
            key="calendar-use",
            title="The calendar's use: places per handover point and month",
            unit="places",
            row_labels=[f"{point} {month}" for point, month in keys],
            column_labels=columns,
            values=values,
            ids=ids,
            notes=[
                "Windows by the month they start in; handovers by the month both sides confirmed."
            ],
        )
    )


def _identity(raw: Raw, start: date, end: date, drafts: list[_Draft]) -> None:
    """Officers' decisions on proposed links, per week. Proposals themselves are not stored
    (the index proposes when asked), so they are counted as decided: confirmed or rejected."""
    starts = weeks(start, end)
    by: dict[tuple[date, str], int] = {}
    for (decision, day), count in raw.decisions.items():
        week = _week_of(day, start)
        by[(week, decision)] = by.get((week, decision), 0) + count
    columns = (("confirm", "Links confirmed"), ("reject", "Links rejected"))
    drafts.append(
        _Draft(
            key="identity-work",
            title="Identity work: proposed links decided each week",
            unit="links",
            row_labels=[week.isoformat() for week in starts],
            column_labels=[label for _code, label in columns],
            values=[[by.get((week, code), 0) for code, _label in columns] for week in starts],
            ids=[[("identity", week, code) for code, _label in columns] for week in starts],
            chart=Chart.LINES,
            notes=[
                "Proposals are made when an officer asks and are not stored: only decisions "
                "are counted."
            ],
        )
    )


def _control(drafts: Iterable[_Draft], lines: list[Line], rule: Rule) -> None:
    """The 10-5 rule with secondary suppression over every table of the run at once."""
    drafts = list(drafts)
    counts: dict[Hashable, int] = {}
    for draft in drafts:
        for row, ids in zip(draft.values, draft.ids, strict=True):
            for value, cell in zip(row, ids, strict=True):
                if cell is not None and isinstance(value, int):
                    counts[cell] = value
    hidden = suppress(counts, lines, rule)
    for draft in drafts:
        counted = False
        for row, ids in zip(draft.values, draft.ids, strict=True):
            for index, cell in enumerate(ids):
                if cell is None:
                    continue
                counted = True
                row[index] = None if cell in hidden else rule.round(counts[cell])
        if counted:
            draft.notes.append(rule.note)
