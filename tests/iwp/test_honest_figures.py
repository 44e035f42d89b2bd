"""Honest figures (issue #17): every kind of change a coach or leader records is recounted once its transaction
commits, so each figure of the affected coaches equals the list it links to straight away — not ten minutes later.

Each test counts the figures (as the 10-minute recount would), records one kind of change through its service (or
the real page), lets the transaction's on-commit callbacks run, and then checks EVERY linked figure of the coaches
it touched against the caseload list behind it, and that the figure the change moves did move.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from appointments.services import ActionInput, agreed_action_close, appointment_record_outcome
from claimants.commitments.services import (
    commitment_issue,
    commitment_record_acceptance,
    commitment_save_draft,
    commitment_start_draft,
)
from claimants.models import AetParameter
from claimants.regimes.engine import Cause
from claimants.regimes.iwp_offer import iwp_offer_sweep
from claimants.regimes.recalculation import claimant_recalculate
from claimants.regimes.uprating import uprating_start
from claimants.services import claimant_create, claimant_reassign, claimant_record_earnings
from iwp import figures as core_figures
from iwp.dashboards.services import refresh_coach_figures
from iwp.models import CoachFigures
from provision.services import flag_limbo_referrals, referral_change_status, referral_create
from tests.appointments.factories import AppointmentFactory
from tests.factories import WorkCoachFactory, govuk_date
from tests.iwp.figures_check import figure, figures_match_lists
from tests.iwp.team import claimant_of, past
from tests.provision.factories import OfferFactory

pytestmark = pytest.mark.django_db


def honest(client, *coaches) -> None:
    """Every linked figure of each coach (and of the team) equals the list behind it."""
    for coach in coaches:
        assert figures_match_lists(client, {"coach": coach.pk}) >= 20
    figures_match_lists(client)


# --- Appointments and agreed actions ------------------------------------------------------------------------


def test_outcome_recorded_with_an_action_and_the_action_completed(
    leader_client, coach_a, django_capture_on_commit_callbacks
):
    claimant = claimant_of(coach_a)
    appointment = AppointmentFactory(coach=coach_a, claimant=claimant, starts_at=past(30))
    refresh_coach_figures()
    assert figure(leader_client, "unrecorded", coach=coach_a.pk) == 1

    with django_capture_on_commit_callbacks(execute=True):
        result = appointment_record_outcome(
            appointment=appointment,
            actor=coach_a,
            outcome="attended",
            actions=[
                ActionInput(
                    category="job_search",
                    description="Apply for two warehouse jobs",
                    due_on=timezone.localdate() - dt.timedelta(days=1),
                )
            ],
        )
    assert figure(leader_client, "unrecorded", coach=coach_a.pk) == 0
    assert figure(leader_client, "overdue_actions", coach=coach_a.pk) == 1
    honest(leader_client, coach_a)

    with django_capture_on_commit_callbacks(execute=True):
        agreed_action_close(action=result.actions[0], actor=coach_a, done=True)
    assert figure(leader_client, "overdue_actions", coach=coach_a.pk) == 0
    honest(leader_client, coach_a)


# --- Claimant commitments -----------------------------------------------------------------------------------


def test_commitment_issued_then_accepted(leader_client, coach_a, django_capture_on_commit_callbacks):
    claimant = claimant_of(coach_a, expected_hours=Decimal(35))
    draft = commitment_start_draft(claimant=claimant, actor=coach_a)
    draft = commitment_save_draft(
        commitment=draft,
        lock_version=draft.lock_version,
        actor=coach_a,
        expected_hours=Decimal(35),
        reason_code="",
        reason_detail="",
        work_search_hours=Decimal(10),
        requirements="Look for warehouse work with more hours.",
        easements_note="",
        review_due=None,
        items=[],
    )
    refresh_coach_figures()
    assert figure(leader_client, "awaiting_acceptance", coach=coach_a.pk) == 0

    with django_capture_on_commit_callbacks(execute=True):
        issued = commitment_issue(commitment=draft, lock_version=draft.lock_version, actor=coach_a)
    assert figure(leader_client, "awaiting_acceptance", coach=coach_a.pk) == 1
    honest(leader_client, coach_a)

    with django_capture_on_commit_callbacks(execute=True):
        commitment_record_acceptance(commitment=issued, lock_version=issued.lock_version, actor=coach_a)
    assert figure(leader_client, "awaiting_acceptance", coach=coach_a.pk) == 0
    honest(leader_client, coach_a)


# --- Referrals ----------------------------------------------------------------------------------------------


def test_referral_created_flagged_in_limbo_and_its_status_changed(
    leader_client, coach_a, django_capture_on_commit_callbacks
):
    claimant = claimant_of(coach_a)
    offer = OfferFactory(district=claimant.jobcentre.district, limbo_days=5)
    refresh_coach_figures()
    with django_capture_on_commit_callbacks(execute=True):
        referral = referral_create(actor=coach_a, claimant=claimant, offer=offer, refer=True)
    honest(leader_client, coach_a)

    with django_capture_on_commit_callbacks(execute=True):
        assert flag_limbo_referrals(today=timezone.localdate() + dt.timedelta(days=30)) == 1
    assert figure(leader_client, "referrals_in_limbo", coach=coach_a.pk) == 1
    honest(leader_client, coach_a)

    referral.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        referral_change_status(actor=coach_a, referral=referral, to_status="accepted")
    assert figure(leader_client, "referrals_in_limbo", coach=coach_a.pk) == 0
    honest(leader_client, coach_a)


# --- Moves between coaches, absence, new claimants ----------------------------------------------------------


def test_single_reassignment_recounts_both_coaches(
    leader_client, team_leader, coach_a, coach_b, django_capture_on_commit_callbacks
):
    moving = claimant_of(coach_a, current_regime="light_touch", regime_cycling=True)
    AppointmentFactory(coach=coach_a, claimant=moving, starts_at=past(30))
    refresh_coach_figures()
    with django_capture_on_commit_callbacks(execute=True):
        claimant_reassign(claimant=moving, to_coach=coach_b, actor=team_leader, reason="Rebalancing")
    assert figure(leader_client, "caseload", coach=coach_a.pk) == 0
    assert figure(leader_client, "unrecorded", coach=coach_b.pk) == 1
    honest(leader_client, coach_a, coach_b)


def test_bulk_reassignment_through_the_page(
    leader_client, coach_a, coach_b, django_capture_on_commit_callbacks
):
    moving = [claimant_of(coach_a, current_regime="working_enough") for _ in range(3)]
    refresh_coach_figures()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = leader_client.post(
            reverse("iwp:reassign"),
            {"claimants": [c.pk for c in moving], "to_coach": coach_b.pk, "reason": "Leave"},
        )
    assert response.status_code == 302
    # One recount for the whole move (three claimants, two coaches), not one per claimant.
    assert [c.__qualname__ for c in callbacks].count("_Pending.flush") == 1
    assert figure(leader_client, "regime_working_enough", coach=coach_b.pk) == 3
    honest(leader_client, coach_a, coach_b)


def test_absence_with_cover_through_the_page(
    leader_client, coach_a, coach_b, django_capture_on_commit_callbacks
):
    claimant = claimant_of(coach_a)
    AppointmentFactory(coach=coach_a, claimant=claimant, starts_at=timezone.now() + dt.timedelta(days=1))
    refresh_coach_figures()
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        response = leader_client.post(
            reverse("iwp:record_absence", args=[coach_a.pk]),
            {
                "kind": "sickness",
                **govuk_date("starts_on", today.isoformat()),
                **govuk_date("ends_on", (today + dt.timedelta(days=5)).isoformat()),
                "covered_by": coach_b.pk,
            },
        )
    assert response.status_code == 302
    stamps = dict(CoachFigures.objects.values_list("coach_id", "refreshed_at"))
    assert stamps[coach_a.pk] == stamps[coach_b.pk]  # both recounted together, after the move
    honest(leader_client, coach_a, coach_b)


def test_claimant_added(leader_client, coach_a, django_capture_on_commit_callbacks):
    refresh_coach_figures()
    with django_capture_on_commit_callbacks(execute=True):
        claimant_create(
            actor=coach_a,
            nino="JK123456C",
            first_name="Nia",
            last_name="New",
            date_of_birth=dt.date(1990, 3, 1),
            coach=coach_a,
        )
    assert figure(leader_client, "caseload", coach=coach_a.pk) == 1
    honest(leader_client, coach_a)


# --- Regime changes: one claimant's recalculation, the uprating, the IWP-offer sweep -------------------------


def test_regime_change_by_earnings_recalculation(leader_client, coach_a, django_capture_on_commit_callbacks):
    claimant = claimant_of(coach_a)
    with django_capture_on_commit_callbacks(execute=True):  # as if committed: nothing left waiting
        claimant_record_earnings(
            claimant=claimant,
            period_start=dt.date(2025, 6, 10),
            employed_earnings=Decimal(0),
            recalculate=False,
        )
        claimant_recalculate(claimant_id=claimant.pk, cause=Cause.EARNINGS)
    refresh_coach_figures()
    assert figure(leader_client, "regime_intensive_work_search", coach=coach_a.pk) == 1

    with django_capture_on_commit_callbacks(
        execute=True
    ):  # the recalculation runs on commit, then the recount
        claimant_record_earnings(
            claimant=claimant, period_start=dt.date(2025, 6, 10), employed_earnings=Decimal("952.38")
        )
    claimant.refresh_from_db()
    assert claimant.current_regime == "light_touch"
    assert figure(leader_client, "regime_intensive_work_search", coach=coach_a.pk) == 0
    assert figure(leader_client, "regime_light_touch", coach=coach_a.pk) == 1
    honest(leader_client, coach_a)


def _light_touch_claimants_before_an_uprating(coaches, capture) -> list:
    """One Light Touch claimant per coach (£952.38 in June 2025), figures counted, and a (hypothetical) uprating
    row: the single AET from 1 June 2025 becomes 20 hours at £12.21 (£1,058.20), which would move them all."""
    movers = []
    for coach in coaches:
        claimant = claimant_of(coach)
        with capture(execute=True):  # as if committed: nothing left waiting
            claimant_record_earnings(
                claimant=claimant,
                period_start=dt.date(2025, 6, 10),
                employed_earnings=Decimal("952.38"),
                recalculate=False,
            )
            claimant_recalculate(claimant_id=claimant.pk, cause=Cause.EARNINGS)
        movers.append(claimant)
    refresh_coach_figures()
    AetParameter.objects.create(
        effective_from=dt.date(2025, 6, 1),
        single_hours=Decimal(20),
        couple_hours=Decimal(29),
        hourly_rate=Decimal("12.21"),
    )
    return movers


def test_uprating_recounts_the_coaches_of_the_claimants_it_moved(
    leader_client, administrator, coach_a, coach_b, django_capture_on_commit_callbacks
):
    movers = _light_touch_claimants_before_an_uprating((coach_a, coach_b), django_capture_on_commit_callbacks)
    assert figure(leader_client, "regime_light_touch", coach=coach_a.pk) == 1
    with django_capture_on_commit_callbacks(execute=True):
        job = uprating_start(actor=administrator, effective_from=dt.date(2025, 6, 1), reason="Uprating")
    job.refresh_from_db()
    assert job.state == "succeeded", job.error
    for coach in (coach_a, coach_b):
        assert figure(leader_client, "regime_light_touch", coach=coach.pk) == 0
        assert figure(leader_client, "regime_intensive_work_search", coach=coach.pk) == 1
    honest(leader_client, coach_a, coach_b)
    # The job page lists who moved, each name leading to the claimant's record.
    page = leader_client.get(reverse("claimants:uprating_job", args=[job.pk]))
    assert page.status_code == 403  # administrators only
    from django.test import Client

    admin = Client()
    admin.force_login(administrator)
    html = admin.get(reverse("claimants:uprating_job", args=[job.pk])).content.decode()
    for claimant in movers:
        assert f'href="{reverse("claimants:record", args=[claimant.pk])}"' in html


def test_a_failed_uprating_chunk_still_recounts_the_chunks_already_committed(
    leader_client, coach_a, coach_b, django_capture_on_commit_callbacks, monkeypatch
):
    """The figures are recounted once per job, not per chunk: when a later chunk fails, the moves the earlier
    chunks committed must still reach the dashboard now, not at the next periodic recount."""
    from claimants.regimes import uprating

    movers = _light_touch_claimants_before_an_uprating((coach_a, coach_b), django_capture_on_commit_callbacks)
    first, second = sorted(movers, key=lambda c: c.pk)
    real_chunk = uprating._process_chunk

    def failing_second(**kwargs):
        if kwargs["lo"] <= second.pk < kwargs["hi"]:
            raise RuntimeError("the database went away")
        return real_chunk(**kwargs)

    monkeypatch.setattr(uprating, "_process_chunk", failing_second)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        uprating.uprating_run_inline(dt.date(2025, 6, 1), workers=1, chunk_size=1)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.current_regime, second.current_regime) == ("intensive_work_search", "light_touch")
    moved, stayed = (coach_a, coach_b) if first.coach_id == coach_a.pk else (coach_b, coach_a)
    assert figure(leader_client, "regime_intensive_work_search", coach=moved.pk) == 1
    assert figure(leader_client, "regime_light_touch", coach=moved.pk) == 0
    assert figure(leader_client, "regime_light_touch", coach=stayed.pk) == 1
    honest(leader_client, coach_a, coach_b)


def test_iwp_offer_sweep_and_invite_through_the_page(
    leader_client, coach_a, django_capture_on_commit_callbacks
):
    claimant = claimant_of(coach_a, current_regime="light_touch", iwp_offer_status="not_eligible")
    refresh_coach_figures()
    with django_capture_on_commit_callbacks(execute=True):
        assert iwp_offer_sweep().newly_eligible == 1
    assert figure(leader_client, "iwp_eligible", coach=coach_a.pk) == 1
    honest(leader_client, coach_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = leader_client.post(reverse("claimants:iwp_offer_invite", args=[claimant.pk]))
    assert response.status_code == 302
    assert figure(leader_client, "iwp_eligible", coach=coach_a.pk) == 0
    honest(leader_client, coach_a)


# --- The hook itself: batching, rollbacks, failures, cost ----------------------------------------------------


def test_a_rolled_back_change_recounts_nothing_and_leaves_no_stale_batch(
    coach_a, coach_b, django_capture_on_commit_callbacks
):
    from django.db import transaction

    calls = []
    previous = core_figures._recounter
    core_figures.register_recounter(lambda coaches, claimants: calls.append(set(coaches)))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            with pytest.raises(RuntimeError), transaction.atomic():
                core_figures.figures_changed([coach_a.pk])
                raise RuntimeError("refused")
            with transaction.atomic():
                core_figures.figures_changed([coach_b.pk])
                core_figures.figures_changed([coach_b.pk, None])
        assert calls == [{coach_b.pk}]
    finally:
        core_figures.register_recounter(previous)


def test_a_failing_recount_never_fails_the_saved_change(
    leader_client, coach_a, coach_b, django_capture_on_commit_callbacks, caplog
):
    moving = claimant_of(coach_a)
    previous = core_figures._recounter

    def broken(coaches, claimants):
        raise RuntimeError("database went away")

    core_figures.register_recounter(broken)
    try:
        with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
            response = leader_client.post(
                reverse("iwp:reassign"), {"claimants": [moving.pk], "to_coach": coach_b.pk}
            )
    finally:
        core_figures.register_recounter(previous)
    assert response.status_code == 302
    moving.refresh_from_db()
    assert moving.coach == coach_b
    assert "the periodic recount will put them right" in caplog.text


def test_without_a_recounter_the_hook_does_nothing(coach_a, django_capture_on_commit_callbacks):
    previous = core_figures._recounter
    core_figures.register_recounter(None)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            claimant_reassign(
                claimant=claimant_of(coach_a), to_coach=WorkCoachFactory(team=coach_a.team), actor=coach_a
            )
    finally:
        core_figures.register_recounter(previous)
    assert not CoachFigures.objects.exists()


def test_an_older_count_never_overwrites_a_newer_one(coach_a):
    claimant_of(coach_a)
    newer = timezone.now()
    refresh_coach_figures([coach_a.pk], now=newer)
    claimant_of(coach_a)
    refresh_coach_figures([coach_a.pk], now=newer - dt.timedelta(seconds=5))  # started before, finished after
    row = CoachFigures.objects.get(coach=coach_a)
    assert (row.counts["caseload"], row.refreshed_at) == (1, newer)


def test_the_recount_costs_a_fixed_handful_of_queries_after_commit(
    coach_a, coach_b, team_leader, django_capture_on_commit_callbacks
):
    """The change's own transaction gets no extra query (the hook only collects ids); the recount after commit
    is a fixed number of queries whatever the number of claimants moved (the README note quotes the figure)."""
    from django.db import transaction

    timings: list[float] = []

    def cost(n: int, recounter) -> tuple[int, int]:
        claimants = [claimant_of(coach_a) for _ in range(n)]
        previous = core_figures._recounter
        core_figures.register_recounter(recounter)
        try:
            with (
                django_capture_on_commit_callbacks(execute=False) as callbacks,
                CaptureQueriesContext(connection) as change,
                transaction.atomic(),
            ):
                for c in claimants:
                    claimant_reassign(claimant=c, to_coach=coach_b, actor=team_leader)
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as recount:
                for callback in callbacks:
                    callback()
            timings.append(time.perf_counter() - started)
        finally:
            core_figures.register_recounter(previous)
        return len(change.captured_queries), len(recount.captured_queries)

    real = core_figures._recounter
    without = cost(2, None)
    one = cost(2, real)
    thirty = cost(30, real)
    assert one[0] == without[0], "figures_changed costs the change's transaction nothing"
    assert without[1] == 0
    assert one[1] == thirty[1], (one, thirty)  # one recount per transaction, whatever its size
    assert one[1] <= 12, one
    print(
        f"\nchange queries {one[0]} (without hook {without[0]}), recount queries {one[1]}, "
        f"recount {timings[1] * 1000:.1f} ms / {timings[2] * 1000:.1f} ms"
    )
