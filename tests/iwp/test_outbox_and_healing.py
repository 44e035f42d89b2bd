"""The durable hand-off (iwp.background.outbox), the reconciliation behind it, jobs that heal, and readiness (issue #14)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from claimants.models import Claimant, EarningsRecord, RegimeAssessment
from claimants.regimes.engine import Cause
from claimants.regimes.recalculation import claimants_needing_recalculation
from claimants.services import claimant_record_earnings, claimant_update_facts
from iwp.background import jobs, outbox
from iwp.celery import app as celery_app
from iwp.models import BackgroundJob, BackgroundJobState, TaskIntent
from tests.claimants.factories import ClaimantFactory

pytestmark = pytest.mark.django_db


def test_a_change_writes_its_recalculation_in_its_own_transaction(django_capture_on_commit_callbacks):
    claimant = ClaimantFactory(assessment_day=10)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        claimant_record_earnings(
            claimant=claimant, period_start=dt.date(2025, 6, 10), employed_earnings=Decimal(900)
        )
    intent = TaskIntent.objects.get()
    assert (intent.task, intent.args, intent.dispatched_at) == (
        "claimants.recalculate_claimant",
        [claimant.pk, "earnings"],
        None,
    )
    assert len(callbacks) == 1  # sent once the change commits


def test_a_rolled_back_change_leaves_no_intent():
    claimant = ClaimantFactory(assessment_day=10)
    with pytest.raises(RuntimeError), transaction.atomic():
        claimant_record_earnings(
            claimant=claimant, period_start=dt.date(2025, 6, 10), employed_earnings=Decimal(1)
        )
        raise RuntimeError("the page failed after the write")
    assert not TaskIntent.objects.exists() and not EarningsRecord.objects.exists()


def test_repeats_while_one_is_waiting_collapse_into_it():
    with transaction.atomic():
        outbox.send_on_commit("claimants.recalculate_claimant", 1, "earnings", key="recalculate:1:earnings")
        outbox.send_on_commit("claimants.recalculate_claimant", 1, "earnings", key="recalculate:1:earnings")
        outbox.send_on_commit(
            "claimants.recalculate_claimant", 1, "circumstance", key="recalculate:1:circumstance"
        )
    assert TaskIntent.objects.count() == 2


def test_the_relay_sends_what_is_waiting_and_keeps_what_fails(monkeypatch):
    TaskIntent.objects.create(task="iwp.ping", args=[1])
    TaskIntent.objects.create(task="iwp.ping", args=[2])
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)

    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("Redis is down")

    monkeypatch.setattr(celery_app, "send_task", broker_down)
    assert outbox.relay_waiting() == 0
    assert set(TaskIntent.objects.values_list("attempts", flat=True)) == {1}
    assert "Redis is down" in TaskIntent.objects.first().last_error
    sent = []
    monkeypatch.setattr(celery_app, "send_task", lambda name, args, **kw: sent.append((name, args)))
    assert outbox.relay_waiting() == 2
    assert sent == [("iwp.ping", [1]), ("iwp.ping", [2])]
    assert not TaskIntent.objects.filter(dispatched_at__isnull=True).exists()
    assert outbox.relay_waiting() == 0  # safe to run twice: nothing is sent again


def test_reconciliation_recalculates_claimants_whose_recalculation_was_lost(
    django_capture_on_commit_callbacks,
):
    decided, lost, facts_changed = (ClaimantFactory(assessment_day=10) for _ in range(3))
    with django_capture_on_commit_callbacks(execute=True):
        claimant_record_earnings(
            claimant=decided, period_start=dt.date(2026, 6, 10), employed_earnings=Decimal(900)
        )
    with django_capture_on_commit_callbacks(execute=False):  # committed, but the hand-off never happened
        claimant_record_earnings(
            claimant=lost, period_start=dt.date(2026, 6, 10), employed_earnings=Decimal(900)
        )
        claimant_update_facts(
            claimant=facts_changed, actor=None, expected_hours=Decimal(16), expected_hours_reason="caring"
        )
    decided.refresh_from_db()
    assert decided.regime_stale_since is None  # the recalculation cleared its mark
    assert (
        claimants_needing_recalculation() == []
    )  # marks younger than 10 minutes: the hand-off may be on its way
    stale = dict(claimants_needing_recalculation(older_than=dt.timedelta(0)))
    assert stale == {lost.pk: Cause.EARNINGS, facts_changed.pk: Cause.CIRCUMSTANCE}
    Claimant.objects.filter(pk__in=stale).update(regime_stale_since=timezone.now() - dt.timedelta(hours=1))
    from claimants.regimes.tasks import reconcile_regimes_task

    assert reconcile_regimes_task() == {"claimants": 2}  # eager here: recalculated at once
    assert RegimeAssessment.objects.filter(claimant=lost, cause="earnings").exists()
    assert claimants_needing_recalculation(older_than=dt.timedelta(0)) == []


def _stalled_job(kind: str) -> BackgroundJob:
    job = BackgroundJob.objects.create(kind=kind, state=BackgroundJobState.RUNNING, total=10, done=3)
    BackgroundJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - dt.timedelta(hours=1))
    return job


def test_a_stalled_job_is_resumed_not_failed_and_says_so(monkeypatch):
    resumed = []
    monkeypatch.setitem(jobs.RESUMERS, "test.kind", resumed.append)
    job = _stalled_job("test.kind")
    other = _stalled_job("cannot.resume")
    assert jobs.jobs_heal() == {"resumed": 1, "failed": 1}
    assert resumed == [job.pk]
    job.refresh_from_db()
    other.refresh_from_db()
    assert job.state == BackgroundJobState.RUNNING and "automatically" in job.result["events"][0]["what"]
    assert other.state == BackgroundJobState.FAILED
    for _ in range(
        jobs.AUTO_RESUMES
    ):  # a job that never progresses is failed in the end, not resumed forever
        BackgroundJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - dt.timedelta(hours=1))
        jobs.jobs_heal()
    job.refresh_from_db()
    assert job.state == BackgroundJobState.FAILED and len(resumed) == jobs.AUTO_RESUMES


def test_a_job_that_progresses_between_losses_is_resumed_every_time(monkeypatch):
    """The limit counts automatic resumes without progress since, not every resume in a long job's life."""
    resumed = []
    monkeypatch.setitem(jobs.RESUMERS, "test.kind", resumed.append)
    job = _stalled_job("test.kind")
    for _ in range(jobs.AUTO_RESUMES + 2):
        BackgroundJob.objects.filter(pk=job.pk).update(
            heartbeat_at=timezone.now() - dt.timedelta(hours=1), done=F("done") + 1
        )
        assert jobs.jobs_heal() == {"resumed": 1, "failed": 0}
    job.refresh_from_db()
    assert job.state == BackgroundJobState.RUNNING and len(resumed) == jobs.AUTO_RESUMES + 2
    assert [e["done"] for e in job.result["events"]] == list(range(4, 4 + jobs.AUTO_RESUMES + 2))


