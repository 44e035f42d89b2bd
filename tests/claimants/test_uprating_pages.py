"""Administrators preview an uprating, run it as a tracked job and see who moved."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from claimants.models import AetParameter, RegimeAssessment, RegimeMove
from claimants.services import claimant_record_earnings
from iwp.models import BackgroundJob
from tests.claimants.factories import ClaimantFactory, claimant_with_earnings
from tests.factories import admin_form_values, govuk_date, threshold_rows_applied

pytestmark = pytest.mark.django_db


@pytest.fixture
def light_touch_claimant():
    return claimant_with_earnings(["952.38"], first_name="Ada", last_name="Mover")


@pytest.fixture(params=["sql", "per_claimant"])
def engine_path(request, monkeypatch) -> str:
    """Both ways an uprating runs: set-based SQL (PostgreSQL) and the per-claimant engine (the SQLite demo)."""
    if request.param == "per_claimant":
        from claimants.regimes import uprating

        monkeypatch.setattr(uprating, "_is_postgresql", lambda: False)
    return request.param


def _aet_at_20_hours_from_june_2025() -> dict:
    """A (hypothetical) uprating: the single AET from 1 June 2025 becomes 20 hours at £12.21 (£1,058.20), so
    £952.38 moves from Light Touch to Intensive Work Search. Returns the uprating form's fields for that date."""
    AetParameter.objects.create(
        effective_from=dt.date(2025, 6, 1),
        single_hours=Decimal(20),
        couple_hours=Decimal(29),
        hourly_rate=Decimal("12.21"),
    )
    return {**govuk_date("effective_from", "2025-06-01"), "reason": "Test uprating"}


def test_only_administrators(coach_client, leader_client):
    for client in (coach_client, leader_client):
        assert client.get(reverse("claimants:uprating")).status_code == 403


def test_preview_then_run_then_movers(
    admin_client_iwp, light_touch_claimant, django_capture_on_commit_callbacks
):
    form = _aet_at_20_hours_from_june_2025()
    preview = admin_client_iwp.post(reverse("claimants:uprating"), {**form, "action": "preview"})
    html = preview.content.decode()
    assert "1 of 1 claimants would move regime" in html
    assert "Intensive Work Search" in html
    assert (
        RegimeAssessment.objects.filter(claimant=light_touch_claimant).count() == 1
    )  # preview writes nothing

    with django_capture_on_commit_callbacks(execute=True):
        started = admin_client_iwp.post(reverse("claimants:uprating"), {**form, "action": "run"})
    job = BackgroundJob.objects.get()
    assert started["Location"] == reverse("claimants:uprating_job", args=[job.pk])
    job.refresh_from_db()
    assert job.state == "succeeded", job.error
    page = admin_client_iwp.get(started["Location"]).content.decode()
    assert "Ada Mover" in page and "1 claimants moved regime" in page
    light_touch_claimant.refresh_from_db()
    assert light_touch_claimant.current_regime == "intensive_work_search"
    latest = RegimeAssessment.objects.current().get(claimant=light_touch_claimant)
    assert (latest.cause, latest.background_job_id) == ("threshold", job.pk)
    assert "Light Touch" in page  # the regime the uprating replaced


