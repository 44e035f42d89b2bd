"""Demo claimants: a few hundred working claimants with a year of earnings, so regimes, history and cycling
flags are there to look at. Earnings patterns are chosen to show each regime and the cycling sub-flags."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone
from faker import Faker

from claimants.facts.services import facts_change, facts_first_version
from claimants.models import (
    BusyTime,
    Circumstance,
    Claimant,
    ClaimantFacts,
    CoachAssignment,
    EarningsRecord,
    EarningsSource,
    Employment,
)
from claimants.progression import demo as progression_demo
from claimants.regimes.engine import Cause
from claimants.regimes.recalculation import claimant_recalculate
from claimants.support_fund import demo as support_fund_demo
from iwp.demo import DemoResult
from iwp.models import Role, StaffMember

PERIODS = 12
# The last assessment period in the demo starts in October 2026 (today is November 2026).
LAST_PERIOD = dt.date(2026, 10, 1)
NINO_PREFIXES = ["AB", "CE", "JK", "LM", "NP", "RS", "TW", "WX", "YZ", "HJ", "ER", "PA"]


def _period_starts(day: int) -> list[dt.date]:
    starts = []
    year, month = LAST_PERIOD.year, LAST_PERIOD.month
    for _ in range(PERIODS):
        last = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)).day
        starts.append(dt.date(year, month, min(day, last)))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return starts[::-1]


def _received(start: dt.date, latest: dt.datetime) -> dt.datetime:
    """When the RTI feed brought an assessment period's earnings: about a month after it started (never later
    than the demo's load), so the timeline tells them month by month as they arrived."""
    return min(latest, timezone.make_aware(dt.datetime.combine(start + dt.timedelta(days=31), dt.time(7, 0))))


def _pattern(kind: str, rng: random.Random, n: int) -> list[tuple[Decimal, int | None]]:
    """Monthly (employed pay, paydays) for a working pattern."""

    def money(x: float) -> Decimal:
        return Decimal(str(round(max(x, 0), 2)))

    if kind == "steady_low":
        base = rng.uniform(300, 900)
        return [(money(base * rng.uniform(0.95, 1.05)), 1) for _ in range(n)]
    if kind == "light_touch":
        base = rng.uniform(1000, 1750)
        return [(money(base * rng.uniform(0.95, 1.05)), 1) for _ in range(n)]
    if kind == "working_enough":
        base = rng.uniform(1900, 2600)
        return [(money(base * rng.uniform(0.97, 1.03)), 1) for _ in range(n)]
    if kind == "zero_hours":  # swings across the AET: regime cycling
        return [(money(rng.choice([rng.uniform(550, 850), rng.uniform(1000, 1300)])), 1) for _ in range(n)]
    if kind == "weekly_paid":  # 4 or 5 paydays a month: pay-cycle crossings only
        weekly = rng.uniform(222, 236)
        return [(money(weekly * (5 if i % 3 == 1 else 4)), 5 if i % 3 == 1 else 4) for i in range(n)]
    if kind == "progressing":  # more hours over the year
        start = rng.uniform(500, 800)
        return [(money(start + i * rng.uniform(60, 110)), 1) for i in range(n)]
    raise ValueError(kind)


CONTRACTS = {
    "steady_low": "permanent",
    "light_touch": "permanent",
    "working_enough": "permanent",
    "zero_hours": "zero_hours",
    "weekly_paid": "agency",
    "progressing": "fixed_term",
}
EMPLOYERS = [
    "Greggs",
    "Tesco",
    "NHS Trust",
    "Amazon",
    "Premier Inn",
    "Sainsbury's",
    "Co-op",
    "Boots",
    "Costa",
    "Local council",
    "Care UK",
    "Royal Mail",
]
BARRIERS = ["childcare", "caring", "transport", "skills", "confidence", "esol", "health", "age_50_plus"]


