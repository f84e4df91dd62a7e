"""Charts of the programme figures, drawn on the server as SVG.

A small writer of our own rather than matplotlib or a script library: the page needs a few
bars and lines, not a plotting system; matplotlib would add a heavy dependency (and its font
cache) to a server that runs air-gapped, and a script library would not work with scripts off.
Writing the SVG ourselves also makes the output deterministic (same table, same bytes), so a
test can compare it, and lets every bar and point carry its cell: `data-row`, `data-column`
and `data-value` (or `data-suppressed`), so a test reads the chart's numbers back and checks
they are its table's.

Every label is escaped (a label is data, and could be anything); labels too long for a phone
are shortened on screen with the whole label in the element's `<title>`. The drawing is sized
in a `viewBox` about as wide as a phone, so it scales to the page without becoming
unreadable on a 390 px screen.
"""

from __future__ import annotations

import math
import re
from html import escape

from homeward.reports.tables import Cell, Chart, Table

WIDTH = 360
"""Width of the drawing in its own units; about a phone's width so text stays legible."""
FONT = 13
LABEL_CHARS = 40
BAR_LABEL_WIDTH = 124.0
BAR_LABEL_CHARS = 17
"""A bar's own label, left of it: cut to what fits, whole in its `<title>`."""
"""Longest label shown as is; longer ones are cut, whole in their `<title>`."""
TICK_CHARS = 10
COLOURS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#56b4e9", "#e69f00", "#000000")
"""Okabe and Ito's palette, told apart with colour blindness (yellow left out: too pale)."""
DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2", "10 4", "4 4")
"""Lines are told apart by their dashes as well as their colour."""
INK, MUTED, GRID = "#1b2230", "#5d6678", "#d5dae2"
SUPPRESSED_WORDS = "suppressed"
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
MIN_STEP = 1e-6
_BREAKS = re.compile("[\t\n\r]")
_NOT_ID = re.compile(r"[^a-z0-9-]+")


def svg(table: Table) -> str:
    """The chart of `table` as one `<svg>` element (empty string when the table has no
    chart, or nothing to draw)."""
    if table.chart is Chart.NONE or not table.row_labels or not table.column_labels:
        return ""
    for i, row in enumerate(table.rows):
        for j, value in enumerate(row):
            if value is not None and not math.isfinite(value):
                raise ValueError(f"{table.key}: cell ({i}, {j}) is not a finite number")
    if table.chart is Chart.LINES:
        return _lines(table)
    return _bars(table)


def text(value: str) -> str:
    """A label made safe for XML text and attributes: escaped, line breaks and tabs made
    spaces (a label is one line), characters XML forbids replaced by U+FFFD."""
    return escape(_XML_UNSAFE.sub("\ufffd", _BREAKS.sub(" ", value)), quote=True)


def short(label: str, limit: int = LABEL_CHARS) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def number(value: int | float) -> str:
    """How a value is written on the chart: thousands separated, one decimal at most."""
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.1f}".removesuffix(".0")


def exact(value: int | float) -> str:
    """How a value is written in `data-value`: exactly, so a test reads back the same
    number."""
    return str(value) if isinstance(value, int) else repr(float(value))


def chart_id(table: Table) -> str:
    return "chart-" + (_NOT_ID.sub("-", table.key.lower()).strip("-") or "table")


def _cell(i: int, j: int, value: Cell) -> str:
    """The data attributes that tie a drawn mark to its cell."""
    if value is None:
        return f'data-row="{i}" data-column="{j}" data-suppressed="true"'
    return f'data-row="{i}" data-column="{j}" data-value="{exact(value)}"'


def _f(x: float) -> str:
    return f"{x:.1f}"


def _domain(table: Table) -> tuple[float, float, float]:
    """The value range the axis spans and its tick step: always zero, a round step (1, 2 or 5
    times a power of ten) and about four steps, so ticks read as whole numbers."""
    values = [v for row in table.rows for v in row if v is not None]
    low, high = min([0.0, *values]), max([0.0, *values])
    step = _round_step(max(high, -low) / 4) if high or low else 1.0
    top = step * math.ceil(high / step - 1e-9) if high > 0 else (step if low == 0 else 0.0)
    bottom = -step * math.ceil(-low / step - 1e-9) if low < 0 else 0.0
    return bottom, top, step


def _round_step(value: float) -> float:
    """The least of 1, 2, 5 times a power of ten that is at least `value` (1 below a
    millionth: no figure is that fine)."""
    if value < MIN_STEP:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for factor in (1, 2, 5):
        if value <= factor * power * (1 + 1e-9):
            return factor * power
    return 10 * power


def _ticks(low: float, high: float, step: float) -> list[float]:
    count = round((high - low) / step)
    return [low + step * k for k in range(count + 1)]


