"""The claimant record over REST (issue #15): claimants, facts from a date, regime history, circumstances,
employment, earnings (through ``claimant_record_earnings``), handover, restricted circumstances and the claimant
commitment — each read, written, scoped and counted."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from claimants.facts.selectors import current_period_start
from claimants.models import (
    Circumstance,
    Claimant,
    ClaimantCommitment,
    ClaimantFacts,
    CoachAssignment,
    CommitmentStatus,
    EarningsRecord,
    Employment,
    RegimeAssessment,
)
from claimants.services import claimant_record_earnings
from iwp.models import AuditEvent, AuditVerb, TaskIntent
from tests.api_helpers import assert_error, queries
from tests.claimants.factories import ClaimantFactory
from tests.factories import TeamFactory, TeamLeaderFactory, WorkCoachFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/claimants/"


@pytest.fixture
def mine(work_coach):
    return ClaimantFactory(
        jobcentre=work_coach.jobcentre, coach=work_coach, first_name="Amira", last_name="Khan"
    )


@pytest.fixture
def colleagues(work_coach):
    """A claimant of another coach in the same jobcentre: visible to the coach, not theirs to change."""
    other = WorkCoachFactory(team=work_coach.team)
    return ClaimantFactory(jobcentre=work_coach.jobcentre, coach=other)


@pytest.fixture
def elsewhere(db):
    return ClaimantFactory(jobcentre=TeamFactory().jobcentre)


def recalculation_enqueued(claimant) -> bool:
    return TaskIntent.objects.filter(task="claimants.recalculate_claimant", args__0=claimant.pk).exists()


# --- Reading -------------------------------------------------------------------------------------------------


def test_the_list_is_the_jobcentre_filtered_by_what_is_asked(
    work_coach, mine, colleagues, elsewhere, api_for
):
    Claimant.objects.filter(pk=mine.pk).update(current_regime="light_touch", regime_cycling=True)
    client = api_for(work_coach)
    everyone = client.get(BASE).json()
    assert {row["id"] for row in everyone["results"]} == {mine.pk, colleagues.pk}
    assert client.get(f"{BASE}?coach={work_coach.pk}").json()["count"] == 1
    assert [r["id"] for r in client.get(f"{BASE}?regime=light_touch").json()["results"]] == [mine.pk]
    assert [r["id"] for r in client.get(f"{BASE}?regime_cycling=true").json()["results"]] == [mine.pk]
    assert [r["id"] for r in client.get(f"{BASE}?q=khan amira").json()["results"]] == [mine.pk]
    assert [r["id"] for r in client.get(f"{BASE}?q={mine.nino}").json()["results"]] == [mine.pk]
    row = everyone["results"][[r["id"] for r in everyone["results"]].index(mine.pk)]
    assert row["coach"] == {"id": work_coach.pk, "name": work_coach.get_full_name()}
    assert row["current_regime"] == "light_touch" and row["regime_cycling"] is True


def test_the_record_has_regime_history_cycling_iwp_offer_and_facts_versions(work_coach, mine, api_for):
    claimant_record_earnings(
        claimant=mine,
        period_start=dt.date(2025, 6, 10),
        employed_earnings=Decimal("952.38"),
        actor=work_coach,
    )
    from claimants.regimes.recalculation import claimant_recalculate

    claimant_recalculate(claimant_id=mine.pk, cause="earnings")
    Claimant.objects.filter(pk=mine.pk).update(
        regime_cycling=True, cycling_seasonal=True, cycling_explanation=["Moved in and out of Light Touch."]
    )
    data = api_for(work_coach).get(f"{BASE}{mine.pk}/").json()
    assert data["nino"] == mine.nino and data["can_edit"] is True
    assert data["cycling"] == {
        "flagged": True,
        "seasonal": True,
        "marginal": False,
        "pay_cycle": False,
        "explanation": ["Moved in and out of Light Touch."],
    }
    mine.refresh_from_db()
    assert data["iwp_offer_status"] == mine.iwp_offer_status and data["current_regime"] == mine.current_regime
    assert [v["effective_from"] for v in data["facts_versions"]] == [None]
    history = data["regime_history"]
    assert history and history[-1]["period_start"] >= "2025-06-10"
    assert all(row["facts_version"] == data["facts_versions"][0]["id"] for row in history)
    latest = RegimeAssessment.objects.current().filter(claimant=mine).order_by("-period_start").first()
    assert history[-1]["regime"] == latest.regime


def test_another_office_is_a_404_and_a_progression_lead_a_403(
    work_coach, elsewhere, progression_lead, api_for
):
    assert_error(api_for(work_coach).get(f"{BASE}{elsewhere.pk}/"), 404, "not_found")
    assert_error(api_for(work_coach).get(f"{BASE}{elsewhere.pk}/earnings/"), 404, "not_found")
    assert_error(api_for(progression_lead).get(BASE), 403)


def test_regime_history_is_paginated_newest_first(work_coach, mine, api_for):
    for month in (6, 7, 8):
        claimant_record_earnings(
            claimant=mine, period_start=dt.date(2025, month, 10), employed_earnings=Decimal(100 * month)
        )
    from claimants.regimes.recalculation import claimant_recalculate

    claimant_recalculate(claimant_id=mine.pk, cause="earnings")
    page = api_for(work_coach).get(f"{BASE}{mine.pk}/regime-history/?page_size=2").json()
    starts = [row["period_start"] for row in page["results"]]
    assert len(starts) == 2 and starts == sorted(starts, reverse=True)
    assert page["count"] == RegimeAssessment.objects.current().filter(claimant=mine).count()


# --- Writing: details, facts, handover -------------------------------------------------------------------------


def test_a_coach_adds_a_claimant_to_their_own_caseload(work_coach, api_for):
    body = {
        "nino": "jk 12 34 56 a",
        "first_name": "Amira",
        "last_name": "Khan",
        "date_of_birth": "1990-03-27",
        "postcode": "ls14hr",
        "contact_preference": "sms",
        "phone": "07911 123456",
    }
    response = api_for(work_coach).post(BASE, body, format="json")
    assert response.status_code == 201, response.content
    created = Claimant.objects.get(nino="JK123456A")
    assert created.coach == work_coach and created.jobcentre == work_coach.jobcentre
    assert created.postcode == "LS1 4HR" and created.phone == "+447911123456"
    assert response.json()["facts_versions"][0]["origin"] == "new_claimant"
    assert AuditEvent.objects.filter(verb=AuditVerb.CREATED, target_type="claimants.claimant").exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"nino": "AB 12"}, "nino"),
        ({"date_of_birth": "2020-01-01"}, "date_of_birth"),
        ({"contact_preference": "sms"}, "phone"),
        ({"contact_preference": "email", "email": ""}, "email"),
        ({"phone": "0770"}, "phone"),
        ({"first_name": 42}, "first_name"),
        ({"digitally_excluded": "yes"}, "digitally_excluded"),
        ({"assessment_day": 32}, "assessment_day"),
    ],
)
def test_bad_details_are_a_400_naming_the_field(work_coach, api_for, changes, field):
    body = {"nino": "JK123456A", "first_name": "Amira", "last_name": "Khan", "date_of_birth": "1990-03-27"}
    response = api_for(work_coach).post(BASE, {**body, **changes}, format="json")
    assert field in assert_error(response, 400, "invalid")["errors"]
    assert not Claimant.objects.filter(nino="JK123456A").exists()


def test_details_change_only_what_is_sent_and_only_for_who_may_edit(
    work_coach, mine, colleagues, team_leader, api_for
):
    client = api_for(work_coach)
    response = client.patch(f"{BASE}{mine.pk}/", {"interpreter_language": "Urdu"}, format="json")
    assert response.status_code == 200, response.content
    mine.refresh_from_db()
    assert mine.interpreter_language == "Urdu" and mine.first_name == "Amira"
    refused = client.patch(f"{BASE}{colleagues.pk}/", {"interpreter_language": "Urdu"}, format="json")
    assert_error(refused, 403, "permission_denied")
    colleagues.refresh_from_db()
    assert colleagues.interpreter_language == ""
    # A team leader edits their jobcentre's claimants.
    leader = api_for(team_leader).patch(f"{BASE}{colleagues.pk}/", {"first_name": "Zed"}, format="json")
    assert leader.status_code == 200
    # The contact rule holds against what is recorded: a text needs a phone number.
    assert (
        "phone"
        in assert_error(client.patch(f"{BASE}{mine.pk}/", {"contact_preference": "sms"}, format="json"), 400)[
            "errors"
        ]
    )


def test_facts_change_from_a_date_and_the_regime_is_recalculated(work_coach, mine, api_for):
    client = api_for(work_coach)
    body = {"expected_hours": "25", "expected_hours_reason": "caring", "reason": "Caring for a parent"}
    response = client.post(f"{BASE}{mine.pk}/facts/", body, format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert set(data["changed"]) == {"expected_hours", "expected_hours_reason"}
    start = current_period_start(mine.assessment_day, timezone.localdate())
    assert [v["effective_from"] for v in data["facts_versions"]] == [None, start.isoformat()]
    assert ClaimantFacts.objects.get(claimant=mine, effective_from=start).expected_hours == Decimal(25)
    assert recalculation_enqueued(mine)
    # The same facts again change nothing.
    assert client.post(f"{BASE}{mine.pk}/facts/", body, format="json").json()["changed"] == []


def test_facts_follow_the_pages_rules(work_coach, mine, api_for):
    client = api_for(work_coach)
    no_reason = client.post(f"{BASE}{mine.pk}/facts/", {"expected_hours": 20}, format="json")
    assert "expected_hours_reason" in assert_error(no_reason, 400)["errors"]
    mif = client.post(f"{BASE}{mine.pk}/facts/", {"minimum_income_floor": True}, format="json")
    assert "minimum_income_floor" in assert_error(mif, 400)["errors"]
    long_ago = dt.date.today().replace(day=1) - dt.timedelta(days=90)
    backdated = client.post(
        f"{BASE}{mine.pk}/facts/", {"apprentice": True, "effective_from": long_ago.isoformat()}, format="json"
    )
    assert "effective_from" in assert_error(backdated, 400)["errors"]  # only administrators back-date
    assert_error(client.post(f"{BASE}{mine.pk}/facts/", {}, format="json"), 400)
    assert ClaimantFacts.objects.filter(claimant=mine).count() == 1


def test_handover_keeps_the_history(work_coach, mine, api_for):
    colleague = WorkCoachFactory(team=work_coach.team)
    CoachAssignment.objects.create(claimant=mine, coach=work_coach, assigned_at=timezone.now())
    body = {"to_coach": colleague.pk, "reason": "Rebalancing", "handover_summary": "Wants more hours."}
    response = api_for(work_coach).post(f"{BASE}{mine.pk}/reassign/", body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["coach"]["id"] == colleague.pk
    rows = CoachAssignment.objects.filter(claimant=mine).order_by("assigned_at")
    assert [r.coach_id for r in rows] == [work_coach.pk, colleague.pk] and rows[0].unassigned_at is not None
    elsewhere_coach = WorkCoachFactory(team=TeamFactory())
    body["to_coach"] = elsewhere_coach.pk
    leader = TeamLeaderFactory(team=work_coach.team)
    assert (
        "to_coach"
        in assert_error(api_for(leader).post(f"{BASE}{mine.pk}/reassign/", body, format="json"), 400)[
            "errors"
        ]
    )


def test_restricted_circumstances_are_audited_and_only_for_those_allowed(
    work_coach, mine, colleagues, api_for
):
    Circumstance.objects.create(claimant=mine, kind="health", detail="Long covid", sensitive=True)
    Circumstance.objects.create(claimant=mine, kind="transport", detail="No car")
    client = api_for(work_coach)
    listed = client.get(f"{BASE}{mine.pk}/circumstances/").json()["results"]
    assert [c["kind"] for c in listed] == ["transport"]  # restricted ones are not listed
    shown = client.post(f"{BASE}{mine.pk}/restricted/")
    assert shown.status_code == 200 and [c["detail"] for c in shown.json()] == ["Long covid"]
    assert AuditEvent.objects.filter(verb=AuditVerb.VIEWED_SENSITIVE, target_id=str(mine.pk)).count() == 1
    assert_error(client.post(f"{BASE}{colleagues.pk}/restricted/"), 403)


# --- Circumstances, employment, earnings -------------------------------------------------------------------------


def test_circumstances_are_added_through_the_service(work_coach, mine, colleagues, api_for):
    client = api_for(work_coach)
    response = client.post(
        f"{BASE}{mine.pk}/circumstances/", {"kind": "health", "detail": "Back pain"}, format="json"
    )
    assert response.status_code == 201 and response.json()["sensitive"] is True  # health is always restricted
    audit = AuditEvent.objects.get(target_type="claimants.circumstance")
    assert "Back pain" not in str(audit.payload)
    assert_error(
        client.post(f"{BASE}{colleagues.pk}/circumstances/", {"kind": "transport"}, format="json"), 403
    )
    assert_error(client.post(f"{BASE}{mine.pk}/circumstances/", {"kind": "nonsense"}, format="json"), 400)


def test_a_job_and_its_working_pattern(work_coach, mine, api_for):
    client = api_for(work_coach)
    body = {
        "employer": "Tesco",
        "contract_type": "zero_hours",
        "hourly_pay": "12.21",
        "shifts": [{"weekday": 1, "starts_at": "09:00", "ends_at": "13:00"}],
    }
    created = client.post(f"{BASE}{mine.pk}/employments/", body, format="json")
    assert created.status_code == 201, created.content
    job = created.json()
    assert job["shifts"] == [{"weekday": 1, "starts_at": "09:00", "ends_at": "13:00"}]
    body["shifts"] = [{"weekday": 3, "starts_at": "10:00", "ends_at": "14:30"}]
    body["hours_per_week"] = "16"
    changed = client.put(f"{BASE}{mine.pk}/employments/{job['id']}/", body, format="json")
    assert changed.status_code == 200 and changed.json()["shifts"][0]["weekday"] == 3
    assert Employment.objects.get(pk=job["id"]).hours_per_week == Decimal(16)
    body["shifts"] = [{"weekday": 3, "starts_at": "14:00", "ends_at": "14:00"}]
    refused = client.put(f"{BASE}{mine.pk}/employments/{job['id']}/", body, format="json")
    assert "shifts.0.ends_at" in assert_error(refused, 400)["errors"]
    assert client.get(f"{BASE}{mine.pk}/employments/").json()["results"][0]["shifts"][0]["ends_at"] == "14:30"


def test_earnings_are_read_and_written_through_the_service(work_coach, mine, colleagues, api_for):
    client = api_for(work_coach)
    url = f"{BASE}{mine.pk}/earnings/"
    first = client.post(url, {"period_start": "2025-06-10", "employed_earnings": "812.40"}, format="json")
    assert first.status_code == 201, first.content
    assert recalculation_enqueued(mine)
    again = client.post(url, {"period_start": "2025-06-10", "employed_earnings": "812.40"}, format="json")
    assert again.status_code == 200  # the same figures: nothing changed
    corrected = client.post(url, {"period_start": "2025-06-10", "employed_earnings": 900}, format="json")
    assert corrected.status_code == 201 and corrected.json()["employed_earnings"] == "900.00"
    assert [r["employed_earnings"] for r in client.get(url).json()["results"]] == ["900.00"]
    both = client.get(f"{url}?include_superseded=true").json()["results"]
    assert sorted(r["employed_earnings"] for r in both) == ["812.40", "900.00"]
    assert EarningsRecord.objects.filter(claimant=mine).count() == 2
    assert AuditEvent.objects.filter(target_type="claimants.earningsrecord").count() == 2
    wrong_day = client.post(url, {"period_start": "2025-06-11", "employed_earnings": "1"}, format="json")
    assert "period_start" in assert_error(wrong_day, 400)["errors"]
    assert (
        "employed_earnings"
        in assert_error(
            client.post(url, {"period_start": "2025-07-10", "employed_earnings": "-1"}, format="json"), 400
        )["errors"]
    )
    not_mine = client.post(
        f"{BASE}{colleagues.pk}/earnings/",
        {"period_start": "2025-06-10", "employed_earnings": "1"},
        format="json",
    )
    assert_error(not_mine, 403)
    assert not EarningsRecord.objects.filter(claimant=colleagues).exists()


# --- The claimant commitment -----------------------------------------------------------------------------------


def test_a_commitment_is_drafted_issued_and_accepted(work_coach, mine, api_for):
    client = api_for(work_coach)
    url = f"{BASE}{mine.pk}/commitments/"
    draft = client.post(url)
    assert draft.status_code == 201 and draft.json()["status"] == "draft"
    body = {
        "lock_version": draft.json()["lock_version"],
        "expected_hours": "25.00",
        "expected_hours_reason": "caring",
        "work_search_hours": "5",
        "requirements": "Ask about more hours.",
        "items": [{"side": "claimant", "text": "Ask the manager", "by_date": None}],
    }
    saved = client.put(f"{url}1/", body, format="json")
    assert saved.status_code == 200, saved.content
    assert [i["text"] for i in saved.json()["items"]] == ["Ask the manager"]
    stale = client.put(f"{url}1/", body, format="json")  # the lock version has moved on
    assert_error(stale, 409, "changed_meanwhile")
    issued = client.post(f"{url}1/issue/", {"lock_version": saved.json()["lock_version"]}, format="json")
    assert issued.status_code == 200 and issued.json()["status"] == "issued"
    mine.refresh_from_db()
    assert mine.expected_hours == Decimal(25)  # the record follows the commitment
    accepted = client.post(f"{url}1/accept/", {"lock_version": issued.json()["lock_version"]}, format="json")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert_error(client.put(f"{url}1/", body, format="json"), 409)
    assert ClaimantCommitment.objects.get(claimant=mine).status == CommitmentStatus.ACCEPTED
    assert [v["version"] for v in client.get(url).json()["results"]] == [1]


def test_a_draft_is_discarded_and_bad_terms_are_a_400(work_coach, mine, api_for):
    client = api_for(work_coach)
    url = f"{BASE}{mine.pk}/commitments/"
    draft = client.post(url).json()
    bad = {
        "lock_version": draft["lock_version"],
        "expected_hours": "20",
        "work_search_hours": "30",
        "requirements": "x",
    }
    errors = assert_error(client.put(f"{url}1/", bad, format="json"), 400)["errors"]
    assert {"expected_hours_reason", "work_search_hours"} <= set(errors)
    gone = client.post(f"{url}1/discard/", {"lock_version": draft["lock_version"]}, format="json")
    assert gone.status_code == 204
    assert not ClaimantCommitment.objects.filter(claimant=mine).exists()
    assert_error(client.get(f"{url}1/"), 404)


# --- No N+1 ------------------------------------------------------------------------------------------------


def test_lists_cost_the_same_queries_however_many_rows(work_coach, api_for):
    client = api_for(work_coach)
    claimant = ClaimantFactory(jobcentre=work_coach.jobcentre, coach=work_coach)

    def grow(n: int) -> None:
        for _ in range(n):
            other = ClaimantFactory(jobcentre=work_coach.jobcentre, coach=work_coach)
            Circumstance.objects.create(claimant=claimant, kind="transport", recorded_by=work_coach)
            job = Employment.objects.create(claimant=claimant, employer="Asda", contract_type="agency")
            job.shifts.create(
                claimant=claimant, kind="work", weekday=1, starts_at=dt.time(9), ends_at=dt.time(12)
            )
            month = EarningsRecord.objects.filter(claimant=claimant).count() + 1
            claimant_record_earnings(
                claimant=claimant, period_start=dt.date(2024, month, 10), employed_earnings=Decimal(month)
            )
            del other

    urls = [
        BASE,
        f"{BASE}{claimant.pk}/circumstances/",
        f"{BASE}{claimant.pk}/employments/",
        f"{BASE}{claimant.pk}/earnings/",
        f"{BASE}{claimant.pk}/commitments/",
        f"{BASE}{claimant.pk}/",
    ]
    grow(2)
    before = [queries(client, url) for url in urls]
    grow(6)
    assert [queries(client, url) for url in urls] == before
