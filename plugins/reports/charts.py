"""Charts drawn here, without a JavaScript library or any network: the layout is computed once as simple
shapes, then written as inline SVG for the page and as a reportlab drawing for the PDF, so both look alike.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from typing import Any

from plugins.reports.result import Chart

WIDTH, HEIGHT = 720, 320
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 56, 70
PALETTE = ("#2454d6", "#e07b39", "#1a7f37", "#b42318", "#7a5af8", "#0e9384", "#667085")
AXIS, GRID, INK, MUTED = "#98a2b3", "#e4e7ec", "#1d2430", "#667085"


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str
    tip: str = ""


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str
    width: float = 1.0


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    size: float = 11
    anchor: str = "middle"  # start, middle, end
    fill: str = INK
    rotate: float = 0  # degrees, counter-clockwise
    bold: bool = False


@dataclass(frozen=True)
class Polyline:
    points: tuple[tuple[float, float], ...]
    stroke: str
    width: float = 2.0


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    r: float
    fill: str
    tip: str = ""


Shape = Rect | Line | Text | Polyline | Dot


def nice_max(value: float) -> float:
    """A round upper bound for the value axis: 1, 2, 2.5 or 5 times a power of ten."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        candidate = step * 10 ** exponent
        if candidate >= value - 1e-9:
            return float(candidate)
    return float(10 ** (exponent + 1))


def _number(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def layout(chart: Chart) -> list[Shape]:
    """The chart as shapes in a WIDTH × HEIGHT box, y growing downwards."""
    shapes: list[Shape] = [Text(LEFT, 20, chart.title, 15, "start", bold=True)]
    series = chart.series
    labels = chart.labels
    n = max(len(labels), 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    if chart.kind == "stacked":
        peak = max((sum(s.values[i] or 0 for s in series) for i in range(len(labels))), default=0)
    else:
        peak = max((v for s in series for v in s.values if v is not None), default=0)
    bottom = chart.y_min if chart.y_min < peak else 0.0
    top = bottom + nice_max(peak - bottom)
    if chart.y_max is not None and bottom < chart.y_max and peak <= chart.y_max:
        top = chart.y_max
    if chart.unit == "%" and top > 100 >= peak:
        top = 100.0

    def y_of(value: float) -> float:
        return TOP + plot_h - plot_h * ((max(value, bottom) - bottom) / (top - bottom))

    for k in range(5):  # grid and value axis
        value = bottom + (top - bottom) * k / 4
        y = y_of(value)
        shapes.append(Line(LEFT, y, WIDTH - RIGHT, y, GRID if k else AXIS))
        shapes.append(Text(LEFT - 6, y + 4, _number(value), 12, "end", MUTED))
    if chart.unit:
        shapes.append(Text(6, TOP - 12, chart.unit, 12, "start", MUTED))
    if len(series) > 1 or chart.kind == "stacked":  # legend, right-aligned on the title line
        x = WIDTH - RIGHT
        for i, s in reversed(list(enumerate(series))):
            width = 7.5 * len(s.name) + 22
            x -= width
            shapes.append(Rect(x, 28, 11, 11, PALETTE[i % len(PALETTE)]))
            shapes.append(Text(x + 15, 38, s.name, 12, "start", MUTED))

    slot = plot_w / n
    step = max(1, math.ceil(n / 24))  # at most 24 labels under the axis
    rotate = n > 8
    for i, label in enumerate(labels):
        if i % step:
            continue
        x = LEFT + slot * (i + 0.5)
        text = label if len(label) <= 22 else label[:21] + "…"
        if rotate:
            shapes.append(Text(x + 3, TOP + plot_h + 14, text, 11, "end", MUTED, rotate=45))
        else:
            shapes.append(Text(x, TOP + plot_h + 18, text, 12, "middle", MUTED))

    if chart.kind == "line":
        for si, s in enumerate(series):
            color = PALETTE[si % len(PALETTE)]
            segment: list[tuple[float, float]] = []
            for i, v in enumerate(s.values):
                if v is None:
                    if len(segment) > 1:
                        shapes.append(Polyline(tuple(segment), color))
                    segment = []
                    continue
                point = (LEFT + slot * (i + 0.5), y_of(v))
                segment.append(point)
                shapes.append(Dot(*point, 3, color, f"{s.name}, {labels[i]}: {_number(v)}"))
            if len(segment) > 1:
                shapes.append(Polyline(tuple(segment), color))
    elif chart.kind == "stacked":
        bar_w = min(48.0, slot * 0.6)
        for i, label in enumerate(labels):
            x = LEFT + slot * (i + 0.5) - bar_w / 2
            base = 0.0
            for si, s in enumerate(series):
                v = s.values[i] or 0
                if v:
                    shapes.append(Rect(x, y_of(base + v), bar_w, y_of(base) - y_of(base + v),
                                       PALETTE[si % len(PALETTE)], f"{label}, {s.name}: {_number(v)}"))
                base += v
            if base and n <= 16:
                shapes.append(Text(x + bar_w / 2, y_of(base) - 4, _number(base), 11, "middle", INK))
    else:  # grouped bars
        group_w = slot * 0.75
        bar_w = min(40.0, group_w / max(len(series), 1))
        for i, label in enumerate(labels):
            start = LEFT + slot * (i + 0.5) - bar_w * len(series) / 2
            for si, s in enumerate(series):
                v = s.values[i]
                if v is None:
                    continue
                x = start + si * bar_w
                shapes.append(Rect(x + 1, y_of(v), bar_w - 2, y_of(bottom) - y_of(v), PALETTE[si % len(PALETTE)],
                                   f"{label}, {s.name}: {_number(v)}"))
                if n * len(series) <= 16:
                    shapes.append(Text(x + bar_w / 2, y_of(v) - 4, _number(v), 11, "middle", INK))
    return shapes


def to_svg(chart: Chart) -> str:
    """Inline SVG markup (no scripts, no external references)."""
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-label="{escape(chart.title)}" class="chart" data-chart="{escape(chart.key)}" '
             f'font-family="DejaVu Sans, Verdana, sans-serif"><title>{escape(chart.title)}</title>']
    for shape in layout(chart):
        if isinstance(shape, Rect):
            tip = f"<title>{escape(shape.tip)}</title>" if shape.tip else ""
            parts.append(f'<rect x="{shape.x:.1f}" y="{shape.y:.1f}" width="{shape.w:.1f}" height="{shape.h:.1f}" '
                         f'fill="{shape.fill}">{tip}</rect>')
        elif isinstance(shape, Line):
            parts.append(f'<line x1="{shape.x1:.1f}" y1="{shape.y1:.1f}" x2="{shape.x2:.1f}" y2="{shape.y2:.1f}" '
                         f'stroke="{shape.stroke}" stroke-width="{shape.width}"/>')
        elif isinstance(shape, Text):
            rotate = f' transform="rotate({-shape.rotate:g} {shape.x:.1f} {shape.y:.1f})"' if shape.rotate else ""
            weight = ' font-weight="bold"' if shape.bold else ""
            parts.append(f'<text x="{shape.x:.1f}" y="{shape.y:.1f}" font-size="{shape.size:g}" '
                         f'text-anchor="{shape.anchor}" fill="{shape.fill}"{weight}{rotate}>{escape(shape.text)}</text>')
        elif isinstance(shape, Polyline):
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in shape.points)
            parts.append(f'<polyline points="{points}" fill="none" stroke="{shape.stroke}" '
                         f'stroke-width="{shape.width}"/>')
        elif isinstance(shape, Dot):
            tip = f"<title>{escape(shape.tip)}</title>" if shape.tip else ""
            parts.append(f'<circle cx="{shape.x:.1f}" cy="{shape.y:.1f}" r="{shape.r}" fill="{shape.fill}">{tip}</circle>')
    parts.append("</svg>")
    return "".join(parts)


