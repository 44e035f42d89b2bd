"""The dashboards' scheduled refreshes. Task names keep the ``iwp.`` prefix the beat schedule has always used."""

from celery import shared_task

from iwp.dashboards.services import refresh_coach_figures
from iwp.dashboards.summaries import refresh_dashboard_summaries as refresh


@shared_task(name="iwp.refresh_dashboard_summaries")
def refresh_dashboard_summaries() -> dict:
    """Nightly (beat) and after an uprating: the dashboards' progression/continuity summaries and trend."""
    result = refresh()
    coaches = refresh_coach_figures()
    return {
        "coaches": coaches,
        "claimants": result.claimants,
        "trend_rows": result.trend_rows,
        "seconds": round(result.seconds, 1),
    }


@shared_task(name="iwp.refresh_coach_figures")
def refresh_coach_figures_task() -> int:
    """Every 10 minutes (beat): every coach's dashboard figures, recounted set-based. Safe to run twice."""
    return refresh_coach_figures()
