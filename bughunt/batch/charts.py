"""The summary's histogram of totals, twice from the same buckets: a text chart for the
Markdown (it reads in a terminal and as a code block on any Markdown viewer) and an inline
SVG for the HTML page (no script, no font or image fetched; it scales with the page).
"""
from __future__ import annotations

from markupsafe import escape

from ..templates import num

# The SVG's own coordinate system; the page scales it to the column width. Sized for a
# phone column (about 360 px), so its text is never shrunk much below the page's.
WIDTH, HEIGHT = 480, 220
LEFT, RIGHT, TOP, BOTTOM = 8, 8, 22, 40
FONT = 12


def histogram_text(buckets) -> str:
    """One line per bucket: range, count, bar (the bucket's own bar of block characters)."""
    labels = [b.label for b in buckets]
    counts = [str(b.count) for b in buckets]
    lw = max((len(x) for x in labels), default=0)
    cw = max((len(x) for x in counts), default=0)
    return "\n".join(f"{label.ljust(lw)}  {count.rjust(cw)}  {b.bar}".rstrip() for label, count, b in zip(labels, counts, buckets))


def histogram_svg(buckets, caption: str = "") -> str:
    """Vertical bars, one <rect class="bar"> per bucket (an empty bucket's bar has height 0),
    its count above it and the bucket edges under the axis."""
    n = max(len(buckets), 1)
    top = max((b.count for b in buckets), default=0) or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / n
    gap = min(4.0, step * 0.15)
    base = TOP + plot_h
    label = escape(caption or "Histogram of totals")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{label}" class="histogram" font-family="system-ui, sans-serif" font-size="{FONT}">',
        f"<title>{label}</title>",
    ]
    for i, b in enumerate(buckets):
        x = LEFT + i * step
        h = plot_h * b.count / top
        students = "student" if b.count == 1 else "students"
        parts.append(
            f'<rect class="bar" data-count="{b.count}" x="{x + gap / 2:.1f}" y="{base - h:.1f}" '
            f'width="{step - gap:.1f}" height="{h:.1f}" fill="#4a7bd0">'
            f"<title>{escape(b.label)} points: {b.count} {students}</title></rect>"
        )
        if b.count:
            parts.append(f'<text x="{x + step / 2:.1f}" y="{base - h - 5:.1f}" text-anchor="middle" fill="#1d1d1f">{b.count}</text>')
    parts.append(f'<line x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}" stroke="#8a8a90" stroke-width="1"/>')
    # Edge labels: every edge when they fit, else every other one (the last edge always).
    edges = [b.low for b in buckets] + ([buckets[-1].high] if buckets else [])
    every = 1 if step >= 40 else 2
    for i, edge in enumerate(edges):
        if i % every and i != len(edges) - 1:
            continue
        x = LEFT + i * step
        anchor = "start" if i == 0 else "end" if i == len(edges) - 1 else "middle"
        parts.append(f'<line x1="{x:.1f}" y1="{base}" x2="{x:.1f}" y2="{base + 4}" stroke="#8a8a90"/>')
        parts.append(f'<text x="{x:.1f}" y="{base + 17}" text-anchor="{anchor}" fill="#55555a">{num(edge)}</text>')
    parts.append(f'<text x="{WIDTH / 2:.0f}" y="{HEIGHT - 4}" text-anchor="middle" fill="#55555a">total points</text>')
    parts.append("</svg>")
    return "".join(parts)


__all__ = ["histogram_svg", "histogram_text"]
