"""Reads for the Flexible Support Fund: who may do what, the regime in force on a date, eligibility, awards,
budgets with what is committed and spent, and the timeline events. Every list is a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from claimants.models import (
    Claimant,
    RegimeAssessment,
    SupportFundAward,
    SupportFundBudget,
    SupportFundRule,
)
from claimants.selectors import may_edit
from claimants.support_fund.rules import (
    CHARGED,
    Eligibility,
    Purpose,
    Rule,
    Status,
    check_eligibility,
    financial_year,
    financial_year_label,
    money,
)
from iwp.access import has_role, jobcentre_scope, writes_in_jobcentre
from iwp.models import Jobcentre, Role, StaffMember

ZERO = Decimal("0.00")

# --- Who may do what ------------------------------------------------------------------------------------------


def office_scope(user: StaffMember) -> Q:
    """``iwp.access.jobcentre_scope`` for the Jobcentre table itself: own jobcentre (coach, team leader), own
    district (progression lead, district leader), all (administrator)."""
    role = user.effective_role
    if role == Role.ADMINISTRATOR:
        return Q()
    if not user.jobcentre_id:
        return Q(pk__in=[])
    if role == Role.PROGRESSION_LEAD or (role == Role.TEAM_LEADER and user.leads_district):
        return Q(district_id=user.jobcentre.district_id)
    return Q(pk=user.jobcentre_id)


def _leads_office_of(user: StaffMember, award: SupportFundAward) -> bool:
    """A team leader of the claimant's jobcentre: the office half of ``may_edit`` (a district leader reads the
    district's awards but decides only their own jobcentre's)."""
    return has_role(user, Role.TEAM_LEADER) and writes_in_jobcentre(user, award.claimant.jobcentre_id)


def may_request(user: StaffMember, claimant: Claimant) -> bool:
    """Whoever may change the claimant's casework (``may_edit``: own or covered caseload, the team leaders of their
    jobcentre), among the fund's requesters: administrators and progression leads do not spend the fund."""
    return has_role(user, Role.WORK_COACH, Role.TEAM_LEADER) and may_edit(user, claimant)


def may_decide(user: StaffMember, award: SupportFundAward) -> bool:
    """Only a team leader (or district leader) whose scope holds the claimant's jobcentre, and never the person
    who asked for the award."""
    return award.requested_by_id != user.pk and _leads_office_of(user, award)


def may_withdraw(user: StaffMember, award: SupportFundAward) -> bool:
    """The person who asked, or a requester who may change the claimant's casework (``may_request``: the claimant's
    work coach or a colleague covering their absence, a team leader of the claimant's jobcentre)."""
    return award.requested_by_id == user.pk or may_request(user, award.claimant)


def awards_visible_to(user: StaffMember) -> QuerySet[SupportFundAward]:
    """The one scoping rule for awards: the claimant's (claimants_visible_to)."""
    return SupportFundAward.objects.filter(jobcentre_scope(user, field="claimant__jobcentre"))


def award_for(user: StaffMember, award_id: int) -> SupportFundAward:
    """One award with what its page shows (DoesNotExist outside the user's scope)."""
    return (
        awards_visible_to(user)
        .select_related(
            "claimant__jobcentre",
            "claimant__coach",
            "requested_by",
            "decided_by",
            "paid_by",
            "withdrawn_by",
            "budget",
        )
        .get(pk=award_id)
    )


def jobcentres_for_budgets(user: StaffMember) -> QuerySet[Jobcentre]:
    """The jobcentres whose budget a user may open: their own (coach, team leader), their district (district
    leader, progression lead), every one (administrator)."""
    return Jobcentre.objects.filter(office_scope(user)).select_related("district").order_by("name")


# --- Regime on a date and eligibility -------------------------------------------------------------------------


