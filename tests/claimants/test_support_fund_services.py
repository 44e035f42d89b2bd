"""Flexible Support Fund writes and reads (issue #16): a request checked against the regime in force on its date,
a team leader's approval against the budget (locked, so two approvals cannot overspend), refusal, withdrawal,
payment, guarded statuses, audit, outcomes six months on, the timeline events and the dashboard figures."""

from __future__ import annotations

import datetime as dt
import threading
import time
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from claimants.models import SupportFundAward, SupportFundRule
from claimants.support_fund import selectors
from claimants.support_fund.figures import support_fund_counts
from claimants.support_fund.rules import AwardError, Eligible, Outcome, Status, financial_year
from claimants.support_fund.services import (
    support_fund_approve,
    support_fund_mark_paid,
    support_fund_outcomes_refresh,
    support_fund_refuse,
    support_fund_request,
    support_fund_withdraw,
)
from iwp.figures import DashboardPeriod
from iwp.models import AuditEvent, AuditVerb
from tests.claimants.factories import ClaimantFactory
from tests.claimants.support_fund_factories import assess, budget, default_rules, pay
from tests.factories import JobcentreFactory, TeamFactory, TeamLeaderFactory, WorkCoachFactory

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = dt.date(2026, 5, 20)


@pytest.fixture(autouse=True)
def _rules(db):
    default_rules()


@pytest.fixture
def claimant(work_coach):
    return ClaimantFactory(
        jobcentre=work_coach.jobcentre, coach=work_coach, first_name="Amira", last_name="Okafor"
    )


def ask(claimant, coach, *, purpose="training", amount="450.00", on=TODAY, **extra) -> SupportFundAward:
    return support_fund_request(
        claimant=claimant,
        actor=coach,
        purpose=purpose,
        amount=D(amount),
        supplier=extra.pop("supplier", "City College"),
        today=on,
        **extra,
    )


# --- Asking ---------------------------------------------------------------------------------------------------


def test_a_request_records_the_regime_in_force_on_its_date_and_is_audited(claimant, work_coach):
    assess(
        claimant, TODAY - dt.timedelta(days=40), "working_enough"
    )  # an earlier period: not the one in force
    assess(claimant, TODAY, "light_touch")
    award = ask(claimant, work_coach, details="Forklift licence for the warehouse job")
    assert award.status == Status.REQUESTED
    assert (award.regime_on_request, award.eligibility) == ("light_touch", Eligible.YES)
    assert award.requested_on == TODAY
    event = AuditEvent.objects.get(target_type="claimants.supportfundaward", target_id=str(award.pk))
    assert (event.verb, event.actor, event.payload["amount"]) == (AuditVerb.CREATED, work_coach, "450.00")


def test_only_the_latest_decision_for_the_period_counts(claimant, work_coach):
    # The later calculation (higher id) of the same period is the one in force.
    assess(claimant, TODAY, "light_touch")
    assess(claimant, TODAY, "working_enough")
    with pytest.raises(AwardError) as refused:
        ask(claimant, work_coach)
    assert refused.value.message == "Working Enough claimants are not eligible for FSF under current guidance"
    assert refused.value.field == "purpose"
    assert not SupportFundAward.objects.exists()


def test_no_regime_for_the_date_is_not_known_never_assumed(claimant, work_coach):
    assess(claimant, TODAY - dt.timedelta(days=60), "light_touch")  # a regime, but not for this date
    award = ask(claimant, work_coach)
    assert award.eligibility == Eligible.UNKNOWN
    assert award.regime_on_request == ""
    assert award.eligibility_reason == "Eligibility not known: no regime decided for that date (20 May 2026)"


def test_above_the_rules_maximum_is_refused_with_the_maximum(claimant, work_coach):
    assess(claimant, TODAY, "intensive_work_search")
    with pytest.raises(AwardError) as refused:
        ask(claimant, work_coach, purpose="travel", amount="300.01")
    assert refused.value.field == "amount"
    assert "£300.00" in refused.value.message
    assert ask(claimant, work_coach, purpose="travel", amount="300.00").eligibility == Eligible.YES


def test_rules_are_data_an_administrator_changes(claimant, work_coach):
    assess(claimant, TODAY, "working_enough")
    SupportFundRule.objects.create(regime="working_enough", purpose="training", eligible=True)
    assert ask(claimant, work_coach, purpose="training").eligibility == Eligible.YES
    with pytest.raises(AwardError):
        ask(claimant, work_coach, purpose="tools")


