from celery import shared_task

from iwp.jobs import jobs_mark_stalled


@shared_task(name="iwp.background_jobs_mark_stalled")
def background_jobs_mark_stalled() -> int:
    return jobs_mark_stalled()


@shared_task(name="iwp.ping")
def ping(value: int) -> int:
    """A round-trip check for the broker and worker (used by the integration test and ops)."""
    return value + 1
