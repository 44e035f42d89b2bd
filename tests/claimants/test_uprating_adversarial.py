"""Hand-built caseloads for the set-based uprating that the random seeds of test_uprating_job.py are unlikely to
hit: each leaves, through the SQL chunks (one claimant a chunk, and the whole caseload in one chunk), exactly the
history rows (every row, replaced ones too, in order) and claimant rows that claimant_recalculate leaves."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction

from claimants.models import AetParameter, Claimant, EarningsRecord, Easement, RegimeAssessment, WageRate
from claimants.regimes import uprating
from claimants.services import claimant_update_facts
from tests.claimants.test_uprating_job import (
    CLAIMANT_FIELDS,
    EVERYTHING,
    FACTS_TODAY,
    ROW_FIELDS,
    UPRATED_FROM,
    _claimant,
    _record,
    _starts,
    _uprate,
    python_path,
    sql_path,
)
from tests.factories import JobcentreFactory, govuk_date

pytestmark = pytest.mark.django_db

D = Decimal
SINGLE = {
    "date_of_birth": date(1990, 1, 1),
    "conditionality_group": "all_work_related_requirements",
    "expected_hours": D(35),
    "minimum_income_floor": False,
    "apprentice": False,
}


# --------------------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------------------


def _person(jobcentre, anchor: int, **overrides) -> Claimant:
    return _claimant(jobcentre, random.Random(anchor), anchor, **{**SINGLE, **overrides})


def _couple(
    jobcentre, anchor: int, main: dict | None = None, other: dict | None = None
) -> tuple[Claimant, Claimant]:
    from claimants.facts.services import facts_first_version

    a = _person(jobcentre, anchor, **(main or {}))
    b = _person(jobcentre, anchor, partner=a, **(other or {}))
    a.partner = b
    a.save(update_fields=["partner"])
    facts_first_version(claimant=a)
    return a, b


def _earn(claimant: Claimant, starts: list[date], pays, **extra) -> None:
    """One current record per start; a pay of None leaves that AP out (a gap)."""
    records = []
    for start, pay in zip(starts, pays, strict=True):
        if pay is None:
            continue
        employed, self_employed, paydays = pay if isinstance(pay, tuple) else (pay, D(0), None)
        records.append(_record(claimant, start, D(str(employed)), D(str(self_employed)), paydays, **extra))
    EarningsRecord.objects.bulk_create(records)


def _change(claimant: Claimant, day: date, **changes) -> None:
    claimant.refresh_from_db()
    claimant_update_facts(claimant=claimant, actor=None, effective_from=day, today=FACTS_TODAY, **changes)


def _state(ids: list[int]) -> tuple[dict, dict]:
    """Every history row of each period (in id order, ids left out) and each claimant row's recalculated fields."""
    rows: dict[tuple, list[tuple]] = {}
    for row in (
        RegimeAssessment.objects.filter(claimant_id__in=ids)
        .order_by("claimant_id", "period_start", "id")
        .values_list(*ROW_FIELDS)
    ):
        rows.setdefault((row[0], row[1]), []).append(row[2:])
    claimants = {
        row[0]: dict(zip(CLAIMANT_FIELDS, row[1:], strict=True))
        for row in Claimant.objects.filter(pk__in=ids).values_list("pk", *CLAIMANT_FIELDS)
    }
    return rows, claimants


def _crossings(ids: list[int]) -> dict[int, set[str]]:
    return {
        pk: {line for line in lines if " → " in line.split(":")[0]}
        for pk, lines in Claimant.objects.filter(pk__in=ids).values_list("pk", "cycling_explanation")
    }


def assert_same(ids: list[int], effective_from: date, chunk_sizes: tuple[int, ...] = (1, 1000)) -> list[dict]:
    """The SQL job with each chunk size (rolled back) against claimant_recalculate; then the per-claimant path is
    left in place, so a later step starts from consistent history."""
    with transaction.atomic():
        python_path(ids, effective_from)
        expected_rows, expected_claimants = _state(ids)
        expected_crossings = _crossings(ids)
        transaction.set_rollback(True)
    infos = []
    for size in chunk_sizes:
        with transaction.atomic():
            info = sql_path(effective_from, chunk_size=size)
            rows, claimants = _state(ids)
            crossings = _crossings(ids)
            transaction.set_rollback(True)
        differing_rows = {
            key: {"sql": rows.get(key), "python": expected_rows.get(key)}
            for key in sorted(rows.keys() | expected_rows.keys())
            if rows.get(key) != expected_rows.get(key)
        }
        assert not differing_rows, (size, list(differing_rows.items())[:4])
        differing = {
            pk: {
                name: (claimants[pk][name], expected_claimants[pk][name])
                for name in CLAIMANT_FIELDS
                if claimants[pk][name] != expected_claimants[pk][name]
            }
            for pk in expected_claimants
            if claimants[pk] != expected_claimants[pk]
        }
        assert not differing, (size, differing)
        # The SQL's cycling explanation is a short list by design; each crossing it names is one the engine names.
        for pk, lines in crossings.items():
            assert lines <= expected_crossings[pk], (size, pk, lines, expected_crossings[pk])
        infos.append(info)
    python_path(ids, effective_from)
    return infos


