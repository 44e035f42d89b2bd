import json

import pytest
from django.db import transaction
from django.urls import reverse

from iwp.audit import AuditOutsideTransaction, audit_record
from iwp.background import jobs
from iwp.models import AuditEvent, AuditVerb, BackgroundJob, BackgroundJobState


@pytest.mark.django_db(transaction=True)
def test_audit_refuses_to_write_outside_a_transaction(work_coach):
    with pytest.raises(AuditOutsideTransaction):
        audit_record(actor=work_coach, verb=AuditVerb.UPDATED, target=work_coach)
    assert AuditEvent.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_audit_rolls_back_with_the_change(work_coach):
    with pytest.raises(RuntimeError), transaction.atomic():
        work_coach.first_name = "Changed"
        work_coach.save()
        audit_record(actor=work_coach, verb=AuditVerb.UPDATED, target=work_coach, payload={"f": "first_name"})
        raise RuntimeError("the change failed")
    assert AuditEvent.objects.count() == 0
    with transaction.atomic():
        event = audit_record(actor=work_coach, verb=AuditVerb.UPDATED, target=work_coach, payload={"a": 1})
    event.refresh_from_db()
    assert (event.target_type, event.target_id, event.payload) == (
        "iwp.staffmember",
        str(work_coach.pk),
        {"a": 1},
    )


@pytest.mark.django_db
def test_job_progress_counts_and_finishes(administrator):
    job = jobs.job_create(kind="test", description="Test job", created_by=administrator)
    jobs.job_start(job_id=job.pk, total=10)
    jobs.job_advance(job_id=job.pk, by=4)
    jobs.job_advance(job_id=job.pk, by=4)
    jobs.job_advance(job_id=job.pk, by=4)  # over-reporting is capped at the total
    job.refresh_from_db()
    assert (job.state, job.done, job.percent) == (BackgroundJobState.RUNNING, 10, 100)
    jobs.job_succeed(job_id=job.pk, result={"summary": "done"})
    job.refresh_from_db()
    assert job.finished and job.state == BackgroundJobState.SUCCEEDED
    jobs.job_fail(job_id=job.pk, error="late failure must not overwrite a finished job")
    job.refresh_from_db()
    assert job.state == BackgroundJobState.SUCCEEDED


@pytest.mark.django_db
def test_progress_endpoint_visible_to_creator_and_admin_only(administrator, coach_client, admin_client_iwp):
    job = jobs.job_create(kind="test", description="Uprating", created_by=administrator)
    jobs.job_start(job_id=job.pk, total=4)
    jobs.job_advance(job_id=job.pk, by=1)
    data = json.loads(admin_client_iwp.get(reverse("iwp:job_progress", args=[job.pk])).content)
    assert data == {
        "state": "running",
        "state_label": "Running",
        "total": 4,
        "done": 1,
        "percent": 25,
        "error": "",
        "finished": False,
        "url": reverse("iwp:job_detail", args=[job.pk]),
    }
    assert coach_client.get(reverse("iwp:job_progress", args=[job.pk])).status_code == 404
    page = admin_client_iwp.get(reverse("iwp:job_detail", args=[job.pk]))
    assert b"data-iwp-job-progress-url" in page.content
    assert b"1 of 4 (25%)" in page.content


@pytest.mark.django_db
def test_stalled_jobs_are_failed(administrator):
    from django.utils import timezone

    job = jobs.job_create(kind="test", description="x", created_by=administrator)
    jobs.job_start(job_id=job.pk, total=3)
    BackgroundJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timezone.timedelta(hours=1))
    assert jobs.jobs_mark_stalled() == 1
    job.refresh_from_db()
    assert job.state == BackgroundJobState.FAILED
