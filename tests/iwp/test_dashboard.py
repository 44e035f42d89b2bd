"""Team leader dashboards (issue #6): who sees what, the figures and their drill-down links, constant query
counts as data grows, the nightly summary, CSV exports, reassignment, absence with cover, team membership."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from appointments.models import GoodReasonDecision
from claimants.models import Claimant, ClaimantCommitment, CoachAssignment, EarningsRecord, RegimeAssessment
from iwp.dashboards.selectors import dashboard_scope, rebalancing_suggestions, team_dashboard
from iwp.dashboards.services import refresh_coach_figures
from iwp.dashboards.summaries import refresh_dashboard_summaries
from iwp.models import AuditEvent, AuditVerb, CoachAbsence, StaffMember
from tests.appointments.factories import AgreedActionFactory, AppointmentFactory
from tests.factories import (
    JobcentreFactory,
    TeamFactory,
    TeamLeaderFactory,
    WorkCoachFactory,
    govuk_date,
)
from tests.iwp.team import claimant_of, past

pytestmark = pytest.mark.django_db

DASHBOARD = "iwp:team_dashboard"


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def work_for(coach, n: int = 1) -> list[Claimant]:
    """Claimants with one of each kind of work behind the dashboard's figures."""
    made = []
    for _ in range(n):
        c = claimant_of(coach, current_regime="intensive_work_search", regime_cycling=True)
        AppointmentFactory(coach=coach, claimant=c, starts_at=past(30))  # unrecorded outcome
        fta = AppointmentFactory(coach=coach, claimant=c, starts_at=past(60), status="failed_to_attend")
        GoodReasonDecision.objects.create(
            appointment=fta, decision="not_yet_decided", decided_by=coach, at=timezone.now()
        )
        AgreedActionFactory(claimant=c, created_by=coach, due_on=timezone.localdate() - dt.timedelta(days=2))
        ClaimantCommitment.objects.create(
            claimant=c,
            version=1,
            status="issued",
            expected_hours=Decimal(35),
            accept_by=timezone.localdate() - dt.timedelta(days=1),
            review_due=timezone.localdate() + dt.timedelta(days=3),
        )
        lt = claimant_of(coach, current_regime="light_touch", iwp_offer_status="eligible")
        AppointmentFactory(coach=coach, claimant=lt, starts_at=past(24 * 20), status="attended")
        made += [c, lt]
    return made


# --- Access ------------------------------------------------------------------------------------------------


def test_coaches_and_progression_leads_cannot_open_the_dashboard(coach_client, lead_client):
    for client in (coach_client, lead_client):
        assert client.get(reverse(DASHBOARD)).status_code == 403
        assert client.get(reverse("iwp:dashboard_export_claimants")).status_code == 403
        assert client.get(reverse("iwp:reassign")).status_code == 403


def test_a_team_leader_sees_their_own_team_only(leader_client, team_leader, coach_a):
    other_team_same_office = TeamFactory(jobcentre=team_leader.jobcentre)
    other_office = TeamFactory()
    page = leader_client.get(reverse(DASHBOARD))
    assert page.status_code == 200
    assert page.context["scope"].team == team_leader.team
    assert [t.pk for t in page.context["scope"].teams] == [team_leader.team_id]
    for team in (other_team_same_office, other_office):
        assert leader_client.get(reverse(DASHBOARD), {"team": team.pk}).status_code == 404
        assert (
            leader_client.get(reverse("iwp:dashboard_export_figures"), {"team": team.pk}).status_code == 404
        )
        assert leader_client.get(reverse("iwp:team_page", args=[team.pk])).status_code == 404
    assert (
        leader_client.get(reverse(DASHBOARD), {"district": team_leader.jobcentre.district_id}).status_code
        == 404
    )
    other_coach = WorkCoachFactory(team=other_team_same_office)
    assert leader_client.get(reverse(DASHBOARD), {"coach": other_coach.pk}).status_code == 404
    assert leader_client.get(reverse("iwp:record_absence", args=[other_coach.pk])).status_code == 404