def test_who_moved_lists_each_claimant_whose_regime_now_changed_once(
    engine_path, admin_client_iwp, django_capture_on_commit_callbacks
):
    """The job page's list is its figure: one row per claimant whose regime now changed, however many of their
    periods changed, and nobody whose earlier periods changed but whose latest did not. (It used to list periods:
    one claimant once per period, under "N claimants moved regime".)"""
    # Three periods, each Light Touch now and Intensive Work Search under the new AET: three periods, one mover.
    mover = claimant_with_earnings(["952.38", "952.38", "952.38"], first_name="Ada", last_name="Mover")
    # Two periods that move the same way, then a latest period that meets the CET: Working Enough before and after.
    steady = claimant_with_earnings(["952.38", "952.38", "3000.00"], first_name="Bea", last_name="Steady")
    assert (mover.current_regime, steady.current_regime) == ("light_touch", "working_enough")
    form = _aet_at_20_hours_from_june_2025()
    with django_capture_on_commit_callbacks(execute=True):
        started = admin_client_iwp.post(reverse("claimants:uprating"), {**form, "action": "run"})
    job = BackgroundJob.objects.get()
    job.refresh_from_db()
    assert job.state == "succeeded", job.error
    # Both claimants had periods rewritten from Light Touch to Intensive Work Search ...
    for claimant, periods in ((mover, 3), (steady, 2)):
        assert (
            RegimeAssessment.objects.filter(
                claimant=claimant, background_job=job, regime="intensive_work_search"
            ).count()
            == periods
        )
    # ... but only one of them is in a different regime now, and that is who the job says moved.
    assert job.result["moved"] == 1
    assert list(
        RegimeMove.objects.filter(job=job).values_list("claimant_id", "from_regime", "to_regime")
    ) == [(mover.pk, "light_touch", "intensive_work_search")]
    page = admin_client_iwp.get(started["Location"]).content.decode()
    assert "1 claimants moved regime" in page
    movers_table = page[page.index('data-testid="movers"') :]
    assert movers_table.count('data-testid="mover-') == 1
    assert f'data-testid="mover-{mover.pk}"' in movers_table and "Bea Steady" not in movers_table


def test_a_claimant_decided_for_the_first_time_is_counted_apart_not_listed_as_moved(
    engine_path, admin_client_iwp, django_capture_on_commit_callbacks
):
    mover = claimant_with_earnings(["952.38"], first_name="Ada", last_name="Mover")
    # Earnings recorded, never calculated: no regime before the uprating.
    fresh = ClaimantFactory(first_name="Cy", last_name="Fresh")
    claimant_record_earnings(
        claimant=fresh, period_start=dt.date(2025, 6, 10), employed_earnings=Decimal("400"), recalculate=False
    )
    assert fresh.current_regime == ""
    form = _aet_at_20_hours_from_june_2025()
    preview = admin_client_iwp.post(
        reverse("claimants:uprating"), {**form, "action": "preview"}
    ).content.decode()
    assert (
        "1 of 2 claimants would move regime, and 1 would have a regime worked out for the first time"
        in preview
    )
    # Both end in Intensive Work Search, but only one of them moves into it.
    assert "1 would move into Intensive Work Search" in preview
    with django_capture_on_commit_callbacks(execute=True):
        started = admin_client_iwp.post(reverse("claimants:uprating"), {**form, "action": "run"})
    job = BackgroundJob.objects.get()
    job.refresh_from_db()
    assert job.state == "succeeded", job.error
    fresh.refresh_from_db()
    assert fresh.current_regime == "intensive_work_search"
    assert (job.result["moved"], job.result["first_decided"]) == (1, 1)
    assert list(RegimeMove.objects.filter(job=job).values_list("claimant_id", flat=True)) == [mover.pk]
    page = admin_client_iwp.get(started["Location"]).content.decode()
    assert "1 claimants moved regime" in page and "1 had a regime worked out for the first time" in page
    assert f'data-testid="mover-{fresh.pk}"' not in page and f'data-testid="mover-{mover.pk}"' in page


def test_a_job_from_before_moves_were_kept_says_so_rather_than_nobody_moved(admin_client_iwp):
    job = BackgroundJob.objects.create(
        kind="uprating", state="succeeded", total=1, done=1, result={"moved": 3, "moves": []}
    )
    page = admin_client_iwp.get(reverse("claimants:uprating_job", args=[job.pk])).content.decode()
    assert "ran before the list of who moved was kept" in page
    assert "Nobody moved regime" not in page


def test_bad_date_is_a_form_error(admin_client_iwp):
    response = admin_client_iwp.post(
        reverse("claimants:uprating"),
        {
            "effective_from_0": "30",
            "effective_from_1": "2",
            "effective_from_2": "2025",
            "reason": "x",
            "action": "preview",
        },
    )
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()


