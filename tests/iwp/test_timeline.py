"""The timeline registry in the core (``iwp.timeline``): what the apps register, the one-line registration of a
function returning event dicts, restricted entries, the cursor that pages through ties, and date bounds."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from appointments.models import AgreedAction, CaseNote
from iwp import timeline
from iwp.timeline import Cursor, TimelineEntry, day_bounds, day_start, read_timeline, registry
from tests.appointments.factories import AppointmentFactory, london
from tests.claimants.factories import ClaimantFactory

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def kinds():
    """Register kinds for one test only."""
    saved = dict(registry.kinds)
    yield registry
    registry.kinds = saved


def test_every_app_registers_its_kinds_in_order():
    assert list(registry.kinds) == [
        "appointments",
        "contact",
        "notes",
        "actions",
        "progression",
        "commitments",
        "referrals",
        "support_fund",
        "handovers",
        "circumstances",
        "facts",
        "regime",
        "earnings",
    ]
    assert registry.choices()[0] == ("appointments", "Appointments")


def test_a_function_of_the_claimant_registers_in_one_line(kinds, db):
    claimant = ClaimantFactory()
    seen = []

    def progression_timeline_events(c):
        seen.append(c)
        return [
            {
                "at": dt.date(2025, 3, 1),
                "kind": "self_assessment",
                "title": "Self-assessment",
                "text": "Score 3",
                "date_prefix": "From",
            },
            {
                "at": dt.datetime(2025, 3, 2, 9, 30),
                "kind": "award",
                "title": "Award",
                "text": "£120 for a course",
            },
            {
                "at": london(2025, 3, 3, 12),
                "kind": "self_assessment",
                "title": "Self-assessment about a refuge",
                "text": "Moved because of abuse",
                "sensitive": True,
            },
        ]

    kinds.add_events("progression", "Progression plan and self-assessments", progression_timeline_events)
    kinds.add_events("awards", "Awards", progression_timeline_events, match="award", position=99)

    page = read_timeline(claimant, None, kinds=["progression", "awards"])
    assert seen == [claimant, claimant]
    assert [(e.kind, e.title, e.at, e.all_day) for e in page.entries] == [
        ("progression", "Restricted information recorded", london(2025, 3, 3, 12), False),
        ("progression", "Award", london(2025, 3, 2, 9, 30), False),  # naive: read as London time
        ("awards", "Award", london(2025, 3, 2, 9, 30), False),
        ("progression", "Self-assessment", day_start(dt.date(2025, 3, 1)), True),
    ]
    assert "abuse" not in page.entries[0].text and page.entries[0].sensitive
    assert page.entries[-1].date_prefix == "From"
    assert page.older is None
    # Filtered by time like any other kind.
    window = read_timeline(
        claimant,
        None,
        kinds=["progression"],
        since=day_start(dt.date(2025, 3, 2)),
        until=london(2025, 3, 3, 0),
    )
    assert [e.title for e in window.entries] == ["Award"]


def test_entries_need_aware_times():
    with pytest.raises(ValueError):
        TimelineEntry(dt.datetime(2025, 1, 1, 9), "notes", "Naive")


def test_a_provider_cannot_file_entries_under_another_kind(kinds, db):
    claimant = ClaimantFactory()
    kinds.add("mine", "Mine", lambda c, u, s, e, n: [TimelineEntry(london(2025, 1, 1), "notes", "Odd")])
    assert [e.kind for e in read_timeline(claimant, None, kinds=["mine"]).entries] == ["mine"]
    assert read_timeline(claimant, None, kinds=["notes"]).entries == []


def _walk(claimant, user, *, limit, **filters):
    entries, cursor, pages = [], None, 0
    while True:
        page = read_timeline(claimant, user, limit=limit, cursor=cursor, **filters)
        entries += page.entries
        pages += 1
        assert len(page.entries) <= limit
        assert pages <= 200, "the cursor does not move on"
        if page.older is None:
            return entries, pages
        cursor = Cursor.parse(page.older.before.isoformat(), str(page.older.skip))
        assert cursor == page.older  # the link's parameters read back as the same cursor


@pytest.mark.parametrize("limit", [1, 2, 3, 4, 7, 100])
def test_pages_of_any_size_tell_everything_once_even_when_times_tie(db, work_coach, limit):
    """Notes, actions and appointments at the very same instants, and actions closed on the same day: walking
    the pages gives exactly the one long list, in its order."""
    claimant = ClaimantFactory(jobcentre=work_coach.jobcentre, coach=work_coach)
    same = [london(2025, 5, 1, 9), london(2025, 5, 1, 9), london(2025, 5, 2, 0), london(2025, 5, 3, 9)]
    for n, at in enumerate(same * 2):
        note = CaseNote.objects.create(claimant=claimant, author=work_coach, text=f"Note {n}")
        CaseNote.objects.filter(pk=note.pk).update(created_at=at)
        action = AgreedAction.objects.create(
            claimant=claimant,
            category="other",
            description=f"Action {n}",
            due_on=dt.date(2025, 6, 1),
            status="done",
            completed_on=dt.date(2025, 5, 2),  # local midnight of 2 May, like one of the notes
            created_by=work_coach,
        )
        AgreedAction.objects.filter(pk=action.pk).update(created_at=at)
        AppointmentFactory(claimant=claimant, coach=work_coach, starts_at=at)
    whole = read_timeline(claimant, work_coach, limit=100).entries
    assert len(whole) == 8 * 4
    walked, pages = _walk(claimant, work_coach, limit=limit)
    assert walked == whole
    assert pages == -(-len(whole) // limit)
    # The same with a filter and a window.
    since, until = london(2025, 5, 1, 9), london(2025, 5, 3, 0)
    filtered = read_timeline(
        claimant, work_coach, kinds=["notes", "actions"], since=since, until=until, limit=100
    )
    assert len(filtered.entries) == 6 * 2 + 8  # 6 notes and 6 actions agreed in the window, 8 actions closed
    walked, _ = _walk(claimant, work_coach, limit=limit, kinds=["notes", "actions"], since=since, until=until)
    assert walked == filtered.entries


def test_a_cursor_reads_back_only_when_it_is_a_real_time():
    assert Cursor.parse("2025-05-01T09:00:00+01:00", "3") == Cursor(london(2025, 5, 1, 9), 3)
    # A "+" in a query string arrives as a space.
    assert Cursor.parse("2025-05-01T09:00:00 01:00", "") == Cursor(london(2025, 5, 1, 9), 0)
    for before, skip in [
        ("", "1"),
        (None, None),
        ("tomorrow", "1"),
        ("2025-05-01T09:00", "1"),
        ("2025-02-30", ""),
    ]:
        assert Cursor.parse(before, skip) is None
    assert Cursor.parse("2025-05-01T09:00:00+00:00", "-4").skip == 0
    assert Cursor.parse("2025-05-01T09:00:00+00:00", "9" * 40).skip == 0


def test_day_bounds_keep_dated_events_inside_the_window():
    assert day_bounds(None, None) == (None, None)
    assert day_bounds(day_start(dt.date(2025, 3, 1)), day_start(dt.date(2025, 3, 5))) == (
        dt.date(2025, 3, 1),
        dt.date(2025, 3, 4),
    )
    # Not at midnight: a dated event (at local midnight) after ``since`` is the next day's; before ``until``
    # it is that day's.
    assert day_bounds(london(2025, 3, 1, 9), london(2025, 3, 5, 9)) == (
        dt.date(2025, 3, 2),
        dt.date(2025, 3, 5),
    )
    # Across the change to summer time (30 March 2025): local days, not UTC ones.
    assert day_bounds(day_start(dt.date(2025, 3, 30)), day_start(dt.date(2025, 3, 31))) == (
        dt.date(2025, 3, 30),
        dt.date(2025, 3, 30),
    )
    assert day_start(dt.date(2025, 7, 1)) == dt.datetime(2025, 7, 1, tzinfo=LONDON)


def test_an_empty_window_asks_no_provider(kinds, db, django_assert_num_queries):
    called = []
    kinds.add("spy", "Spy", lambda *args: called.append(args) or [])
    with django_assert_num_queries(0):
        page = read_timeline(object(), None, since=london(2025, 3, 2), until=london(2025, 3, 1))
    assert page.entries == [] and called == []


def test_the_page_size_is_bounded(kinds, db):
    asked = []
    kinds.add("spy", "Spy", lambda c, u, s, e, n: asked.append(n) or [])
    read_timeline(object(), None, kinds=["spy"], limit=10_000)
    read_timeline(object(), None, kinds=["spy"], limit=-5)
    assert asked == [timeline.MAX_PAGE_ENTRIES + 1, 2]
