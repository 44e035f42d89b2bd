"""Demo data for the team dashboards (a ``DEMO_BUILDERS`` entry, after claimants and appointments): one absent
coach in Birmingham team A with a covering colleague, a district leader for Mercia, a few overdue commitments
and moves between coaches, then the nightly summaries, so ``leader.birmingham.a`` sees a lively dashboard."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone
from faker import Faker

from appointments.cover import appointments_cover
from iwp.dashboards.services import refresh_coach_figures
from iwp.dashboards.summaries import refresh_dashboard_summaries
from iwp.demo import DemoResult, _staff
from iwp.models import AbsenceKind, CoachAbsence, Role, StaffMember


def build(faker: Faker, rng: random.Random, result: DemoResult) -> None:
    today = timezone.localdate()
    leader = StaffMember.objects.select_related("team", "jobcentre").get(username="leader.birmingham.a")
    # coach1 is the login the README offers for a work coach's day: never the absent one (their diary would
    # be empty, its appointments moved to the colleague covering).
    coaches = list(
        StaffMember.objects.filter(team=leader.team, role=Role.WORK_COACH)
        .exclude(username="coach1")
        .order_by("pk")
    )
    if len(coaches) >= 2:
        absent, cover = coaches[0], coaches[1]
        CoachAbsence.objects.create(
            coach=absent,
            kind=AbsenceKind.SICKNESS,
            starts_on=today,
            ends_on=today + dt.timedelta(days=4),
            covered_by=cover,
            note="Phoned in sick",
            recorded_by=leader,
        )
        # The absent coach's booked appointments in the absence move to the colleague's diary.
        appointments_cover(
            coach=absent,
            covered_by=cover,
            first_day=today,
            last_day=today + dt.timedelta(days=4),
            actor=leader,
        )
        CoachAbsence.objects.create(
            coach=coaches[-1],
            kind=AbsenceKind.HOLIDAY,
            starts_on=today + dt.timedelta(days=14),
            ends_on=today + dt.timedelta(days=18),
            covered_by=None,
            recorded_by=leader,
        )
    # A district leader for Mercia: a team leader whose dashboard is the whole district.
    _staff(
        faker,
        "leader.mercia",
        Role.TEAM_LEADER,
        jobcentre=leader.jobcentre,
        team=leader.team,
        leads_district=True,
    )
    summary = refresh_dashboard_summaries(today=today)
    refresh_coach_figures()
    result.counts["absences"] = CoachAbsence.objects.count()
    result.counts["dashboard summary rows"] = summary.claimants