def test_the_embedded_default_path_runs_without_postgresql_sql(
    monkeypatch, administrator, light_touch_claimant, django_capture_on_commit_callbacks
):
    """The laptop demo runs on SQLite: the uprating falls back to the Python engine and plain ORM bookkeeping."""
    from claimants.regimes import uprating

    monkeypatch.setattr(uprating, "_is_postgresql", lambda: False)
    AetParameter.objects.create(
        effective_from=dt.date(2025, 6, 1),
        single_hours=Decimal(20),
        couple_hours=Decimal(29),
        hourly_rate=Decimal("12.21"),
    )
    preview = uprating.uprating_preview(effective_from=dt.date(2025, 6, 1))
    assert preview["moving"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        job = uprating.uprating_start(
            actor=administrator, effective_from=dt.date(2025, 6, 1), reason="SQLite path"
        )
    job.refresh_from_db()
    assert job.state == "succeeded", job.error
    assert job.result["moved"] == 1 and job.result["chunks_done"] == [0]
    light_touch_claimant.refresh_from_db()
    assert light_touch_claimant.current_regime == "intensive_work_search"


def test_a_date_after_every_assessment_period_says_why_and_offers_no_run(
    admin_client_iwp, light_touch_claimant
):
    latest = (
        RegimeAssessment.objects.filter(claimant=light_touch_claimant).latest("period_start").period_start
    )
    after = latest + dt.timedelta(days=40)
    form = {**govuk_date("effective_from", after.isoformat()), "reason": "Too late", "action": "preview"}
    html = admin_client_iwp.post(reverse("claimants:uprating"), form).content.decode()
    assert (
        "There is nothing to recalculate: no claimant has an assessment period starting on or after" in html
    )
    assert 'value="run"' not in html


def test_a_date_that_would_skip_a_rate_change_recorded_since_the_last_uprating_is_refused(
    admin_client_iwp, light_touch_claimant
):
    """Issue #13: an uprating trusts the history before its date. Wage rates recorded today from 1 May 2025 would be
    skipped by an uprating from 1 June 2025 for the periods between, so the page refuses that date (preview and run
    alike), says why, and names the date to use; from 1 May 2025 the preview runs."""
    from claimants.models import WageRate

    latest = WageRate.objects.filter(effective_from__lt=dt.date(2025, 5, 1)).latest("effective_from")
    WageRate.objects.bulk_create(
        WageRate(
            effective_from=dt.date(2025, 5, 1), band=r.band, min_age=r.min_age, max_age=r.max_age, rate=r.rate
        )
        for r in WageRate.objects.filter(effective_from=latest.effective_from)
    )
    form = _aet_at_20_hours_from_june_2025()
    for action in ("preview", "run"):
        response = admin_client_iwp.post(reverse("claimants:uprating"), {**form, "action": action})
        html = response.content.decode()
        assert response.status_code == 200
        assert "govuk-error-summary" in html
        assert (
            "Recalculate from 1 May 2025 or earlier. No uprating has included the wage rates from 1 May 2025 "
            "since they were added, changed or removed" in html
        )
        assert "would move regime" not in html
    assert not BackgroundJob.objects.exists()
    earlier = {**form, **govuk_date("effective_from", "2025-05-01"), "action": "preview"}
    html = admin_client_iwp.post(reverse("claimants:uprating"), earlier).content.decode()
    assert "govuk-error-summary" not in html
    assert "1 of 1 claimants would move regime" in html


def test_the_preview_says_when_claimants_wait_for_a_recalculation(
    engine_path, admin_client_iwp, light_touch_claimant
):
    """The job recalculates the whole history of a claimant waiting for a recalculation, so it may write more rows
    than the preview counts from the change on: the page says so (PostgreSQL). The per-claimant preview on SQLite
    already counts every row."""
    from django.utils import timezone

    from claimants.models import Claimant

    Claimant.objects.filter(pk=light_touch_claimant.pk).update(regime_stale_since=timezone.now())
    form = _aet_at_20_hours_from_june_2025()
    html = admin_client_iwp.post(
        reverse("claimants:uprating"), {**form, "action": "preview"}
    ).content.decode()
    assert "1 of 1 claimants would move regime (1 history row to write" in html
    waiting = (
        "and perhaps more for 1 claimant waiting for a recalculation after a change to their record: the uprating "
        "recalculates all of their last 24 assessment periods)."
    )
    assert (waiting in html) == (engine_path == "sql")


def _applied_aet_from_may_2025() -> AetParameter:
    """An AET row from 1 May 2025 (20 hours at £12.21) that counts as included by every uprating: recorded before
    the stamp and the log were kept."""
    row = AetParameter.objects.create(
        effective_from=dt.date(2025, 5, 1),
        single_hours=Decimal(20),
        couple_hours=Decimal(29),
        hourly_rate=Decimal("12.21"),
    )
    threshold_rows_applied(AetParameter.objects.filter(pk=row.pk))
    return row


def _uprating_page(client, day: str, action: str = "preview") -> str:
    form = {**govuk_date("effective_from", day), "reason": "Test uprating", "action": action}
    response = client.post(reverse("claimants:uprating"), form)
    return response.content.decode() if response.status_code == 200 else response["Location"]


def test_a_threshold_row_deleted_in_admin_refuses_a_later_date_until_an_uprating_includes_its_date(
    admin_client_iwp, superuser_client, light_touch_claimant, django_capture_on_commit_callbacks
):
    """A deleted row leaves no stamp, yet the periods from its date were calculated with it: the audit of Django
    admin keeps its date, so an uprating from a later date is refused until one from that date has succeeded."""
    row = _applied_aet_from_may_2025()
    assert "govuk-error-summary" not in _uprating_page(admin_client_iwp, "2025-06-01")
    client, _root = superuser_client
    client.post(reverse("admin:claimants_aetparameter_delete", args=[row.pk]), {"post": "yes"})
    assert not AetParameter.objects.filter(pk=row.pk).exists()
    html = _uprating_page(admin_client_iwp, "2025-06-01")
    assert "govuk-error-summary" in html
    assert (
        "Recalculate from 1 May 2025 or earlier. No uprating has included the AET from 1 May 2025 since it was "
        "added, changed or removed, so an uprating from 1 June 2025 would leave the periods in between with the "
        "old figures." in html
    )
    assert not BackgroundJob.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        _uprating_page(admin_client_iwp, "2025-05-01", action="run")
    assert BackgroundJob.objects.get().state == "succeeded"
    assert "govuk-error-summary" not in _uprating_page(admin_client_iwp, "2025-06-01")


def test_threshold_rows_changed_outside_admin_refuse_a_later_date(
    admin_client_iwp, light_touch_claimant, django_capture_on_commit_callbacks
):
    """A row deleted from a shell (no admin, no audit), figures changed by ``QuerySet.update()`` (no stamp) and a
    date moved in SQL all count: the database logs each change to the threshold tables itself (migration 0027)."""
    from claimants.models import ThresholdChange

    refused = (
        "Recalculate from 1 May 2025 or earlier. No uprating has included the AET from 1 May 2025 since it was "
        "added, changed or removed"
    )
    row = _applied_aet_from_may_2025()
    assert "govuk-error-summary" not in _uprating_page(admin_client_iwp, "2025-06-01")
    AetParameter.objects.filter(pk=row.pk).update(hourly_rate=Decimal("12.50"))
    assert refused in _uprating_page(admin_client_iwp, "2025-06-01")

    threshold_rows_applied(AetParameter.objects.filter(pk=row.pk))
    assert "govuk-error-summary" not in _uprating_page(admin_client_iwp, "2025-06-01")
    row.delete()  # as from ``manage.py shell``
    assert refused in _uprating_page(admin_client_iwp, "2025-06-01")
    assert "govuk-error-summary" not in _uprating_page(admin_client_iwp, "2025-05-01")
    with django_capture_on_commit_callbacks(execute=True):
        _uprating_page(admin_client_iwp, "2025-05-01", action="run")
    assert BackgroundJob.objects.get().state == "succeeded"
    assert "govuk-error-summary" not in _uprating_page(admin_client_iwp, "2025-06-01")

    row = _applied_aet_from_may_2025()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE claimants_aetparameter SET effective_from = '2025-05-20' WHERE id = %s", [row.pk]
        )
    assert (
        "No uprating has included the AET from 1 May 2025 and the AET from 20 May 2025 since they were added, "
        "changed or removed" in _uprating_page(admin_client_iwp, "2025-06-01")
    )
    # The stamp alone is no change (the fixtures and threshold_rows_applied clear it).
    logged = ThresholdChange.objects.count()
    AetParameter.objects.update(recorded_at=None)
    assert ThresholdChange.objects.count() == logged


