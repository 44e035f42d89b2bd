"""A pinned clock for tests whose claims hold only in office hours.

"Booked for later today" is tomorrow when a run passes 23:30, and "this week" is next week after midnight on a
Sunday: a test that reads the wall clock passes or fails by when CI happens to run it. Tests marked
``office_hours`` run with the clock moved (and ticking) to ``OFFICE_HOURS``; module constants derived from it stay
true for the whole run."""

import datetime as dt
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def coming_wednesday_at_ten(today: dt.date) -> dt.datetime:
    """10:00 London on the first Wednesday after ``today``: a working morning in mid-week, at most a week from the
    real clock, so PostgreSQL's own ``now()`` stays near the tests' clock."""
    days = (2 - today.weekday()) % 7 or 7
    return dt.datetime.combine(today + dt.timedelta(days=days), dt.time(10), tzinfo=LONDON)


# Once per test process, so every module and the clock agree even if the run passes midnight.
OFFICE_HOURS = coming_wednesday_at_ten(dt.datetime.now(LONDON).date())