@pytest.mark.parametrize(("amount", "supplier"), [("0", "x"), ("-5", "x"), ("5000.01", "x"), ("10", "   ")])
def test_bad_amounts_and_no_supplier_are_refused(claimant, work_coach, amount, supplier):
    assess(claimant, TODAY, "light_touch")
    with pytest.raises(AwardError):
        ask(claimant, work_coach, amount=amount, supplier=supplier)
    assert not SupportFundAward.objects.exists()


def test_who_may_ask(claimant, work_coach, team_leader, progression_lead, administrator):
    assess(claimant, TODAY, "light_touch")
    colleague = WorkCoachFactory(team=work_coach.team)
    for outsider in (colleague, progression_lead, administrator, TeamLeaderFactory()):
        with pytest.raises(PermissionDenied):
            ask(claimant, outsider)
    assert ask(claimant, team_leader).requested_by == team_leader


# --- Deciding -------------------------------------------------------------------------------------------------


@pytest.fixture
def requested(claimant, work_coach):
    assess(claimant, TODAY, "light_touch")
    return ask(claimant, work_coach, amount="600.00")


def test_approval_commits_against_the_budget_of_the_financial_year(requested, team_leader, claimant):
    pot = budget(claimant.jobcentre, "1000.00", year=financial_year(TODAY))
    budget(claimant.jobcentre, "50.00", year=financial_year(TODAY) + 1)
    award = support_fund_approve(award=requested, actor=team_leader, note="Good plan", today=TODAY)
    assert (award.status, award.budget, award.awarded_on) == (Status.APPROVED, pot, TODAY)
    assert award.outcome == Outcome.NOT_KNOWN_YET
    summary = selectors.budget_summary(claimant.jobcentre, financial_year(TODAY))
    assert (summary.committed, summary.spent, summary.remaining) == (D("600.00"), D("0.00"), D("400.00"))
    event = AuditEvent.objects.get(verb=AuditVerb.APPROVED)
    assert event.actor == team_leader
    assert event.payload["remaining_after"] == "400.00"


def test_approving_beyond_what_is_left_is_refused_with_how_much_is_left(
    requested, team_leader, claimant, work_coach
):
    budget(claimant.jobcentre, "1000.00", year=financial_year(TODAY))
    second = ask(claimant, work_coach, amount="450.00")
    support_fund_approve(award=requested, actor=team_leader, today=TODAY)
    with pytest.raises(AwardError) as refused:
        support_fund_approve(award=second, actor=team_leader, today=TODAY)
    assert refused.value.message == (
        "Approving £450.00 would overspend the budget: £400.00 is left of £1,000.00 for April 2026 to March 2027"
    )
    second.refresh_from_db()
    assert second.status == Status.REQUESTED
    assert AuditEvent.objects.filter(verb=AuditVerb.APPROVED).count() == 1


def test_no_budget_for_the_year_means_no_approval(requested, team_leader, claimant):
    budget(claimant.jobcentre, "1000.00", year=financial_year(TODAY) - 1)
    with pytest.raises(AwardError) as refused:
        support_fund_approve(award=requested, actor=team_leader, today=TODAY)
    assert "has no Flexible Support Fund budget for April 2026 to March 2027" in refused.value.message


def test_only_a_team_leader_of_the_jobcentre_and_never_the_requester_decides(
    requested, claimant, work_coach, administrator, progression_lead, team
):
    budget(claimant.jobcentre, year=financial_year(TODAY))
    elsewhere = TeamLeaderFactory()
    district_elsewhere = TeamLeaderFactory(leads_district=True)
    for actor in (work_coach, administrator, progression_lead, elsewhere, district_elsewhere):
        with pytest.raises(PermissionDenied):
            support_fund_approve(award=requested, actor=actor, today=TODAY)
    leader_asks = ask(claimant, TeamLeaderFactory(team=team), amount="10")
    with pytest.raises(PermissionDenied, match="another team leader must decide it"):
        support_fund_approve(award=leader_asks, actor=leader_asks.requested_by, today=TODAY)
    with pytest.raises(IntegrityError), transaction.atomic():  # and the table refuses it too
        SupportFundAward.objects.filter(pk=leader_asks.pk).update(
            status="refused", decided_by=leader_asks.requested_by, decision_reason="x"
        )
    # A district leader reads the district's awards but decides only their own jobcentre's (the one write rule,
    # claimants.selectors.may_edit); a district leader of the claimant's own jobcentre decides.
    district_leader = TeamLeaderFactory(
        team=TeamFactory(jobcentre=JobcentreFactory(district=team.jobcentre.district)), leads_district=True
    )
    with pytest.raises(PermissionDenied):
        support_fund_approve(award=requested, actor=district_leader, today=TODAY)
    district_leader_here = TeamLeaderFactory(team=TeamFactory(jobcentre=team.jobcentre), leads_district=True)
    assert (
        support_fund_approve(award=requested, actor=district_leader_here, today=TODAY).status
        == Status.APPROVED
    )