def test_a_resumable_job_is_resumed_once_redelivery_has_had_its_time_and_others_wait_for_the_stall_time(
    monkeypatch, settings
):
    """A chunk a killed worker took with it (popped, not yet recorded as unacknowledged) is never redelivered:
    the job is resumed soon after the resume horizon, long before the stall time fails a job."""
    settings.IWP_JOB_RESUME_AFTER_SECONDS = 120
    resumed = []
    monkeypatch.setitem(jobs.RESUMERS, "test.kind", resumed.append)
    quiet = _stalled_job("test.kind")
    other = _stalled_job("cannot.resume")
    recent = _stalled_job("test.kind")
    three_minutes_ago = timezone.now() - dt.timedelta(minutes=3)
    BackgroundJob.objects.filter(pk__in=[quiet.pk, other.pk]).update(heartbeat_at=three_minutes_ago)
    BackgroundJob.objects.filter(pk=recent.pk).update(heartbeat_at=timezone.now() - dt.timedelta(seconds=30))
    assert jobs.jobs_heal() == {"resumed": 1, "failed": 0}
    assert resumed == [quiet.pk]
    other.refresh_from_db()
    assert other.state == BackgroundJobState.RUNNING  # failed only after the stall time
    assert jobs.jobs_heal() == {"resumed": 0, "failed": 0}  # the resume counts as progress


def test_an_administrator_resumes_a_failed_uprating_from_its_page_or_a_command(admin_client_iwp, monkeypatch):
    from claimants.regimes.uprating import UPRATING_JOB_KIND

    job = BackgroundJob.objects.create(kind=UPRATING_JOB_KIND, state=BackgroundJobState.FAILED, error="boom")
    page = admin_client_iwp.get(reverse("iwp:job_detail", args=[job.pk]))
    assert "Resume the job" in page.content.decode()
    sent = []
    monkeypatch.setattr(outbox, "send_on_commit", lambda *a, **k: sent.append(a))
    monkeypatch.setattr("claimants.regimes.uprating.send_on_commit", lambda *a, **k: sent.append(a))
    response = admin_client_iwp.post(reverse("iwp:job_resume", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.state == BackgroundJobState.RUNNING and sent == [("claimants.uprating_run", job.pk)]
    page = admin_client_iwp.get(reverse("iwp:job_detail", args=[job.pk]))
    assert "Resumed by" in page.content.decode()
    BackgroundJob.objects.filter(pk=job.pk).update(state=BackgroundJobState.FAILED)
    call_command("resume_job", str(job.pk))
    assert len(sent) == 2
    with pytest.raises(CommandError):
        call_command("resume_job", "999999")


def test_coaches_cannot_resume_jobs(coach_client):
    job = BackgroundJob.objects.create(kind="claimants.uprating", state=BackgroundJobState.FAILED)
    assert coach_client.post(reverse("iwp:job_resume", args=[job.pk])).status_code in (403, 404)


def test_readiness_reports_the_database_redis_and_the_backlog(client, settings):
    settings.REDIS_URL = ""
    ready = client.get("/healthz/ready/")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    old = TaskIntent.objects.create(task="iwp.ping", args=[1])
    TaskIntent.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(hours=1))
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    degraded = client.get("/healthz/ready/").json()
    assert degraded == {"database": "ok", "redis": "down", "waiting_tasks": 1, "status": "degraded"}
    assert client.get("/healthz/").status_code == 200  # liveness