def _hours_cut_pair(first: date, n: int, cuts: tuple[date, date]) -> tuple[Claimant, Claimant]:
    """Two single claimants earning £1,000 in each of n APs anchored on the 10th from ``first``, first calculated,
    then each with their hours cut to 16 from one of ``cuts`` (not recalculated yet)."""
    jobcentre = JobcentreFactory()
    pair = _person(jobcentre, 10), _person(jobcentre, 10)
    for claimant in pair:
        _earn(claimant, _starts(first, n, 10), [1000] * n)
    python_path([claimant.pk for claimant in pair], EVERYTHING)
    for claimant, day in zip(pair, cuts, strict=True):
        _change(claimant, day, expected_hours=D(16), expected_hours_reason="caring")
    return pair


def _wage_rates_from(day: date, uplift: Decimal, *, apprentice: bool = True) -> None:
    """New wage rates from ``day``: the rows in force the day before, each ``uplift`` higher (without an apprentice
    row when ``apprentice`` is false, so the apprentice rate in force before carries on)."""
    latest = WageRate.objects.filter(effective_from__lt=day).latest("effective_from").effective_from
    rows = WageRate.objects.filter(effective_from=latest)
    if not apprentice:
        rows = rows.exclude(band="apprentice")
    WageRate.objects.bulk_create(
        WageRate(effective_from=day, band=r.band, min_age=r.min_age, max_age=r.max_age, rate=r.rate + uplift)
        for r in rows
    )


def _rows(claimant: Claimant) -> list[tuple]:
    return list(
        RegimeAssessment.objects.current()
        .filter(claimant=claimant)
        .order_by("period_start")
        .values_list("period_start", "regime", "cause")
    )


# --------------------------------------------------------------------------------------------------------------
# Couples
# --------------------------------------------------------------------------------------------------------------


def test_couple_split_across_chunks_with_the_partners_facts_changing_mid_window() -> None:
    """A joint claim whose two sides fall in different chunks (a claimant between them), the partner's hours cut the
    day after an AP starts, the main claimant's group changed on an AP's first day, and an AP where the partner has
    no record; first calculated, then uprated from 1 November 2025."""
    jobcentre = JobcentreFactory()
    a = _person(jobcentre, 10)
    filler = _person(jobcentre, 10)
    b = _person(jobcentre, 10, partner=a, date_of_birth=date(2004, 12, 9))  # 21 on an AP's last day
    a.partner = b
    a.save(update_fields=["partner"])
    from claimants.facts.services import facts_first_version

    facts_first_version(claimant=a)
    starts = _starts(date(2024, 11, 10), 17, 10)
    _earn(
        a, starts, [800, 900, 1000, 700, 1600, 1200, 500, 760, 1000, 1100, 640, 0, 950, 1534, 1060, 980, 1300]
    )
    _earn(b, starts, [600, 0, 700, 800, 100, None, 900, 780, 600, 500, 1000, 900, None, 0, 580, 700, 300])
    _earn(filler, starts, [952.38 if i % 2 else 1058.2 for i in range(17)])
    _change(b, date(2025, 8, 11), expected_hours=D(16), expected_hours_reason="caring")
    _change(a, date(2025, 12, 10), conditionality_group="work_preparation")
    _change(b, date(2026, 1, 11), apprentice=True)
    ids = [a.pk, filler.pk, b.pk]
    assert_same(ids, EVERYTHING)
    _uprate()
    assert_same(ids, UPRATED_FROM)
    # The partner's hours cut the day after an AP started count from the next AP, in both sides' rows.
    cets = dict(
        RegimeAssessment.objects.current()
        .filter(claimant=a, period_start__in=[date(2025, 8, 10), date(2025, 9, 10)])
        .values_list("period_start", "cet_partner")
    )
    assert cets[date(2025, 8, 10)] > cets[date(2025, 9, 10)]


def test_partner_whose_own_aps_end_before_the_change_is_recalculated_with_the_household() -> None:
    """claimant_recalculate decides the partner with the claimant even when the partner has no AP from the change on
    (the SQL does not reach them): with consistent history that must change nothing of theirs."""
    jobcentre = JobcentreFactory()
    a, b = _couple(jobcentre, 20)
    starts = _starts(date(2024, 11, 20), 16, 20)
    _earn(a, starts, [700, 1000, 650, 1100, 900, 1200, 700, 1000, 650, 1100, 900, 1200, 980, 1040, 1500, 600])
    _earn(b, starts[:10], [400, 0, 800, 700, 0, 1600, 300, 0, 900, 200])
    ids = [a.pk, b.pk]
    assert_same(ids, EVERYTHING)
    _uprate()
    assert_same(ids, UPRATED_FROM)


def test_a_couple_forming_and_separating_part_way_through_the_window() -> None:
    """One couple forms on an AP's first day and separates the day after another AP starts; a second forms the day
    after an AP starts, after the change. The cause of a move at the forming is a circumstance."""
    jobcentre = JobcentreFactory()
    a = _person(jobcentre, 10)
    b = _person(jobcentre, 10, expected_hours=D(25))
    c = _person(jobcentre, 10)
    d = _person(jobcentre, 10, conditionality_group="work_focused_interview")
    starts = _starts(date(2024, 11, 10), 17, 10)
    _earn(
        a,
        starts,
        [1000, 1000, 900, 800, 1000, 1100, 700, 1500, 960, 1000, 1000, 1000, 900, 1200, 1400, 1000, 0],
    )
    _earn(b, starts, [500, 600, 700, 200, 0, 0, 900, 800, 100, 100, 300, 400, 500, 600, 700, 800, 900])
    _earn(
        c,
        starts,
        [
            952.38,
            952.37,
            1058.2,
            1058.19,
            0,
            1851.85,
            1851.84,
            1000,
            1000,
            1000,
            1000,
            1000,
            1000,
            1000,
            1000,
            1000,
            1000,
        ],
    )
    _earn(d, starts, [0] * 12 + [1200, 1200, 1200, 1200, 1200])
    _change(a, date(2025, 6, 10), partner=b)
    _change(a, date(2025, 10, 11), partner=None)
    _change(c, date(2025, 12, 11), partner=d)
    ids = [a.pk, b.pk, c.pk, d.pk]
    assert_same(ids, EVERYTHING)
    _uprate()
    assert_same(ids, UPRATED_FROM)
    causes = {cause for _start, _regime, cause in _rows(a)}
    assert "circumstance" in causes or "earnings" in causes