def test_a_threshold_row_moved_to_a_later_date_in_admin_refuses_dates_after_the_one_it_left(
    admin_client_iwp, superuser_client, light_touch_claimant
):
    """Moving a row from 1 May to 20 May changes the periods from 1 May (they fall back to the row before): the
    page names the date the row left, and the one it moved to."""
    row = _applied_aet_from_may_2025()
    client, _root = superuser_client
    url = reverse("admin:claimants_aetparameter_change", args=[row.pk])
    data = admin_form_values(client, url)
    data["effective_from"] = "2025-05-20"
    assert client.post(url, data).status_code == 302
    html = _uprating_page(admin_client_iwp, "2025-06-01")
    assert (
        "Recalculate from 1 May 2025 or earlier. No uprating has included the AET from 1 May 2025 and the AET "
        "from 20 May 2025 since they were added, changed or removed" in html
    )
    assert "No uprating has included the AET from 1 May 2025 since it was" in _uprating_page(
        admin_client_iwp, "2025-05-10"
    )
    assert "govuk-error-summary" not in _uprating_page(admin_client_iwp, "2025-05-01")
    # Moved again, earlier than it began: every date it has had counts.
    data["effective_from"] = "2025-04-10"
    assert client.post(url, data).status_code == 302
    assert (
        "Recalculate from 10 April 2025 or earlier. No uprating has included the AET from 10 April 2025 and the AET "
        "from 1 May 2025 and the AET from 20 May 2025 since"
    ) in _uprating_page(admin_client_iwp, "2025-06-01")


