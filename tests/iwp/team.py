"""Claimants of a coach, and times in the past: the dashboards' tests and the honest-figures tests share them
(their two coaches, ``coach_a`` and ``coach_b``, are fixtures in ``tests/iwp/conftest.py``)."""

import datetime as dt

from django.utils import timezone

from claimants.models import Claimant
from tests.claimants.factories import ClaimantFactory


def claimant_of(coach, **extra) -> Claimant:
    return ClaimantFactory(jobcentre=coach.jobcentre, coach=coach, **extra)


def past(hours: float) -> dt.datetime:
    return timezone.now().replace(microsecond=0) - dt.timedelta(hours=hours)