def test_a_partner_not_eligible_for_uc_at_the_household_thresholds_to_the_penny() -> None:
    """Partners not eligible for UC: one with no date of birth recorded (the claimant's is used), earnings exactly at
    the household CET and the couple AET, a penny under, and self-employed earnings recorded as nothing."""
    jobcentre = JobcentreFactory()
    starts = _starts(date(2025, 4, 15), 14, 15)
    ids = []
    for dob, partner_pay in ((date(1975, 3, 3), D("1851.86")), (None, D("1851.85"))):
        claimant = _person(jobcentre, 15, has_non_uc_partner=True, non_uc_partner_date_of_birth=dob)
        ids.append(claimant.pk)
        records = []
        for i, start in enumerate(starts):
            own = [D("1851.84"), D("800.00"), D("0.00"), D("1851.84")][i % 4]
            partner = [partner_pay, D("734.39"), D("0.00"), D("734.38")][i % 4]
            records.append(
                _record(
                    claimant,
                    start,
                    own,
                    D(0),
                    None,
                    non_uc_partner_employed=partner,
                    non_uc_partner_self_employed=None if i % 3 else D("0.01"),
                )
            )
        EarningsRecord.objects.bulk_create(records)
    # A partner not eligible for UC moves out on an AP's first day and another moves in the day after one starts.
    _change(
        Claimant.objects.get(pk=ids[0]),
        date(2025, 11, 15),
        has_non_uc_partner=False,
        non_uc_partner_date_of_birth=None,
    )
    _change(
        Claimant.objects.get(pk=ids[0]),
        date(2026, 1, 16),
        has_non_uc_partner=True,
        non_uc_partner_date_of_birth=date(1999, 1, 16),
    )
    assert_same(ids, EVERYTHING)
    _uprate()
    assert_same(ids, UPRATED_FROM)


# --------------------------------------------------------------------------------------------------------------
# Facts, easements, birthdays, the Minimum Income Floor
# --------------------------------------------------------------------------------------------------------------


def test_facts_version_from_an_aps_first_day_against_the_day_after() -> None:
    """Hours cut to 16 from an AP's first day (it applies to that AP) and from the day after (it applies from the
    next AP), after the first calculation and recalculated, then uprated."""
    first_day, day_after = _hours_cut_pair(date(2024, 12, 10), 16, (date(2025, 12, 10), date(2025, 12, 11)))
    ids = [first_day.pk, day_after.pk]
    assert_same(ids, EVERYTHING)
    _uprate()
    assert_same(ids, UPRATED_FROM)
    regimes = [{s: r for s, r, _c in _rows(c)} for c in (first_day, day_after)]
    assert regimes[0][date(2025, 12, 10)] == "working_enough" != regimes[1][date(2025, 12, 10)]


def test_easements_starting_and_ending_on_ap_boundaries() -> None:
    """Easements that touch an AP on its last day only, on its first day only, end the day before an AP starts,
    and one that covers the change's first AP; earnings that cross the AET either side, so a move's cause is the
    easement."""
    jobcentre = JobcentreFactory()
    starts = _starts(date(2024, 11, 10), 16, 10)
    pays = [700, 1000, 650, 1100, 900, 1200, 700, 1000, 650, 1100, 900, 1200, 1000, 700, 1100, 600]
    spans = [
        (date(2025, 12, 9), date(2025, 12, 9)),  # the November 2025 AP's last day
        (date(2025, 12, 20), date(2026, 1, 10)),  # December's and January's first day
        (date(2025, 9, 1), date(2025, 10, 9)),  # ends the day before the October AP
        (date(2025, 10, 25), date(2025, 11, 10)),  # October and the change's first AP
    ]
    ids = []
    for starts_on, ends_on in spans:
        claimant = _person(jobcentre, 10)
        _earn(claimant, starts, pays)
        Easement.objects.create(claimant=claimant, kind="temporary", starts_on=starts_on, ends_on=ends_on)
        ids.append(claimant.pk)
    assert_same(ids, EVERYTHING)
    _uprate()
    assert_same(ids, UPRATED_FROM)
    # An easement added after the first calculation, ending on the change's first day, recalculated, then uprated.
    Easement.objects.create(
        claimant_id=ids[2], kind="temporary", starts_on=date(2025, 10, 10), ends_on=date(2025, 11, 10)
    )
    python_path(ids, EVERYTHING)
    assert_same(ids, UPRATED_FROM)


