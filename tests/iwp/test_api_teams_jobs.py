"""Teams, absences, bulk reassignment and background jobs over REST (issue #15)."""

from __future__ import annotations

import datetime as dt

import pytest

from iwp.background.jobs import job_create, job_fail
from iwp.models import CoachAbsence
from tests.api_helpers import assert_error, queries
from tests.appointments.conftest import next_weekday
from tests.appointments.factories import AppointmentFactory
from tests.claimants.factories import ClaimantFactory
from tests.factories import TeamFactory, TeamLeaderFactory, WorkCoachFactory

pytestmark = pytest.mark.django_db


def test_a_leader_sees_their_team_and_its_members(team_leader, work_coach, api_for):
    ClaimantFactory.create_batch(2, jobcentre=work_coach.jobcentre, coach=work_coach)
    TeamFactory()
    client = api_for(team_leader)
    teams = client.get("/api/v1/teams/").json()["results"]
    assert [t["id"] for t in teams] == [team_leader.team_id]
    members = client.get(f"/api/v1/teams/{team_leader.team_id}/").json()["members"]
    assert [(m["id"], m["claimants"]) for m in members] == [(work_coach.pk, 2)]
    other = TeamFactory()
    assert_error(client.get(f"/api/v1/teams/{other.pk}/"), 404)


def test_coaches_have_no_teams_endpoint(work_coach, api_for):
    assert_error(api_for(work_coach).get("/api/v1/teams/"), 403)
    assert_error(
        api_for(work_coach).post("/api/v1/reassignments/", {"claimants": [1], "to_coach": 1}, format="json"),
        403,
    )


def test_a_coach_moves_into_the_team(team_leader, api_for):
    other_team = TeamFactory(jobcentre=team_leader.jobcentre)
    newcomer = WorkCoachFactory(team=other_team)
    response = api_for(team_leader).post(
        f"/api/v1/teams/{team_leader.team_id}/members/", {"coach": newcomer.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    newcomer.refresh_from_db()
    assert newcomer.team_id == team_leader.team_id


def test_an_absence_with_cover_moves_the_diary(team_leader, work_coach, api_for):
    colleague = WorkCoachFactory(team=work_coach.team)
    start = next_weekday(2)
    appointment = AppointmentFactory(coach=work_coach, starts_at=start)
    body = {
        "coach": work_coach.pk,
        "kind": "holiday",
        "starts_on": start.date().isoformat(),
        "ends_on": start.date().isoformat(),
        "covered_by": colleague.pk,
    }
    client = api_for(team_leader)
    created = client.post("/api/v1/absences/", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["appointments_moved"] == [appointment.pk]
    appointment.refresh_from_db()
    assert appointment.coach == colleague
    overlap = client.post("/api/v1/absences/", {**body, "covered_by": None}, format="json")
    assert "starts_on" in assert_error(overlap, 400)["errors"]
    assert [a["coach"] for a in client.get("/api/v1/absences/?current=true").json()["results"]] == [
        work_coach.pk
    ]
    elsewhere = WorkCoachFactory(team=TeamFactory())
    assert_error(client.post("/api/v1/absences/", {**body, "coach": elsewhere.pk}, format="json"), 404)
    backwards = {**body, "starts_on": (start.date() + dt.timedelta(days=20)).isoformat(), "covered_by": None}
    assert_error(client.post("/api/v1/absences/", backwards, format="json"), 400)
    assert CoachAbsence.objects.count() == 1


def test_a_bulk_reassignment_is_all_or_nothing(team_leader, work_coach, api_for):
    colleague = WorkCoachFactory(team=work_coach.team)
    mine = ClaimantFactory.create_batch(3, jobcentre=work_coach.jobcentre, coach=work_coach)
    client = api_for(team_leader)
    moved = client.post(
        "/api/v1/reassignments/",
        {"claimants": [c.pk for c in mine], "to_coach": colleague.pk, "reason": "Leave"},
        format="json",
    )
    assert moved.status_code == 200 and moved.json() == {"moved": 3, "to_coach": colleague.pk}
    elsewhere = ClaimantFactory(jobcentre=TeamFactory().jobcentre)
    refused = client.post(
        "/api/v1/reassignments/",
        {"claimants": [mine[0].pk, elsewhere.pk], "to_coach": work_coach.pk},
        format="json",
    )
    assert_error(refused, 403)
    mine[0].refresh_from_db()
    assert mine[0].coach == colleague
    too_many = client.post(
        "/api/v1/reassignments/", {"claimants": list(range(1, 202)), "to_coach": work_coach.pk}, format="json"
    )
    assert "claimants" in assert_error(too_many, 400)["errors"]


def test_jobs_are_followed_by_who_started_them_and_resumed_by_administrators(
    work_coach, administrator, api_for
):
    mine = job_create(kind="report", description="Mine", created_by=work_coach, total=4)
    theirs = job_create(kind="uprating", description="Uprating", created_by=administrator, total=10)
    job_fail(job_id=theirs.pk, error="Worker died")
    coach = api_for(work_coach)
    assert [j["id"] for j in coach.get("/api/v1/jobs/").json()["results"]] == [mine.pk]
    assert coach.get(f"/api/v1/jobs/{mine.pk}/").json()["percent"] == 0
    assert_error(coach.get(f"/api/v1/jobs/{theirs.pk}/"), 404)
    assert_error(coach.post(f"/api/v1/jobs/{mine.pk}/resume/"), 403)
    admin = api_for(administrator)
    assert {j["id"] for j in admin.get("/api/v1/jobs/").json()["results"]} == {mine.pk, theirs.pk}
    assert admin.get(f"/api/v1/jobs/{theirs.pk}/").json()["state"] == "failed"
    assert_error(admin.post(f"/api/v1/jobs/{mine.pk}/resume/"), 409, "not_resumable")


def test_lists_cost_the_same_queries_however_many_rows(team_leader, administrator, api_for):
    leader, admin = api_for(team_leader), api_for(administrator)

    def grow(n: int) -> None:
        for _ in range(n):
            coach = WorkCoachFactory(team=team_leader.team)
            CoachAbsence.objects.create(
                coach=coach,
                kind="training",
                starts_on=dt.date.today(),
                ends_on=dt.date.today(),
                recorded_by=team_leader,
            )
            TeamLeaderFactory(team=TeamFactory(jobcentre=team_leader.jobcentre))
            job_create(kind="report", description="A report", created_by=administrator)

    grow(2)
    urls = [
        (leader, "/api/v1/absences/"),
        (leader, f"/api/v1/teams/{team_leader.team_id}/"),
        (admin, "/api/v1/teams/"),
        (admin, "/api/v1/jobs/"),
    ]
    before = [queries(client, url) for client, url in urls]
    grow(6)
    assert [queries(client, url) for client, url in urls] == before
