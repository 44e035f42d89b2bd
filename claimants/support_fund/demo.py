"""Demo data for the Flexible Support Fund (called at the end of ``claimants.demo.build``, after every claimant's
regime history is worked out): the default eligibility rules (a flushed test database has lost the migration's
rows), a budget for every demo jobcentre for this financial year and the one before, and a handful of awards in
each status per jobcentre — paid ones from the spring (their outcome six months on is known), recent approvals
(not known yet), a refusal, a withdrawal, and requests waiting for a team leader, one of them on a date with no
regime decided (eligibility not known). It draws from its own random generator, so the rest of the demo stays as
it was."""

from __future__ import annotations

import datetime as dt
import importlib
import itertools
import random
from decimal import Decimal

from django.apps import apps
from django.utils import timezone

from claimants.models import Claimant, RegimeAssessment, SupportFundAward, SupportFundBudget, SupportFundRule
from claimants.support_fund.rules import (
    Eligible,
    Purpose,
    Rule,
    Status,
    check_eligibility,
    financial_year,
)
from claimants.support_fund.services import support_fund_outcomes_refresh
from iwp.demo import DemoResult
from iwp.models import Jobcentre, Role, StaffMember

SUPPLIERS = {
    Purpose.TRAINING: ["City College", "Forklift Training Centre", "Learn Direct Skills Bootcamp"],
    Purpose.TRAVEL: ["National Express West Midlands", "West Yorkshire Metro", "Northern Trains"],
    Purpose.CLOTHING: ["Marks & Spencer", "Next", "Workwear Direct"],
    Purpose.CHILDCARE: ["Little Acorns Nursery", "Sunshine Childminding", "Kids Club Breakfast Club"],
    Purpose.TOOLS: ["Screwfix", "Toolstation", "Argos"],
}
AMOUNTS = {
    Purpose.TRAINING: (350, 1200),
    Purpose.TRAVEL: (40, 250),
    Purpose.CLOTHING: (60, 220),
    Purpose.CHILDCARE: (150, 480),
    Purpose.TOOLS: (80, 300),
}
DETAILS = {
    Purpose.TRAINING: "A course that leads to a better-paid role the employer has said it will offer.",
    Purpose.TRAVEL: "Travel for the first month of extra shifts, until the first higher pay day.",
    Purpose.CLOTHING: "Safety boots and uniform needed for the new role.",
    Purpose.CHILDCARE: "Up-front childcare deposit so the claimant can take on more hours.",
    Purpose.TOOLS: "Tools the new job expects staff to bring.",
}
# (status, approval date or None, how many per jobcentre). Spring awards have six months behind them.
SPRING = [dt.date(2026, 3, 10), dt.date(2026, 4, 14), dt.date(2026, 5, 12), dt.date(2026, 6, 9)]
BUDGETS = {0: Decimal("15000.00"), -1: Decimal("12000.00")}  # this financial year, and the year before


def _load_rules() -> None:
    if not SupportFundRule.objects.exists():
        migration = importlib.import_module("claimants.migrations.0011_flexible_support_fund")
        migration.load(apps, None)


def _aware(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 15)))