def _open(table: Table, height: float, kind: str) -> list[str]:
    ident = chart_id(table)
    suppressed = sum(v is None for row in table.rows for v in row)
    series = len(table.column_labels)
    desc = (
        f"{'Bar' if kind == 'bars' else 'Line'} chart of {table.unit} for "
        f"{len(table.row_labels)} rows and {series} column{'s' if series != 1 else ''}. "
        + (f"{suppressed} cells suppressed, drawn as absent. " if suppressed else "")
        + "The table beside it gives every number."
    )
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" role="img" '
        f'viewBox="0 0 {WIDTH} {_f(height)}" width="100%" data-table="{text(table.key)}" '
        f'aria-labelledby="{ident}-title {ident}-desc" font-family="system-ui, sans-serif" '
        f'font-size="{FONT}">',
        f'<title id="{ident}-title">{text(table.title)}</title>',
        f'<desc id="{ident}-desc">{text(desc)}</desc>',
    ]


def _legend(table: Table, top: float, lines: bool, suppressed: bool) -> tuple[list[str], float]:
    """One entry a line (a phone has no room for two), then the suppressed marker's."""
    parts: list[str] = []
    y = top
    for j, label in enumerate(table.column_labels if lines else ()):
        colour = COLOURS[j % len(COLOURS)]
        if lines:
            parts.append(
                f'<line x1="0" y1="{_f(y - 4)}" x2="18" y2="{_f(y - 4)}" stroke="{colour}" '
                f'stroke-width="2.5"{_dashed(j)}/>'
            )
        else:
            parts.append(f'<rect x="0" y="{_f(y - 10)}" width="12" height="12" fill="{colour}"/>')
        parts.append(
            f'<text x="24" y="{_f(y)}" fill="{INK}"><title>{text(label)}</title>'
            f"{text(short(label))}</text>"
        )
        y += FONT + 6
    if suppressed:
        parts.append(_marker(6, y - 4))
        parts.append(
            f'<text x="24" y="{_f(y)}" fill="{MUTED}">{SUPPRESSED_WORDS}: not shown, '
            "see the note</text>"
        )
        y += FONT + 6
    return parts, y


def _dashed(j: int) -> str:
    dash = DASHES[j % len(DASHES)]
    return f' stroke-dasharray="{dash}"' if dash else ""


def _marker(x: float, y: float, cell: str = "", name: str = "") -> str:
    """The mark of a suppressed cell: a small hollow diamond (the legend's has no cell)."""
    attributes = f"{cell} " if cell else ""
    shape = (
        f'<path class="suppressed" {attributes}d="M{_f(x)} {_f(y - 5)} l5 5 l-5 5 l-5 -5 z" '
        f'fill="#fff" stroke="{MUTED}" stroke-width="1.5"'
    )
    if not name:
        return shape + "/>"
    return f"{shape}><title>{text(name)}: {SUPPRESSED_WORDS}</title></path>"


def _bars(table: Table) -> str:
    """Horizontal bars, each named where it is drawn: with one column, a bar per row with the
    row's label to its left; with several, a group per row (its label above) and a bar per
    column with the column's label to its left. Nothing to decode from a legend of colours,
    which repeat past seven columns; horizontal so long labels and many rows fit a phone."""
    grouped = len(table.column_labels) > 1
    bar, gap = 12.0, 8.0 if grouped else 0.0
    left, right = BAR_LABEL_WIDTH, 52.0
    plot = WIDTH - left - right
    low, high, _step = _domain(table)
    span = high - low or 1.0

    def x_of(value: float) -> float:
        return left + (value - low) / span * plot

    zero = x_of(0.0)
    body: list[str] = []
    y = 4.0
    for i, (label, row) in enumerate(zip(table.row_labels, table.rows, strict=True)):
        if grouped:
            y += FONT
            body.append(
                f'<text x="0" y="{_f(y)}" fill="{INK}" font-weight="700">'
                f"<title>{text(label)}</title>{text(short(label))}</text>"
            )
            y += 4
        for j, value in enumerate(row):
            colour = COLOURS[j % len(COLOURS)]
            column = table.column_labels[j]
            name = f"{label}, {column}"
            bar_label = column if grouped else label
            body.append(
                f'<text x="{_f(left - 6)}" y="{_f(y + bar - 2)}" text-anchor="end" '
                f'fill="{INK}"><title>{text(bar_label)}</title>'
                f"{text(short(bar_label, BAR_LABEL_CHARS))}</text>"
            )
            if value is None:
                body.append(_marker(zero + 6, y + bar / 2, _cell(i, j, value), name))
                body.append(
                    f'<text x="{_f(zero + 16)}" y="{_f(y + bar - 2)}" fill="{MUTED}" '
                    f'font-style="italic">{SUPPRESSED_WORDS}</text>'
                )
            else:
                start, end = sorted((zero, x_of(value)))
                body.append(
                    f'<rect class="bar" {_cell(i, j, value)} x="{_f(start)}" y="{_f(y)}" '
                    f'width="{_f(end - start)}" height="{_f(bar)}" fill="{colour}">'
                    f"<title>{text(name)}: {number(value)} {text(table.unit)}</title></rect>"
                )
                body.append(
                    f'<text x="{_f(max(end, zero) + 4)}" y="{_f(y + bar - 2)}" fill="{INK}">'
                    f"{number(value)}</text>"
                )
            y += bar + 3
        y += gap
    axis = [f'<line x1="{_f(zero)}" y1="4" x2="{_f(zero)}" y2="{_f(y - gap)}" stroke="{MUTED}"/>']
    suppressed = any(v is None for row in table.rows for v in row)
    legend, bottom = _legend(table, y + FONT, False, suppressed)
    head = _open(table, bottom, "bars")
    return "".join([*head, *axis, *body, *legend, "</svg>"])