def test_a_district_leader_sees_every_team_of_the_district_and_no_other(team):
    district = team.jobcentre.district
    sister_office = JobcentreFactory(district=district)
    sister_team = TeamFactory(jobcentre=sister_office)
    elsewhere = TeamFactory()
    WorkCoachFactory(team=sister_team)
    leader = TeamLeaderFactory(team=team, leads_district=True)
    client = client_for(leader)
    page = client.get(reverse(DASHBOARD))
    assert page.status_code == 200
    assert page.context["scope"].team is None and page.context["scope"].district == district
    assert {t.pk for t in page.context["scope"].teams} == {team.pk, sister_team.pk}
    assert client.get(reverse(DASHBOARD), {"team": sister_team.pk}).status_code == 200
    assert client.get(reverse(DASHBOARD), {"team": elsewhere.pk}).status_code == 404
    assert client.get(reverse(DASHBOARD), {"district": elsewhere.jobcentre.district_id}).status_code == 404


def test_administrators_choose_any_district_or_team(admin_client_iwp, team):
    other = TeamFactory()
    page = admin_client_iwp.get(reverse(DASHBOARD), {"district": other.jobcentre.district_id})
    assert page.status_code == 200 and page.context["scope"].district == other.jobcentre.district
    assert admin_client_iwp.get(reverse(DASHBOARD), {"team": team.pk}).status_code == 200
    assert admin_client_iwp.get(reverse(DASHBOARD), {"district": 999999}).status_code == 404


def test_bad_filter_parameters_show_an_error_not_a_500(leader_client):
    page = leader_client.get(reverse(DASHBOARD), {"period": "forever", "coach": "x"})
    assert page.status_code == 200
    assert b"govuk-error-summary" in page.content


# --- Figures and drill-down --------------------------------------------------------------------------------


def test_figures_per_coach_and_team_and_each_links_to_the_claimants_behind_it(
    leader_client, team_leader, coach_a, coach_b
):
    work_for(coach_a, 2)
    work_for(coach_b, 1)
    claimant_of(coach_b, current_regime="working_enough")
    refresh_coach_figures()
    page = leader_client.get(reverse(DASHBOARD))
    board = page.context["board"]
    totals = board.totals
    assert totals["caseload"] == 7
    assert totals["regime_intensive_work_search"] == 3
    assert totals["regime_light_touch"] == 3
    assert totals["regime_working_enough"] == 1
    assert totals["cycling"] == 3
    assert totals["iwp_eligible"] == 3
    assert totals["unrecorded"] == 3
    assert totals["fta_undecided"] == 3
    assert totals["overdue_action_claimants"] == 3
    assert totals["awaiting_acceptance"] == 3 and totals["acceptance_overdue"] == 3
    assert totals["review_due"] == 3
    assert totals["held_3"] == 3 and totals["held_usual_coach_3"] == 3
    by_coach = {r.coach.username: r.counts for r in board.rows}
    assert by_coach["coach.a"]["caseload"] == 4 and by_coach["coach.b"]["caseload"] == 3
    assert by_coach["coach.a"]["unrecorded"] == 2

    # Every linked number leads to a caseload list of exactly that many claimants.
    tiles = page.context["tiles"]
    checked = 0
    for tile in tiles:
        for item in tile["items"]:
            if "url" not in item:
                continue
            listing = leader_client.get(item["url"])
            assert listing.status_code == 200, item
            assert listing.context["page"].paginator.count == item["value"], item["label"]
            checked += 1
    assert checked >= 15
    for row in page.context["coach_rows"]:
        for cell in row["cells"]:
            listing = leader_client.get(cell["url"])
            assert listing.context["page"].paginator.count == cell["value"]
    assert b'data-testid="link-unrecorded"' in page.content