def test_birthdays_on_an_aps_last_day_cross_a_wage_band() -> None:
    """21 on the AP's last day (the adult rate for that AP) against 21 the day after (the next AP), 18 likewise, and
    29 February births (18 on 1 March in a common year) with APs anchored on the 1st and the 31st."""
    jobcentre = JobcentreFactory()
    starts10 = _starts(date(2024, 12, 10), 16, 10)
    people = []
    for dob, pay in (
        (date(2004, 12, 9), 1600),  # 21 on 9 December 2025, the last day of the AP from 10 November
        (date(2004, 12, 10), 1600),  # 21 on the first day of the next AP
        (date(2007, 12, 9), 1300),  # 18 on an AP's last day
        (date(2007, 12, 10), 1300),
    ):
        claimant = _person(jobcentre, 10, date_of_birth=dob)
        _earn(claimant, starts10, [pay] * 16)
        people.append(claimant)
    for anchor, first in ((1, date(2025, 1, 1)), (31, date(2025, 1, 31))):
        claimant = _person(jobcentre, anchor, date_of_birth=date(2008, 2, 29))
        _earn(claimant, _starts(first, 16, anchor), [1300] * 16)
        people.append(claimant)
    ids = [p.pk for p in people]
    assert_same(ids, EVERYTHING)
    _uprate()
    assert_same(ids, UPRATED_FROM)
    on_last_day = {s: r for s, r, _c in _rows(people[0])}
    day_after = {s: r for s, r, _c in _rows(people[1])}
    assert (
        on_last_day[date(2025, 11, 10)] == "light_touch" and day_after[date(2025, 11, 10)] == "working_enough"
    )


def test_the_minimum_income_floor_with_self_employment_switched_part_way() -> None:
    """A self-employed claimant under the Minimum Income Floor, taken off it the day after an AP starts; another
    self-employed without it whose self-employed earnings count to the CET but not the AET; and one put on the
    floor on an AP's first day after the change."""
    jobcentre = JobcentreFactory()
    starts = _starts(date(2024, 11, 5), 16, 5)
    mif = _person(jobcentre, 5, minimum_income_floor=True)
    plain = _person(jobcentre, 5, self_employed=True)
    later = _person(jobcentre, 5, self_employed=True)
    pays = [
        (0, 400, None),
        (300, 1600, None),
        (960, 0, 4),
        (900, 960, None),
        (0, 0, None),
        (1100, 800, None),
    ] * 3
    for claimant in (mif, plain, later):
        _earn(claimant, starts, pays[:16])
    _change(mif, date(2025, 7, 6), minimum_income_floor=False)
    _change(later, date(2025, 12, 5), minimum_income_floor=True)
    ids = [mif.pk, plain.pk, later.pk]
    assert_same(ids, EVERYTHING)
    _uprate()
    assert_same(ids, UPRATED_FROM)


# --------------------------------------------------------------------------------------------------------------
# Windows: gaps, more than 24 APs, thresholds changing inside the window
# --------------------------------------------------------------------------------------------------------------


def test_gaps_around_the_change_and_windows_longer_than_24_aps() -> None:
    """A missing AP just before the change, the change's own AP missing, a gap in a 30-AP record (the window is its
    last 24, from a later AP than the first), and exactly 24 and 25 APs."""
    jobcentre = JobcentreFactory()
    people = []
    cases = [
        (date(2024, 11, 10), 16, {date(2025, 10, 10)}),
        (date(2024, 11, 10), 16, {date(2025, 11, 10)}),
        (date(2024, 1, 10), 30, {date(2024, 6, 10), date(2025, 3, 10)}),
        (date(2024, 1, 10), 24, set()),
        (date(2023, 12, 10), 25, set()),
    ]
    pattern = [700, 1000, 650, 1100, 900, 1200, 930, 960, 1060, 1040, 0, 1851.85]
    for first, n, missing in cases:
        claimant = _person(jobcentre, 10)
        starts = _starts(first, n, 10)
        _earn(claimant, starts, [None if s in missing else pattern[i % 12] for i, s in enumerate(starts)])
        people.append(claimant)
    ids = [p.pk for p in people]
    assert_same(ids, EVERYTHING)
    _uprate()
    assert_same(ids, UPRATED_FROM)


def test_an_uprating_effective_mid_ap_with_two_aet_rows_and_a_wage_change_in_the_window() -> None:
    """The AET changes on 17 November 2025 and again on 3 February 2026, and the wage rates on 20 January 2026: none
    of them an AP's first day for claimants anchored on the 10th, the 1st and the 31st (an AP starts on a change's
    day only for the one anchored on the 17th). Each AP takes the rows in force on its first day."""
    jobcentre = JobcentreFactory()
    people = []
    for anchor in (10, 1, 31, 17, 3):
        first = date(2024, 12, min(anchor, 31))
        claimant = _person(jobcentre, anchor)
        pays = [
            1000,
            1058.2,
            1100.01,
            1851.85,
            952.38,
            1058.19,
            1000,
            1600,
            1899,
            1000,
            990,
            1200,
            1000,
            1040,
            1100,
            1000,
        ]
        _earn(claimant, _starts(first, 16, anchor), pays)
        people.append(claimant)
    ids = [p.pk for p in people]
    python_path(ids, EVERYTHING)
    AetParameter.objects.create(
        effective_from=date(2025, 11, 17), single_hours=D(20), couple_hours=D(31), hourly_rate=D("12.21")
    )
    AetParameter.objects.create(
        effective_from=date(2026, 2, 3), single_hours=D(21), couple_hours=D(32), hourly_rate=D("12.52")
    )
    _wage_rates_from(date(2026, 1, 20), D("0.31"))
    assert_same(ids, date(2025, 11, 17))


# --------------------------------------------------------------------------------------------------------------
# History before the change: phase one and phase two
# --------------------------------------------------------------------------------------------------------------


