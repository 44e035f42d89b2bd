"""Provision offers and referrals over REST (issue #15): the district's list, a lead's changes, signposting and
referring, and a referral's status along its allowed transitions — scoped and counted."""

from __future__ import annotations

import datetime as dt

import pytest

from provision.models import ProvisionOffer, Referral, ReferralStatusChange
from tests.api_helpers import assert_error, queries
from tests.claimants.factories import ClaimantFactory
from tests.factories import DistrictFactory, TeamFactory
from tests.provision.factories import OfferFactory, ReferralFactory, SessionFactory

pytestmark = pytest.mark.django_db

OFFERS = "/api/v1/provision/offers/"
REFERRALS = "/api/v1/referrals/"


@pytest.fixture
def district(team):
    return team.jobcentre.district


def test_the_list_is_the_districts_with_uptake(work_coach, district, api_for):
    offer = OfferFactory(district=district, name="Level 2 maths")
    SessionFactory(offer=offer, weekday=1, starts_at=dt.time(18), ends_at=dt.time(20))
    OfferFactory(district=district, status="archived", archived_reason="Funding ended")
    OfferFactory(district=DistrictFactory())
    ReferralFactory(
        offer=offer, claimant=ClaimantFactory(jobcentre=work_coach.jobcentre), created_by=work_coach
    )
    client = api_for(work_coach)
    rows = client.get(OFFERS).json()["results"]
    assert [r["name"] for r in rows] == ["Level 2 maths"]  # archived ones only when asked for
    assert rows[0]["sessions"] == [
        {"weekday": 1, "starts_at": "18:00", "ends_at": "20:00", "valid_from": None, "valid_to": None}
    ]
    assert rows[0]["uptake"]["referred"] == 1
    assert client.get(f"{OFFERS}?status=archived").json()["count"] == 1
    assert client.get(f"{OFFERS}?q=maths").json()["count"] == 1
    assert_error(client.get(f"{OFFERS}?category=nonsense"), 400)
    elsewhere = ProvisionOffer.objects.exclude(district=district).get()
    assert_error(client.get(f"{OFFERS}{elsewhere.pk}/"), 404)


def test_a_lead_adds_and_changes_an_offer_and_a_coach_may_not(
    progression_lead, work_coach, district, api_for
):
    body = {
        "provider_name": "Leeds City College",
        "name": "Level 2 maths",
        "category": "skills_training",
        "barriers": ["skills"],
        "sessions": [{"weekday": 1, "starts_at": "18:00", "ends_at": "20:00"}],
        "postcode": "ls3 1aa",
        "capacity": 12,
        "places_left": 10,
    }
    assert_error(api_for(work_coach).post(OFFERS, body, format="json"), 403)
    lead = api_for(progression_lead)
    created = lead.post(OFFERS, body, format="json")
    assert created.status_code == 201, created.content
    offer = ProvisionOffer.objects.get(pk=created.json()["id"])
    assert offer.district == district and offer.postcode == "LS3 1AA" and offer.sessions.count() == 1
    assert_error(lead.post(OFFERS, body, format="json"), 400)  # the same provider and name again
    changed = lead.patch(
        f"{OFFERS}{offer.pk}/", {"places_left": 9, "self_paced": True, "sessions": []}, format="json"
    )
    assert changed.status_code == 200, changed.content
    offer.refresh_from_db()
    assert offer.places_left == 9 and offer.self_paced and offer.sessions.count() == 0
    assert (
        "places_left"
        in assert_error(lead.patch(f"{OFFERS}{offer.pk}/", {"places_left": 13}, format="json"), 400)["errors"]
    )
    assert (
        "self_paced"
        in assert_error(
            lead.patch(
                f"{OFFERS}{offer.pk}/",
                {"sessions": [{"weekday": 2, "starts_at": "10:00", "ends_at": "11:00"}]},
                format="json",
            ),
            400,
        )["errors"]
    )
    bad_session = {
        "self_paced": False,
        "sessions": [{"weekday": 2, "starts_at": "11:00", "ends_at": "10:00"}],
    }
    assert (
        "sessions"
        in assert_error(lead.patch(f"{OFFERS}{offer.pk}/", bad_session, format="json"), 400)["errors"]
    )
    assert_error(lead.post(f"{OFFERS}{offer.pk}/status/", {"status": "archived"}, format="json"), 400)
    archived = lead.post(
        f"{OFFERS}{offer.pk}/status/", {"status": "archived", "reason": "Funding ended"}, format="json"
    )
    assert archived.status_code == 200 and archived.json()["status"] == "archived"
    reviewed = lead.post(f"{OFFERS}{offer.pk}/reviewed/")
    assert reviewed.status_code == 200 and reviewed.json()["last_reviewed_on"] == dt.date.today().isoformat()
    other = OfferFactory(district=DistrictFactory())
    assert_error(lead.patch(f"{OFFERS}{other.pk}/", {"places_left": 1}, format="json"), 404)