def test_unknown_eligibility_needs_the_leaders_confirmation(claimant, work_coach, team_leader):
    budget(claimant.jobcentre, year=financial_year(TODAY))
    award = ask(claimant, work_coach)  # no regime decided for the date
    with pytest.raises(AwardError) as refused:
        support_fund_approve(award=award, actor=team_leader, today=TODAY)
    assert refused.value.field == "confirm_unknown_eligibility"
    approved = support_fund_approve(
        award=award, actor=team_leader, confirm_unknown_eligibility=True, today=TODAY
    )
    assert approved.eligibility == Eligible.UNKNOWN
    assert AuditEvent.objects.get(verb=AuditVerb.APPROVED).payload["confirmed_unknown_eligibility"] is True


def test_eligibility_is_checked_again_when_the_leader_decides(claimant, work_coach, team_leader):
    budget(claimant.jobcentre, year=financial_year(TODAY))
    award = ask(claimant, work_coach)  # not known when asked
    assess(claimant, TODAY, "working_enough")  # decided since: the claimant was Working Enough on that date
    with pytest.raises(AwardError, match="cannot be approved: Working Enough claimants are not eligible"):
        support_fund_approve(award=award, actor=team_leader, confirm_unknown_eligibility=True, today=TODAY)


def test_refusal_needs_a_reason_and_ends_the_request(requested, team_leader):
    with pytest.raises(AwardError) as refused:
        support_fund_refuse(award=requested, actor=team_leader, reason="  ")
    assert refused.value.field == "reason"
    award = support_fund_refuse(award=requested, actor=team_leader, reason="Free course available")
    assert (award.status, award.decision_reason) == (Status.REFUSED, "Free course available")
    with pytest.raises(AwardError, match="This award is refused, so it cannot be approved now"):
        support_fund_approve(award=award, actor=team_leader, today=TODAY)
    assert AuditEvent.objects.filter(verb=AuditVerb.REFUSED, actor=team_leader).count() == 1


def test_withdraw_then_nothing_else(requested, work_coach, team_leader, claimant):
    budget(claimant.jobcentre, year=financial_year(TODAY))
    with pytest.raises(PermissionDenied):
        support_fund_withdraw(award=requested, actor=WorkCoachFactory(team=work_coach.team))
    award = support_fund_withdraw(award=requested, actor=work_coach)
    assert (award.status, award.withdrawn_by) == (Status.WITHDRAWN, work_coach)
    with pytest.raises(AwardError):
        support_fund_approve(award=award, actor=team_leader, today=TODAY)
    with pytest.raises(AwardError, match="already withdrawn"):
        support_fund_withdraw(award=award, actor=work_coach)


def test_payment_moves_committed_to_spent(requested, team_leader, claimant):
    budget(claimant.jobcentre, "1000.00", year=financial_year(TODAY))
    with pytest.raises(AwardError, match="cannot be marked as paid"):
        support_fund_mark_paid(award=requested, actor=team_leader)
    support_fund_approve(award=requested, actor=team_leader, today=TODAY)
    award = support_fund_mark_paid(award=requested, actor=team_leader, reference="PO-123")
    assert (award.status, award.payment_reference) == (Status.PAID, "PO-123")
    summary = selectors.budget_summary(claimant.jobcentre, financial_year(TODAY))
    assert (summary.committed, summary.spent, summary.remaining) == (D("0.00"), D("600.00"), D("400.00"))
    assert AuditEvent.objects.filter(verb=AuditVerb.PAID).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_approvals_at_once_queue_on_the_budget_and_cannot_overspend(team):
    """The first approval holds the budget's row lock until it commits; the second waits, then sees the first
    award in the sums and is refused."""
    default_rules()
    coach = WorkCoachFactory(team=team)
    first_leader, second_leader = TeamLeaderFactory(team=team), TeamLeaderFactory(team=team)
    claimant = ClaimantFactory(jobcentre=team.jobcentre, coach=coach)
    today = timezone.localdate()
    assess(claimant, today, "light_touch")
    budget(team.jobcentre, "1000.00")
    one, two = (ask(claimant, coach, amount="600.00", on=today) for _ in range(2))
    outcome: dict[str, object] = {}

    def second_approval() -> None:
        try:
            support_fund_approve(award=two, actor=second_leader)
            outcome["second"] = "approved"
        except AwardError as error:
            outcome["second"] = error.message
        finally:
            connection.close()

    with transaction.atomic():
        support_fund_approve(
            award=one, actor=first_leader
        )  # holds the budget's lock until this block commits
        other = threading.Thread(target=second_approval)
        other.start()
        time.sleep(1.0)
        assert other.is_alive(), "the second approval must wait for the budget's lock"
    other.join(timeout=30)
    assert outcome["second"].startswith("Approving £600.00 would overspend the budget: £400.00 is left")
    statuses = sorted(SupportFundAward.objects.values_list("status", flat=True))
    assert statuses == [Status.APPROVED, Status.REQUESTED]


