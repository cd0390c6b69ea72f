"""Charts drawn on the server as SVG: nothing to download, no script, no CDN.

Each chart is an image with a title (role="img"); the table under it on the page carries the same
numbers for screen readers and for copying. Colours are presentation attributes (the console's
Content-Security-Policy allows no inline styles) and keep a 4.5:1 contrast on white.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from markupsafe import Markup, escape

COLOURS = ("#1f5f99", "#b3541e", "#2e7d32", "#6a1b9a", "#5d4037", "#00695c")
WIDTH = 720
_ids = itertools.count(1)


def _fmt(value: float) -> str:
    if value >= 1000:
        return f"{value:,.0f}"
    return f"{value:.1f}".rstrip("0").rstrip(".") if value % 1 else f"{value:.0f}"


def _svg(title: str, height: int, body: list[str]) -> Markup:
    chart_id = f"chart-{next(_ids)}"
    head = (
        f'<svg class="chart" role="img" aria-labelledby="{chart_id}" '
        f'viewBox="0 0 {WIDTH} {height}" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}">{escape(title)}</title>'
    )
    # Every label and title above went through escape(); the rest is numbers and fixed markup.
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704


def legend(series: Sequence[str], y: int) -> list[str]:
    parts, x = [], 10
    for i, name in enumerate(series):
        colour = COLOURS[i % len(COLOURS)]
        parts.append(f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 16}" y="{y}" class="legend">{escape(name)}</text>')
        x += 24 + 8 * len(name)
    return parts


def bar_chart(title: str, rows: Sequence[tuple[str, float]], unit: str = "") -> Markup:
    """Horizontal bars, one per label, largest scale first as given."""
    if not rows:
        return _svg(title, 40, ['<text x="10" y="25" class="empty">No data for this period</text>'])
    bar, gap, label_w = 22, 8, 230
    height = len(rows) * (bar + gap) + 10
    top = max(value for _label, value in rows) or 1
    body = []
    for i, (label, value) in enumerate(rows):
        y = 5 + i * (bar + gap)
        length = max(1.0, (WIDTH - label_w - 90) * value / top) if value else 0
        body.append(
            f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{length:.1f}" height="{bar}" '
            f'fill="{COLOURS[0]}"/>'
            f'<text x="{label_w + length + 6:.1f}" y="{y + 16}">{_fmt(value)}{escape(unit)}</text>'
        )
    return _svg(title, height, body)


def day_chart(
    title: str, days: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], unit: str = ""
) -> Markup:
    """One line per series across the days (dots too, so a single day still shows)."""
    values = [v for _name, vals in series for v in vals]
    if not days or not values:
        return _svg(title, 40, ['<text x="10" y="25" class="empty">No data for this period</text>'])
    left, right, top_pad, plot_h = 70, 20, 30, 200
    height = top_pad + plot_h + 50
    top = max(values) or 1
    step = (WIDTH - left - right) / max(1, len(days) - 1)

    def x(i: int) -> float:
        return left + (i * step if len(days) > 1 else (WIDTH - left - right) / 2)

    def y(v: float) -> float:
        return top_pad + plot_h - plot_h * v / top

    body = legend([name for name, _vals in series], 16)
    for fraction in (0, 0.5, 1):
        level = top * fraction
        body.append(
            f'<line x1="{left}" x2="{WIDTH - right}" y1="{y(level):.1f}" y2="{y(level):.1f}" '
            f'stroke="#767676" stroke-width="0.5"/>'
            f'<text x="{left - 6}" y="{y(level) + 4:.1f}" text-anchor="end">'
            f"{_fmt(level)}{escape(unit)}</text>"
        )
    for s, (_name, vals) in enumerate(series):
        colour = COLOURS[s % len(COLOURS)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(vals))
        if len(vals) > 1:
            body.append(
                f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        body.extend(
            f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{colour}"/>'
            for i, v in enumerate(vals)
        )
    every = max(1, len(days) // 6)
    for i, day in enumerate(days):
        if i % every == 0 or i == len(days) - 1:
            body.append(
                f'<text x="{x(i):.1f}" y="{top_pad + plot_h + 20}" text-anchor="middle">'
                f"{escape(day[5:])}</text>"
            )
    return _svg(title, height, body)
