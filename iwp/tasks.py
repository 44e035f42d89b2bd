from celery import shared_task

from iwp.jobs import jobs_mark_stalled


@shared_task(name="iwp.background_jobs_mark_stalled")
def background_jobs_mark_stalled() -> int:
    return jobs_mark_stalled()


@shared_task(name="iwp.ping")
def ping(value: int) -> int:
    """A round-trip check for the broker and worker (used by the integration test and ops)."""
    return value + 1


@shared_task(name="iwp.refresh_dashboard_summaries")
def refresh_dashboard_summaries() -> dict:
    """Nightly (beat) and after an uprating: the dashboards' progression/continuity summaries and trend."""
    from iwp.dashboard import refresh_coach_figures
    from iwp.summaries import refresh_dashboard_summaries as refresh

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
    from iwp.dashboard import refresh_coach_figures

    return refresh_coach_figures()
