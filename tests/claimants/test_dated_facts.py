"""Facts that change on a date (issue #16): versions, "from when?", back-dating, and history that stays true."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from claimants.facts.rules import Version, apply_change, in_force_on
from claimants.facts.selectors import FIRST_TO_LATEST, current_period_start
from claimants.models import Claimant, ClaimantFacts, RegimeAssessment
from claimants.models.facts import FACT_GROUPS
from claimants.regimes import uprating
from claimants.regimes.engine import Cause
from claimants.regimes.recalculation import claimant_recalculate
from claimants.services import claimant_record_earnings, claimant_update_facts
from iwp.models import AuditEvent, AuditVerb
from tests.claimants.factories import ClaimantFactory

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = dt.date(2026, 12, 6)


def _versions(claimant) -> list[tuple]:
    return list(
        ClaimantFacts.objects.filter(claimant=claimant)
        .order_by(FIRST_TO_LATEST)
        .values_list("effective_from", "effective_to", "expected_hours", "conditionality_group")
    )


def regime_page_rows(user, claimant) -> dict[str, tuple[str, str]]:
    """The regime page's history table: period → (expected hours then, CET)."""
    client = Client()
    client.force_login(user)
    page = client.get(reverse("claimants:claimant_regime", args=[claimant.pk]))
    assert page.status_code == 200
    table = BeautifulSoup(page.content, "html.parser").find("table", attrs={"data-testid": "regime-history"})
    headers = [th.get_text(strip=True) for th in table.find("thead").find_all("th")]
    hours, cet = headers.index("Expected hours then"), headers.index("CET")
    rows = {}
    for tr in table.find("tbody").find_all("tr"):
        cells = [td.get_text(strip=True) for td in tr.find_all("td")]
        rows[cells[0]] = (cells[hours], cells[cet])
    return rows


# --- The rule (pure) ----------------------------------------------------------------------------------------


def test_a_change_splits_the_version_in_force_and_carries_forward_until_a_later_recorded_change():
    first = [Version(None, {"hours": 35, "reason": "", "group": "all"})]
    june = apply_change(first, {"hours": 30, "reason": "caring"}, dt.date(2026, 6, 1), FACT_GROUPS)
    september = apply_change(june, {"group": "prep"}, dt.date(2026, 9, 1))
    # Back-dated hours from March: March–May take 20 hours; June's own recorded change (30) still wins from June.
    march = apply_change(september, {"hours": 20, "reason": "health"}, dt.date(2026, 3, 1), FACT_GROUPS)
    assert [(v.start, v.values["hours"], v.values["group"]) for v in march] == [
        (None, 35, "all"),
        (dt.date(2026, 3, 1), 20, "all"),
        (dt.date(2026, 6, 1), 30, "all"),
        (dt.date(2026, 9, 1), 30, "prep"),
    ]
    # A group change back-dated to January carries through every later version that did not change the group.
    january = apply_change(march, {"group": "planning"}, dt.date(2026, 1, 1))
    assert [v.values["group"] for v in january] == ["all", "planning", "planning", "planning", "prep"]
    assert in_force_on(january, dt.date(2026, 5, 31)).values["hours"] == 20
    assert in_force_on(january, dt.date(2025, 5, 31)).start is None


def test_recording_what_is_already_true_is_no_change():
    versions = [
        Version(None, {"hours": 35, "reason": ""}),
        Version(dt.date(2026, 6, 1), {"hours": 30, "reason": "x"}, frozenset({"hours", "reason"})),
    ]
    assert apply_change(versions, {"hours": 30}, dt.date(2026, 7, 1)) is None
    assert apply_change(versions, {"hours": 35}, dt.date(2026, 3, 1)) is None


# --- The service: from when, who may back-date --------------------------------------------------------------


