"""Every chart's numbers are its table's (issue 16): the SVG is parsed back, each bar or point
names its cell and value, and they must be exactly the table's, for random tables with
suppressed cells and hostile labels (markup, Arabic, very long, characters XML forbids). The
drawing must also agree with the numbers: a larger value never gets a shorter bar or a lower
point."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from homeward.reports import charts
from homeward.reports.tables import SUPPRESSED, Cell, Chart, Table

SVG = "{http://www.w3.org/2000/svg}"
ALLOWED = {"svg", "title", "desc", "rect", "text", "line", "polyline", "circle", "path"}
HOSTILE = [
    "<script>alert(1)</script>",
    "a\"b'c&d",
    "فرنسا",
    "نساء، بالغات",
    "x" * 300,
    "]]><!--",
    "\x00\x07 control",
    "",
]

labels = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=60))
values = st.one_of(
    st.just(SUPPRESSED),
    st.integers(min_value=0, max_value=10**7),
    st.floats(min_value=0, max_value=1e7, allow_nan=False, allow_infinity=False),
)


@st.composite
def tables(draw: st.DrawFn) -> Table:
    rows = draw(st.integers(min_value=1, max_value=9))
    columns = draw(st.integers(min_value=1, max_value=6))
    return Table(
        key=draw(st.text(max_size=30)),
        title=draw(labels),
        unit=draw(st.sampled_from(["cases", "days", "letters", "<b>"])),
        row_labels=tuple(draw(labels) for _ in range(rows)),
        column_labels=tuple(draw(labels) for _ in range(columns)),
        rows=tuple(tuple(draw(values) for _ in range(columns)) for _ in range(rows)),
        chart=draw(st.sampled_from([Chart.BARS, Chart.LINES])),
    )


def safe(label: str) -> str:
    """What a chart shows of a label: one line, the characters XML forbids as U+FFFD."""
    one_line = "".join(" " if c in "\t\n\r" else c for c in label)
    return "".join(
        "\ufffd" if ord(c) < 0x20 or 0xD800 <= ord(c) <= 0xDFFF or c in "\ufffe\uffff" else c
        for c in one_line
    )


def read_back(drawn: str) -> dict[tuple[int, int], Cell]:
    """The cells a chart draws, from its data attributes; each cell drawn exactly once."""
    root = ET.fromstring(drawn)  # noqa: S314 - our own output, parsed to check it
    cells: dict[tuple[int, int], Cell] = {}
    for element in root.iter():
        if "data-row" not in element.attrib:
            continue
        where = (int(element.attrib["data-row"]), int(element.attrib["data-column"]))
        assert where not in cells, f"cell {where} drawn twice"
        if element.attrib.get("data-suppressed") == "true":
            assert "data-value" not in element.attrib
            cells[where] = SUPPRESSED
        else:
            raw = element.attrib["data-value"]
            cells[where] = float(raw) if any(c in raw for c in ".eE") else int(raw)
    return cells


def as_drawn(table: Table) -> dict[tuple[int, int], Cell]:
    return {(i, j): v for i, row in enumerate(table.rows) for j, v in enumerate(row)}


def sizes(drawn: str) -> list[tuple[float, float]]:
    """(value, drawn size) of every mark: a bar's width, a point's height above the axis."""
    root = ET.fromstring(drawn)  # noqa: S314 - our own output
    marks = []
    for element in root.iter():
        if "data-value" not in element.attrib:
            continue
        value = float(element.attrib["data-value"])
        if element.tag == f"{SVG}rect":
            marks.append((value, float(element.attrib["width"])))
        else:
            marks.append((value, -float(element.attrib["cy"])))
    return marks


@settings(max_examples=300, deadline=None)
@given(tables())
def test_every_charts_numbers_equal_its_tables(table: Table) -> None:
    drawn = charts.svg(table)
    assert read_back(drawn) == as_drawn(table)


@settings(max_examples=200, deadline=None)
@given(tables())
def test_a_larger_value_is_never_drawn_smaller(table: Table) -> None:
    marks = sorted(sizes(charts.svg(table)))
    for (small, drawn_small), (large, drawn_large) in itertools.pairwise(marks):
        if small < large:
            assert drawn_small <= drawn_large + 0.1, (small, large)


@settings(max_examples=200, deadline=None)
@given(tables())
def test_labels_are_escaped_and_the_chart_is_accessible(table: Table) -> None:
    drawn = charts.svg(table)
    root = ET.fromstring(drawn)  # noqa: S314 - our own output
    assert {element.tag.removeprefix(SVG) for element in root.iter()} <= ALLOWED
    assert root.attrib["role"] == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None
    assert desc is not None
    assert (title.text or "") == safe(table.title)
    assert set(root.attrib["aria-labelledby"].split()) == {title.attrib["id"], desc.attrib["id"]}
    assert "viewBox" in root.attrib
    assert root.attrib["width"] == "100%"
    # Every label is in the drawing whole (in a <title>), as text, never as markup.
    titles = {element.text or "" for element in root.iter(f"{SVG}title")}
    for label in (*table.row_labels, *table.column_labels):
        assert any(safe(label) in found for found in titles), label
    assert charts.svg(table) == drawn, "same table, same bytes"


def test_suppressed_cells_are_drawn_as_absent_with_the_legend() -> None:
    table = Table(
        key="funnel-by-nation",
        title="Cases by stage",
        unit="cases",
        row_labels=("FRA", "DEU"),
        column_labels=("opened", "repatriated"),
        rows=((40, SUPPRESSED), (25, 15)),
    )
    drawn = charts.svg(table)
    root = ET.fromstring(drawn)  # noqa: S314 - our own output
    bars = [e for e in root.iter(f"{SVG}rect") if "data-row" in e.attrib]
    assert len(bars) == 3, "no bar for the suppressed cell"
    assert "suppressed" in drawn
    desc = root.find(f"{SVG}desc")
    assert desc is not None
    assert "1 cells suppressed" in (desc.text or "")


def test_a_long_label_is_cut_on_screen_and_whole_in_its_title() -> None:
    long = "Repatriated after the second handover at the northern crossing " * 3
    table = Table("t", "T", "cases", (long,), ("n",), ((3,),))
    root = ET.fromstring(charts.svg(table))  # noqa: S314 - our own output
    shown = [e for e in root.iter(f"{SVG}text") if e.find(f"{SVG}title") is not None]
    label = shown[0]
    cut = "".join(label.itertext()).removeprefix(long)
    assert cut.endswith("…")
    assert len(cut) == charts.BAR_LABEL_CHARS


def test_a_table_without_a_chart_draws_nothing_and_a_non_number_is_refused() -> None:
    assert charts.svg(Table("t", "T", "cases", ("a",), ("n",), ((1,),), chart=Chart.NONE)) == ""
    assert charts.svg(Table("t", "T", "cases", (), ("n",), ())) == ""
    with pytest.raises(ValueError, match=r"cell \(0, 0\)"):
        charts.svg(Table("t", "T", "cases", ("a",), ("n",), ((float("nan"),),)))