def regime_on(claimant: Claimant, on: date) -> RegimeAssessment | None:
    """The claimant's latest regime decision for the assessment period containing ``on`` (None: none decided)."""
    return (
        RegimeAssessment.objects.current()
        .filter(claimant=claimant, period_start__lte=on, period_end__gte=on)
        .order_by("-period_start")
        .first()
    )


def eligibility_rules() -> list[Rule]:
    return [
        Rule(
            regime=r.regime,
            purpose=r.purpose,
            eligible=r.eligible,
            maximum=r.maximum_amount,
            reason=r.reason,
        )
        for r in SupportFundRule.objects.order_by("regime", "purpose")
    ]


def eligibility_for(claimant: Claimant, *, purpose: str, amount: Decimal | None, on: date) -> Eligibility:
    assessment = regime_on(claimant, on)
    return check_eligibility(
        regime=assessment.regime if assessment else None,
        purpose=purpose,
        amount=amount,
        rules=eligibility_rules(),
        on=on,
    )


def eligibility_overview(claimant: Claimant, *, on: date) -> dict[str, Any]:
    """What the request page says before anything is typed: the regime on the date, whether the claimant is
    eligible at all, and the most for each purpose (two queries)."""
    assessment = regime_on(claimant, on)
    rules = eligibility_rules()
    regime = assessment.regime if assessment else None
    purposes = [
        {
            "label": p.label,
            "eligibility": check_eligibility(regime=regime, purpose=p.value, amount=None, rules=rules, on=on),
        }
        for p in Purpose
    ]
    return {"assessment": assessment, "regime": regime, "purposes": purposes}


# --- Budgets ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetSummary:
    jobcentre: Jobcentre
    year: int
    budget: SupportFundBudget | None
    committed: Decimal
    spent: Decimal
    waiting_count: int = 0
    waiting_amount: Decimal = ZERO

    @property
    def amount(self) -> Decimal | None:
        return self.budget.amount if self.budget else None

    @property
    def remaining(self) -> Decimal | None:
        return self.budget.amount - self.committed - self.spent if self.budget else None

    @property
    def year_label(self) -> str:
        return financial_year_label(self.year)

    @property
    def percent_used(self) -> int | None:
        if not self.budget or not self.budget.amount:
            return None
        return round(100 * (self.committed + self.spent) / self.budget.amount)

    @property
    def overspent(self) -> bool:
        remaining = self.remaining
        return remaining is not None and remaining < 0


def _charged_sums() -> dict[str, Any]:
    return {
        "committed": Sum("awards__amount", filter=Q(awards__status=Status.APPROVED)),
        "spent": Sum("awards__amount", filter=Q(awards__status=Status.PAID)),
    }


def budget_summaries(jobcentres: Iterable[Jobcentre], year: int) -> list[BudgetSummary]:
    """Each jobcentre's budget for ``year`` with committed (approved, not yet paid) and spent (paid), and the
    requests waiting for a decision in its claimants' jobcentre (two queries whatever the number of jobcentres)."""
    offices = list(jobcentres)
    ids = [j.pk for j in offices]
    budgets = {
        b.jobcentre_id: b
        for b in SupportFundBudget.objects.filter(jobcentre_id__in=ids, financial_year=year).annotate(
            **_charged_sums()
        )
    }
    waiting = {
        row["claimant__jobcentre_id"]: row
        for row in SupportFundAward.objects.filter(claimant__jobcentre_id__in=ids, status=Status.REQUESTED)
        .values("claimant__jobcentre_id")
        .annotate(n=Count("pk"), total=Sum("amount"))
        .order_by()
    }
    summaries = []
    for office in offices:
        budget = budgets.get(office.pk)
        w = waiting.get(office.pk, {})
        summaries.append(
            BudgetSummary(
                jobcentre=office,
                year=year,
                budget=budget,
                committed=(getattr(budget, "committed", None) or ZERO),
                spent=(getattr(budget, "spent", None) or ZERO),
                waiting_count=w.get("n", 0),
                waiting_amount=w.get("total") or ZERO,
            )
        )
    return summaries