def test_drill_down_links_carry_the_team_or_coach(leader_client, team_leader, coach_a):
    work_for(coach_a)
    refresh_coach_figures()
    page = leader_client.get(reverse(DASHBOARD))
    unrecorded = next(i for t in page.context["tiles"] for i in t["items"] if i["key"] == "unrecorded")
    query = parse_qs(urlsplit(unrecorded["url"]).query)
    assert query == {"team": [str(team_leader.team_id)], "show": ["unrecorded_outcomes"]}
    row = page.context["coach_rows"][0]
    assert f"coach={coach_a.pk}" in row["cells"][3]["url"]


def test_dashboard_query_count_does_not_grow_with_coaches_claimants_or_appointments(
    leader_client, team_leader, coach_a
):
    work_for(coach_a, 1)
    refresh_dashboard_summaries()
    refresh_coach_figures()

    def count(**params) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert leader_client.get(reverse(DASHBOARD), params).status_code == 200
        return len(ctx.captured_queries)

    small = count()
    assert count(columns="all") == small  # every column costs no more queries
    for _ in range(4):
        coach = WorkCoachFactory(team=team_leader.team)
        work_for(coach, 3)
        CoachAbsence.objects.create(
            coach=coach,
            kind="holiday",
            starts_on=timezone.localdate(),
            ends_on=timezone.localdate(),
            recorded_by=team_leader,
        )
    refresh_dashboard_summaries()
    refresh_coach_figures()
    assert count() == small
    assert count(columns="all") == small
    assert small <= 16, small


def test_district_view_query_count_is_constant_too(team):
    leader = TeamLeaderFactory(team=team, leads_district=True)
    client = client_for(leader)
    work_for(WorkCoachFactory(team=team))

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse(DASHBOARD)).status_code == 200
        return len(ctx.captured_queries)

    small = count()
    for _ in range(3):
        other = TeamFactory(jobcentre=JobcentreFactory(district=team.jobcentre.district))
        work_for(WorkCoachFactory(team=other), 2)
    refresh_coach_figures()
    assert count() == small


def test_rebalancing_suggests_moving_from_over_to_under_target(team, coach_a, coach_b):
    team.target_caseload = 3
    team.save()
    for _ in range(20):
        claimant_of(coach_a)
    refresh_coach_figures()
    scope = dashboard_scope(TeamLeaderFactory(team=team), team_id=None)
    board = team_dashboard(scope)
    suggestions = rebalancing_suggestions(board.rows, tolerance=0)
    assert [(s.from_row.coach, s.to_row.coach, s.claimants) for s in suggestions] == [(coach_a, coach_b, 3)]


# --- Nightly summary: progression, moves up, continuity, trend ---------------------------------------------


def earnings(claimant, start: dt.date, pounds: int) -> None:
    EarningsRecord.objects.create(
        claimant=claimant,
        period_start=start,
        employed_earnings=Decimal(pounds),
        received_at=timezone.now(),
    )


def assessment(claimant, start: dt.date, regime: str, previous: str = "") -> None:
    RegimeAssessment.objects.create(
        claimant=claimant,
        period_start=start,
        period_end=start + dt.timedelta(days=30),
        regime=regime,
        previous_regime=previous,
        cause="earnings",
        employed_earnings=0,
        self_employed_earnings=0,
        aet_individual=0,
        cet_individual=0,
    )