# --- Outcomes six months on -------------------------------------------------------------------------------------


def test_outcomes_are_not_known_yet_then_worked_out_from_earnings_and_regimes(
    claimant, work_coach, team_leader
):
    awarded = dt.date(2026, 3, 20)
    for start, pounds in [
        (dt.date(2026, 1, 10), "700"),
        (dt.date(2026, 2, 10), "700"),
        (dt.date(2026, 3, 10), "700"),
        (dt.date(2026, 4, 10), "800"),
        (dt.date(2026, 5, 10), "800"),
        (dt.date(2026, 6, 10), "800"),
    ]:
        pay(claimant, start, pounds)
    assess(claimant, awarded, "intensive_work_search")
    budget(claimant.jobcentre, year=financial_year(awarded))
    award = support_fund_approve(
        award=ask(claimant, work_coach, on=awarded),
        actor=team_leader,
        today=awarded,
        confirm_unknown_eligibility=True,
    )
    assert (
        support_fund_outcomes_refresh(today=dt.date(2026, 9, 19)) == 0
    )  # still not known yet: nothing changed
    award.refresh_from_db()
    assert award.outcome == Outcome.NOT_KNOWN_YET
    assert support_fund_outcomes_refresh(today=dt.date(2026, 9, 20)) == 1
    award.refresh_from_db()
    assert award.outcome == Outcome.PROGRESSED
    assert award.outcome_detail[0].startswith(
        "Mean earnings £800.00 in the 3 assessment periods after the award"
    )
    assert support_fund_outcomes_refresh(today=dt.date(2026, 9, 21)) == 0  # safe to run twice
    audit = AuditEvent.objects.filter(verb=AuditVerb.UPDATED, target_id=str(award.pk)).get()
    assert audit.payload == {"outcome": "progressed", "was": "not_known_yet", "claimant": claimant.pk}


# --- Timeline and figures ----------------------------------------------------------------------------------------


def test_timeline_events_for_each_step_newest_first(requested, team_leader, claimant):
    budget(claimant.jobcentre, year=financial_year(TODAY))
    support_fund_approve(award=requested, actor=team_leader, today=TODAY)
    support_fund_mark_paid(award=requested, actor=team_leader, reference="PO-9")
    events = selectors.support_fund_timeline_events(claimant)
    assert [e["title"] for e in events] == [
        "Flexible Support Fund award paid",
        "Flexible Support Fund award approved",
        "Flexible Support Fund award requested",
    ]
    assert {e["kind"] for e in events} == {"award"}
    assert all(timezone.is_aware(e["at"]) for e in events)
    assert "£600.00 for training or a course from City College" in events[0]["text"]
    assert "PO-9" in events[0]["text"]


def test_figures_count_awards_by_purpose_and_outcome_for_every_period_in_one_query(
    work_coach, team_leader, claimant, django_assert_num_queries
):
    today = timezone.localdate()
    assess(claimant, today, "light_touch")
    budget(claimant.jobcentre, "5000.00")
    for purpose in ("training", "travel", "travel"):
        support_fund_approve(
            award=ask(claimant, work_coach, purpose=purpose, amount="100", on=today), actor=team_leader
        )
    ask(claimant, work_coach, purpose="tools", amount="50", on=today)  # waiting
    old = ask(claimant, work_coach, purpose="clothing", amount="50", on=today)
    support_fund_approve(award=old, actor=team_leader)
    SupportFundAward.objects.filter(pk=old.pk).update(
        awarded_on=today - dt.timedelta(days=200), outcome=Outcome.NO_PROGRESS
    )
    period = DashboardPeriod(today=today, now=timezone.now())
    with django_assert_num_queries(1):
        counts = support_fund_counts([work_coach.pk], period)[work_coach.pk]
    assert counts["fsf_waiting"] == 1
    assert (counts["fsf_awards_3"], counts["fsf_awards_6"], counts["fsf_awards_12"]) == (3, 3, 4)
    assert (counts["fsf_training_3"], counts["fsf_travel_3"], counts["fsf_clothing_12"]) == (1, 2, 1)
    assert (counts["fsf_not_known_yet_12"], counts["fsf_no_progress_12"], counts["fsf_known_12"]) == (3, 1, 1)
    assert counts["fsf_progressed_12"] == 0
