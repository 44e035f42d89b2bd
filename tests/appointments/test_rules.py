"""The booking rules, the next-date suggestion and the status registry: pure, table-driven, plus properties."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appointments import rules
from appointments.rules import (
    BookingRequest,
    BusyInterval,
    ClaimantCalendar,
    GoodReason,
    Interval,
    IssueCode,
    OutcomeFacts,
    Severity,
    Status,
    WeeklyBusyTime,
    check_booking,
    suggest_next_appointment,
    transition_problems,
)

LONDON = ZoneInfo("Europe/London")
NOW = dt.datetime(2025, 6, 2, 9, 0, tzinfo=LONDON)  # a Monday
H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)


def at(y, m, d, hh=10, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=LONDON)


def codes(check):
    return [i.code for i in check.issues]


def request(starts_at, length=30, coach=1, usual=1, consent=False):
    return BookingRequest(
        starts_at=starts_at,
        length_minutes=length,
        coach_id=coach,
        coach_name="Sam Coach",
        usual_coach_id=usual,
        usual_coach_name="Uma Usual",
        short_notice_consent=consent,
    )


# --- Notice -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ahead", "consent", "minimum", "expected"),
    [
        (72 * H, False, 48, []),
        (48 * H, False, 48, []),  # exactly the minimum is enough
        (48 * H - M, False, 48, [IssueCode.SHORT_NOTICE]),
        (24 * H, False, 48, [IssueCode.SHORT_NOTICE]),
        (24 * H, True, 48, []),  # consent recorded
        (1 * H, True, 48, []),
        (30 * H, False, 24, []),  # the minimum is configurable
        (20 * H, False, 24, [IssueCode.SHORT_NOTICE]),
        (-1 * H, True, 48, [IssueCode.IN_THE_PAST]),  # consent cannot book the past
        (dt.timedelta(0), False, 48, [IssueCode.IN_THE_PAST]),
    ],
)
def test_notice(ahead, consent, minimum, expected):
    check = check_booking(
        request(NOW + ahead, consent=consent), now=NOW, claimant=ClaimantCalendar(), min_notice_hours=minimum
    )
    assert codes(check) == expected
    assert all(i.severity == Severity.BLOCK for i in check.issues)


def test_short_notice_message_says_how_far_away_and_what_to_do():
    check = check_booking(request(NOW + 24 * H), now=NOW, claimant=ClaimantCalendar())
    assert check.notice_hours == 24
    (issue,) = check.blocks
    assert "only 24 hours away" in issue.message
    assert "48 hours' notice" in issue.message
    assert "record that the claimant agreed" in issue.message


@given(
    seconds=st.integers(min_value=-5 * 86400, max_value=5 * 86400),
    consent=st.booleans(),
    minimum=st.integers(min_value=1, max_value=96),
)
def test_notice_boundary_property(seconds, consent, minimum):
    starts = NOW + dt.timedelta(seconds=seconds)
    check = check_booking(
        request(starts, consent=consent), now=NOW, claimant=ClaimantCalendar(), min_notice_hours=minimum
    )
    assert (IssueCode.IN_THE_PAST in codes(check)) == (seconds <= 0)
    short = 0 < seconds < minimum * 3600 and not consent
    assert (IssueCode.SHORT_NOTICE in codes(check)) == short
    assert check.can_book() == (seconds >= minimum * 3600 or (seconds > 0 and consent))


# --- Diary overlaps ---------------------------------------------------------------------------------------

EXISTING = BusyInterval(Interval.of(at(2025, 6, 9, 10, 0), 30), "10:00 Jo Bloggs")


@pytest.mark.parametrize(
    ("start", "length", "overlaps"),
    [
        (at(2025, 6, 9, 10, 0), 30, True),  # same slot
        (at(2025, 6, 9, 9, 45), 30, True),  # runs into it
        (at(2025, 6, 9, 10, 15), 10, True),  # inside it
        (at(2025, 6, 9, 9, 0), 60, False),  # ends as it starts: back to back
        (at(2025, 6, 9, 9, 30), 60, True),  # covers it
        (at(2025, 6, 9, 10, 30), 30, False),  # starts as it ends
        (at(2025, 6, 10, 10, 0), 30, False),  # another day
    ],
)
def test_coach_diary_overlap_blocks(start, length, overlaps):
    check = check_booking(
        request(start, length), now=NOW, claimant=ClaimantCalendar(), coach_diary=[EXISTING]
    )
    assert (IssueCode.COACH_OVERLAP in codes(check)) == overlaps
    if overlaps:
        assert check.blocks[0].code == IssueCode.COACH_OVERLAP
        assert "Sam Coach already has an appointment then (10:00 Jo Bloggs" in check.blocks[0].message


def test_claimant_double_booking_blocks():
    calendar = ClaimantCalendar(
        other_appointments=(BusyInterval(EXISTING.interval, "Work search review with Al"),)
    )
    check = check_booking(request(at(2025, 6, 9, 10, 15)), now=NOW, claimant=calendar)
    assert codes(check) == [IssueCode.CLAIMANT_OVERLAP]
    assert not check.can_book(
        confirmed_keys=[i.key for i in check.issues]
    )  # a block cannot be confirmed away


starts = st.datetimes(
    min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2026, 12, 31), timezones=st.just(dt.UTC)
)
lengths = st.sampled_from(rules.LENGTHS)


@given(a=starts, la=lengths, b=starts, lb=lengths)
def test_overlap_is_symmetric(a, la, b, lb):
    ia, ib = Interval.of(a, la), Interval.of(b, lb)
    assert ia.overlaps(ib) == ib.overlaps(ia)
    # And so is the rule: booking A against a diary holding B blocks exactly when booking B against A does.
    now = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    ab = check_booking(
        request(a, la), now=now, claimant=ClaimantCalendar(), coach_diary=[BusyInterval(ib, "B")]
    )
    ba = check_booking(
        request(b, lb), now=now, claimant=ClaimantCalendar(), coach_diary=[BusyInterval(ia, "A")]
    )
    assert (IssueCode.COACH_OVERLAP in codes(ab)) == (IssueCode.COACH_OVERLAP in codes(ba)) == ia.overlaps(ib)


# --- Working pattern, caring and provision clashes -------------------------------------------------------

MONDAY_SHIFT = WeeklyBusyTime(0, dt.time(9), dt.time(17), "work", "Tesco Extra")
TUESDAY_SCHOOL_RUN = WeeklyBusyTime(1, dt.time(15), dt.time(15, 45), "caring", "school pick-up")
MONDAY_NIGHTS = WeeklyBusyTime(0, dt.time(0), dt.time(6), "work", "night shift")


@pytest.mark.parametrize(
    ("start", "length", "expected"),
    [
        (at(2025, 6, 9, 10, 0), 30, [IssueCode.WORK_CLASH]),
        (at(2025, 6, 9, 8, 30), 30, []),  # ends as the shift starts
        (at(2025, 6, 9, 16, 45), 30, [IssueCode.WORK_CLASH]),
        (at(2025, 6, 9, 17, 0), 30, []),
        (at(2025, 6, 10, 10, 0), 30, []),  # Tuesday
        (at(2025, 6, 10, 14, 30), 30, []),
        (at(2025, 6, 10, 14, 45), 30, [IssueCode.CARING_CLASH]),
        (at(2025, 6, 8, 23, 30), 60, [IssueCode.WORK_CLASH]),  # Sunday night into Monday's night shift
    ],
)
def test_weekly_clashes_warn(start, length, expected):
    calendar = ClaimantCalendar(busy_times=(MONDAY_SHIFT, TUESDAY_SCHOOL_RUN, MONDAY_NIGHTS))
    check = check_booking(request(start, length), now=NOW, claimant=calendar)
    assert codes(check) == expected
    assert all(i.severity == Severity.WARNING for i in check.issues)


def test_clash_message_names_the_shift():
    calendar = ClaimantCalendar(busy_times=(MONDAY_SHIFT,))
    (issue,) = check_booking(request(at(2025, 6, 9, 10)), now=NOW, claimant=calendar).warnings
    assert (
        issue.message
        == "This clashes with the claimant's work shift on Mondays, 09:00 to 17:00 (Tesco Extra)."
    )


@pytest.mark.parametrize(
    ("utc_start", "clashes"),
    [
        (dt.datetime(2025, 7, 7, 8, 0, tzinfo=dt.UTC), True),  # 09:00 BST: inside the 09:00 shift
        (dt.datetime(2025, 1, 6, 8, 0, tzinfo=dt.UTC), False),  # 08:00 GMT: before it
    ],
)
def test_working_pattern_is_compared_in_london_time(utc_start, clashes):
    calendar = ClaimantCalendar(busy_times=(MONDAY_SHIFT,))
    check = check_booking(request(utc_start), now=utc_start - 100 * H, claimant=calendar)
    assert (IssueCode.WORK_CLASH in codes(check)) == clashes


@given(day=st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2027, 12, 31)))
def test_a_shift_clashes_at_its_local_time_all_year(day):
    monday = day - dt.timedelta(days=day.weekday())
    start = dt.datetime.combine(monday, dt.time(9), tzinfo=LONDON)
    calendar = ClaimantCalendar(busy_times=(WeeklyBusyTime(0, dt.time(9), dt.time(10)),))
    check = check_booking(request(start), now=start - 100 * H, claimant=calendar)
    assert IssueCode.WORK_CLASH in codes(check)


def test_provision_sessions_warn_through_the_extension_point():
    session = BusyInterval(Interval.of(at(2025, 6, 11, 13), 120), "Confidence course at Leeds College")
    calendar = ClaimantCalendar(extra_busy=(session,))
    (issue,) = check_booking(request(at(2025, 6, 11, 14)), now=NOW, claimant=calendar).issues
    assert issue.code == IssueCode.PROVISION_CLASH and issue.severity == Severity.WARNING
    assert "Confidence course at Leeds College" in issue.message


# --- Continuity -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("coach", "usual", "warns"), [(1, 1, False), (2, 1, True), (2, None, False)])
def test_continuity_warning(coach, usual, warns):
    check = check_booking(
        request(at(2025, 6, 9), coach=coach, usual=usual), now=NOW, claimant=ClaimantCalendar()
    )
    assert (IssueCode.NOT_USUAL_COACH in codes(check)) == warns
    if warns:
        assert "not the claimant's usual work coach (Uma Usual)" in check.warnings[0].message


def test_everything_at_once_blocks_first_and_confirmation_covers_only_what_was_seen():
    calendar = ClaimantCalendar(busy_times=(MONDAY_SHIFT,))
    start = at(2025, 6, 3, 10)  # Tuesday, 25 hours away
    check = check_booking(request(NOW + 24 * H, coach=2), now=NOW, claimant=calendar)
    assert codes(check)[0] == IssueCode.SHORT_NOTICE
    check = check_booking(request(at(2025, 6, 9, 10), coach=2, consent=True), now=NOW, claimant=calendar)
    assert codes(check) == [IssueCode.WORK_CLASH, IssueCode.NOT_USUAL_COACH]
    assert not check.can_book()
    assert not check.can_book(confirmed_keys=[check.warnings[0].key])
    assert check.can_book(confirmed_keys=check.warning_keys)
    # Another shift means another key: a confirmation of the Monday shift does not cover it.
    other = check_booking(
        request(start, coach=2),
        now=NOW,
        claimant=ClaimantCalendar(busy_times=(WeeklyBusyTime(1, dt.time(9), dt.time(12)),)),
    )
    assert not other.can_book(confirmed_keys=check.warning_keys)


# --- Suggested next appointment ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("after", "intensity", "busy", "also_busy", "expected"),
    [
        (at(2025, 6, 2, 10), "fortnightly", (), (), at(2025, 6, 16, 10)),
        (at(2025, 6, 2, 10), "eight_weekly", (), (), at(2025, 7, 28, 10)),
        (at(2025, 6, 2, 10), "quarterly", (), (), at(2025, 9, 1, 10)),
        (at(2025, 6, 7, 10), "fortnightly", (), (), at(2025, 6, 23, 10)),  # Saturday → Monday
        (at(2025, 6, 8, 10), "fortnightly", (), (), at(2025, 6, 23, 10)),  # Sunday → Monday
        (at(2025, 6, 2, 10), "fortnightly", (MONDAY_SHIFT,), (), at(2025, 6, 17, 10)),  # all Monday busy
        (
            at(2025, 6, 2, 10),
            "fortnightly",
            (WeeklyBusyTime(0, dt.time(10), dt.time(12)),),
            (),
            at(2025, 6, 16, 9, 30),  # nearest free slot to 10:00
        ),
        (at(2025, 6, 2, 7), "fortnightly", (), (), at(2025, 6, 16, 9)),  # before opening → 09:00
        (
            at(2025, 6, 2, 10),
            "fortnightly",
            (),
            (Interval.of(at(2025, 6, 16, 10), 30),),
            at(2025, 6, 16, 9, 30),
        ),
        (
            at(2025, 3, 24, 10),
            "fortnightly",
            (),
            (),
            at(2025, 4, 7, 10),
        ),  # across the clock change: still 10:00
    ],
)
def test_suggested_next_appointment(after, intensity, busy, also_busy, expected):
    got = suggest_next_appointment(after=after, intensity=intensity, busy_times=busy, also_busy=also_busy)
    assert got == expected
    assert got.astimezone(LONDON).time() == expected.time()


def test_suggestion_falls_back_when_every_weekday_is_busy():
    busy = tuple(WeeklyBusyTime(d, dt.time(8), dt.time(18)) for d in range(5))
    got = suggest_next_appointment(after=at(2025, 6, 2, 10), intensity="fortnightly", busy_times=busy)
    assert got == at(2025, 6, 16, 10)


def test_suggestion_refuses_an_unknown_intensity():
    with pytest.raises(ValueError, match="Unknown support intensity"):
        suggest_next_appointment(after=at(2025, 6, 2), intensity="weekly")


@given(
    after=st.datetimes(
        min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2027, 1, 1), timezones=st.just(LONDON)
    ),
    intensity=st.sampled_from(sorted(rules.INTENSITY_DAYS)),
)
def test_suggestion_is_a_weekday_in_office_hours_after_the_gap(after, intensity):
    got = suggest_next_appointment(after=after, intensity=intensity, busy_times=(TUESDAY_SCHOOL_RUN,))
    local = got.astimezone(LONDON)
    assert local.weekday() < 5
    assert dt.time(9) <= local.time() <= dt.time(16, 30)
    assert local.date() >= after.date() + dt.timedelta(days=rules.INTENSITY_DAYS[intensity])
    assert not rules.weekly_clashes(Interval.of(got, 30), (TUESDAY_SCHOOL_RUN,), LONDON)


# --- Status registry ---------------------------------------------------------------------------------------

STARTED = at(2025, 6, 2, 8, 30)
LATER = at(2025, 6, 2, 11)


@pytest.mark.parametrize(
    ("target", "facts", "fields"),
    [
        (Status.ATTENDED, OutcomeFacts(NOW, STARTED), []),
        (Status.ATTENDED, OutcomeFacts(NOW, LATER), ["outcome"]),  # not started yet
        (Status.LATE, OutcomeFacts(NOW, STARTED), []),
        (Status.FAILED_TO_ATTEND, OutcomeFacts(NOW, STARTED), ["contact_attempt", "good_reason"]),
        (
            Status.FAILED_TO_ATTEND,
            OutcomeFacts(NOW, STARTED, contact_attempts=1, good_reason=GoodReason.NOT_YET_DECIDED),
            ["good_reason"],
        ),
        (
            Status.FAILED_TO_ATTEND,
            OutcomeFacts(
                NOW, STARTED, contact_attempts=1, good_reason=GoodReason.ACCEPTED, good_reason_text=" "
            ),
            ["good_reason"],
        ),
        (
            Status.FAILED_TO_ATTEND,
            OutcomeFacts(
                NOW, STARTED, good_reason=GoodReason.NOT_ACCEPTED, good_reason_text="No reason given"
            ),
            ["contact_attempt"],
        ),
        (
            Status.FAILED_TO_ATTEND,
            OutcomeFacts(
                NOW,
                STARTED,
                contact_attempts=2,
                good_reason=GoodReason.NOT_ACCEPTED,
                good_reason_text="No reason",
            ),
            [],
        ),
        (Status.CANCELLED_BY_CLAIMANT, OutcomeFacts(NOW, LATER), ["cancelled_reason"]),
        (Status.CANCELLED_BY_JOBCENTRE, OutcomeFacts(NOW, LATER, cancelled_reason="Coach off sick"), []),
        (Status.RESCHEDULED, OutcomeFacts(NOW, LATER), ["next_appointment"]),
        (Status.RESCHEDULED, OutcomeFacts(NOW, LATER, replacement_booked=True), []),
    ],
)
def test_guarded_transitions_from_booked(target, facts, fields):
    assert [p.field for p in transition_problems(Status.BOOKED, target, facts)] == fields


@pytest.mark.parametrize("done", [s for s in Status if s != Status.BOOKED])
def test_outcomes_are_final(done):
    for target in Status:
        problems = transition_problems(done, target, OutcomeFacts(NOW, STARTED, cancelled_reason="x"))
        assert [p.field for p in problems] == ["outcome"]
        assert "already recorded as" in problems[0].message


def test_registry_covers_every_status():
    assert set(rules.STATUS_REGISTRY) == set(Status) == set(rules.TRANSITIONS)
    assert Status.BOOKED not in rules.OUTCOME_STATUSES
    assert set(rules.OCCUPYING_STATUSES) == {
        Status.BOOKED,
        Status.ATTENDED,
        Status.LATE,
        Status.FAILED_TO_ATTEND,
    }


def test_interval_needs_aware_times_and_positive_length():
    with pytest.raises(ValueError, match="aware"):
        Interval(dt.datetime(2025, 1, 1), dt.datetime(2025, 1, 2))
    with pytest.raises(ValueError, match="end after"):
        Interval(NOW, NOW)


def test_the_rules_module_is_pure():
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(rules))
    imported = {
        (node.module or "").split(".")[0] if isinstance(node, ast.ImportFrom) else alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported <= {"__future__", "math", "collections", "dataclasses", "datetime", "enum", "zoneinfo"}