def test_a_coach_change_defaults_to_the_start_of_the_current_period(work_coach):
    claimant = ClaimantFactory(jobcentre=work_coach.jobcentre, coach=work_coach, assessment_day=10)
    changed = claimant_update_facts(
        claimant=claimant, actor=work_coach, today=TODAY, expected_hours=D(20), expected_hours_reason="caring"
    )
    assert changed == ["expected_hours", "expected_hours_reason"]
    assert _versions(claimant) == [
        (None, dt.date(2026, 11, 10), D(35), "all_work_related_requirements"),
        (dt.date(2026, 11, 10), None, D(20), "all_work_related_requirements"),
    ]
    claimant.refresh_from_db()
    assert claimant.expected_hours == D(20)  # the row keeps the facts in force today
    event = AuditEvent.objects.filter(verb=AuditVerb.UPDATED, target_id=str(claimant.pk)).latest("pk")
    assert event.payload["from"] == "2026-11-10" and event.payload["backdated"] is False


def test_only_an_administrator_may_back_date_and_it_is_audited(work_coach, administrator):
    claimant = ClaimantFactory(jobcentre=work_coach.jobcentre, coach=work_coach, assessment_day=10)
    with pytest.raises(ValidationError) as refused:
        claimant_update_facts(
            claimant=claimant,
            actor=work_coach,
            today=TODAY,
            effective_from=dt.date(2026, 6, 10),
            conditionality_group="work_preparation",
        )
    assert "10 November 2026" in str(refused.value) and "administrator" in str(refused.value)
    assert len(_versions(claimant)) == 1  # nothing written
    claimant_update_facts(
        claimant=claimant,
        actor=administrator,
        today=TODAY,
        effective_from=dt.date(2026, 6, 10),
        reason="Fit note received late",
        conditionality_group="work_preparation",
    )
    assert [v[0] for v in _versions(claimant)] == [None, dt.date(2026, 6, 10)]
    event = AuditEvent.objects.filter(verb=AuditVerb.UPDATED, target_id=str(claimant.pk)).latest("pk")
    assert event.actor == administrator
    assert event.payload["backdated"] is True and event.payload["reason"] == "Fit note received late"


def test_a_future_date_and_facts_no_claim_can_have_are_refused_and_nothing_is_written(administrator):
    claimant = ClaimantFactory()
    with pytest.raises(ValidationError) as future:
        claimant_update_facts(
            claimant=claimant, actor=administrator, today=TODAY, effective_from=TODAY + dt.timedelta(days=1),
            expected_hours=D(20), expected_hours_reason="caring",
        )  # fmt: skip
    assert "today or in the past" in str(future.value)
    with pytest.raises(ValidationError) as no_reason:
        claimant_update_facts(
            claimant=claimant, actor=administrator, today=TODAY, effective_from=dt.date(2026, 1, 10),
            expected_hours=D(20),
        )  # fmt: skip
    assert "From 10 January 2026" in str(no_reason.value) and "reason" in str(no_reason.value)
    assert len(_versions(claimant)) == 1


# --- History stays true ---------------------------------------------------------------------------------------