def test_corrected_earnings_then_an_uprating() -> None:
    """Earnings corrected (the old record kept, not current) before and after the change, recalculated, then
    uprated; one correction back to the very figures first recorded."""
    jobcentre = JobcentreFactory()
    starts = _starts(date(2024, 11, 10), 16, 10)
    one, two = _person(jobcentre, 10), _person(jobcentre, 10)
    for claimant in (one, two):
        _earn(
            claimant,
            starts,
            [1000, 1000, 700, 700, 1100, 1100, 900, 900, 1000, 1000, 960, 960, 1070, 1070, 1000, 1000],
        )
    ids = [one.pk, two.pk]
    python_path(ids, EVERYTHING)
    corrections = [
        (one, date(2025, 10, 10), D("1500")),
        (one, date(2025, 12, 10), D("500")),
        (two, date(2025, 3, 10), D("0")),
        (two, date(2025, 3, 10), D("1100")),
    ]
    for claimant, start, pay in corrections:
        EarningsRecord.objects.filter(claimant=claimant, period_start=start, is_current=True).update(
            is_current=False
        )
        _record(claimant, start, pay, D(0), None).save()
    python_path(ids, EVERYTHING)
    _uprate()
    assert_same(ids, UPRATED_FROM)


def test_new_aps_never_calculated_before_and_after_the_change_then_an_uprating() -> None:
    """Calculated once to October 2025, then given APs from November (never calculated) and uprated; another
    claimant whose latest AP moved regime in the old history and stays moved; one who moved just before the
    change; one whose latest AP moved and the uprating moves it back."""
    jobcentre = JobcentreFactory()
    starts = _starts(date(2024, 11, 10), 16, 10)  # to February 2026
    fresh = _person(jobcentre, 10)
    moved_last = _person(jobcentre, 10)
    moved_before = _person(jobcentre, 10)
    moved_back = _person(jobcentre, 10)
    _earn(fresh, starts[:12], [1000] * 12)
    _earn(moved_last, starts, [700] * 15 + [1900])
    _earn(moved_before, starts, [700] * 11 + [1000] * 5)
    _earn(moved_back, starts, [700] * 15 + [1000])
    ids = [fresh.pk, moved_last.pk, moved_before.pk, moved_back.pk]
    python_path(ids, EVERYTHING)
    _earn(fresh, starts[12:], [1000, 700, 1000, 1000])
    _uprate()
    assert_same(ids, UPRATED_FROM)


def test_a_phase_one_claimant_settled_beside_one_handed_over_in_the_same_chunk() -> None:
    """Phase one in one chunk holding a claimant it settles (figures change, no move), one it hands over (a move from
    the change on), one it cannot reach (a first AP after the change, no history) and a couple across both."""
    jobcentre = JobcentreFactory()
    starts = _starts(date(2024, 11, 10), 16, 10)
    settled = _person(jobcentre, 10)
    handed = _person(jobcentre, 10)
    a, b = _couple(jobcentre, 10)
    _earn(settled, starts, [2500] * 16)
    _earn(handed, starts, [1000] * 16)
    _earn(a, starts, [1000, 900, 1200] * 5 + [1000])
    _earn(b, starts, [600, 700, 0] * 5 + [700])
    ids = [settled.pk, handed.pk, a.pk, b.pk]
    python_path(ids, EVERYTHING)
    new = _person(jobcentre, 10)
    _earn(new, _starts(date(2025, 12, 10), 3, 10), [1000, 1100, 700])
    without_earnings = _person(jobcentre, 10)
    ids += [new.pk, without_earnings.pk]
    _uprate()
    infos = assert_same(ids, UPRATED_FROM)
    assert infos[1]["settled"] >= 1


def test_zero_earnings_and_thresholds_to_the_penny() -> None:
    """Zero throughout; and earnings exactly at and a penny under the AET before the uprating (£952.38) and after
    (£1,058.20), the CET (£1,851.85; £1,898.87 as shown after, 35 h x £12.52) and the couple AET (£1,534.39)."""
    jobcentre = JobcentreFactory()
    starts = _starts(date(2025, 4, 10), 12, 10)
    zero = _person(jobcentre, 10)
    _earn(zero, starts, [0] * 12)
    at = _person(jobcentre, 10)
    _earn(
        at,
        starts,
        [
            "952.38",
            "952.37",
            "1851.85",
            "1851.84",
            "1058.20",
            "1058.19",
            "1898.87",
            "1898.86",
            "1898.88",
            "1058.20",
            "952.38",
            "0",
        ],
    )
    a, b = _couple(jobcentre, 10)
    _earn(
        a,
        starts,
        ["800.00", "800.00", "900.00", "900.00", "820.11", "820.10", "1000", "1000", "0", "0", "0", "0"],
    )
    _earn(
        b,
        starts,
        [
            "734.39",
            "734.38",
            "740.21",
            "740.20",
            "820.10",
            "820.10",
            "640.21",
            "640.20",
            "1640.21",
            "1640.20",
            "3703.70",
            "3797.74",
        ],
    )
    ids = [zero.pk, at.pk, a.pk, b.pk]
    python_path(ids, EVERYTHING)
    _uprate()
    assert_same(ids, UPRATED_FROM)


# --------------------------------------------------------------------------------------------------------------
# Periods claimant_recalculate leaves undecided
# --------------------------------------------------------------------------------------------------------------