def to_drawing(chart: Chart, width: float, font: str, bold_font: str) -> Any:
    """The same chart as a reportlab Drawing scaled to ``width`` points, for the PDF."""
    from reportlab.graphics.shapes import Circle, Drawing, Group, PolyLine, String
    from reportlab.graphics.shapes import Line as RLine
    from reportlab.graphics.shapes import Rect as RRect
    from reportlab.lib.colors import HexColor

    scale = width / WIDTH
    drawing = Drawing(width, HEIGHT * scale)
    group = Group()
    group.transform = (scale, 0, 0, scale, 0, 0)

    def y(value: float) -> float:
        return HEIGHT - value

    for shape in layout(chart):
        if isinstance(shape, Rect):
            group.add(RRect(shape.x, y(shape.y + shape.h), shape.w, shape.h, fillColor=HexColor(shape.fill),
                            strokeColor=None))
        elif isinstance(shape, Line):
            group.add(RLine(shape.x1, y(shape.y1), shape.x2, y(shape.y2), strokeColor=HexColor(shape.stroke),
                            strokeWidth=shape.width))
        elif isinstance(shape, Text):
            anchor = {"start": "start", "middle": "middle", "end": "end"}[shape.anchor]
            text = String(0, 0, shape.text, fontName=bold_font if shape.bold else font, fontSize=shape.size,
                          fillColor=HexColor(shape.fill), textAnchor=anchor)
            holder = Group(text)
            angle = math.radians(shape.rotate)
            holder.transform = (math.cos(angle), math.sin(angle), -math.sin(angle), math.cos(angle),
                                shape.x, y(shape.y))
            group.add(holder)
        elif isinstance(shape, Polyline):
            points = [c for x, yy in shape.points for c in (x, y(yy))]
            group.add(PolyLine(points, strokeColor=HexColor(shape.stroke), strokeWidth=shape.width))
        elif isinstance(shape, Dot):
            group.add(Circle(shape.x, y(shape.y), shape.r, fillColor=HexColor(shape.fill), strokeColor=None))
    drawing.add(group)
    return drawing
