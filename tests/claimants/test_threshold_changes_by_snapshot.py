"""Issue #13: whether a threshold change came before or after an uprating started is told by the job's snapshot of
committed transactions (migration 0029), not by the database's clock against the application's; and a TRUNCATE of
a threshold table is logged like the deletion of each of its rows."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from decimal import Decimal

import psycopg
import pytest
from django.db import connection
from django.db.models import F

from claimants.models import AetParameter, ThresholdChange, WageRate
from claimants.regimes import uprating
from iwp.models import BackgroundJob
from tests.claimants.test_uprating_pages import _applied_aet_from_may_2025

MAY = dt.date(2025, 5, 1)
REFUSED = (
    "The AET from 1 May 2025 has been added, changed or removed since this uprating started, so the parts not done "
    "would use different figures from the parts done. Start a new uprating from 1 May 2025."
)


def _other_connection() -> psycopg.Connection:
    """A second session on the test database, as another user's request or a shell would be."""
    params = connection.get_connection_params()
    django_only = ("cursor_factory", "context", "prepare_threshold")
    return psycopg.connect(**{k: v for k, v in params.items() if k not in django_only})


def _uprating_from_may() -> BackgroundJob:
    """An uprating from 1 May 2025 run to the end in this process (no caseload: it only has to start)."""
    info = uprating.uprating_run_inline(MAY, "Test uprating", workers=1)
    return BackgroundJob.objects.get(pk=info["job_id"])


@pytest.mark.django_db(transaction=True)
def test_a_snapshot_sees_a_transaction_exactly_when_postgresql_says_it_does() -> None:
    with _other_connection() as running:
        running.execute("SELECT pg_current_xact_id()")  # still running when the snapshot is taken
        with connection.cursor() as cursor:
            # A later transaction that ends first: the running one is then below the snapshot's xmax, so listed.
            cursor.execute("SELECT pg_current_xact_id()")
            cursor.execute("SELECT pg_current_snapshot()::text")
            (snapshot,) = cursor.fetchone()
            xmin, xmax, listed = snapshot.split(":")
            assert listed, snapshot  # the other session's transaction
            cursor.execute(
                "SELECT x, pg_visible_in_snapshot(x::text::xid8, %s::pg_snapshot) "
                "FROM generate_series(%s::bigint - 3, %s::bigint + 3) x",
                [snapshot, int(xmin), int(xmax)],
            )
            answers = cursor.fetchall()
    assert len(answers) >= 7
    assert [(x, uprating._seen_by(x, snapshot)) for x, _ in answers] == answers


@pytest.mark.django_db(transaction=True)
def test_a_change_committed_after_an_uprating_started_is_after_it_though_its_statement_ran_before() -> None:
    """Another session changes the AET and commits only once the job has started: by the clocks the change came
    first (its statement ran before), yet parts of the job could have read the old figures. The job's snapshot
    did not see it, so the job cannot be resumed, and it did not apply the change."""
    row = _applied_aet_from_may_2025()
    with _other_connection() as other:
        other.execute("UPDATE claimants_aetparameter SET hourly_rate = 12.50 WHERE id = %s", [row.pk])
        job = _uprating_from_may()
        other.commit()
    (change,) = ThresholdChange.objects.all()
    assert change.changed_at < job.created_at and change.transaction_id and change.system_identifier
    assert job.parameters["system_identifier"] == change.system_identifier
    assert job.parameters["snapshot"] and job.parameters["transaction"] != change.transaction_id
    assert uprating.uprating_resume_refusal(job_id=job.pk) == REFUSED
    assert uprating.uprating_thresholds_not_applied(dt.date(2025, 6, 1)) == [("AET", MAY)]
    # An uprating started after the commit includes it.
    _uprating_from_may()
    assert uprating.uprating_thresholds_not_applied(dt.date(2025, 6, 1)) == []


@pytest.mark.django_db(transaction=True)
def test_clocks_that_disagree_do_not_move_a_change_to_the_other_side_of_an_uprating() -> None:
    """The log's time is the database's clock, a job's start the application's. With the database's an hour ahead, a
    change the job read still counts as before it; with it an hour behind, a change made after the job still
    counts as after."""
    row = _applied_aet_from_may_2025()
    AetParameter.objects.filter(pk=row.pk).update(hourly_rate=Decimal("12.50"))
    ThresholdChange.objects.update(changed_at=F("changed_at") + timedelta(hours=1))
    job = _uprating_from_may()
    assert ThresholdChange.objects.get().changed_at > job.created_at
    assert uprating.uprating_resume_refusal(job_id=job.pk) is None
    assert uprating.uprating_thresholds_not_applied(dt.date(2025, 6, 1)) == []

    AetParameter.objects.filter(pk=row.pk).update(hourly_rate=Decimal("12.60"))
    later = ThresholdChange.objects.latest("id")
    ThresholdChange.objects.filter(pk=later.pk).update(changed_at=F("changed_at") - timedelta(hours=1))
    later.refresh_from_db()
    assert later.changed_at < job.created_at
    assert uprating.uprating_resume_refusal(job_id=job.pk) == REFUSED
    assert uprating.uprating_thresholds_not_applied(dt.date(2025, 6, 1)) == [("AET", MAY)]

    # Logged by another cluster (a copy restored by pg_dump counts transactions from the start again): its
    # transaction's id says nothing of this job's snapshot, so the clocks decide, and the first change, an hour
    # ahead, counts as after the job.
    later.delete()
    assert uprating.uprating_resume_refusal(job_id=job.pk) is None
    ThresholdChange.objects.update(system_identifier=F("system_identifier") + 1)
    assert uprating.uprating_resume_refusal(job_id=job.pk) == REFUSED


@pytest.mark.django_db
def test_a_threshold_table_truncated_logs_every_date_it_held() -> None:
    """TRUNCATE fires no row trigger: a statement trigger before it logs each date the table held (migration
    0029), so an uprating from a later date is refused as after deleting each row."""
    dates = sorted(set(WageRate.objects.values_list("effective_from", flat=True)))
    assert len(dates) > 1
    ThresholdChange.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE claimants_wagerate")
    assert not WageRate.objects.exists()
    logged = ThresholdChange.objects.order_by("effective_from")
    assert [(c.table_name, c.effective_from) for c in logged] == [
        ("claimants_wagerate", day) for day in dates
    ]
    assert all(c.transaction_id and c.system_identifier for c in logged)
    after = dates[-1] + timedelta(days=1)
    assert uprating.uprating_thresholds_not_applied(after) == [("wage rates", day) for day in dates]
