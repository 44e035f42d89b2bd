"""Demo claimants: a few hundred working claimants with a year of earnings, so regimes, history and cycling
flags are there to look at. Earnings patterns are chosen to show each regime and the cycling sub-flags."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone
from faker import Faker

from claimants.models import Claimant, EarningsRecord, EarningsSource
from claimants.recalculation import claimant_recalculate
from claimants.regimes import Cause
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


KINDS = (
    ["steady_low"] * 4
    + ["light_touch"] * 4
    + ["working_enough"] * 2
    + ["zero_hours"] * 2
    + ["weekly_paid", "progressing", "progressing"]
)


def build(faker: Faker, rng: random.Random, result: DemoResult) -> None:
    coaches = list(
        StaffMember.objects.filter(role=Role.WORK_COACH).select_related("jobcentre").order_by("pk")
    )
    received = timezone.now()
    serial = 0
    created: list[Claimant] = []
    for coach in coaches:
        for _ in range(rng.randint(*result.claimants_per_coach)):
            serial += 1
            age = rng.randint(19, 63)
            dob = dt.date(2026 - age, rng.randint(1, 12), rng.randint(1, 28))
            reduced = rng.random() < 0.12
            claimant = Claimant.objects.create(
                nino=f"{rng.choice(NINO_PREFIXES)}{serial:06d}{rng.choice('ABCD')}",
                first_name=faker.first_name(),
                last_name=faker.last_name(),
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
            for start, (pay, paydays) in zip(
                _period_starts(claimant.assessment_day), _pattern(kind, rng, PERIODS), strict=True
            ):
                EarningsRecord.objects.create(
                    claimant=claimant,
                    period_start=start,
                    employed_earnings=pay,
                    paydays=paydays,
                    source=EarningsSource.RTI,
                    received_at=received,
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
                    received_at=received,
                )
    for claimant in created:
        claimant_recalculate(claimant_id=claimant.pk, cause=Cause.EARNINGS)
    result.counts["claimants"] = len(created)
    result.counts["earnings records"] = EarningsRecord.objects.count()