def test_summary_finds_earnings_rises_moves_up_and_many_coaches(leader_client, team_leader, coach_a, coach_b):
    today = timezone.localdate()
    month = today.replace(day=1)

    def months_before(k: int, day: int = 31) -> dt.date:
        y, m = month.year, month.month - k
        while m < 1:
            y, m = y - 1, m + 12
        import calendar

        return dt.date(y, m, min(day, calendar.monthrange(y, m)[1]))

    riser = claimant_of(coach_a, current_regime="light_touch")
    for k, pounds in ((7, 400), (5, 500), (4, 700), (1, 800)):
        earnings(riser, months_before(k), pounds)
    assessment(riser, months_before(2), "intensive_work_search")
    assessment(riser, months_before(1), "light_touch", previous="intensive_work_search")
    faller = claimant_of(coach_a, current_regime="intensive_work_search")
    for k, pounds in ((6, 900), (3, 800), (0, 700)):
        earnings(faller, months_before(k, day=15), pounds)
    hopper = claimant_of(coach_b)
    year = timezone.now() - dt.timedelta(days=300)
    for i, coach in enumerate((coach_a, team_leader, coach_b)):
        CoachAssignment.objects.create(
            claimant=hopper,
            coach=coach,
            assigned_at=year + dt.timedelta(days=i * 50),
            unassigned_at=None if i == 2 else year + dt.timedelta(days=(i + 1) * 50),
        )
    result = refresh_dashboard_summaries()
    refresh_coach_figures()
    assert result.claimants == 3
    riser.progress.refresh_from_db()
    assert riser.progress.rose_3_months and riser.progress.rose_6_months
    assert riser.progress.earnings_latest == Decimal(800)
    assert riser.progress.moved_up_on == months_before(1)
    assert not faller.progress.rose_3_months and not faller.progress.rose_6_months
    assert hopper.progress.coaches_12_months == 3

    page = leader_client.get(reverse(DASHBOARD))
    totals = page.context["board"].totals
    assert (totals["rose_3m"], totals["rose_6m"], totals["moved_up_3"], totals["many_coaches"]) == (
        1,
        1,
        1,
        1,
    )
    for key in ("rose_3m", "rose_6m", "moved_up", "many_coaches"):
        item = next(i for t in page.context["tiles"] for i in t["items"] if i["key"] == key)
        assert leader_client.get(item["url"]).context["page"].paginator.count == 1, key
    assert page.context["board"].trend, "the trend has the two months of history"
    assert b'data-testid="trend-chart"' in page.content and b"Show the chart as a table" in page.content


# --- CSV exports -------------------------------------------------------------------------------------------


