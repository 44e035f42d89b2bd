"""The set-based uprating's SQL decides every assessment period exactly as the Python engine does.

Facts are inserted as real claimants and earnings, the SQL classification (``classify_rows_sql``, the same
statements the uprating runs) decides them, and each row is compared with ``assess()``: regime, partner's regime and
every threshold as displayed. The cases are seeded-random (boundaries in pence, birthdays on the AP's last day, APs
on the 29th–31st, couples, partners not eligible for UC, apprentices, MIF, every group, every threshold row from
April 2022) plus hypothesis batches and the rulebook's worked vectors.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from itertools import count

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimants.facts.services import facts_first_version
from claimants.models import Claimant, EarningsRecord
from claimants.regimes.engine import Assessment, ConditionalityGroup, Person, assess, assessment_period_end
from claimants.regimes.selectors import parameters_on, rate_tables
from claimants.regimes.uprating import classify_rows_sql
from tests.claimants.test_regimes import VECTORS
from tests.factories import JobcentreFactory

pytestmark = pytest.mark.django_db

D = Decimal
EVERYTHING = date(2000, 1, 1)
RECEIVED = date(2026, 12, 31)
_nino = count(1)
GROUPS = list(ConditionalityGroup)


@dataclass(frozen=True)
class Case:
    start: date
    claimant: Person
    partner: Person | None = None


def _claimant_row(person: Person, jobcentre) -> Claimant:
    n = next(_nino)
    hours = D(person.expected_hours)
    return Claimant(
        nino=f"S{chr(65 + n // 1_000_000)}{n % 1_000_000:06d}A",
        first_name="Test",
        last_name=f"Case {n}",
        date_of_birth=person.date_of_birth,
        jobcentre=jobcentre,
        conditionality_group=str(person.conditionality_group),
        expected_hours=hours,
        expected_hours_reason="" if hours >= 35 else "health",
        apprentice=person.apprentice,
        self_employed=person.minimum_income_floor or bool(person.self_employed_earnings),
        minimum_income_floor=person.minimum_income_floor,
    )


def insert_cases(cases: list[Case]) -> list[tuple[int, Case, bool]]:
    """Insert each case as claimants with one earnings record; returns (claimant id, case, is_partner_side)."""
    jobcentre = JobcentreFactory()
    placed: list[tuple[int, Case, bool]] = []
    records: list[EarningsRecord] = []
    for case in cases:
        main = _claimant_row(case.claimant, jobcentre)
        other = None
        partner = case.partner
        if partner is not None and not partner.eligible_for_uc:
            main.has_non_uc_partner = True
            main.non_uc_partner_date_of_birth = partner.date_of_birth
        main.save()
        if partner is not None and partner.eligible_for_uc:
            other = _claimant_row(partner, jobcentre)
            other.partner = main
            other.save()
            main.partner = other
            main.save(update_fields=["partner"])
        records.append(
            EarningsRecord(
                claimant=main,
                period_start=case.start,
                employed_earnings=case.claimant.employed_earnings,
                self_employed_earnings=case.claimant.self_employed_earnings,
                non_uc_partner_employed=(
                    partner.employed_earnings if partner is not None and not partner.eligible_for_uc else None
                ),
                non_uc_partner_self_employed=(
                    partner.self_employed_earnings
                    if partner is not None and not partner.eligible_for_uc
                    else None
                ),
                received_at=f"{RECEIVED.isoformat()}T00:00:00Z",
            )
        )
        placed.append((main.pk, case, False))
        if other is not None:
            records.append(
                EarningsRecord(
                    claimant=other,
                    period_start=case.start,
                    employed_earnings=partner.employed_earnings,
                    self_employed_earnings=partner.self_employed_earnings,
                    received_at=f"{RECEIVED.isoformat()}T00:00:00Z",
                )
            )
            placed.append((other.pk, case, True))
    EarningsRecord.objects.bulk_create(records)
    for claimant in Claimant.objects.filter(jobcentre=jobcentre):
        facts_first_version(claimant=claimant)
    return placed


def engine(case: Case, partner_side: bool, tables) -> Assessment:
    claimant, partner = case.claimant, case.partner
    if partner_side:
        claimant, partner = partner, claimant
    return assess(
        period_start=case.start,
        claimant=claimant,
        partner=partner,
        parameters=parameters_on(case.start, tables),
    )


def sql_rows(placed: list[tuple[int, Case, bool]]) -> dict[int, dict]:
    ids = [pk for pk, _, _ in placed]
    rows = classify_rows_sql(lo=min(ids), hi=max(ids) + 1, effective_from=EVERYTHING)
    return {row["claimant_id"]: row for row in rows}


def assert_same(placed: list[tuple[int, Case, bool]]) -> int:
    tables = rate_tables()
    rows = sql_rows(placed)
    assert len(rows) == len(placed)
    for pk, case, partner_side in placed:
        expected = engine(case, partner_side, tables)
        row = rows[pk]
        context = (case, partner_side)
        assert row["period_end"] == expected.period_end, context
        assert row["regime"] == expected.regime, context
        assert (row["partner_regime"] or None) == expected.partner_regime, context
        for key, value in expected.thresholds.as_money().items():
            assert row[key] == value, (key, context)
    return len(placed)


# --------------------------------------------------------------------------------------------------------------
# Case generation
# --------------------------------------------------------------------------------------------------------------

FIRST_AP = date(2022, 4, 1)
LAST_AP = date(2026, 12, 31)


def _random_start(rng: random.Random) -> date:
    start = FIRST_AP + timedelta(days=rng.randrange((LAST_AP - FIRST_AP).days + 1))
    if rng.random() < 0.2:  # APs on the 29th-31st (clamped in short months)
        day = rng.choice((29, 30, 31))
        last = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        start = start.replace(day=min(day, last.day))
    return start


def _born(rng: random.Random, start: date) -> date:
    end = assessment_period_end(start)
    age = rng.choice([16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, *list(range(27, 67, 5))])
    shape = rng.random()
    if shape < 0.15:  # birthday on the AP's last day: counts
        try:
            return end.replace(year=end.year - age)
        except ValueError:  # 29 February
            return date(end.year - age, 2, 28)
    if shape < 0.25 and age > 16:  # birthday the day after the AP ends: does not count yet
        after = end + timedelta(days=1)
        try:
            return after.replace(year=after.year - age)
        except ValueError:
            return date(after.year - age, 3, 1)
    if shape < 0.28:  # born on 29 February
        year = end.year - age - 1
        while year % 4:
            year -= 1
        return date(year, 2, 29)
    return end.replace(year=end.year - age, day=1) - timedelta(days=rng.randrange(1, 360))


def _person(rng: random.Random, start: date, *, eligible: bool = True) -> Person:
    group = rng.choices(GROUPS, weights=(70, 10, 10, 10))[0] if eligible else GROUPS[0]
    hours = D(rng.choice(["35", "35", "30", "25", "16", "12.5", "40", "0", "37.50"]))
    apprentice = eligible and rng.random() < 0.12
    mif = eligible and rng.random() < 0.06
    employed = D(rng.choice([0, 0, rng.randrange(0, 400000)])) / 100
    self_employed = D(rng.randrange(0, 150000)) / 100 if rng.random() < 0.2 or mif else D(0)
    return Person(
        date_of_birth=_born(rng, start),
        employed_earnings=employed,
        self_employed_earnings=self_employed,
        expected_hours=hours if eligible else D(35),
        conditionality_group=group,
        apprentice=apprentice,
        minimum_income_floor=mif,
        eligible_for_uc=eligible,
    )


def _pence_at(threshold, below: bool) -> Decimal:
    pence = math.ceil(threshold * 100) - (1 if below else 0)
    return D(max(pence, 0)) / 100


def _with_boundary(rng: random.Random, case: Case, tables) -> Case:
    """Move earnings to exactly a threshold (or a penny under), on a limb chosen at random."""
    base = assess(
        period_start=case.start,
        claimant=case.claimant,
        partner=case.partner,
        parameters=parameters_on(case.start, tables),
    ).thresholds
    below = rng.random() < 0.5
    limbs = ["aet", "cet"] + (["aet_couple", "household"] if case.partner is not None else [])
    limb = rng.choice(limbs)
    claimant, partner = case.claimant, case.partner
    if limb == "aet":
        claimant = replace(claimant, employed_earnings=_pence_at(base.aet_individual, below))
    elif limb == "cet":
        target = _pence_at(base.cet_individual, below)
        self_part = min(claimant.self_employed_earnings, target)
        claimant = replace(claimant, employed_earnings=target - self_part, self_employed_earnings=self_part)
    elif limb == "aet_couple":
        target = _pence_at(base.aet_couple, below)
        share = min(D(rng.randrange(0, int(target * 100) + 1)) / 100, target)
        claimant = replace(claimant, employed_earnings=share)
        partner = replace(partner, employed_earnings=target - share)
    else:
        target = _pence_at(base.cet_household, below)
        share = min(D(rng.randrange(0, int(target * 100) + 1)) / 100, target)
        claimant = replace(claimant, employed_earnings=share, self_employed_earnings=D(0))
        partner = replace(partner, employed_earnings=target - share, self_employed_earnings=D(0))
    return replace(case, claimant=claimant, partner=partner)


def random_case(rng: random.Random, tables) -> Case:
    start = _random_start(rng)
    claimant = _person(rng, start)
    shape = rng.random()
    partner = None
    if shape < 0.4:
        partner = _person(rng, start)
    elif shape < 0.55:
        partner = _person(rng, start, eligible=False)
    case = Case(start=start, claimant=claimant, partner=partner)
    if rng.random() < 0.6:
        case = _with_boundary(rng, case, tables)
    return case


# --------------------------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------------------------


def test_postgresql_round_is_half_up_and_iwp_money_rounds_exactly() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT round(2.345::numeric, 2), round(2.335::numeric, 2), round(0.005::numeric, 2), "
            "iwp_money(114285600), iwp_money(6), iwp_money(5), iwp_money(599), iwp_money(600)"
        )
        row = cursor.fetchone()
    assert row[:3] == (D("2.35"), D("2.34"), D("0.01"))
    # 18 h x £12.21 x 52 / 12 = £952.38 exactly; half a penny (600 units) rounds up, 599 down.
    assert row[3:] == (D("952.38"), D("0.00"), D("0.00"), D("0.00"), D("0.01"))


@pytest.mark.parametrize("vector", VECTORS)
def test_rulebook_vectors_through_sql(vector) -> None:
    placed = insert_cases([Case(start=vector.period_start, claimant=vector.claimant, partner=vector.partner)])
    row = sql_rows(placed)[placed[0][0]]
    assert row["regime"] == vector.regime
    assert (row["partner_regime"] or None) == vector.partner_regime
    shown = {k: None if row[k] is None else str(row[k].quantize(D("0.01"))) for k in vector.thresholds}
    assert shown == vector.thresholds
    assert_same(placed)


def test_seeded_random_cases_match_the_engine() -> None:
    rng = random.Random(20260406)
    tables = rate_tables()
    cases = [random_case(rng, tables) for _ in range(650)]
    checked = assert_same(insert_cases(cases))
    assert checked >= 650  # joint partners are checked from their own side too


def test_every_threshold_row_from_april_2022_at_its_boundaries() -> None:
    """Single and couple, a penny either side of each limb, in an AP starting on each row's first day and in one
    starting the day before (the previous row still applies)."""
    tables = rate_tables()
    aet_rows, wage_rows = tables
    starts = sorted({row.effective_from for row in aet_rows} | {row.effective_from for row in wage_rows})
    starts = [d for d in starts if d >= FIRST_AP] + [d - timedelta(days=1) for d in starts if d > FIRST_AP]
    cases = []
    born = date(1990, 6, 15)
    for start in starts:
        for partner in (None, Person(born, D(0)), Person(born, D(0), eligible_for_uc=False)):
            case = Case(start=start, claimant=Person(born, D(0)), partner=partner)
            base = engine(case, False, tables).thresholds
            for below in (False, True):
                cases.append(
                    replace(
                        case,
                        claimant=replace(
                            case.claimant, employed_earnings=_pence_at(base.aet_individual, below)
                        ),
                    )
                )
                cases.append(
                    replace(
                        case,
                        claimant=replace(
                            case.claimant, employed_earnings=_pence_at(base.cet_individual, below)
                        ),
                    )
                )
                if partner is not None:
                    cases.append(
                        replace(
                            case,
                            partner=replace(partner, employed_earnings=_pence_at(base.aet_couple, below)),
                        )
                    )
                    cases.append(
                        replace(
                            case,
                            partner=replace(partner, employed_earnings=_pence_at(base.cet_household, below)),
                        )
                    )
    assert assert_same(insert_cases(cases)) >= len(cases)


def test_an_ap_with_no_thresholds_in_force_is_not_decided() -> None:
    placed = insert_cases([Case(start=date(2021, 6, 1), claimant=Person(date(1990, 1, 1), D(100)))])
    assert sql_rows(placed) == {}


@st.composite
def case_batches(draw) -> list[Case]:
    seed = draw(st.integers(min_value=0, max_value=2**32 - 1))
    size = draw(st.integers(min_value=1, max_value=12))
    rng = random.Random(seed)
    tables = rate_tables()
    return [random_case(rng, tables) for _ in range(size)]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=case_batches())
def test_hypothesis_batches_match_the_engine(batch: list[Case]) -> None:
    assert_same(insert_cases(batch))
