"""Thin Celery tasks for appointments: explicit names, idempotent, safe to run twice at once."""

from celery import shared_task

from appointments.services import reminders_run


@shared_task(name="appointments.send_reminders")
def send_reminders() -> dict:
    """Every 15 minutes (CELERY_BEAT_SCHEDULE): reminders for appointments in the next 24 hours, overdue agreed
    actions and claimant commitments not accepted in time — each created and sent at most once."""
    return reminders_run()