def test_a_partner_not_eligible_for_uc_who_is_under_16_in_early_aps() -> None:
    """A partner not eligible for UC born 1 June 2010 (16 today, so the date is accepted): claimant_recalculate
    leaves each AP that ends before their 16th birthday undecided (engine._check_person)."""
    jobcentre = JobcentreFactory()
    claimant = _person(jobcentre, 10, has_non_uc_partner=True, non_uc_partner_date_of_birth=date(2010, 6, 1))
    # The AP from 10 April 2026 ends on 9 May (the partner is 15); the one from 10 May ends on 9 June (16).
    _earn(claimant, [date(2026, 4, 10), date(2026, 5, 10)], [1000, 1000], non_uc_partner_employed=D(300))
    assert_same([claimant.pk], EVERYTHING)


def test_a_claimant_who_is_under_16_in_early_aps() -> None:
    """A claimant born 15 March 2010 (16 today): claimant_recalculate leaves each AP that ends before their 16th
    birthday undecided."""
    jobcentre = JobcentreFactory()
    claimant = _person(jobcentre, 10, date_of_birth=date(2010, 3, 15))
    # The AP from 10 February 2026 ends on 9 March (15); the one from 10 March ends on 9 April (16).
    _earn(claimant, [date(2026, 2, 10), date(2026, 3, 10)], [1000, 1000])
    assert_same([claimant.pk], EVERYTHING)


def test_earnings_recorded_before_the_change_whose_recalculation_is_still_pending() -> None:
    """A late record fills a gap before the change (recorded through the service, so the claimant is marked for a
    recalculation that has not run yet), and the uprating runs meanwhile."""
    from claimants.services import claimant_record_earnings

    jobcentre = JobcentreFactory()
    starts = _starts(date(2025, 8, 10), 5, 10)  # August to December 2025
    claimant = _person(jobcentre, 10)
    _earn(claimant, starts, [1000, None, 1000, 1000, 1000])
    python_path([claimant.pk], EVERYTHING)
    claimant_record_earnings(claimant=claimant, period_start=starts[1], employed_earnings=D(1500))
    _uprate()
    preview = uprating.uprating_preview(effective_from=UPRATED_FROM)
    [info, _] = assert_same([claimant.pk], UPRATED_FROM)
    # The preview counts the APs from the change on; the job also writes the AP filled in before it. So the page
    # says how many claimants wait, whose whole history the uprating recalculates.
    assert (preview["waiting"], preview["rows_to_write"], info["rows_written"]) == (1, 2, 3)


def test_a_partners_earnings_recorded_before_the_change_while_their_recalculation_is_pending() -> None:
    """A joint partner's late record fills a gap before the change: only the partner is marked for a
    recalculation, but the record decides the household's AP on the claimant's side too. Phase one must not settle
    the claimant on history that does not have it yet."""
    from claimants.services import claimant_record_earnings

    jobcentre = JobcentreFactory()
    a, b = _couple(jobcentre, 10)
    starts = _starts(date(2025, 8, 10), 5, 10)  # August to December 2025
    _earn(a, starts, [2500] * 5)
    _earn(b, starts, [2500, None, 2500, 2500, 2500])
    python_path([a.pk, b.pk], EVERYTHING)
    claimant_record_earnings(claimant=b, period_start=starts[1], employed_earnings=D(2500))
    a.refresh_from_db()
    assert a.regime_stale_since is None  # only the partner is marked
    _uprate()
    assert (
        uprating.uprating_preview(effective_from=UPRATED_FROM)["waiting"] == 2
    )  # the partner, and through them a
    assert_same([a.pk, b.pk], UPRATED_FROM)


def test_a_joint_partner_who_is_under_16_in_early_aps() -> None:
    """A joint partner born 15 March 2010 (16 today): claimant_recalculate leaves the household's APs that end
    before the partner's 16th birthday undecided, on both sides."""
    jobcentre = JobcentreFactory()
    a, b = _couple(jobcentre, 10, other={"date_of_birth": date(2010, 3, 15)})
    starts = [date(2026, 2, 10), date(2026, 3, 10)]
    _earn(a, starts, [1000, 1000])
    _earn(b, starts, [200, 200])
    assert_same([a.pk, b.pk], EVERYTHING)


def test_a_partner_not_eligible_for_uc_under_16_from_the_change_on_is_left_undecided_by_phase_one() -> None:
    """A single claimant with history, then (from 1 September 2026) a partner not eligible for UC who turns 16 on
    15 October 2026: the AP from 10 September ends before that, so it stays undecided, in phase one of the job
    (classify_floor.sql, which decides only from the change on for a claimant with history before it) and in the
    preview alike."""

    jobcentre = JobcentreFactory()
    claimant = _person(jobcentre, 10)
    starts = _starts(date(2026, 5, 10), 7, 10)  # 10 May to 10 November 2026
    _earn(claimant, starts, [2500] * 7, non_uc_partner_employed=D(300))
    _change(
        claimant,
        date(2026, 9, 1),
        has_non_uc_partner=True,
        non_uc_partner_date_of_birth=date(2010, 10, 15),
    )
    python_path([claimant.pk], EVERYTHING)
    assert date(2026, 9, 10) not in {start for start, _, _ in _rows(claimant)}
    change = date(2026, 9, 10)
    AetParameter.objects.create(
        effective_from=change, single_hours=D(20), couple_hours=D(31), hourly_rate=D("12.71")
    )
    preview = uprating.uprating_preview(effective_from=change, chunk_size=7, workers=1)
    (info, _) = assert_same([claimant.pk], change)
    assert info["settled"] == 1  # phase one decided the claimant, and no move handed them to phase two
    assert preview["periods"] == 2  # 10 October and 10 November, not 10 September
    assert preview["rows_to_write"] == info["rows_written"] == 2


