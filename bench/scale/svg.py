"""A hand-made SVG line chart: panels side by side, x a few categories (process counts), one
line per series; a missing value breaks its line and is marked "n/a" in the legend."""

from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 420, 300
LEFT, RIGHT, TOP, BOTTOM = 60, 20, 40, 95


@dataclass(frozen=True)
class Series:
    label: str
    colour: str
    values: list[float | None]
    dashed: bool = False


@dataclass(frozen=True)
class Panel:
    title: str
    y_label: str
    x_label: str
    x: list[int]
    series: list[Series]


def _ceiling(value: float) -> float:
    """A round top for the axis: 1, 2, 2.5 or 5 times a power of ten at or above `value`."""
    if value <= 0:
        return 1.0
    scale = float(10 ** (len(str(int(value))) - 1))
    for step in (1, 2, 2.5, 5, 10):
        if step * scale >= value:
            return step * scale
    return 10.0 * scale


def _panel(panel: Panel, left: float) -> list[str]:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    known = [v for s in panel.series for v in s.values if v is not None]
    top = _ceiling(max(known) * 1.1 if known else 1.0)
    x0, y0 = left + LEFT, TOP + plot_h

    def px(index: int) -> float:
        return float(x0 + (index + 0.5) * plot_w / len(panel.x))

    def py(value: float) -> float:
        return float(y0 - value / top * plot_h)

    out = [
        f'<text x="{left + WIDTH / 2}" y="20" text-anchor="middle" font-size="14" '
        f'font-weight="bold">{escape(panel.title)}</text>',
        f'<line x1="{x0}" y1="{y0}" x2="{x0 + plot_w}" y2="{y0}" stroke="#333"/>',
        f'<line x1="{x0}" y1="{TOP}" x2="{x0}" y2="{y0}" stroke="#333"/>',
        f'<text x="{left + 14}" y="{TOP + plot_h / 2}" font-size="12" text-anchor="middle" '
        f'transform="rotate(-90 {left + 14} {TOP + plot_h / 2})">{escape(panel.y_label)}</text>',
        f'<text x="{x0 + plot_w / 2}" y="{y0 + 34}" font-size="12" '
        f'text-anchor="middle">{escape(panel.x_label)}</text>',
    ]
    for tick in range(5):
        level = top * tick / 4
        y = py(level)
        out.append(
            f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + plot_w}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{x0 - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{level:g}</text>'
        )
    for index, category in enumerate(panel.x):
        out.append(
            f'<text x="{px(index):.1f}" y="{y0 + 16}" font-size="11" '
            f'text-anchor="middle">{category}</text>'
        )
    for number, series in enumerate(panel.series):
        dash = ' stroke-dasharray="6 4"' if series.dashed else ""
        runs: list[list[str]] = [[]]
        for index, point in enumerate(series.values):
            if point is None:
                runs.append([])
                continue
            x, y = px(index), py(point)
            runs[-1].append(f"{x:.1f},{y:.1f}")
            out.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{series.colour}"/>'
                f'<text x="{x + 6:.1f}" y="{y + (14 if series.dashed else -6):.1f}" font-size="10" '
                f'fill="{series.colour}">{point:,.0f}</text>'
            )
        for run in runs:
            if len(run) > 1:
                out.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="{series.colour}" '
                    f'stroke-width="2"{dash}/>'
                )
        missing = " (n/a)" if all(v is None for v in series.values) else ""
        ly = y0 + 52 + 16 * number
        out.append(
            f'<line x1="{x0}" y1="{ly - 4}" x2="{x0 + 24}" y2="{ly - 4}" '
            f'stroke="{series.colour}" stroke-width="2"{dash}/>'
            f'<text x="{x0 + 30}" y="{ly}" font-size="11">{escape(series.label + missing)}</text>'
        )
    return out


def chart(panels: list[Panel], caption: str = "") -> str:
    """One SVG document with the panels in a row."""
    total = WIDTH * len(panels)
    height = HEIGHT + (20 if caption else 0)
    body = [line for i, panel in enumerate(panels) for line in _panel(panel, i * WIDTH)]
    if caption:
        body.append(
            f'<text x="{total / 2}" y="{height - 6}" font-size="11" text-anchor="middle" '
            f'fill="#555">{escape(caption)}</text>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="{height}" '
        f'viewBox="0 0 {total} {height}" font-family="sans-serif">\n'
        f'<rect width="{total}" height="{height}" fill="white"/>\n' + "\n".join(body) + "\n</svg>\n"
    )
