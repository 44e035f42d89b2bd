"""Server-rendered SVG geometry for the distance-travelled chart: each self-assessment's total over time, as
points joined by a line (no chart library, no inline styles; the same pattern as ``claimants.record.charts``).
The page always shows the same figures as a table too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from claimants.progression.rules import HIGHEST_TOTAL, LOWEST_TOTAL

WIDTH, HEIGHT, LEFT, RIGHT, BOTTOM, TOP = 640, 200, 40, 16, 28, 12


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str  # the date, short
    value: int
    day: date


def distance_chart(assessments: list) -> dict | None:
    """Points for each assessment's total (oldest first), spaced by date; the y axis runs over every possible
    total. None without assessments."""
    if not assessments:
        return None
    first, last = assessments[0].assessed_on, assessments[-1].assessed_on
    span = max((last - first).days, 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - BOTTOM - TOP

    def x(day: date) -> float:
        if len(assessments) == 1:
            return round(LEFT + plot_w / 2, 1)
        return round(LEFT + 12 + (day - first).days / span * (plot_w - 24), 1)

    def y(value: int) -> float:
        share = (value - LOWEST_TOTAL) / (HIGHEST_TOTAL - LOWEST_TOTAL)
        return round(TOP + plot_h - share * plot_h, 1)

    points = [
        Point(
            x=x(a.assessed_on),
            y=y(a.total),
            label=a.assessed_on.strftime("%b %y"),
            value=a.total,
            day=a.assessed_on,
        )
        for a in assessments
    ]
    # Date labels must not overlap: keep a label only if it is far enough from the last one kept.
    labels, last_x = [], -100.0
    for p in points:
        if p.x - last_x >= 48:
            labels.append(p)
            last_x = p.x
    step = (HIGHEST_TOTAL - LOWEST_TOTAL) / 4
    ticks = [
        {"y": y(round(LOWEST_TOTAL + step * k)), "label": round(LOWEST_TOTAL + step * k)} for k in range(5)
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "baseline": TOP + plot_h,
        "points": points,
        "labels": labels,
        "line": " ".join(f"{p.x},{p.y}" for p in points),
        "ticks": ticks,
        "label_y": HEIGHT - 8,
        "lowest": LOWEST_TOTAL,
        "highest": HIGHEST_TOTAL,
    }