# --------------------------------------------------------------------------------------------------------------
# More boundaries
# --------------------------------------------------------------------------------------------------------------


def test_hours_cut_and_the_uprating_on_the_same_ap() -> None:
    """Hours cut from the first AP the uprating reaches, and from the AP after it: the move's cause is the threshold
    (the previous AP's facts under the new parameters already move) or a circumstance, as the engine says."""
    same, after = _hours_cut_pair(date(2025, 5, 10), 10, (date(2025, 11, 10), date(2025, 12, 10)))
    ids = [same.pk, after.pk]
    python_path(ids, EVERYTHING)
    _uprate()
    assert_same(ids, UPRATED_FROM)


def test_an_uprating_from_an_aps_first_day_against_the_day_before_and_after() -> None:
    """The AET changes on 10 November 2025: the first day of the AP anchored on the 10th, the last day of the AP
    anchored on the 11th (whose next AP takes it) and the second day of the one anchored on the 9th."""
    jobcentre = JobcentreFactory()
    people = []
    for anchor in (9, 10, 11):
        claimant = _person(jobcentre, anchor)
        _earn(
            claimant,
            _starts(date(2025, 5, anchor), 10, anchor),
            [1000, 1058.2, 1058.19, 952.38] * 2 + [1000, 0],
        )
        people.append(claimant)
    ids = [p.pk for p in people]
    python_path(ids, EVERYTHING)
    AetParameter.objects.create(
        effective_from=date(2025, 11, 10), single_hours=D(20), couple_hours=D(31), hourly_rate=D("12.21")
    )
    assert_same(ids, date(2025, 11, 10))


def test_an_apprentice_through_a_wage_date_without_an_apprentice_row() -> None:
    """Wage rates change on 20 January 2026 with no apprentice row on that date: the apprentice rate in force
    before is carried forward; an apprentice until a date mid-window and one from a date mid-window."""
    jobcentre = JobcentreFactory()
    starts = _starts(date(2025, 6, 20), 10, 20)
    always = _person(jobcentre, 20, apprentice=True, date_of_birth=date(2006, 1, 1))
    until = _person(jobcentre, 20, apprentice=True)
    since = _person(jobcentre, 20)
    for claimant in (always, until, since):
        _earn(claimant, starts, [1000, 1200, 1000, 1300, 1000, 1300, 1200, 1100, 1000, 1400])
    _change(until, date(2025, 10, 21), apprentice=False)
    _change(since, date(2025, 12, 20), apprentice=True)
    ids = [always.pk, until.pk, since.pk]
    python_path(ids, EVERYTHING)
    _wage_rates_from(date(2026, 1, 20), D(1), apprentice=False)
    assert_same(ids, date(2026, 1, 20))


def test_a_partner_replaced_by_another_claimant_then_by_one_not_eligible_for_uc() -> None:
    """A joint claim with B, then with C from an AP's first day (no AP without a partner between), then a partner
    not eligible for UC from the day after an AP starts: household kinds 1, 1, 2 with no single AP between, so
    each move's cause is decided by the carried earnings test, not as a couple forming."""
    jobcentre = JobcentreFactory()
    a, b = _couple(jobcentre, 10)
    c = _person(jobcentre, 10, expected_hours=D(20), expected_hours_reason="caring")
    starts = _starts(date(2025, 3, 10), 14, 10)
    _earn(
        a,
        starts,
        [900, 900, 900, 900, 900, 900, 900, 900, 900, 900, 900, 900, 900, 900],
        non_uc_partner_employed=D(700),
    )
    _earn(b, starts, [100, 1500, 100, 1500, 100, 1500, 100, 1500, 100, 1500, 100, 1500, 100, 1500])
    _earn(c, starts, [600] * 14)
    _change(a, date(2025, 8, 10), partner=c)
    _change(
        a,
        date(2026, 1, 11),
        partner=None,
        has_non_uc_partner=True,
        non_uc_partner_date_of_birth=date(1980, 1, 1),
    )
    ids = [a.pk, b.pk, c.pk]
    assert_same(ids, EVERYTHING)
    _uprate()
    assert_same(ids, UPRATED_FROM)


def test_a_date_after_a_rate_change_recorded_since_the_last_uprating_is_refused() -> None:
    """Wage rates change from 1 November 2025 and the AET from 17 November, both recorded after the history was
    calculated. An uprating from 17 November (the AET's date) would trust the history before it and leave the AP
    from 5 November with the old CET, where claimant_recalculate writes the new one: the uprating page refuses that
    date and names the earliest. From 1 November the job leaves what claimant_recalculate leaves, and once a job
    from then has succeeded, 17 November is accepted."""
    from claimants.regimes.views import UpratingForm

    def form(day: date) -> UpratingForm:
        return UpratingForm(
            data={**govuk_date("effective_from", day.isoformat()), "reason": "April uprating"}
        )

    jobcentre = JobcentreFactory()
    claimant = _person(jobcentre, 5)
    _earn(claimant, _starts(date(2025, 9, 5), 4, 5), [2500] * 4)  # 5 September to 5 December 2025
    python_path([claimant.pk], EVERYTHING)
    _wage_rates_from(UPRATED_FROM, D(1))
    AetParameter.objects.create(
        effective_from=date(2025, 11, 17), single_hours=D(20), couple_hours=D(31), hourly_rate=D("12.21")
    )
    refused = form(date(2025, 11, 17))
    assert not refused.is_valid()
    assert refused.errors["effective_from"] == [
        "Recalculate from 1 November 2025 or earlier. No uprating has included the wage rates from 1 November "
        "2025 since they were added, changed or removed, so an uprating from 17 November 2025 would leave the periods in "
        "between with the old figures."
    ]
    assert not form(date(2026, 1, 1)).is_valid()  # both rows then
    assert "the AET from 17 November 2025" in form(date(2026, 1, 1)).errors["effective_from"][0]
    assert form(UPRATED_FROM).is_valid()
    assert_same([claimant.pk], UPRATED_FROM)
    sql_path(UPRATED_FROM)  # a job from 1 November that succeeds (kept)
    assert form(date(2025, 11, 17)).is_valid()


