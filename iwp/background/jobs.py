"""Background-job tracking (DESIGN §6.7): long Celery jobs record progress in the database.

Progress is advanced with a single UPDATE … SET done = done + n so that several workers can report on one
job at once without losing counts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.db.models.functions import Least
from django.utils import timezone

from iwp.access import has_role
from iwp.audit import audit_record
from iwp.models import (
    AuditVerb,
    BackgroundJob,
    BackgroundJobState,
    Role,
    StaffMember,
    stall_cutoff,
    stall_minutes,
)


def jobs_visible_to(user: StaffMember) -> QuerySet[BackgroundJob]:
    """Jobs whose progress ``user`` may follow: the ones they started; administrators, every job."""
    jobs = BackgroundJob.objects.all()
    if has_role(user, Role.ADMINISTRATOR):
        return jobs
    return jobs.filter(created_by_id=user.pk) if user.is_authenticated else jobs.none()


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


# Jobs that heal (issue #14): an app registers how to resume a kind of job (re-send the parts not done); the
# stall check then resumes a job that lost work with its worker instead of failing it, up to AUTO_RESUMES times in a
# row without progress (a long job that loses a part now and then, and goes on, is resumed each time).
RESUMERS: dict[str, Callable[[int], None]] = {}
# Why a kind would refuse to resume a job now (the reason its resumer would raise ``ResumeRefused`` with), or None:
# the job's page offers no Resume button that cannot work, and says why.
RESUME_REFUSALS: dict[str, Callable[[int], str | None]] = {}
AUTO_RESUMES = 3


def register_resumer(
    kind: str, resume: Callable[[int], None], refusal: Callable[[int], str | None] | None = None
) -> None:
    RESUMERS[kind] = resume
    if refusal is not None:
        RESUME_REFUSALS[kind] = refusal


def job_resume_refusal(job: BackgroundJob) -> str | None:
    """Why this job's kind would refuse to resume it now, or None (``register_resumer``'s ``refusal``)."""
    check = RESUME_REFUSALS.get(job.kind)
    return check(job.pk) if check else None


def job_add_event(*, job_id: int, what: str, done: int | None = None) -> None:
    """Append "what happened, when" (and how far the job had got, ``done``) to the job's own record (shown on its
    page), without losing a concurrent chunk's update of the same JSON."""
    at = timezone.now().isoformat(timespec="seconds")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {BackgroundJob._meta.db_table} SET result = jsonb_set(coalesce(result, '{{}}'::jsonb), "  # noqa: S608
                "'{events}', coalesce(result->'events', '[]'::jsonb) || jsonb_build_array(jsonb_build_object("
                "'at', %s::text, 'what', %s::text, 'done', %s::bigint))) WHERE id = %s",
                [at, what, done, job_id],
            )
        return
    with transaction.atomic():
        job = BackgroundJob.objects.select_for_update().get(pk=job_id)
        job.result = {
            **(job.result or {}),
            "events": [*(job.result or {}).get("events", []), {"at": at, "what": what, "done": done}],
        }
        job.save(update_fields=["result"])


class ResumeRefused(Exception):
    """Raised by a resumer whose job must not run its remaining parts (what the parts done read has changed since
    the job started): ``job_resume`` fails the job with the reason, which its page shows, and raises it on."""


def job_can_resume(job: BackgroundJob) -> bool:
    return job.kind in RESUMERS and job.state in (BackgroundJobState.FAILED, BackgroundJobState.RUNNING)


def job_resume(*, job_id: int, actor: StaffMember | None, how: str = "") -> bool:
    """Run the parts of a failed or stalled job that are not done (a page button, ``manage.py resume_job``, or the
    stall check). False if this kind of job cannot be resumed or it has finished well; ``ResumeRefused`` (the job
    failed with the reason) if its kind refuses to run the rest now."""
    job = BackgroundJob.objects.get(pk=job_id)
    if not job_can_resume(job):
        return False
    try:
        with transaction.atomic():
            who = how or (
                f"by {actor.get_full_name() or actor.username}" if actor else "automatically (no progress)"
            )
            job_add_event(
                job_id=job_id, what=f"Resumed {who}; the parts already done are kept", done=job.done
            )
            if actor is not None:
                audit_record(actor=actor, verb=AuditVerb.UPDATED, target=job, payload={"resumed": True})
            RESUMERS[job.kind](job_id)
    except ResumeRefused as refused:
        job_refuse_resume(job_id=job_id, reason=str(refused), actor=actor)
        raise
    return True


