from celery import shared_task

from iwp.background import outbox
from iwp.background.jobs import jobs_heal


@shared_task(name="iwp.background_jobs_mark_stalled")
def background_jobs_mark_stalled() -> dict:
    """Every minute (beat): resume jobs that lost work with their worker (or fail those that cannot be resumed)."""
    return jobs_heal()


@shared_task(name="iwp.ping")
def ping(value: int) -> int:
    """A round-trip check for the broker and worker (used by the integration test and ops)."""
    return value + 1


@shared_task(name="iwp.relay_task_intents")
def relay_task_intents() -> int:
    """Every minute (beat): send the work that changes left waiting (Redis was down when they committed)."""
    return outbox.relay_waiting()


@shared_task(name="iwp.forget_sent_task_intents")
def forget_sent_task_intents() -> int:
    return outbox.forget_sent()