def test_hours_changed_six_months_ago_leave_earlier_periods_as_they_were(administrator):
    claimant = ClaimantFactory(assessment_day=10, date_of_birth=dt.date(1990, 1, 1))
    starts = [dt.date(2025, m, 10) for m in range(4, 13)] + [dt.date(2026, m, 10) for m in range(1, 4)]
    for start in starts:
        claimant_record_earnings(
            claimant=claimant, period_start=start, employed_earnings=D("1000"), recalculate=False
        )
    claimant_recalculate(claimant_id=claimant.pk, cause=Cause.EARNINGS)
    before = {
        r.period_start: (r.pk, r.cet_individual, r.regime)
        for r in RegimeAssessment.objects.current().filter(claimant=claimant)
    }
    assert {cet for _pk, cet, _r in before.values()} == {D("1851.85")}  # 35 hours at the 2025/26 NLW

    # Told today: hours went down to 16 for school hours from October 2025.
    claimant_update_facts(
        claimant=claimant,
        actor=administrator,
        today=TODAY,
        effective_from=dt.date(2025, 10, 10),
        expected_hours=D(16),
        expected_hours_reason="school_hours",
    )
    claimant_recalculate(claimant_id=claimant.pk, cause=Cause.CIRCUMSTANCE)
    after = {r.period_start: r for r in RegimeAssessment.objects.current().filter(claimant=claimant)}
    for start in starts[:6]:  # April–September 2025: the same rows, untouched
        assert (after[start].pk, after[start].cet_individual, after[start].regime) == before[start]
    for start in starts[6:]:
        assert after[start].cet_individual == D("846.56")  # 16 hours
        assert after[start].regime == "working_enough"
    change = after[dt.date(2025, 10, 10)]
    assert (change.previous_regime, change.cause) == ("light_touch", "circumstance")

    # The regime page shows, period by period, the hours and thresholds in force then.
    rows = regime_page_rows(administrator, claimant)
    assert rows["10 Sep 2025"] == ("35", "£1,851.85")
    assert rows["10 Oct 2025"] == ("16", "£846.56")

    # An uprating (the set-based path) and another recalculation leave every period as it is.
    written = RegimeAssessment.objects.count()
    info = uprating.uprating_run_inline(dt.date(2025, 4, 1), "test", None, workers=1, chunk_size=50)
    assert info["rows_written"] == 0
    assert claimant_recalculate(claimant_id=claimant.pk, cause=Cause.THRESHOLD).rows_written == 0
    assert RegimeAssessment.objects.count() == written


def test_a_joint_claim_formed_from_a_date_is_decided_as_a_couple_only_from_then():
    a = ClaimantFactory(assessment_day=10)
    b = ClaimantFactory(assessment_day=10, jobcentre=a.jobcentre)
    for start in (dt.date(2025, 6, 10), dt.date(2025, 7, 10)):
        claimant_record_earnings(
            claimant=a, period_start=start, employed_earnings=D("1851.85"), recalculate=False
        )
        claimant_record_earnings(claimant=b, period_start=start, employed_earnings=D("0"), recalculate=False)
    claimant_update_facts(claimant=a, actor=None, partner=b, effective_from=dt.date(2025, 7, 10), today=TODAY)
    assert [(v[0], v[1]) for v in _versions(b)] == [
        (None, dt.date(2025, 7, 10)),
        (dt.date(2025, 7, 10), None),
    ]
    assert ClaimantFacts.objects.get(claimant=b, effective_from=dt.date(2025, 7, 10)).partner_id == a.pk
    claimant_recalculate(claimant_id=a.pk, cause=Cause.CIRCUMSTANCE)
    june, july = RegimeAssessment.objects.current().filter(claimant=a).order_by("period_start")
    assert (june.aet_couple, june.partner_regime, june.regime) == (None, "", "working_enough")
    assert july.aet_couple is not None and july.partner_regime  # decided with the partner from July
    assert july.cause == "circumstance"
    b_june, b_july = RegimeAssessment.objects.current().filter(claimant=b).order_by("period_start")
    assert b_june.aet_couple is None and b_july.aet_couple is not None

    # The joint claim ends from August: both sides say so, and July stays a couple's period.
    claimant_update_facts(
        claimant=b, actor=None, partner=None, effective_from=dt.date(2025, 8, 10), today=TODAY
    )
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.partner_id, b.partner_id) == (None, None)
    assert ClaimantFacts.objects.get(claimant=a, effective_from=dt.date(2025, 8, 10)).partner_id is None
    claimant_recalculate(claimant_id=a.pk, cause=Cause.CIRCUMSTANCE)
    assert RegimeAssessment.objects.current().get(claimant=a, period_start=dt.date(2025, 7, 10)).pk == july.pk


