"""The dashboards' charts as drawings in SVG units (line, bars, stacked bars), computed here and
drawn by one portal template (``web/charts/chart.svg``) both inline in the page and as the
block's SVG and PNG exports.

Hand-written rather than Vega-Lite (vl-convert): the three forms need a few rectangles and
one polyline, the drawing must carry ``role="img"``, a title, a description, patterns and
labels that a Vega-Lite SVG does not give without rewriting it afterwards, and one drawing
serves the page, the SVG file and the PNG (rasterised by cairosvg) alike.

Colours: every series colour has a contrast of at least 4.5:1 with the white background
(WCAG 1.4.11 asks 3:1 of graphical objects; 4.5 keeps the white separators and hatching
readable too), and each stacked series also has its own pattern and its name in the legend
and in the table, so colour is never the only cue (WCAG 1.4.1)."""

from __future__ import annotations

from django.utils.translation import gettext as _

LINE_COLOUR = "#000091"
AXIS_COLOUR = "#3a3a3a"
GRID_COLOUR = "#d0d0d0"
# (colour, pattern) of each stacked series, in order; the patterns are white marks drawn over
# the colour: none, diagonal hatching, dots, horizontal lines, cross-hatching, vertical lines.
SERIES_STYLES = [
    ("#000091", "plain"),
    ("#a94200", "diagonal"),
    ("#18753c", "dots"),
    ("#6e445a", "horizontal"),
    ("#3558a2", "cross"),
    ("#5a5a5a", "vertical"),
]
MAX_SERIES = len(SERIES_STYLES)


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of ``#rrggbb``."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    high, low = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _frame(width: int, height: int, low: float, high: float) -> dict:
    left, right, top, bottom = 64, 12, 20, 36
    span = (high - low) or 1.0
    inner_h = height - top - bottom

    def y(value: float) -> float:
        return top + inner_h - (value - low) / span * inner_h

    return {
        "width": width, "height": height, "full_height": height, "left": left, "right": width - right, "top": top,
        "bottom": height - bottom, "inner_w": width - left - right, "y": y,
        "y_ticks": [(f"{y(t):.1f}", t) for t in (low, low + span / 2, high)],
    }  # fmt: skip


def _summary(values: list[tuple[str, float | None]]) -> dict:
    """What the text alternative says: the span of periods, the lowest and the highest value."""
    known = [(label, v) for label, v in values if v is not None]
    low = min(known, key=lambda p: p[1])
    high = max(known, key=lambda p: p[1])
    return {"first": values[0][0], "last": values[-1][0], "count": len(values),
            "low_label": low[0], "low": low[1], "high_label": high[0], "high": high[1]}  # fmt: skip


