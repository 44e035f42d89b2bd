"""Server-rendered SVG for the dashboard's trend: the team's regime mix per month as stacked bars (share of the
claimants assessed that month) and the moves up from Intensive Work Search as a line. No chart library, no
inline styles; the page also shows the same numbers as a table (the accessible alternative)."""

from __future__ import annotations

from typing import Any

from claimants.regimes.engine import Regime

WIDTH, HEIGHT, LEFT, RIGHT, BOTTOM, TOP = 720, 260, 48, 48, 28, 12
# Regimes in stacking order, with GOV.UK colours (fill attributes, allowed under the CSP).
SERIES = (
    (Regime.INTENSIVE_WORK_SEARCH, "#d4351c"),
    (Regime.LIGHT_TOUCH, "#1d70b8"),
    (Regime.WORKING_ENOUGH, "#00703c"),
    (Regime.WORK_PREPARATION, "#f47738"),
    (Regime.WORK_FOCUSED_INTERVIEW, "#4c2c92"),
    (Regime.NO_WORK_RELATED_REQUIREMENTS, "#505a5f"),
)


def trend_chart(trend: list[dict[str, Any]]) -> dict[str, Any] | None:
    if not trend:
        return None
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - BOTTOM - TOP
    slot = plot_w / len(trend)
    base = TOP + plot_h
    top_moves = max([m["moved_up"] for m in trend] + [1])
    months = []
    points = []
    for i, month in enumerate(trend):
        total = sum(month["regimes"].values()) or 1
        y = float(base)
        segments = []
        for regime, colour in SERIES:
            n = month["regimes"].get(regime.value, 0)
            if not n:
                continue
            h = plot_h * n / total
            y -= h
            segments.append(
                {
                    "y": round(y, 1),
                    "height": round(h, 1),
                    "colour": colour,
                    "label": f"{regime.label}: {n} ({round(100 * n / total)}%)",
                }
            )
        x = LEFT + i * slot
        months.append(
            {
                "x": round(x + slot * 0.15, 1),
                "width": round(slot * 0.7, 1),
                "centre": round(x + slot / 2, 1),
                "label": month["month"].strftime("%b %y"),
                "segments": segments,
            }
        )
        points.append(f"{x + slot / 2:.1f},{base - plot_h * month['moved_up'] / top_moves:.1f}")
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "baseline": base,
        "months": months,
        "moves_points": " ".join(points),
        "moves_max": top_moves,
        "label_y": HEIGHT - 8,
        "legend": [{"label": r.label, "colour": c} for r, c in SERIES],
        "percent_ticks": [
            {"y": round(TOP + plot_h * (1 - k / 4), 1), "label": f"{25 * k}%"} for k in range(5)
        ],
    }
