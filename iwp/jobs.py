"""Background-job tracking (DESIGN §6.7): long Celery jobs record progress in the database.

Progress is advanced with a single UPDATE … SET done = done + n so that several workers can report on one
job at once without losing counts.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Least
from django.utils import timezone

from iwp.audit import audit_record
from iwp.models import AuditVerb, BackgroundJob, BackgroundJobState, StaffMember


def job_create(
    *,
    kind: str,
    description: str,
    created_by: StaffMember | None,
    total: int = 0,
    parameters: dict | None = None,
) -> BackgroundJob:
    with transaction.atomic():
        job = BackgroundJob.objects.create(
            kind=kind,
            description=description,
            created_by=created_by,
            total=total,
            parameters=parameters or {},
        )
        audit_record(actor=created_by, verb=AuditVerb.JOB_STARTED, target=job, payload={"kind": kind})
    return job


def job_start(*, job_id: int, total: int, celery_task_id: str = "") -> None:
    now = timezone.now()
    BackgroundJob.objects.filter(pk=job_id, state=BackgroundJobState.PENDING).update(
        state=BackgroundJobState.RUNNING,
        total=total,
        started_at=now,
        heartbeat_at=now,
        celery_task_id=celery_task_id,
    )


def job_advance(*, job_id: int, by: int) -> None:
    BackgroundJob.objects.filter(pk=job_id, state=BackgroundJobState.RUNNING).update(
        done=Least(F("done") + by, F("total")), heartbeat_at=timezone.now()
    )


def job_succeed(*, job_id: int, result: dict[str, Any] | None = None) -> None:
    BackgroundJob.objects.filter(pk=job_id).exclude(state__in=BackgroundJob.FINISHED_STATES).update(
        state=BackgroundJobState.SUCCEEDED, done=F("total"), finished_at=timezone.now(), result=result or {}
    )


def job_fail(*, job_id: int, error: str) -> None:
    BackgroundJob.objects.filter(pk=job_id).exclude(state__in=BackgroundJob.FINISHED_STATES).update(
        state=BackgroundJobState.FAILED, error=error[:5000], finished_at=timezone.now()
    )


def job_cancel(*, job_id: int, actor: StaffMember) -> bool:
    with transaction.atomic():
        changed = (
            BackgroundJob.objects.filter(pk=job_id)
            .exclude(state__in=BackgroundJob.FINISHED_STATES)
            .update(state=BackgroundJobState.CANCELLED, finished_at=timezone.now())
        )
        if changed:
            audit_record(
                actor=actor,
                verb=AuditVerb.UPDATED,
                target_type="iwp.backgroundjob",
                target_id=job_id,
                payload={"state": "cancelled"},
            )
    return bool(changed)


def job_is_cancelled(*, job_id: int) -> bool:
    return BackgroundJob.objects.filter(pk=job_id, state=BackgroundJobState.CANCELLED).exists()


def jobs_mark_stalled(*, older_than_minutes: int = 30) -> int:
    """Fail running jobs with no heartbeat for a while, so nobody watches a dead progress bar forever."""
    cutoff = timezone.now() - timezone.timedelta(minutes=older_than_minutes)
    return BackgroundJob.objects.filter(state=BackgroundJobState.RUNNING, heartbeat_at__lt=cutoff).update(
        state=BackgroundJobState.FAILED,
        error="No progress reported for 30 minutes; the worker may have died.",
        finished_at=timezone.now(),
    )
