"""Thin Celery tasks for provision: the two daily flags and the background import. Safe to run twice."""

from __future__ import annotations

from datetime import date

from celery import shared_task

from provision import jobs, services


@shared_task(name="provision.flag_stale_offers")
def flag_stale_offers_task(today: str | None = None) -> dict:
    return {"flagged": services.flag_stale_offers(today=date.fromisoformat(today) if today else None)}


@shared_task(name="provision.flag_limbo_referrals")
def flag_limbo_referrals_task(today: str | None = None) -> dict:
    return {"flagged": services.flag_limbo_referrals(today=date.fromisoformat(today) if today else None)}


@shared_task(name="provision.import_offers", acks_late=True)
def import_offers_task(job_id: int) -> dict:
    return jobs.import_job_run(job_id=job_id)