def _labelled(rows: int, width: float, label: float) -> list[int]:
    """The rows whose label the x axis shows: the first, the last and as many between as fit
    `width` without running into each other (each about `label` wide), evenly spaced."""
    if rows <= 1:
        return list(range(rows))
    room = max(1, int(width // (label * 1.5)))
    step = max(1, math.ceil((rows - 1) / room))
    kept = [
        i for i in range(0, rows - 1, step) if (rows - 1 - i) / (rows - 1) * width >= label * 1.5
    ]
    return [*kept, rows - 1] if kept and kept[0] == 0 else [0, *kept, rows - 1]


def _lines(table: Table) -> str:
    """One line per column over the rows (weeks, quarters); a suppressed point breaks its line
    and shows as a hollow diamond on the axis."""
    rows = len(table.row_labels)
    left, right, top, plot_h = 44.0, 12.0, 10.0, 180.0
    plot_w = WIDTH - left - right
    low, high, step = _domain(table)
    span = high - low or 1.0
    bottom = top + plot_h

    def x_of(i: int) -> float:
        return left + (plot_w * i / (rows - 1) if rows > 1 else plot_w / 2)

    def y_of(value: float) -> float:
        return bottom - (value - low) / span * plot_h

    body: list[str] = []
    for tick in _ticks(low, high, step):
        y = y_of(tick)
        body.append(
            f'<line x1="{_f(left)}" y1="{_f(y)}" x2="{_f(WIDTH - right)}" y2="{_f(y)}" '
            f'stroke="{GRID}"/>'
        )
        body.append(
            f'<text x="{_f(left - 4)}" y="{_f(y + 4)}" text-anchor="end" fill="{MUTED}">'
            f"{number(round(tick, 1) if tick % 1 else int(tick))}</text>"
        )
    longest = max(1, *(len(short(label, TICK_CHARS)) for label in table.row_labels))
    for i in _labelled(rows, plot_w, longest * FONT * 0.6):
        label = table.row_labels[i]
        anchor = (
            "middle" if rows == 1 else "start" if i == 0 else "end" if i == rows - 1 else "middle"
        )
        body.append(
            f'<text x="{_f(x_of(i))}" y="{_f(bottom + FONT + 4)}" text-anchor="{anchor}" '
            f'fill="{MUTED}"><title>{text(label)}</title>{text(short(label, TICK_CHARS))}</text>'
        )
    for j, column in enumerate(table.column_labels):
        colour = COLOURS[j % len(COLOURS)]
        runs: list[list[tuple[float, float]]] = [[]]
        points: list[str] = []
        for i, row in enumerate(table.rows):
            value = row[j]
            if value is None:
                runs.append([])
                name = f"{column}, {table.row_labels[i]}"
                points.append(_marker(x_of(i), bottom, _cell(i, j, value), name))
                continue
            x, y = x_of(i), y_of(value)
            runs[-1].append((x, y))
            points.append(
                f'<circle class="point" {_cell(i, j, value)} cx="{_f(x)}" cy="{_f(y)}" r="2.5" '
                f'fill="{colour}"><title>{text(column)}, {text(table.row_labels[i])}: '
                f"{number(value)} {text(table.unit)}</title></circle>"
            )
        for run in runs:
            if len(run) > 1:
                path = " ".join(f"{_f(x)},{_f(y)}" for x, y in run)
                body.append(
                    f'<polyline points="{path}" fill="none" stroke="{colour}" '
                    f'stroke-width="2"{_dashed(j)}/>'
                )
        body.extend(points)
    body.append(
        f'<line x1="{_f(left)}" y1="{_f(bottom)}" x2="{_f(WIDTH - right)}" y2="{_f(bottom)}" '
        f'stroke="{MUTED}"/>'
    )
    suppressed = any(v is None for row in table.rows for v in row)
    legend, end = _legend(table, bottom + 2 * FONT + 14, True, suppressed)
    return "".join([*_open(table, end, "lines"), *body, *legend, "</svg>"])