def test_wage_rates_deleted_together_in_admin_refuse_a_later_date(
    admin_client_iwp, superuser_client, light_touch_claimant
):
    """Admin's "Delete selected" deletes rows in bulk: each is audited, so each date counts."""
    from claimants.models import WageRate

    latest = WageRate.objects.filter(effective_from__lt=dt.date(2025, 5, 1)).latest("effective_from")
    rows = WageRate.objects.bulk_create(
        WageRate(
            effective_from=dt.date(2025, 5, 1), band=r.band, min_age=r.min_age, max_age=r.max_age, rate=r.rate
        )
        for r in WageRate.objects.filter(effective_from=latest.effective_from)
    )
    threshold_rows_applied(WageRate.objects.filter(effective_from=dt.date(2025, 5, 1)))
    assert "govuk-error-summary" not in _uprating_page(admin_client_iwp, "2025-06-01")
    client, _root = superuser_client
    response = client.post(
        reverse("admin:claimants_wagerate_changelist"),
        {"action": "delete_selected", "_selected_action": [r.pk for r in rows], "post": "yes"},
    )
    assert response.status_code == 302
    assert not WageRate.objects.filter(effective_from=dt.date(2025, 5, 1)).exists()
    assert (
        "Recalculate from 1 May 2025 or earlier. No uprating has included the wage rates from 1 May 2025 since"
        in _uprating_page(admin_client_iwp, "2025-06-01")
    )


def test_saving_a_threshold_row_unchanged_in_admin_is_no_change(superuser_client, admin_client_iwp):
    """ "Save" with nothing changed writes nothing: the row keeps its stamp (an uprating would read a new one as new
    figures) and the audit gains no empty event."""
    from iwp.models import AuditEvent

    row = _applied_aet_from_may_2025()
    client, _root = superuser_client
    url = reverse("admin:claimants_aetparameter_change", args=[row.pk])
    assert client.post(url, admin_form_values(client, url)).status_code == 302
    row.refresh_from_db()
    assert row.recorded_at is None
    assert not AuditEvent.objects.filter(target_type="claimants.aetparameter").exists()
    assert "govuk-error-summary" not in _uprating_page(admin_client_iwp, "2025-06-01")
