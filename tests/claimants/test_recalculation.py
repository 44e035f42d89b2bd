"""The per-claimant recalculation: history rows, causes, idempotence, couples, cycling flags, IWP offer."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from claimants.facts.selectors import current_period_start
from claimants.models import EarningsRecord, IwpOfferStatus, RegimeAssessment
from claimants.regimes.engine import Cause
from claimants.regimes.recalculation import claimant_recalculate
from claimants.services import claimant_add_easement, claimant_record_earnings, claimant_update_facts
from iwp.models import AuditEvent, AuditVerb
from tests.claimants.factories import ClaimantFactory

pytestmark = pytest.mark.django_db
D = Decimal


def _months(start: dt.date, n: int) -> list[dt.date]:
    out = []
    y, m = start.year, start.month
    for _ in range(n):
        out.append(dt.date(y, m, start.day))
        m += 1
        if m == 13:
            y, m = y + 1, 1
    return out


def record(claimant, period_start, employed, **kw):
    return claimant_record_earnings(
        claimant=claimant, period_start=period_start, employed_earnings=D(employed), recalculate=False, **kw
    )


def test_vector_3_through_the_database():
    claimant = ClaimantFactory()
    record(claimant, dt.date(2025, 6, 10), "952.38")
    result = claimant_recalculate(claimant_id=claimant.pk, cause=Cause.EARNINGS)
    claimant.refresh_from_db()
    assert claimant.current_regime == "light_touch"
    assert result.rows_written == 1
    row = RegimeAssessment.objects.get(claimant=claimant)
    assert (row.aet_individual, row.cet_individual, row.cause) == (D("952.38"), D("1851.85"), "earnings")
    assert row.explanation and "£952.38" in " ".join(row.explanation)


def test_recalculating_twice_adds_no_history_and_no_audit():
    claimant = ClaimantFactory()
    record(claimant, dt.date(2025, 6, 10), "880")
    claimant_recalculate(claimant_id=claimant.pk, cause=Cause.EARNINGS)
    audits = AuditEvent.objects.filter(verb=AuditVerb.RECALCULATED).count()
    again = claimant_recalculate(claimant_id=claimant.pk, cause=Cause.EARNINGS)
    assert again.rows_written == 0
    assert RegimeAssessment.objects.filter(claimant=claimant).count() == 1
    assert AuditEvent.objects.filter(verb=AuditVerb.RECALCULATED).count() == audits


def test_correction_keeps_old_figures_and_adds_a_history_row():
    claimant = ClaimantFactory()
    record(claimant, dt.date(2025, 6, 10), "880")
    claimant_recalculate(claimant_id=claimant.pk, cause=Cause.EARNINGS)
    _, changed = record(claimant, dt.date(2025, 6, 10), "1000")
    assert changed
    claimant_recalculate(claimant_id=claimant.pk, cause=Cause.EARNINGS)
    figures = list(
        EarningsRecord.objects.filter(claimant=claimant)
        .order_by("received_at", "pk")
        .values_list("employed_earnings", "is_current")
    )
    assert figures == [(D("880.00"), False), (D("1000.00"), True)]
    rows = RegimeAssessment.objects.filter(claimant=claimant).order_by("calculated_at", "pk")
    current = set(RegimeAssessment.objects.current().values_list("pk", flat=True))
    assert [(r.regime, r.pk in current) for r in rows] == [
        ("intensive_work_search", False),
        ("light_touch", True),
    ]
    _, unchanged = record(claimant, dt.date(2025, 6, 10), "1000")
    assert not unchanged


def test_vector_28_threshold_cause_and_regime_since():
    claimant = ClaimantFactory(assessment_day=15)
    for start in (dt.date(2024, 3, 15), dt.date(2024, 4, 15), dt.date(2024, 5, 15), dt.date(2025, 4, 15)):
        record(claimant, start, "900")
    claimant_recalculate(claimant_id=claimant.pk, cause=Cause.EARNINGS)
    rows = list(RegimeAssessment.objects.filter(claimant=claimant).order_by("period_start"))
    assert [r.regime for r in rows] == ["light_touch"] * 3 + ["intensive_work_search"]
    assert rows[-1].cause == "threshold"
    assert rows[-1].previous_regime == "light_touch"
    claimant.refresh_from_db()
    assert claimant.regime_since == dt.date(2025, 4, 15)


def test_couple_vector_16_updates_both_partners():
    a = ClaimantFactory()
    b = ClaimantFactory(jobcentre=a.jobcentre)
    # A joint claim from the period's first day: both sides say so (claimants.facts).
    claimant_update_facts(claimant=a, actor=None, partner=b, effective_from=dt.date(2025, 6, 10))
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.partner_id, b.partner_id) == (b.pk, a.pk)
    record(a, dt.date(2025, 6, 10), "1851.85")
    record(b, dt.date(2025, 6, 10), "0")
    result = claimant_recalculate(claimant_id=a.pk, cause=Cause.EARNINGS)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.current_regime, b.current_regime) == ("working_enough", "light_touch")
    assert result.partner_result is not None
    row = RegimeAssessment.objects.get(claimant=a)
    assert row.partner_regime == "light_touch"
    assert row.cet_household == D("3703.70")


def test_partner_not_eligible_vector_24():
    claimant = ClaimantFactory(has_non_uc_partner=True, non_uc_partner_date_of_birth=dt.date(1990, 1, 1))
    record(claimant, dt.date(2025, 6, 10), "0", non_uc_partner_employed=D("1600"))
    claimant_recalculate(claimant_id=claimant.pk, cause=Cause.EARNINGS)
    claimant.refresh_from_db()
    assert claimant.current_regime == "light_touch"
    assert RegimeAssessment.objects.get(claimant=claimant).partner_regime == ""


def test_cycling_flag_from_the_rulebook_example_with_explanation():
    claimant = ClaimantFactory()
    for start, pay in zip(
        _months(dt.date(2025, 6, 10), 6), ["700", "1000", "650", "1100", "900", "1200"], strict=True
    ):
        record(claimant, start, pay)
    claimant_recalculate(claimant_id=claimant.pk, cause=Cause.EARNINGS)
    claimant.refresh_from_db()
    assert claimant.regime_cycling is True
    assert any("crossed" in line or "fell below" in line for line in claimant.cycling_explanation)


def test_pay_cycle_only_is_not_cycling():
    claimant = ClaimantFactory()
    for i, start in enumerate(_months(dt.date(2025, 6, 10), 6)):
        five = i in (1, 4)
        record(claimant, start, "1075" if five else "860", paydays=5 if five else 4)
    claimant_recalculate(claimant_id=claimant.pk, cause=Cause.EARNINGS)
    claimant.refresh_from_db()
    assert claimant.regime_cycling is False
    assert claimant.cycling_pay_cycle is True


def test_iwp_offer_eligibility_follows_the_regime_but_keeps_invitations():
    claimant = ClaimantFactory()
    record(claimant, dt.date(2025, 6, 10), "1000")
    claimant_recalculate(claimant_id=claimant.pk, cause=Cause.EARNINGS)
    claimant.refresh_from_db()
    assert claimant.iwp_offer_status == IwpOfferStatus.ELIGIBLE
    record(claimant, dt.date(2025, 7, 10), "100")
    claimant_recalculate(claimant_id=claimant.pk, cause=Cause.EARNINGS)
    claimant.refresh_from_db()
    assert claimant.iwp_offer_status == IwpOfferStatus.NOT_ELIGIBLE
    claimant.iwp_offer_status = IwpOfferStatus.INVITED
    claimant.save()
    claimant_recalculate(claimant_id=claimant.pk, cause=Cause.EARNINGS)
    claimant.refresh_from_db()
    assert claimant.iwp_offer_status == IwpOfferStatus.INVITED


def test_fact_change_recalculates_on_commit_with_circumstance_cause(
    django_capture_on_commit_callbacks, work_coach
):
    claimant = ClaimantFactory()
    current = current_period_start(claimant.assessment_day, timezone.localdate())
    record(claimant, current, "1000")
    claimant_recalculate(claimant_id=claimant.pk, cause=Cause.EARNINGS)
    with django_capture_on_commit_callbacks(execute=True):
        changed = claimant_update_facts(
            claimant=claimant, actor=work_coach, expected_hours=D(16), expected_hours_reason="health"
        )
    assert changed == ["expected_hours", "expected_hours_reason"]
    claimant.refresh_from_db()
    assert claimant.current_regime == "working_enough"
    latest = RegimeAssessment.objects.current().get(claimant=claimant, period_start=current)
    assert latest.cause == "circumstance"


def test_reduced_hours_without_reason_is_refused(work_coach):
    from django.core.exceptions import ValidationError

    claimant = ClaimantFactory()
    with pytest.raises(ValidationError):
        claimant_update_facts(claimant=claimant, actor=work_coach, expected_hours=D(20))
    claimant.refresh_from_db()
    assert claimant.expected_hours == D(35)


def test_easement_recorded_and_recalculated(django_capture_on_commit_callbacks, work_coach):
    claimant = ClaimantFactory()
    record(claimant, dt.date(2025, 6, 10), "500")
    with django_capture_on_commit_callbacks(execute=True):
        claimant_add_easement(
            claimant=claimant,
            kind="homelessness",
            starts_on=dt.date(2025, 6, 1),
            ends_on=dt.date(2025, 9, 1),
            reason="Temporary accommodation",
            actor=work_coach,
        )
    row = RegimeAssessment.objects.current().get(claimant=claimant)
    assert row.easement_active is True
    audit = AuditEvent.objects.filter(target_type="claimants.easement").get()
    assert "reason" not in audit.payload
