"""Server-rendered SVG geometry for the earnings-and-thresholds chart (no chart library, no inline styles)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 240, 56, 28, 10


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: Decimal
    regime: str


def earnings_chart(rows: list) -> dict | None:
    """Bars of gross earnings per assessment period with the AET and CET as step lines."""
    if not rows:
        return None
    values = [r.employed_earnings + r.self_employed_earnings for r in rows]
    top = max([*values, *(r.cet_individual for r in rows), *(r.aet_individual for r in rows)]) * Decimal(
        "1.1"
    )
    top = max(top, Decimal(1))
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    slot = plot_w / len(rows)

    def y(value: Decimal) -> float:
        return round(TOP + plot_h - float(value / top) * plot_h, 1)

    bars = [
        Bar(
            x=round(LEFT + i * slot + slot * 0.15, 1),
            y=y(v),
            width=round(slot * 0.7, 1),
            height=round(TOP + plot_h - y(v), 1),
            label=r.period_start.strftime("%b %y"),
            value=v,
            regime=r.regime,
        )
        for i, (r, v) in enumerate(zip(rows, values, strict=True))
    ]

    def steps(attr: str) -> str:
        points = []
        for i, r in enumerate(rows):
            value = y(getattr(r, attr))
            points += [f"{LEFT + i * slot:.1f},{value}", f"{LEFT + (i + 1) * slot:.1f},{value}"]
        return " ".join(points)

    ticks = [{"y": y(top * k / 4), "label": f"£{int(top * k / 4):,}"} for k in range(5)]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "baseline": TOP + plot_h,
        "bars": bars,
        "aet_points": steps("aet_individual"),
        "cet_points": steps("cet_individual"),
        "ticks": ticks,
        "label_y": HEIGHT - 8,
    }
