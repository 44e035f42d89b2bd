"""Distance travelled on the team dashboard (issue #16): the share of the team's claimants with two or more
self-assessments in the last 3 (6) months whose total improved. Each number equals the caseload list it links to,
a self-assessment recounts the coach's figures once it commits, and the page's queries do not grow."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from claimants.models import SelfAssessment
from claimants.progression import rules
from claimants.progression.services import self_assessment_record
from iwp.dashboards.services import refresh_coach_figures
from tests.iwp.figures_check import figure, figures_match_lists
from tests.iwp.team import claimant_of

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def assessed(claimant, coach, *history: tuple[int, int]) -> None:
    """Self-assessments (days ago, total) for a claimant."""
    for days_ago, total in history:
        SelfAssessment.objects.create(
            claimant=claimant,
            assessed_on=TODAY - dt.timedelta(days=days_ago),
            scores={},
            total=total,
            recorded_by=coach,
        )


@pytest.fixture
def histories(coach_a, coach_b):
    assessed(claimant_of(coach_a), coach_a, (80, 12), (10, 20))  # improved over 3 and 6 months
    assessed(claimant_of(coach_a), coach_a, (150, 10), (80, 20), (10, 14))  # fell over 3, rose over 6
    assessed(claimant_of(coach_a), coach_a, (150, 10), (10, 14))  # only one in 3 months; rose over 6
    assessed(claimant_of(coach_a), coach_a, (10, 14))  # only one at all
    claimant_of(coach_a)  # none
    assessed(claimant_of(coach_b), coach_b, (60, 20), (5, 20))  # no change
    refresh_coach_figures()


def tile(client, **params) -> dict[str, dict]:
    page = client.get(reverse("iwp:team_dashboard"), params)
    distance = next(t for t in page.context["tiles"] if t["key"] == "distance")
    return {item["key"]: item for item in distance["items"]}


def test_the_team_figure_is_the_share_improved_among_those_assessed_twice(leader_client, coach_a, histories):
    items = tile(leader_client)
    assert (items["distance_assessed_3m"]["value"], items["distance_improved_3m"]["value"]) == (3, 1)
    assert items["distance_improved_3m"]["percent"] == 33
    assert (items["distance_assessed_6m"]["value"], items["distance_improved_6m"]["value"]) == (4, 3)
    assert items["distance_improved_6m"]["percent"] == 75
    mine = tile(leader_client, coach=coach_a.pk)
    assert (mine["distance_assessed_3m"]["value"], mine["distance_improved_6m"]["value"]) == (2, 3)
    html = leader_client.get(reverse("iwp:team_dashboard")).content.decode()
    assert "Distance travelled" in html and "(33%)" in html


def test_each_distance_number_equals_the_list_it_links_to(leader_client, coach_a, coach_b, histories):
    assert figures_match_lists(leader_client) >= 4
    assert figures_match_lists(leader_client, {"coach": coach_a.pk}) >= 4
    listing = leader_client.get(reverse("claimants:caseload"), {"show": "distance_improved_6m"})
    assert listing.context["page"].paginator.count == 3


def test_a_self_assessment_recounts_the_figure_once_it_commits(
    leader_client, coach_a, django_capture_on_commit_callbacks
):
    claimant = claimant_of(coach_a)
    assessed(claimant, coach_a, (30, 12))
    refresh_coach_figures()
    assert figure(leader_client, "distance_improved_3m", coach=coach_a.pk) == 0
    with django_capture_on_commit_callbacks(execute=True):
        self_assessment_record(
            claimant=claimant, actor=coach_a, assessed_on=TODAY, scores={q.key: 4 for q in rules.QUESTIONS}
        )
    assert figure(leader_client, "distance_improved_3m", coach=coach_a.pk) == 1
    assert figure(leader_client, "distance_assessed_3m", coach=coach_a.pk) == 1


def test_the_dashboard_queries_do_not_grow_with_self_assessments(leader_client, coach_a):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert leader_client.get(reverse("iwp:team_dashboard")).status_code == 200
        return len(ctx.captured_queries)

    refresh_coach_figures()
    small = count()
    for n in range(5):
        assessed(claimant_of(coach_a), coach_a, (80, 10 + n), (5, 12 + n))
    refresh_coach_figures()
    assert count() == small