def job_refuse_resume(*, job_id: int, reason: str, actor: StaffMember | None) -> None:
    """Record a resume its kind refused (``ResumeRefused``): a failed or running job is failed with the reason (a
    job finished or cancelled meanwhile is left as it is), the job's page says so, and a person who asked is
    audited."""
    with transaction.atomic():
        job = BackgroundJob.objects.select_for_update().get(pk=job_id)
        BackgroundJob.objects.filter(
            pk=job_id, state__in=(BackgroundJobState.FAILED, BackgroundJobState.RUNNING)
        ).update(state=BackgroundJobState.FAILED, error=reason[:5000], finished_at=timezone.now())
        job_add_event(job_id=job_id, what=f"Not resumed: {reason}", done=job.done)
        if actor is not None:
            audit_record(
                actor=actor, verb=AuditVerb.UPDATED, target=job, payload={"resumed": False, "refused": reason}
            )


def resume_horizon() -> timedelta:
    """How long a resumable job may go without progress before a part of it counts as lost for good
    (``IWP_JOB_RESUME_AFTER_SECONDS``: the broker's redelivery time plus the longest chunk)."""
    return timedelta(seconds=getattr(settings, "IWP_JOB_RESUME_AFTER_SECONDS", stall_minutes() * 60))


def jobs_heal(
    *, stalled_after: timedelta | None = None, resume_after: timedelta | None = None
) -> dict[str, int]:
    """Every minute (beat): a running job with no progress has lost work.

    A job whose kind can be resumed is resumed (the parts not done are sent again) once it has had no progress for
    longer than the broker takes to redeliver what a dead worker held (``resume_after``, default
    :func:`resume_horizon`). Redelivery alone is not enough: kombu's Redis transport pops a message (BRPOP) before
    it records it as unacknowledged, so a worker killed in between takes the message with it and only the job's
    own record still knows the part is not done. A job that cannot be resumed, or has been resumed automatically
    ``AUTO_RESUMES`` times without progress since, is failed after the stall time instead (``stalled_after``, default
    ``IWP_JOB_STALL_MINUTES``), so nobody watches a dead progress bar forever."""
    minutes = stall_minutes()
    now = timezone.now()
    fail_cutoff = now - stalled_after if stalled_after else stall_cutoff()
    resume_cutoff = now - (resume_after if resume_after is not None else resume_horizon())
    healed = failed = 0
    quiet = BackgroundJob.objects.filter(
        state=BackgroundJobState.RUNNING, heartbeat_at__lt=max(fail_cutoff, resume_cutoff)
    )
    for job in quiet:
        # Automatic resumes since the job last made progress (each records how far the job had got).
        automatic = sum(
            1
            for e in (job.result or {}).get("events", [])
            if "automatically" in e.get("what", "") and e.get("done") == job.done
        )
        if job.kind in RESUMERS and automatic < AUTO_RESUMES:
            if job.heartbeat_at >= resume_cutoff:
                continue
            # Claim the resume: a sweep running at the same time, or progress since the read, leaves it alone.
            claimed = BackgroundJob.objects.filter(pk=job.pk, heartbeat_at=job.heartbeat_at).update(
                heartbeat_at=now
            )
            if claimed:
                try:
                    job_resume(job_id=job.pk, actor=None)
                    healed += 1
                except ResumeRefused:
                    failed += 1
        elif job.heartbeat_at < fail_cutoff:
            job_fail(
                job_id=job.pk, error=f"No progress reported for {minutes} minutes; the worker may have died."
            )
            job_add_event(job_id=job.pk, what="Failed: no progress, and it cannot be resumed automatically")
            failed += 1
    return {"resumed": healed, "failed": failed}


def jobs_mark_stalled(*, older_than_minutes: int = 30) -> int:
    """Kept for callers of the old name: heals (resumes or fails) jobs with no progress."""
    result = jobs_heal(stalled_after=timedelta(minutes=older_than_minutes))
    return result["resumed"] + result["failed"]