class _Office:
    """One jobcentre's share of the demo: its budgets, team leaders, claimants and their regime history."""

    def __init__(self, office: Jobcentre, *, this_year: int, today: dt.date, rules: list[Rule], rng) -> None:
        self.office, self.this_year, self.today, self.rules, self.rng = office, this_year, today, rules, rng
        self.budgets = {
            offset: SupportFundBudget.objects.create(
                jobcentre=office, financial_year=this_year + offset, amount=amount
            )
            for offset, amount in BUDGETS.items()
        }
        self.leaders = {
            s.team_id: s
            for s in StaffMember.objects.filter(jobcentre=office, role=Role.TEAM_LEADER, leads_district=False)
        }
        self.claimants = [
            c
            for c in Claimant.objects.filter(jobcentre=office, coach__isnull=False)
            .select_related("coach")
            .order_by("pk")
            if c.coach.team_id in self.leaders
        ]
        self.regimes: dict[int, list[RegimeAssessment]] = {}
        for row in (
            RegimeAssessment.objects.current().filter(claimant__in=self.claimants).order_by("period_start")
        ):
            self.regimes.setdefault(row.claimant_id, []).append(row)
        self.used: set[int] = set()
        self.created = 0

    def budget_for(self, day: dt.date) -> SupportFundBudget:
        offset = financial_year(day) - self.this_year
        if offset not in self.budgets:  # the demo loaded years after its spring awards
            self.budgets[offset] = SupportFundBudget.objects.create(
                jobcentre=self.office, financial_year=self.this_year + offset, amount=BUDGETS[-1]
            )
        return self.budgets[offset]

    def regime_on(self, claimant: Claimant, day: dt.date) -> str | None:
        rows = self.regimes.get(claimant.pk, [])
        return next((a.regime for a in rows if a.period_start <= day <= a.period_end), None)

    def latest_day(self, claimant: Claimant) -> dt.date | None:
        """The last day the claimant has a regime decided for (today at the latest)."""
        rows = self.regimes.get(claimant.pk)
        return min(rows[-1].period_end, self.today) if rows else None

    def pick(self, day: dt.date | None) -> Claimant | None:
        """A claimant not used yet who is eligible on ``day`` (None: on the last day they have a regime)."""
        for claimant in self.claimants:
            on = day or self.latest_day(claimant)
            if claimant.pk in self.used or on is None:
                continue
            if self.regime_on(claimant, on) in ("intensive_work_search", "light_touch"):
                self.used.add(claimant.pk)
                return claimant
        return None

    def pick_unknown(self) -> Claimant | None:
        """A claimant with no regime decided for today."""
        for claimant in self.claimants:
            if claimant.pk not in self.used and self.regime_on(claimant, self.today) is None:
                self.used.add(claimant.pk)
                return claimant
        return None

    def award(
        self, claimant: Claimant, status: Status, requested_on: dt.date, decided_on: dt.date | None, purpose
    ) -> None:
        rng = self.rng
        low, high = AMOUNTS[purpose]
        amount = Decimal(rng.randint(low, high)) + Decimal(rng.choice([0, 50, 99])) / 100
        regime = self.regime_on(claimant, requested_on)
        check = check_eligibility(
            regime=regime, purpose=purpose, amount=amount, rules=self.rules, on=requested_on
        )
        if check.status == Eligible.NO and check.maximum:
            amount = check.maximum
            check = check_eligibility(
                regime=regime, purpose=purpose, amount=amount, rules=self.rules, on=requested_on
            )
        leader = self.leaders[claimant.coach.team_id]
        row = SupportFundAward(
            claimant=claimant,
            purpose=purpose,
            amount=amount,
            supplier=rng.choice(SUPPLIERS[purpose]),
            details=DETAILS[purpose],
            status=status,
            requested_by=claimant.coach,
            requested_at=_aware(requested_on, 10),
            requested_on=requested_on,
            regime_on_request=regime or "",
            eligibility=check.status,
            eligibility_reason=check.reason,
        )
        if decided_on is not None:
            row.decided_by = leader
            row.decided_at = _aware(decided_on, 14)
        if status in (Status.APPROVED, Status.PAID):
            row.awarded_on = decided_on
            row.budget = self.budget_for(decided_on)
            row.outcome = "not_known_yet"
        if status == Status.PAID:
            row.paid_by = leader
            row.paid_at = _aware(decided_on + dt.timedelta(days=7), 11)
            row.payment_reference = f"PO-{rng.randint(100000, 999999)}"
        if status == Status.REFUSED:
            row.decision_reason = (
                "The course is free through the adult skills fund: refer the claimant there first."
            )
        if status == Status.WITHDRAWN:
            row.withdrawn_by = claimant.coach
            row.withdrawn_at = _aware(requested_on + dt.timedelta(days=2), 9)
        row.save()
        self.created += 1


def build(result: DemoResult) -> None:
    rng = random.Random(16_2026)
    today = timezone.localdate()
    _load_rules()
    rules = [
        Rule(
            regime=r.regime, purpose=r.purpose, eligible=r.eligible, maximum=r.maximum_amount, reason=r.reason
        )
        for r in SupportFundRule.objects.all()
    ]
    purposes = itertools.cycle(Purpose)
    created = 0
    for office in Jobcentre.objects.order_by("name"):
        demo = _Office(office, this_year=financial_year(today), today=today, rules=rules, rng=rng)

        for day in SPRING:  # paid long enough ago for the outcome six months on to be known
            claimant = demo.pick(day - dt.timedelta(days=3))
            if claimant:
                demo.award(claimant, Status.PAID, day - dt.timedelta(days=3), day, next(purposes))
        for days_ago in (20, 6):  # approved recently: committed, outcome not known yet
            claimant = demo.pick(None)
            if claimant:
                asked = demo.latest_day(claimant)
                decided = max(asked, today - dt.timedelta(days=days_ago))
                demo.award(claimant, Status.APPROVED, asked, decided, next(purposes))
        for status in (Status.REFUSED, Status.WITHDRAWN, Status.REQUESTED):
            claimant = demo.pick(None)
            if claimant:
                asked = demo.latest_day(claimant)
                demo.award(
                    claimant, status, asked, asked if status == Status.REFUSED else None, next(purposes)
                )
        # A request made today for a claimant with no regime decided for today: eligibility not known.
        claimant = demo.pick_unknown()
        if claimant:
            demo.award(claimant, Status.REQUESTED, today, None, next(purposes))
        created += demo.created
    support_fund_outcomes_refresh(today=today)
    result.counts["Flexible Support Fund awards"] = created