def test_figures_export_has_a_row_per_coach_and_a_total(leader_client, coach_a, coach_b):
    work_for(coach_a)
    refresh_coach_figures()
    response = leader_client.get(reverse("iwp:dashboard_export_figures"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["Team", "Work coach", "Target caseload", "Claimants"]
    assert len(rows) == 4  # header, two coaches, total
    assert rows[-1][1] == "(total)" and rows[-1][3] == "2"
    assert AuditEvent.objects.filter(verb=AuditVerb.EXPORTED, payload__what="figures").exists()


def test_claimant_export_streams_every_claimant_in_scope(leader_client, coach_a, coach_b):
    mine = work_for(coach_a, 2) + work_for(coach_b, 1)
    claimant_of(WorkCoachFactory())  # another office: never exported
    response = leader_client.get(reverse("iwp:dashboard_export_claimants"))
    assert response.status_code == 200
    assert response.streaming
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][1] == "National Insurance number"
    assert sorted(r[1] for r in rows[1:]) == sorted(c.nino for c in mine)


@pytest.mark.parametrize("params", [{"period": "7"}, {"team": "abc"}, {"coach": "-3"}, {"district": "x"}])
def test_bad_export_parameters_are_a_400(leader_client, params):
    for name in ("iwp:dashboard_export_figures", "iwp:dashboard_export_claimants"):
        response = leader_client.get(reverse(name), params)
        assert response.status_code == 400, (name, params)


# --- Reassignment ------------------------------------------------------------------------------------------


def test_bulk_reassign_moves_claimants_with_history_handover_and_audit(
    leader_client, team_leader, coach_a, coach_b, django_capture_on_commit_callbacks
):
    moving = work_for(coach_a, 1)
    for c in moving:
        CoachAssignment.objects.create(
            claimant=c, coach=coach_a, assigned_at=timezone.now() - dt.timedelta(days=9)
        )
    refresh_coach_figures()
    page = leader_client.get(reverse("iwp:reassign"), {"coach": coach_a.pk})
    assert page.status_code == 200
    assert {c.pk for c in page.context["claimants"]} == {c.pk for c in moving}
    with django_capture_on_commit_callbacks(execute=True):  # the figures are recounted once the move commits
        response = leader_client.post(
            reverse("iwp:reassign") + f"?coach={coach_a.pk}",
            {
                "claimants": [c.pk for c in moving],
                "to_coach": coach_b.pk,
                "reason": "Ann is off sick",
                "handover_note": "Both need a call this week.",
            },
        )
    assert response.status_code == 302
    for c in moving:
        c.refresh_from_db()
        assert c.coach == coach_b
        history = list(CoachAssignment.objects.filter(claimant=c).order_by("assigned_at"))
        assert [h.coach for h in history] == [coach_a, coach_b]
        assert history[0].unassigned_at is not None
        assert "Moved from Ann Archer" in history[1].handover_summary
        assert "Both need a call this week." in history[1].handover_summary
        assert history[1].assigned_by == team_leader
    events = AuditEvent.objects.filter(verb=AuditVerb.REASSIGNED, actor=team_leader)
    assert sorted(int(e.target_id) for e in events) == sorted(c.pk for c in moving)
    dashboard = leader_client.get(reverse(DASHBOARD)).context["board"]
    assert {r.coach.username: r.caseload for r in dashboard.rows} == {"coach.a": 0, "coach.b": 2}


def test_reassign_refuses_claimants_or_coaches_outside_the_leaders_team(leader_client, team_leader, coach_a):
    mine = claimant_of(coach_a)
    other_team_coach = WorkCoachFactory(team=TeamFactory(jobcentre=team_leader.jobcentre))
    theirs = claimant_of(other_team_coach)
    response = leader_client.post(
        reverse("iwp:reassign"), {"claimants": [mine.pk], "to_coach": other_team_coach.pk}
    )
    assert response.status_code == 400
    assert b"govuk-error-summary" in response.content
    response = leader_client.post(
        reverse("iwp:reassign"), {"claimants": [theirs.pk, mine.pk], "to_coach": coach_a.pk}
    )
    assert response.status_code == 400
    theirs.refresh_from_db()
    assert theirs.coach == other_team_coach
    response = leader_client.post(reverse("iwp:reassign"), {"claimants": ["x"], "to_coach": "y"})
    assert response.status_code == 400
    response = leader_client.post(reverse("iwp:reassign"), {})
    assert response.status_code == 400
    assert b"Select at least one claimant to move." in response.content
    assert not AuditEvent.objects.filter(verb=AuditVerb.REASSIGNED).exists()


# --- Absence and team membership ---------------------------------------------------------------------------


def test_absence_moves_booked_appointments_in_the_period_to_the_covering_colleague(
    leader_client, team_leader, coach_a, coach_b
):
    today = timezone.localdate()
    c = claimant_of(coach_a)
    inside = AppointmentFactory(coach=coach_a, claimant=c, starts_at=timezone.now() + dt.timedelta(days=1))
    after = AppointmentFactory(coach=coach_a, claimant=c, starts_at=timezone.now() + dt.timedelta(days=20))
    response = leader_client.post(
        reverse("iwp:record_absence", args=[coach_a.pk]),
        {
            "kind": "sickness",
            **govuk_date("starts_on", today.isoformat()),
            **govuk_date("ends_on", (today + dt.timedelta(days=5)).isoformat()),
            "covered_by": coach_b.pk,
        },
    )
    assert response.status_code == 302
    inside.refresh_from_db()
    after.refresh_from_db()
    assert inside.coach == coach_b and after.coach == coach_a
    absence = CoachAbsence.objects.get()
    assert absence.covered_by == coach_b and absence.recorded_by == team_leader
    assert AuditEvent.objects.filter(
        target_type="appointments.appointment", target_id=str(inside.pk)
    ).exists()
    assert AuditEvent.objects.filter(target_type="iwp.coachabsence").exists()
    page = leader_client.get(reverse(DASHBOARD))
    row = next(r for r in page.context["board"].rows if r.coach == coach_a)
    assert row.absence == absence
    assert b"Absent to" in page.content


def test_absence_form_errors_are_shown_and_nothing_is_saved(leader_client, coach_a, coach_b):
    other_office_coach = WorkCoachFactory()
    url = reverse("iwp:record_absence", args=[coach_a.pk])
    soon = timezone.localdate() + dt.timedelta(days=7)
    response = leader_client.post(
        url,
        {
            "kind": "holiday",
            **govuk_date("starts_on", (soon + dt.timedelta(days=9)).isoformat()),
            **govuk_date("ends_on", soon.isoformat()),
        },
    )
    assert (
        response.status_code == 400 and b"The last day must be on or after the first day." in response.content
    )
    response = leader_client.post(
        url,
        {
            "kind": "holiday",
            **govuk_date("starts_on", soon.isoformat()),
            **govuk_date("ends_on", (soon + dt.timedelta(days=1)).isoformat()),
            "covered_by": other_office_coach.pk,
        },
    )
    assert response.status_code == 400
    response = leader_client.post(url, {"starts_on_0": "31", "starts_on_1": "2", "starts_on_2": "2026"})
    assert response.status_code == 400 and b"govuk-error-summary" in response.content
    assert not CoachAbsence.objects.exists()


def test_team_leader_adds_a_coach_of_the_jobcentre_to_the_team(leader_client, team_leader):
    other_team = TeamFactory(jobcentre=team_leader.jobcentre)
    newcomer = WorkCoachFactory(team=other_team)
    elsewhere = WorkCoachFactory()
    url = reverse("iwp:team_page", args=[team_leader.team_id])
    page = leader_client.get(url)
    assert newcomer in page.context["form"].fields["coach"].queryset
    assert elsewhere not in page.context["form"].fields["coach"].queryset
    assert leader_client.post(url, {"coach": elsewhere.pk}).status_code == 400
    assert leader_client.post(url, {"coach": newcomer.pk}).status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.team == team_leader.team
    assert AuditEvent.objects.filter(target_type="iwp.staffmember", target_id=str(newcomer.pk)).exists()


def test_demo_leader_sees_a_lively_dashboard():
    from django.core.management import call_command

    call_command("demo_data", "--seed", "7", "--claimants-per-coach", "4", "6", stdout=io.StringIO())
    leader = StaffMember.objects.get(username="leader.birmingham.a")
    page = client_for(leader).get(reverse(DASHBOARD))
    totals = page.context["board"].totals
    assert totals["caseload"] > 0 and totals["unrecorded"] > 0 and totals["overdue_action_claimants"] > 0
    assert any(r.absence for r in page.context["board"].rows)
    # The README's work-coach login keeps a working day: not the absent coach, today's diary not moved away.
    assert not CoachAbsence.objects.filter(coach__username="coach1").exists()
    assert page.context["board"].trend
    district = client_for(StaffMember.objects.get(username="leader.mercia")).get(reverse(DASHBOARD))
    assert district.status_code == 200 and len(district.context["scope"].teams) == 3
    assert re.search(rb"Download the claimant list", page.content)


def test_maintained_figures_are_replaced_on_refresh_and_safe_to_run_twice(leader_client, coach_a):
    from iwp.models import CoachFigures

    claimant_of(coach_a)
    assert refresh_coach_figures() >= 1
    first = CoachFigures.objects.get(coach=coach_a)
    assert first.counts["caseload"] == 1
    claimant_of(coach_a)
    # Until the next refresh the dashboard shows the counted figures (and says when they were counted)…
    page = leader_client.get(reverse(DASHBOARD))
    assert page.context["board"].totals["caseload"] == 1
    assert page.context["board"].figures_at == first.refreshed_at
    refresh_coach_figures()
    refresh_coach_figures()
    assert CoachFigures.objects.filter(coach=coach_a).count() == 1
    assert CoachFigures.objects.get(coach=coach_a).counts["caseload"] == 2
    assert leader_client.get(reverse(DASHBOARD)).context["board"].totals["caseload"] == 2


def test_a_district_leaders_caseload_covers_the_district(team):
    sister = TeamFactory(jobcentre=JobcentreFactory(district=team.jobcentre.district))
    theirs = claimant_of(WorkCoachFactory(team=sister))
    elsewhere = claimant_of(WorkCoachFactory())
    leader = TeamLeaderFactory(team=team, leads_district=True)
    listing = client_for(leader).get(reverse("claimants:caseload"), {"team": sister.pk})
    assert [c.pk for c in listing.context["page"]] == [theirs.pk]
    plain = TeamLeaderFactory(team=team)
    assert (
        client_for(plain)
        .get(reverse("claimants:caseload"), {"team": sister.pk})
        .context["page"]
        .paginator.count
        == 0
    )
    assert elsewhere.pk not in [
        c.pk for c in client_for(leader).get(reverse("claimants:caseload")).context["page"]
    ]


def test_the_refresh_tasks_are_scheduled(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"iwp.refresh_coach_figures", "iwp.refresh_dashboard_summaries"} <= tasks


def test_a_single_coachs_dashboard_links_to_that_coachs_claimants(leader_client, coach_a, coach_b):
    work_for(coach_a)
    work_for(coach_b, 2)
    refresh_coach_figures()
    page = leader_client.get(reverse(DASHBOARD), {"coach": coach_b.pk})
    assert page.context["board"].totals["caseload"] == 4
    unrecorded = next(i for t in page.context["tiles"] for i in t["items"] if i["key"] == "unrecorded")
    assert unrecorded["value"] == 2 and f"coach={coach_b.pk}" in unrecorded["url"]
    assert leader_client.get(unrecorded["url"]).context["page"].paginator.count == 2


def test_referrals_in_limbo_tile_counts_claimants_and_links_to_them(leader_client, coach_a, coach_b):
    from tests.provision.factories import ReferralFactory

    stuck = claimant_of(coach_a)
    moving = claimant_of(coach_a)
    ReferralFactory(claimant=stuck, created_by=coach_a, limbo_since=timezone.localdate())
    ReferralFactory(claimant=stuck, created_by=coach_a, limbo_since=timezone.localdate())
    ReferralFactory(claimant=moving, created_by=coach_a, status="accepted")
    ReferralFactory(claimant=claimant_of(coach_b), created_by=coach_b, status="completed", limbo_since=None)
    refresh_coach_figures()
    page = leader_client.get(reverse(DASHBOARD))
    item = next(i for t in page.context["tiles"] for i in t["items"] if i["key"] == "referrals_in_limbo")
    assert item["value"] == 1
    listing = leader_client.get(item["url"])
    assert [c.pk for c in listing.context["page"]] == [stuck.pk]


def test_a_recount_in_batches_counts_what_one_batch_counts(team, monkeypatch):
    """The figures are counted in batches of coaches (one aggregate query per group per batch); on PostgreSQL a
    batch holds every coach of a national uprating's recount, and the batch size changes the queries, never the
    figures."""
    from iwp.dashboards import services
    from iwp.models import CoachFigures

    coaches = [WorkCoachFactory(team=team) for _ in range(3)]
    for n, coach in enumerate(coaches, start=1):
        work_for(coach, n)
    ids = [coach.pk for coach in coaches]

    def recount() -> tuple[int, dict[int, dict]]:
        with CaptureQueriesContext(connection) as ctx:
            assert refresh_coach_figures(ids) == 3
        return len(ctx.captured_queries), {
            c.coach_id: c.counts for c in CoachFigures.objects.filter(coach_id__in=ids)
        }

    one_batch, counted = recount()
    assert services._refresh_batch() >= 3
    assert services._refresh_batch() == (10_000 if connection.vendor == "postgresql" else 1000)
    caseloads = [Claimant.objects.filter(coach_id=pk).count() for pk in ids]
    assert [counted[pk]["caseload"] for pk in ids] == caseloads and len(set(caseloads)) == 3
    monkeypatch.setattr(services, "_refresh_batch", lambda: 1)
    three_batches, recounted = recount()
    assert recounted == counted
    # Per batch: one aggregate query per figure group and one upsert; the clock is read once.
    assert three_batches - one_batch == 2 * (one_batch - 1)