def _labels(labels: list[str], width: float) -> list[int]:
    """Which category labels fit under the axis without touching (about 7 units a character
    at 12 px): all of them when they fit, else evenly spaced ones, the last one always."""
    count = len(labels)
    longest = max((len(str(label)) for label in labels), default=1)
    capacity = max(int(width // (longest * 7 + 10)), 2)
    if count <= capacity:
        return list(range(count))
    step = -(-count // capacity)
    kept = list(range(0, count, step))
    if count - 1 - kept[-1] < step:
        kept[-1] = count - 1
    else:
        kept.append(count - 1)
    return kept


def _label_x(x: float, label: str, width: int) -> str:
    """A label's centre, moved in so that it is not cut by the drawing's edges."""
    half = len(str(label)) * 3.5 + 2
    return f"{min(max(x, half), width - half):.1f}"


def line_chart(
    values: list[tuple[str, float | None]], *, width: int = 560, height: int = 220
) -> dict | None:
    """A line chart: the polyline, three value ticks and the first, middle and last period
    labels (the page shows the values as a table too)."""
    known = [(i, v) for i, (_, v) in enumerate(values) if v is not None]
    if len(known) < 2:
        return None
    low = min(0.0, min(v for _, v in known))
    high = max(v for _, v in known) or 1.0
    frame = _frame(width, height, low, high)
    y = frame.pop("y")
    step = frame["inner_w"] / max(len(values) - 1, 1)
    labels = sorted({0, len(values) // 2, len(values) - 1})
    return {
        **frame, "kind": "line", "colour": LINE_COLOUR, "summary": _summary(values),
        "points": " ".join(f"{frame['left'] + i * step:.1f},{y(v):.1f}" for i, v in known),
        "x_labels": [(_label_x(frame["left"] + i * step, values[i][0], width), values[i][0])
                     for i in labels],
    }  # fmt: skip


def bar_chart(
    values: list[tuple[str, float | None]], *, width: int = 560, height: int = 240
) -> dict | None:
    """One bar per period (negative values below the zero line); a missing value leaves its
    place empty. Up to 12 bars carry their value above them."""
    known = [v for _, v in values if v is not None]
    if not known:
        return None
    low, high = min(0.0, min(known)), max(0.0, max(known)) or 1.0
    frame = _frame(width, height, low, high)
    y = frame.pop("y")
    step = frame["inner_w"] / len(values)
    bar_w = max(step * 0.7, 1.0)
    zero = y(0.0)
    bars = []
    for i, (label, value) in enumerate(values):
        if value is None:
            continue
        x = frame["left"] + i * step + (step - bar_w) / 2
        top = min(y(value), zero)
        bars.append({
            "x": f"{x:.1f}", "y": f"{top:.1f}", "w": f"{bar_w:.1f}",
            "h": f"{max(abs(y(value) - zero), 0.5):.1f}", "label": label, "value": value,
            "text_x": f"{x + bar_w / 2:.1f}", "text_y": f"{top - 3:.1f}",
        })  # fmt: skip
    return {
        **frame, "kind": "bar", "colour": LINE_COLOUR, "bars": bars, "zero": f"{zero:.1f}",
        "summary": _summary(values),
        "show_values": len(values) <= 12,
        "x_labels": [(_label_x(frame["left"] + (i + 0.5) * step, values[i][0], width), values[i][0])
                     for i in _labels([label for label, _ in values], frame["inner_w"])],
    }  # fmt: skip


def stacked_series(
    rows: list[dict], *, exclude: str | None = None, until: str | None = None
) -> tuple[list[str], list[tuple[str, list[float | None]]]]:
    """The series' rows as (periods, [(territory name, value per period)]), leaving out the
    code ``exclude`` (the reference, which is the sum of the others) and the periods after
    ``until``. Beyond six territories, the five largest stay and the rest add up into
    « Autres territoires »."""
    periods = sorted(
        {r["periode"] for r in rows if r["periode"] and (not until or r["periode"] <= until)}
    )
    names: dict[str, str] = {}
    cells: dict[tuple[str, str], float] = {}
    for r in rows:
        if r["code_territoire"] == exclude or r["periode"] not in periods or r["valeur"] is None:
            continue
        names[r["code_territoire"]] = r["territoire"] or r["code_territoire"]
        cells[(r["code_territoire"], r["periode"])] = float(r["valeur"])
    codes = sorted(names, key=lambda c: (-sum(cells.get((c, p), 0.0) for p in periods), names[c]))
    kept, rest = (
        (codes, [])
        if len(codes) <= MAX_SERIES
        else (codes[: MAX_SERIES - 1], codes[MAX_SERIES - 1 :])
    )
    series: list[tuple[str, list[float | None]]] = [
        (names[c], [cells.get((c, p)) for p in periods]) for c in kept
    ]
    if rest:
        series.append((_("Autres territoires"), [
            sum(cells[(c, p)] for c in rest if (c, p) in cells) if any((c, p) in cells for c in rest) else None
            for p in periods
        ]))  # fmt: skip
    return periods, series


def stacked_chart(
    periods: list[str], series: list[tuple[str, list[float | None]]], *, width: int = 560,
    height: int = 260,
) -> dict | None:  # fmt: skip
    """One bar per period made of one segment per series (bottom up, in the legend's order),
    each with its colour and pattern, a white line between segments. Negative values cannot
    stack: None (the page then shows the table alone)."""
    if not periods or not series:
        return None
    values = [v for _, vs in series for v in vs if v is not None]
    if not values or min(values) < 0:
        return None
    totals = [sum(vs[i] or 0.0 for _, vs in series) for i in range(len(periods))]
    frame = _frame(width, height, 0.0, max(totals) or 1.0)
    y = frame.pop("y")
    step = frame["inner_w"] / len(periods)
    bar_w = max(step * 0.7, 1.0)
    segments = []
    for i, period in enumerate(periods):
        x = frame["left"] + i * step + (step - bar_w) / 2
        base = 0.0
        for k, (name, vs) in enumerate(series):
            value = vs[i]
            if not value:
                continue
            top, bottom = y(base + value), y(base)
            segments.append({
                "x": f"{x:.1f}", "y": f"{top:.1f}", "w": f"{bar_w:.1f}",
                "h": f"{max(bottom - top, 0.5):.1f}", "style": k, "label": f"{name}, {period}",
                "value": value,
            })  # fmt: skip
            base += value
    styles = [
        {"index": k, "name": name, "colour": SERIES_STYLES[k][0], "pattern": SERIES_STYLES[k][1]}
        for k, (name, _) in enumerate(series)
    ]
    legend_top = height + 8
    return {
        **frame, "kind": "stacked", "segments": segments, "styles": styles,
        "legend": [{**s, "x": 8 + (k % 3) * 184, "y": legend_top + (k // 3) * 22}
                   for k, s in enumerate(styles)],
        "full_height": legend_top + (-(-len(styles) // 3)) * 22 + 4,
        "periods": periods, "series": series, "totals": totals,
        "summary": {**_summary(list(zip(periods, totals, strict=True))), "series": len(series)},
        "x_labels": [(_label_x(frame["left"] + (i + 0.5) * step, periods[i], width), periods[i])
                     for i in _labels(periods, frame["inner_w"])],
    }  # fmt: skip