def test_a_period_with_no_facts_recorded_is_not_decided():
    claimant = ClaimantFactory()
    ClaimantFacts.objects.filter(claimant=claimant).delete()
    claimant_record_earnings(
        claimant=claimant, period_start=dt.date(2025, 6, 10), employed_earnings=D("500"), recalculate=False
    )
    result = claimant_recalculate(claimant_id=claimant.pk, cause=Cause.EARNINGS)
    assert result.rows_written == 0 and not RegimeAssessment.objects.filter(claimant=claimant).exists()
    info = uprating.uprating_run_inline(dt.date(2025, 4, 1), "test", None, workers=1, chunk_size=50)
    assert info["rows_written"] == 0  # the set-based path agrees: unknown facts, no decision


def test_the_migration_makes_todays_values_the_first_version_of_every_claimant():
    module = __import__("claimants.migrations.0010_fact_versions", fromlist=["first_versions"])
    kept = ClaimantFactory(expected_hours=D(20), expected_hours_reason="health")
    bare = ClaimantFactory(conditionality_group="work_preparation")
    ClaimantFacts.objects.filter(claimant=bare).delete()
    module.first_versions(None, SimpleNamespace(connection=connection))
    module.first_versions(None, SimpleNamespace(connection=connection))  # run twice: nothing doubled
    assert ClaimantFacts.objects.filter(claimant=kept).count() == 1
    version = ClaimantFacts.objects.get(claimant=bare)
    assert (version.effective_from, version.conditionality_group, version.origin) == (
        None,
        "work_preparation",
        "migrated",
    )
    assert ClaimantFacts.objects.count() == Claimant.objects.count()


# --- The form asks "from when?" -------------------------------------------------------------------------------


def test_the_form_asks_from_when_and_a_coach_cannot_back_date(coach_client, work_coach):
    claimant = ClaimantFactory(jobcentre=work_coach.jobcentre, coach=work_coach)
    url = reverse("claimants:edit_regime_facts", args=[claimant.pk])
    page = coach_client.get(url).content.decode()
    period = current_period_start(claimant.assessment_day, timezone.localdate())
    assert "From when does this change apply?" in page
    assert f"{period.day} {period:%B %Y}" in page
    data = {
        "conditionality_group": "all_work_related_requirements",
        "expected_hours": "20",
        "expected_hours_reason": "caring",
        "effective_from_0": "1",
        "effective_from_1": "1",
        "effective_from_2": "2020",
    }
    refused = coach_client.post(url, data)
    assert refused.status_code == 200
    assert "Ask an administrator to back-date it" in refused.content.decode()
    assert len(_versions(claimant)) == 1
    bad = coach_client.post(url, {**data, "effective_from_0": "31", "effective_from_1": "2"})
    assert bad.status_code == 200 and "must be a real date" in bad.content.decode()
    ok = coach_client.post(url, {k: v for k, v in data.items() if not k.startswith("effective_from")})
    assert ok.status_code == 302
    assert [v[0] for v in _versions(claimant)] == [None, period]


def test_a_change_of_facts_is_on_the_timeline_with_its_from_date(coach_client, work_coach):
    claimant = ClaimantFactory(jobcentre=work_coach.jobcentre, coach=work_coach, assessment_day=10)
    claimant_update_facts(
        claimant=claimant,
        actor=work_coach,
        reason="Started caring for her mother",
        expected_hours=D(20),
        expected_hours_reason="caring",
    )
    period = current_period_start(10, timezone.localdate())
    page = coach_client.get(reverse("claimants:timeline", args=[claimant.pk]), {"kinds": "facts"})
    text = BeautifulSoup(page.content, "html.parser").get_text(" ", strip=True)
    assert f"From {period.day} {period:%B %Y}: expected hours 20 (caring responsibilities)" in text
    assert "Started caring for her mother" in text
    assert f"Periods before {period.day} {period:%B %Y} keep the facts they were decided with" in text
    # The first version (the facts from the start of the claim) is not a change.
    assert text.count("keep the facts they were decided with") == 1