def test_a_claimant_whose_latest_ap_cannot_be_decided() -> None:
    from claimants.models import ClaimantFacts

    jobcentre = JobcentreFactory()
    claimant = _person(jobcentre, 10)
    partner = _person(jobcentre, 10)
    _earn(claimant, [date(2025, 12, 10), date(2026, 1, 10)], [1000, 1000])
    _change(claimant, date(2026, 1, 10), partner=partner)
    ClaimantFacts.objects.filter(claimant=partner).delete()
    assert_same([claimant.pk, partner.pk], EVERYTHING)


def test_the_preview_leaves_out_history_of_periods_it_cannot_decide_now() -> None:
    """History rows of periods from the change on that cannot be decided now (the joint partner's facts removed
    after the history was written) come out of the preview's full join with history on their own
    (uprating_latest_rows.sql): no new regime, so they count nowhere. The preview's counts are the job's, for
    this claimant beside one the change moves."""
    from claimants.models import ClaimantFacts

    jobcentre = JobcentreFactory()
    claimant = _person(jobcentre, 10)
    partner = _person(jobcentre, 10)
    mover = _person(jobcentre, 10)
    starts = [date(2026, 8, 10), date(2026, 9, 10), date(2026, 10, 10)]
    _earn(claimant, starts, [1000] * 3)
    _earn(partner, starts, [300] * 3)
    _earn(mover, starts, [1290] * 3)  # over the AET before the change, under the new one (£1,386.67)
    _change(claimant, date(2026, 8, 10), partner=partner)
    _change(partner, date(2026, 8, 10), partner=claimant)
    python_path([claimant.pk, partner.pk, mover.pk], EVERYTHING)
    change = date(2026, 9, 10)
    assert RegimeAssessment.objects.filter(claimant=claimant, period_start__gte=change).count() == 2
    ClaimantFacts.objects.filter(claimant=partner).delete()
    AetParameter.objects.create(
        effective_from=change, single_hours=D(20), couple_hours=D(31), hourly_rate=D("16")
    )

    for chunk_size in (1, 1000):
        preview = uprating.uprating_preview(effective_from=change, chunk_size=chunk_size, workers=1)
        # The mover's two APs only: the claimant's cannot be decided, nor the partner's (no facts).
        assert preview["periods"] == 2
        assert preview["rows_to_write"] == 2
        assert preview["moving"] == 1
        assert preview["period_moves"] == [{"from": "light_touch", "to": "intensive_work_search", "count": 2}]
    (info, _) = assert_same([claimant.pk, partner.pk, mover.pk], change)
    assert info["rows_written"] == preview["rows_to_write"]


def test_cycling_flags_across_the_change_with_gaps_easements_and_no_requirements() -> None:
    """Cyclers whose crossings run through the change: around the single AET before and after it (marginal), weekly
    pay (5 paydays), a seasonal pattern over two winters, a run broken by a gap right after the change, one by an
    easement on the change's first AP and one by a month with no work-related requirements."""
    jobcentre = JobcentreFactory()
    starts = _starts(date(2024, 10, 10), 17, 10)  # October 2024 to February 2026
    marginal, weekly, seasonal, gap, eased, nwrr = (_person(jobcentre, 10) for _ in range(6))
    _earn(
        marginal,
        starts,
        [930, 960, 935, 970, 940, 980, 930, 1000, 935, 975, 940, 980, 930, 1050, 1060, 1040, 1070],
    )
    paydays = [4, 4, 5] * 6
    _earn(weekly, starts, [(215 * n, 0, n) for n in paydays[:17]])
    _earn(seasonal, starts, [1300 if s.month in (11, 12, 1) else 500 for s in starts])
    cycle = [700, 1100, 650, 1200] * 5
    _earn(gap, starts, [None if s == date(2025, 11, 10) else cycle[i] for i, s in enumerate(starts)])
    _earn(eased, starts, cycle[:17])
    _earn(nwrr, starts, cycle[:17])
    Easement.objects.create(
        claimant=eased, kind="temporary", starts_on=date(2025, 11, 20), ends_on=date(2025, 11, 25)
    )
    _change(nwrr, date(2025, 11, 10), conditionality_group="no_work_related_requirements")
    _change(nwrr, date(2025, 12, 10), conditionality_group="all_work_related_requirements")
    ids = [marginal.pk, weekly.pk, seasonal.pk, gap.pk, eased.pk, nwrr.pk]
    assert_same(ids, EVERYTHING)
    _uprate()
    assert_same(ids, UPRATED_FROM)
    flags = {
        pk: row
        for pk, *row in Claimant.objects.filter(pk__in=ids).values_list(
            "pk", "regime_cycling", "cycling_seasonal", "cycling_marginal", "cycling_pay_cycle"
        )
    }
    assert flags[weekly.pk][3] and flags[seasonal.pk][1] and flags[gap.pk][0]
