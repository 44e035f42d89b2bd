import pytest
from django.urls import reverse
from django.utils.html import escape

from claimants.models import IwpOfferStatus
from iwp.models import AuditEvent
from tests.claimants.factories import ClaimantFactory
from tests.factories import JobcentreFactory, WorkCoachFactory

pytestmark = pytest.mark.django_db


def test_coach_sees_own_eligible_claimants_and_invites_one(coach_client, work_coach):
    mine = ClaimantFactory(
        jobcentre=work_coach.jobcentre,
        coach=work_coach,
        current_regime="light_touch",
        iwp_offer_status=IwpOfferStatus.ELIGIBLE,
    )
    colleague = WorkCoachFactory(team=work_coach.team)
    theirs = ClaimantFactory(
        jobcentre=work_coach.jobcentre,
        coach=colleague,
        current_regime="light_touch",
        iwp_offer_status=IwpOfferStatus.ELIGIBLE,
    )
    page = coach_client.get(reverse("claimants:iwp_offer_list"))
    assert escape(mine.full_name).encode() in page.content
    assert escape(theirs.full_name).encode() not in page.content
    response = coach_client.post(reverse("claimants:iwp_offer_invite", args=[mine.pk]))
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.iwp_offer_status == IwpOfferStatus.INVITED
    assert AuditEvent.objects.filter(target_type="claimants.claimant", target_id=str(mine.pk)).exists()
    # A team-mate's claimant: readable, not the coach's to change (the one rule, issue #15): 403, nothing changed.
    assert coach_client.post(reverse("claimants:iwp_offer_invite", args=[theirs.pk])).status_code == 403
    theirs.refresh_from_db()
    assert theirs.iwp_offer_status == IwpOfferStatus.ELIGIBLE


def test_team_leader_sees_the_team_but_not_other_jobcentres(leader_client, work_coach):
    ours = ClaimantFactory(jobcentre=work_coach.jobcentre, coach=work_coach, iwp_offer_status="eligible")
    elsewhere = ClaimantFactory(jobcentre=JobcentreFactory(), iwp_offer_status="eligible")
    page = leader_client.get(reverse("claimants:iwp_offer_list"))
    assert escape(ours.full_name).encode() in page.content
    assert escape(elsewhere.full_name).encode() not in page.content


def test_progression_lead_cannot_open_the_onboarding_list(lead_client):
    assert lead_client.get(reverse("claimants:iwp_offer_list")).status_code == 403


def test_invite_needs_post(coach_client, work_coach):
    c = ClaimantFactory(jobcentre=work_coach.jobcentre, coach=work_coach, iwp_offer_status="eligible")
    assert coach_client.get(reverse("claimants:iwp_offer_invite", args=[c.pk])).status_code == 405