def _casework_facts(
    claimant: Claimant,
    coach: StaffMember,
    kind: str,
    faker: Faker,
    rng: random.Random,
    team: list[StaffMember],
) -> None:
    """Assignment history, a job with a working pattern, and a circumstance or two."""
    now = timezone.now()
    year_ago = now - dt.timedelta(days=420)
    others = [c for c in team if c.pk != coach.pk]
    if others and rng.random() < 0.2:  # some claimants have changed coach: continuity shows on the record
        handed = now - dt.timedelta(days=rng.randint(30, 200))
        CoachAssignment.objects.create(
            claimant=claimant, coach=rng.choice(others), assigned_at=year_ago, unassigned_at=handed
        )
        CoachAssignment.objects.create(
            claimant=claimant,
            coach=coach,
            assigned_at=handed,
            reason="Rebalancing",
            handover_summary="Keen to increase hours; check progress on agreed actions.",
        )
    else:
        CoachAssignment.objects.create(claimant=claimant, coach=coach, assigned_at=year_ago)
    hours = None if kind == "zero_hours" else Decimal(rng.choice([12, 16, 20, 24, 30, 37.5]))
    job = Employment.objects.create(
        claimant=claimant,
        employer=rng.choice(EMPLOYERS),
        sector=rng.choice(["Retail", "Care", "Hospitality", "Logistics", "Public sector"]),
        contract_type=CONTRACTS[kind],
        hours_per_week=hours,
        hourly_pay=Decimal("12.71"),
        pay_frequency="weekly" if kind == "weekly_paid" else "monthly",
        started_on=dt.date(2026, 11, 1) - dt.timedelta(days=rng.randint(60, 1500)),
    )
    if hours:
        days = rng.sample(range(7), k=min(5, max(2, int(hours // 6))))
        start = rng.choice([7, 9, 12, 16])
        for day in sorted(days):
            BusyTime.objects.create(
                claimant=claimant,
                employment=job,
                kind=BusyTime.Kind.WORK,
                weekday=day,
                starts_at=dt.time(start),
                ends_at=dt.time(min(start + 6, 23)),
            )
    age = (dt.date(2026, 11, 1) - claimant.date_of_birth).days // 365
    possible = [b for b in BARRIERS if b != "age_50_plus" or age >= 50]
    for barrier in rng.sample(possible, k=rng.choice([0, 1, 1, 2])):
        if barrier == "childcare":
            BusyTime.objects.create(
                claimant=claimant,
                kind=BusyTime.Kind.CARING,
                weekday=rng.randint(0, 4),
                starts_at=dt.time(14, 45),
                ends_at=dt.time(15, 30),
                description="School pick-up",
            )
        Circumstance.objects.create(
            claimant=claimant,
            kind=barrier,
            sensitive=barrier == "health",
            detail=faker.sentence(nb_words=8) if barrier != "age_50_plus" else "",
        )


KINDS = (
    ["steady_low"] * 4
    + ["light_touch"] * 4
    + ["working_enough"] * 2
    + ["zero_hours"] * 2
    + ["weekly_paid", "progressing", "progressing"]
)


def _dated_changes(created: list[Claimant], rng: random.Random) -> None:
    """A few claimants whose circumstances changed part-way through the year, so the regime page shows the
    facts in force period by period (issue #16): reduced hours for caring from six months ago, and a move to
    the "preparing for work" group three months ago."""
    singles = [c for c in created if not c.partner_id and c.expected_hours == 35]
    today = max(timezone.localdate(), LAST_PERIOD)
    for claimant in singles[:: max(1, len(singles) // 12)][:12]:
        start = _period_starts(claimant.assessment_day)[-rng.choice([4, 6, 8])]
        facts_change(
            claimant=claimant,
            actor=None,
            changes={"expected_hours": Decimal(rng.choice([16, 20, 25])), "expected_hours_reason": "caring"},
            effective_from=start,
            reason="Became the main carer for a parent",
            today=today,
        )
    for claimant in singles[5::40][:3]:
        facts_change(
            claimant=claimant,
            actor=None,
            changes={"conditionality_group": "work_preparation"},
            effective_from=_period_starts(claimant.assessment_day)[-3],
            reason="Fit note: limited capability for work",
            today=today,
        )


def build(faker: Faker, rng: random.Random, result: DemoResult) -> None:
    coaches = list(
        StaffMember.objects.filter(role=Role.WORK_COACH).select_related("jobcentre").order_by("pk")
    )
    received = timezone.now()
    colleagues: dict[int, list[StaffMember]] = {}
    for coach in coaches:
        colleagues.setdefault(coach.team_id, []).append(coach)
    serial = 0
    created: list[Claimant] = []
    for coach in coaches:
        for _ in range(rng.randint(*result.claimants_per_coach)):
            serial += 1
            age = rng.randint(19, 63)
            dob = dt.date(2026 - age, rng.randint(1, 12), rng.randint(1, 28))
            reduced = rng.random() < 0.12
            first_name, last_name = faker.first_name(), faker.last_name()
            claimant = Claimant.objects.create(
                nino=f"{rng.choice(NINO_PREFIXES)}{serial:06d}{rng.choice('ABCD')}",
                first_name=first_name,
                last_name=last_name,
                # Made from the serial, not drawn at random, so the rest of the demo stays as it was.
                email=f"{first_name}.{last_name}.{serial}@example.org".lower().replace("'", ""),
                phone=f"+447911{serial:06d}",
                date_of_birth=dob,
                jobcentre=coach.jobcentre,
                coach=coach,
                postcode=faker.postcode(),
                contact_preference=rng.choice(["journal"] * 5 + ["sms", "phone", "letter"]),
                interpreter_language=rng.choice([""] * 12 + ["Polish", "Urdu", "Arabic", "Romanian"]),
                digitally_excluded=rng.random() < 0.08,
                assessment_day=rng.choice([*range(1, 29), 30, 31]),
                expected_hours=Decimal(rng.choice([16, 20, 25])) if reduced else Decimal(35),
                expected_hours_reason=rng.choice(["caring", "school_hours", "health"]) if reduced else "",
                apprentice=rng.random() < 0.03,
            )
            created.append(claimant)
            kind = rng.choice(KINDS)
            _casework_facts(claimant, coach, kind, faker, rng, colleagues.get(coach.team_id, []))
            for start, (pay, paydays) in zip(
                _period_starts(claimant.assessment_day), _pattern(kind, rng, PERIODS), strict=True
            ):
                EarningsRecord.objects.create(
                    claimant=claimant,
                    period_start=start,
                    employed_earnings=pay,
                    paydays=paydays,
                    source=EarningsSource.RTI,
                    received_at=_received(start, received),
                )
    # Pair a few claimants of the same jobcentre as joint claimants (same assessment day, as on a joint claim).
    by_office: dict[int, list[Claimant]] = {}
    for claimant in created:
        by_office.setdefault(claimant.jobcentre_id, []).append(claimant)
    for members in by_office.values():
        for a, b in zip(members[0:20:2], members[1:20:2], strict=False):
            b.assessment_day = a.assessment_day
            a.partner, b.partner = b, a
            a.save(update_fields=["partner"])
            b.save(update_fields=["partner", "assessment_day"])
            EarningsRecord.objects.filter(claimant=b).delete()
            for start, (pay, paydays) in zip(
                _period_starts(a.assessment_day), _pattern(rng.choice(KINDS), rng, PERIODS), strict=True
            ):
                EarningsRecord.objects.create(
                    claimant=b,
                    period_start=start,
                    employed_earnings=pay,
                    paydays=paydays,
                    source=EarningsSource.RTI,
                    received_at=_received(start, received),
                )
    for claimant in created:
        facts_first_version(claimant=claimant)
    _dated_changes(created, rng)
    for claimant in created:
        claimant_recalculate(claimant_id=claimant.pk, cause=Cause.EARNINGS)
    result.counts.update(progression_demo.build(claimants=created))
    result.counts["claimants"] = len(created)
    result.counts["facts versions"] = ClaimantFacts.objects.count()
    result.counts["earnings records"] = EarningsRecord.objects.count()
    support_fund_demo.build(result)  # after the regimes: eligibility and outcomes read them
