"""The office-hours clock (tests/clock.py) is a working Wednesday morning within a week of the real date."""

import datetime as dt
import time

import pytest
from django.utils import timezone

from tests.clock import LONDON, OFFICE_HOURS, coming_wednesday_at_ten


@pytest.mark.parametrize("days", range(14))
def test_the_coming_wednesday_at_ten_is_after_today_and_within_a_week(days: int) -> None:
    today = dt.date(2026, 12, 6) + dt.timedelta(days=days)  # a Sunday, then every weekday twice
    moment = coming_wednesday_at_ten(today)
    assert (moment.weekday(), moment.time(), moment.tzinfo) == (2, dt.time(10), LONDON)
    assert 1 <= (moment.date() - today).days <= 7


@pytest.mark.office_hours
def test_a_test_marked_office_hours_sees_that_morning_and_a_ticking_clock() -> None:
    first = timezone.now()
    assert OFFICE_HOURS <= first < OFFICE_HOURS + dt.timedelta(minutes=5)
    assert timezone.localdate() == OFFICE_HOURS.date()
    time.sleep(0.01)
    assert timezone.now() > first  # ticking: a timeout or a "2 seconds ago" still behaves