def test_an_administrator_chooses_the_district(administrator, district, api_for):
    body = {"provider_name": "Acme", "name": "Forklift licence", "category": "skills_training"}
    client = api_for(administrator)
    assert "district" in assert_error(client.post(OFFERS, body, format="json"), 400)["errors"]
    created = client.post(OFFERS, {**body, "district": district.pk}, format="json")
    assert created.status_code == 201 and created.json()["district_id"] == district.pk


def test_a_coach_refers_and_the_status_moves_only_as_allowed(work_coach, district, api_for):
    claimant = ClaimantFactory(jobcentre=work_coach.jobcentre, coach=work_coach)
    offer = OfferFactory(district=district, places_left=3, capacity=5)
    client = api_for(work_coach)
    body = {
        "claimant": claimant.pk,
        "offer": offer.pk,
        "refer": True,
        "shared_summary": "Wants maths",
        "consent_to_share": True,
    }
    created = client.post(REFERRALS, body, format="json")
    assert created.status_code == 201, created.content
    referral = Referral.objects.get(pk=created.json()["id"])
    assert referral.status == "referred" and created.json()["next_statuses"] == [
        "accepted",
        "declined",
        "did_not_start",
    ]
    offer.refresh_from_db()
    assert offer.places_left == 2  # a referral takes a place
    no_consent = client.post(REFERRALS, {**body, "consent_to_share": False}, format="json")
    assert_error(no_consent, 400)
    moved = client.post(
        f"{REFERRALS}{referral.pk}/status/", {"to_status": "accepted", "note": "Starts Monday"}, format="json"
    )
    assert moved.status_code == 200 and [h["to_status"] for h in moved.json()["history"]] == [
        "referred",
        "accepted",
    ]
    assert_error(
        client.post(f"{REFERRALS}{referral.pk}/status/", {"to_status": "signposted"}, format="json"),
        409,
        "transition_not_allowed",
    )
    assert ReferralStatusChange.objects.filter(referral=referral).count() == 2
    assert [r["id"] for r in client.get(f"{REFERRALS}?status=accepted").json()["results"]] == [referral.pk]


def test_referrals_elsewhere_are_404(work_coach, district, api_for):
    other_jobcentre = TeamFactory().jobcentre
    theirs = ReferralFactory(
        offer=OfferFactory(district=other_jobcentre.district),
        claimant=ClaimantFactory(jobcentre=other_jobcentre),
        created_by=work_coach,
    )
    client = api_for(work_coach)
    assert_error(client.get(f"{REFERRALS}{theirs.pk}/"), 404)
    body = {"claimant": theirs.claimant_id, "offer": theirs.offer_id, "refer": False}
    assert_error(client.post(REFERRALS, body, format="json"), 404)


def test_lists_cost_the_same_queries_however_many_rows(work_coach, district, api_for):
    client = api_for(work_coach)

    def grow(n: int) -> None:
        for _ in range(n):
            offer = OfferFactory(district=district)
            SessionFactory(offer=offer)
            claimant = ClaimantFactory(jobcentre=work_coach.jobcentre)
            ReferralFactory(offer=offer, claimant=claimant, created_by=work_coach)

    grow(2)
    before = [queries(client, url) for url in (OFFERS, REFERRALS)]
    grow(6)
    assert [queries(client, url) for url in (OFFERS, REFERRALS)] == before