def budget_summary(jobcentre: Jobcentre, year: int) -> BudgetSummary:
    return budget_summaries([jobcentre], year)[0]


def budget_years(jobcentres: Iterable[Jobcentre], *, today: date) -> list[int]:
    """The financial years a budget page offers, newest first: those with a budget for any of these jobcentres,
    and the current one (one query)."""
    years = set(
        SupportFundBudget.objects.filter(jobcentre__in=list(jobcentres)).values_list(
            "financial_year", flat=True
        )
    )
    years.add(financial_year(today))
    return sorted(years, reverse=True)


def awards_charged_to(budget: SupportFundBudget | None) -> list[SupportFundAward]:
    """The awards a budget pays for (approved and paid), newest first, in one query."""
    if budget is None:
        return []
    return list(
        SupportFundAward.objects.filter(budget=budget, status__in=CHARGED)
        .select_related("claimant", "decided_by")
        .order_by("-awarded_on", "-pk")
    )


def awards_waiting_for(user: StaffMember) -> list[SupportFundAward]:
    """Requests waiting for a team leader's decision in the user's scope, oldest first (one query)."""
    return list(
        awards_visible_to(user)
        .filter(status=Status.REQUESTED)
        .select_related("claimant__jobcentre", "claimant__coach", "requested_by")
        .order_by("requested_at", "pk")
    )


def awards_of(claimant: Claimant) -> list[SupportFundAward]:
    """A claimant's awards, newest first (one query)."""
    return list(
        SupportFundAward.objects.filter(claimant=claimant)
        .select_related("requested_by", "decided_by")
        .order_by("-requested_at", "-pk")
    )


# --- The claimant's timeline (another part of issue #16 merges these in) -------------------------------------


def support_fund_timeline_events(claimant: Claimant) -> list[dict[str, Any]]:
    """What happened to the claimant's awards, newest first: one event for the request and one for each later
    step (approved, refused, withdrawn, paid). Keys: ``at`` (aware datetime), ``kind`` ("award"), ``title``,
    ``text``."""
    events: list[dict[str, Any]] = []
    for award in awards_of(claimant):
        what = f"{money(award.amount)} for {award.get_purpose_display().lower()} from {award.supplier}"
        asked_by = award.requested_by.get_full_name() or award.requested_by.username
        events.append(
            {
                "at": award.requested_at,
                "kind": "award",
                "title": "Flexible Support Fund award requested",
                "text": f"{what}, requested by {asked_by}. {award.eligibility_reason}".strip(),
                "award_id": award.pk,
            }
        )
        decider = award.decided_by.get_full_name() if award.decided_by else ""
        if award.decided_at and award.status in (Status.APPROVED, Status.PAID):
            events.append(
                {
                    "at": award.decided_at,
                    "kind": "award",
                    "title": "Flexible Support Fund award approved",
                    "text": f"{what}, approved by {decider}."
                    + (f" {award.decision_reason}" if award.decision_reason else ""),
                    "award_id": award.pk,
                }
            )
        if award.decided_at and award.status == Status.REFUSED:
            events.append(
                {
                    "at": award.decided_at,
                    "kind": "award",
                    "title": "Flexible Support Fund award refused",
                    "text": f"{what}, refused by {decider}: {award.decision_reason}",
                    "award_id": award.pk,
                }
            )
        if award.withdrawn_at:
            events.append(
                {
                    "at": award.withdrawn_at,
                    "kind": "award",
                    "title": "Flexible Support Fund request withdrawn",
                    "text": what + ".",
                    "award_id": award.pk,
                }
            )
        if award.paid_at:
            events.append(
                {
                    "at": award.paid_at,
                    "kind": "award",
                    "title": "Flexible Support Fund award paid",
                    "text": what
                    + "."
                    + (f" Payment reference {award.payment_reference}." if award.payment_reference else ""),
                    "award_id": award.pk,
                }
            )
    events.sort(key=lambda e: e["at"], reverse=True)
    return events
