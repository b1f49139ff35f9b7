"""Pure: small inline SVG bar charts for the printable monthly report — no JavaScript, no chart library.

The SVG is built from escaped text only (labels go through `html.escape`), scales to the page
width (viewBox), and prints in black and grey as well as in colour.
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Sequence

WIDTH, HEIGHT = 640, 220
_MARGIN_LEFT, _MARGIN_BOTTOM, _MARGIN_TOP = 36, 34, 16


@dataclass(frozen=True)
class Bar:
    """One bar: its label under the axis (may be blank to thin out crowded labels) and its value."""

    label: str
    value: float


def bar_chart(bars: Sequence[Bar], *, title: str, colour: str = "#3b6ea5") -> str:
    """An SVG document fragment drawing `bars` on a zero-based axis, with the maximum marked on the left.

    Raises:
        ValueError: if a value is negative (counts and durations never are).
    """
    if any(bar.value < 0 for bar in bars):
        raise ValueError("bar values must not be negative")
    top = max((bar.value for bar in bars), default=0) or 1
    plot_w, plot_h = WIDTH - _MARGIN_LEFT - 8, HEIGHT - _MARGIN_BOTTOM - _MARGIN_TOP
    slot = plot_w / max(len(bars), 1)
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{_MARGIN_LEFT}" y1="{_MARGIN_TOP + plot_h}" x2="{WIDTH - 8}" y2="{_MARGIN_TOP + plot_h}"'
        ' stroke="#333" stroke-width="1"/>',
        f'<text x="{_MARGIN_LEFT - 4}" y="{_MARGIN_TOP + 4}" text-anchor="end" font-size="10">{_number(top)}</text>',
        f'<text x="{_MARGIN_LEFT - 4}" y="{_MARGIN_TOP + plot_h}" text-anchor="end" font-size="10">0</text>',
    ]
    for index, bar in enumerate(bars):
        height = plot_h * bar.value / top
        x = _MARGIN_LEFT + index * slot + slot * 0.15
        y = _MARGIN_TOP + plot_h - height
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{height:.1f}" fill="{escape(colour)}">'
            f"<title>{escape(bar.label)}: {_number(bar.value)}</title></rect>"
        )
        if bar.label:
            parts.append(
                f'<text x="{x + slot * 0.35:.1f}" y="{HEIGHT - _MARGIN_BOTTOM + 14}" text-anchor="middle"'
                f' font-size="10">{escape(bar.label)}</text>'
            )
        if bar.value:
            parts.append(
                f'<text x="{x + slot * 0.35:.1f}" y="{y - 2:.1f}" text-anchor="middle" font-size="9">'
                f"{_number(bar.value)}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


def _number(value: float) -> str:
    """An integer without decimals, anything else with one."""
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
