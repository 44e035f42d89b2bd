"""The pure matching rules: regime, age, session-vs-busy clash, reach by postcode area, working days."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from provision import matching
from provision.matching import ClaimantFacts, OfferFacts, Slot

T = dt.time
SHIFT_TUE = Slot(1, T(9), T(17), "work shift (Tesco)")


def test_regime_closed_offer_says_which_regime():
    offer = OfferFacts(regimes=frozenset({"intensive_work_search", "light_touch"}))
    we = ClaimantFacts(regime="working_enough", regime_label="Working Enough")
    assert matching.exclusion_reasons(offer, we) == ["Not available to Working Enough"]
    assert matching.exclusion_reasons(offer, ClaimantFacts(regime="light_touch")) == []


def test_open_to_every_regime_when_empty():
    assert matching.regime_reason(OfferFacts(), ClaimantFacts(regime="working_enough")) is None


def test_age_limits_inclusive():
    offer = OfferFacts(min_age=18, max_age=24)
    assert matching.age_reason(offer, ClaimantFacts(age=18)) is None
    assert matching.age_reason(offer, ClaimantFacts(age=24)) is None
    assert matching.age_reason(offer, ClaimantFacts(age=25)) == "Only for ages 18 to 24 (claimant is 25)"
    assert (
        matching.age_reason(OfferFacts(min_age=50), ClaimantFacts(age=49))
        == "Only for ages 50 and over (claimant is 49)"
    )


def test_session_during_shift_is_excluded_with_both_times():
    offer = OfferFacts(sessions=(Slot(1, T(10), T(15)),))
    reasons = matching.exclusion_reasons(offer, ClaimantFacts(busy=(SHIFT_TUE,)))
    assert reasons == ["Session Tue 10:00–15:00 clashes with work shift (Tesco) Tue 09:00–17:00"]


def test_touching_times_do_not_clash_and_other_days_do_not_clash():
    assert not matching.clash_reasons(
        OfferFacts(sessions=(Slot(1, T(17), T(19)),)), ClaimantFacts(busy=(SHIFT_TUE,))
    )
    assert not matching.clash_reasons(
        OfferFacts(sessions=(Slot(2, T(10), T(15)),)), ClaimantFacts(busy=(SHIFT_TUE,))
    )


def test_self_paced_never_clashes_but_live_online_sessions_do():
    busy = ClaimantFacts(busy=(SHIFT_TUE,))
    assert matching.exclusion_reasons(OfferFacts(self_paced=True, delivery_mode="online"), busy) == []
    live = OfferFacts(delivery_mode="online", sessions=(Slot(1, T(10), T(11)),))
    assert matching.exclusion_reasons(live, busy)[0].startswith("Session Tue 10:00–11:00 clashes")


def test_reach_by_postcode_area_and_neighbours():
    assert matching.within_reach("LS9 8AG", "LS1 3EX") is True
    assert matching.within_reach("LS9 8AG", "BD1 1HY") is True  # neighbouring area
    assert matching.within_reach("LS9 8AG", "B1 1BB") is False
    assert matching.within_reach("", "B1 1BB") is None
    far = OfferFacts(postcode="B1 1BB")
    assert matching.reach_reason(far, ClaimantFacts(postcode="LS9 8AG")).startswith(
        "Not within reach: B1 1BB"
    )
    assert (
        matching.reach_reason(
            OfferFacts(postcode="B1 1BB", delivery_mode="online"), ClaimantFacts(postcode="LS9 8AG")
        )
        is None
    )
    assert matching.reach_reason(far, ClaimantFacts(postcode="")) is None  # cannot tell: not excluded


def test_postcode_area_parsing():
    assert matching.postcode_area("b15 1tr") == "B"
    assert matching.postcode_area("CV1 2GT") == "CV"
    assert matching.postcode_area("nonsense") == ""


def test_full_offer_is_excluded():
    assert "No places left" in matching.exclusion_reasons(OfferFacts(places_left=0), ClaimantFacts())


def test_evening_and_weekend_are_derived():
    assert Slot(1, T(18), T(20)).evening and not Slot(1, T(9), T(12)).evening
    assert Slot(5, T(9), T(12)).weekend and not Slot(4, T(9), T(12)).weekend


def test_working_days_skip_weekends_and_holidays():
    friday = dt.date(2026, 11, 20)
    assert matching.add_working_days(friday, 1) == dt.date(2026, 11, 23)
    assert matching.add_working_days(friday, 10) == dt.date(2026, 12, 4)
    assert matching.add_working_days(friday, 1, holidays=[dt.date(2026, 11, 23)]) == dt.date(2026, 11, 24)


times = st.integers(min_value=0, max_value=46).map(lambda h: T(h // 2, 30 * (h % 2)))


@st.composite
def slots(draw):
    start = draw(times)
    length = draw(st.integers(min_value=1, max_value=48 - (start.hour * 2 + start.minute // 30)))
    end_half = start.hour * 2 + start.minute // 30 + length
    end = T(23, 59) if end_half >= 48 else T(end_half // 2, 30 * (end_half % 2))
    return Slot(draw(st.integers(0, 6)), start, end)


def _minutes(s: Slot) -> set[int]:
    return set(range(s.starts_at.hour * 60 + s.starts_at.minute, s.ends_at.hour * 60 + s.ends_at.minute))


@given(slots(), slots())
def test_clash_is_symmetric_and_matches_minute_overlap(a, b):
    assert a.overlaps(b) == b.overlaps(a)
    assert a.overlaps(b) == (a.weekday == b.weekday and bool(_minutes(a) & _minutes(b)))


@given(st.lists(slots(), max_size=4), st.lists(slots(), max_size=4))
def test_an_offer_fits_exactly_when_no_session_overlaps_any_busy_time(sessions, busy):
    offer, claimant = OfferFacts(sessions=tuple(sessions)), ClaimantFacts(busy=tuple(busy))
    expected = any(s.overlaps(b) for s in sessions for b in busy)
    assert bool(matching.clash_reasons(offer, claimant)) == expected
    assert matching.clash_reasons(OfferFacts(sessions=tuple(sessions), self_paced=True), claimant) == []


@given(st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 1, 1)), st.integers(1, 30))
def test_working_days_land_on_a_weekday_with_exactly_n_weekdays_between(start, n):
    end = matching.add_working_days(start, n)
    assert end.weekday() < 5
    between = [start + dt.timedelta(days=i) for i in range(1, (end - start).days + 1)]
    assert sum(d.weekday() < 5 for d in between) == n
