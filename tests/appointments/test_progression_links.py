"""The progression plan from the apps above claimants (issue #16): agreed actions and referrals serving a step
(from the outcome form, the referral form and the link pages), the plan reviewed at an appointment, and a
self-assessment made at one. Everything audited; bad or forged input refused with nothing saved."""

import datetime as dt
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from appointments.models import AgreedAction, Appointment
from appointments.services import OutcomeRefused, PlanReviewInput, appointment_record_outcome
from claimants.models import PlanReview, SelfAssessment
from claimants.progression import rules
from claimants.progression.rules import StepChange
from claimants.progression.selectors import plan_view
from claimants.progression.services import plan_save
from iwp.models import AuditEvent
from provision.models import Referral
from tests.appointments.factories import AgreedActionFactory, AppointmentFactory
from tests.appointments.test_pages import outcome_data, summary
from tests.claimants.factories import ClaimantFactory
from tests.factories import TeamLeaderFactory, WorkCoachFactory
from tests.provision.factories import OfferFactory, ReferralFactory

pytestmark = pytest.mark.django_db

SOON = timezone.localdate() + dt.timedelta(days=30)


@pytest.fixture
def plan(claimant, work_coach):
    made, _ = plan_save(
        claimant=claimant,
        actor=work_coach,
        goal="I want 30 hours a week",
        route="more_hours",
        steps=[StepChange("Ask for Saturday shifts", SOON), StepChange("Be on 30 hours", SOON)],
    )
    return made


def steps_of(plan):
    return list(plan.steps.all())


def test_an_agreed_action_on_the_outcome_form_serves_a_step(coach_client, past_appointment, plan):
    first, _ = steps_of(plan)
    url = reverse("appointments:outcome", args=[past_appointment.pk])
    page = coach_client.get(url).content.decode()
    assert (
        "Which step of the progression plan does it serve?" in page and "Ask for Saturday shifts – by" in page
    )
    due = timezone.localdate() + dt.timedelta(days=7)
    data = outcome_data(actions=[("more_hours", "Ask the manager in writing", due)])
    data["actions-0-plan_step"] = str(first.pk)
    response = coach_client.post(url, data)
    assert response.status_code == 302, summary(response)
    action = AgreedAction.objects.get()
    assert action.plan_step == first
    assert AuditEvent.objects.get(target_type="appointments.agreedaction").payload["plan_step"] == first.pk
    view = plan_view(past_appointment.claimant)
    assert [(link.kind, link.text) for link in view.steps[0].links] == [
        ("Agreed action", "Ask the manager in writing")
    ]


def test_without_a_plan_the_outcome_form_asks_no_plan_questions(coach_client, past_appointment):
    page = coach_client.get(reverse("appointments:outcome", args=[past_appointment.pk])).content.decode()
    assert "Which step of the progression plan" not in page and 'name="plan-reviewed"' not in page
    assert 'data-testid="no-plan"' in page and "Write one" in page
    response = coach_client.post(reverse("appointments:outcome", args=[past_appointment.pk]), outcome_data())
    assert response.status_code == 302, summary(response)


def test_a_step_of_another_claimants_plan_is_refused(coach_client, past_appointment, plan, work_coach):
    other = ClaimantFactory(jobcentre=work_coach.jobcentre, coach=work_coach)
    theirs, _ = plan_save(
        claimant=other, actor=work_coach, goal="x", route="better_job", steps=[StepChange("Theirs", SOON)]
    )
    data = outcome_data(actions=[("more_hours", "Ask", timezone.localdate() + dt.timedelta(days=7))])
    data["actions-0-plan_step"] = str(theirs.steps.get().pk)
    response = coach_client.post(reverse("appointments:outcome", args=[past_appointment.pk]), data)
    assert response.status_code == 200
    assert "Select a step of the claimant's progression plan" in unescape(summary(response))
    assert not AgreedAction.objects.exists()
    # The service refuses it too (a caller that skips the form).
    from appointments.services import ActionInput

    with pytest.raises(OutcomeRefused):
        appointment_record_outcome(
            appointment=past_appointment,
            actor=work_coach,
            outcome="attended",
            actions=[ActionInput("more_hours", "Ask", SOON, plan_step_id=theirs.steps.get().pk)],
        )
    assert not AgreedAction.objects.exists()


def test_reviewing_the_plan_at_the_appointment_records_a_review_with_the_appointment(
    coach_client, past_appointment, plan, work_coach
):
    first, second = steps_of(plan)
    data = outcome_data(
        **{
            "plan-reviewed": "on",
            "plan-steps_done": [str(first.pk)],
            "plan-what_changed": "Manager agreed Saturdays from January",
        }
    )
    response = coach_client.post(reverse("appointments:outcome", args=[past_appointment.pk]), data)
    assert response.status_code == 302, summary(response)
    past_appointment.refresh_from_db()
    review = past_appointment.plan_review
    assert review == PlanReview.objects.get()
    assert review.reviewed_on == past_appointment.starts_at.astimezone(timezone.get_current_timezone()).date()
    assert (review.what_changed, review.steps_done, review.reviewed_by) == (
        "Manager agreed Saturdays from January",
        ["Ask for Saturday shifts"],
        work_coach,
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("done", "to_do")
    assert AuditEvent.objects.filter(target_type="claimants.planreview").exists()
    assert AuditEvent.objects.filter(
        target_type="appointments.appointment", payload__plan_review=review.pk
    ).exists()
    record = coach_client.get(
        reverse("claimants:record", args=[past_appointment.claimant_id])
    ).content.decode()
    card = record[record.index('data-testid="plan-card"') :]
    assert "Manager agreed Saturdays from January" in card


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"outcome": "failed_to_attend", "plan-reviewed": "on"},
            "record a review only for an appointment they came to",
        ),
        ({"plan-what_changed": "Something"}, "Tick ‘We reviewed the progression plan’"),
    ],
)
def test_a_review_that_cannot_be_is_refused_and_nothing_saved(
    coach_client, past_appointment, plan, data, message
):
    response = coach_client.post(
        reverse("appointments:outcome", args=[past_appointment.pk]), {**outcome_data(), **data}
    )
    assert response.status_code == 200
    assert message in unescape(response.content.decode())
    past_appointment.refresh_from_db()
    assert past_appointment.status == "booked" and not PlanReview.objects.exists()


def test_the_service_refuses_a_review_without_a_plan(past_appointment, work_coach):
    with pytest.raises(OutcomeRefused) as refused:
        appointment_record_outcome(
            appointment=past_appointment, actor=work_coach, outcome="attended", plan_review=PlanReviewInput()
        )
    assert refused.value.problems[0].field == "plan_review"
    assert Appointment.objects.get().status == "booked"


def test_link_agreed_actions_to_a_step_and_unlink_them(coach_client, claimant, plan, work_coach):
    first, second = steps_of(plan)
    open_action = AgreedActionFactory(claimant=claimant, created_by=work_coach, description="Ask in writing")
    elsewhere = AgreedActionFactory(
        claimant=claimant, created_by=work_coach, description="CV", plan_step=second
    )
    old = AgreedActionFactory(
        claimant=claimant,
        created_by=work_coach,
        description="Long done",
        status="done",
        completed_on=timezone.localdate() - dt.timedelta(days=200),
    )
    url = reverse("appointments:link_actions", args=[first.pk])
    page = coach_client.get(url).content.decode()
    assert "Ask in writing" in page and "CV" in page and "now serves another step" in page
    assert "Long done" not in page  # closed more than 90 days ago
    response = coach_client.post(url, {"actions": [str(open_action.pk), str(elsewhere.pk)]})
    assert response.status_code == 302
    open_action.refresh_from_db()
    elsewhere.refresh_from_db()
    assert open_action.plan_step == first and elsewhere.plan_step == first
    assert AuditEvent.objects.filter(target_type="appointments.agreedaction").count() == 2
    response = coach_client.post(url, {"actions": [str(elsewhere.pk)]})
    open_action.refresh_from_db()
    assert open_action.plan_step is None
    # A forged id is a form error, nothing changes.
    response = coach_client.post(url, {"actions": [str(old.pk)]})
    assert response.status_code == 200 and "Select agreed actions from the list" in unescape(
        response.content.decode()
    )


def test_link_pages_are_for_the_claimants_office(client, claimant, plan, work_coach, role_clients):
    step = steps_of(plan)[0]
    for name in ("appointments:link_actions", "provision:link_referrals"):
        url = reverse(name, args=[step.pk])
        assert client.get(url).status_code == 302  # sign in first
        assert role_clients["progression_lead"].get(url).status_code == 403
        assert role_clients["work_coach"].get(url).status_code == 200
        assert role_clients["team_leader"].get(url).status_code == 200
        client.force_login(TeamLeaderFactory())
        assert client.get(url).status_code == 404
        assert role_clients["work_coach"].get(reverse(name, args=[999_999])).status_code == 404
        client.logout()


def test_a_referral_serves_a_step_from_the_refer_form_and_the_link_page(
    coach_client, claimant, plan, work_coach
):
    first, second = steps_of(plan)
    offer = OfferFactory(district=claimant.jobcentre.district, name="Forklift licence")
    url = reverse("provision:refer", args=[claimant.pk, offer.pk])
    assert "Which step of the progression plan does it serve?" in coach_client.get(url).content.decode()
    response = coach_client.post(url, {"action": "signpost", "plan_step": str(second.pk)})
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.plan_step == second
    assert AuditEvent.objects.get(target_type="provision.referral").payload["plan_step"] == second.pk
    # Another claimant's step on the form: refused.
    other, _ = plan_save(
        claimant=ClaimantFactory(jobcentre=claimant.jobcentre, coach=work_coach),
        actor=work_coach,
        goal="x",
        route="better_job",
        steps=[StepChange("Theirs", SOON)],
    )
    response = coach_client.post(url, {"action": "signpost", "plan_step": str(other.steps.get().pk)})
    assert response.status_code == 200 and Referral.objects.count() == 1
    # The link page moves it to the first step.
    link = reverse("provision:link_referrals", args=[first.pk])
    assert "Forklift licence" in coach_client.get(link).content.decode()
    assert coach_client.post(link, {"referrals": [str(referral.pk)]}).status_code == 302
    referral.refresh_from_db()
    assert referral.plan_step == first
    view = plan_view(claimant)
    assert [(link.kind, link.text) for link in view.steps[0].links] == [("Signposted", "Forklift licence")]
    assert view.steps[0].links[0].url == reverse("provision:referral_detail", args=[referral.pk])


def test_a_referral_of_another_claimant_cannot_be_linked(claimant, plan, work_coach):
    from provision.services import ProvisionError, referrals_link_step

    stranger = ReferralFactory(claimant=ClaimantFactory(), created_by=work_coach)
    with pytest.raises(ProvisionError):
        referrals_link_step(step=steps_of(plan)[0], referrals=[stranger], actor=work_coach)
    stranger.refresh_from_db()
    assert stranger.plan_step is None


def test_a_self_assessment_at_an_appointment_is_dated_and_linked(coach_client, past_appointment, work_coach):
    url = reverse("appointments:self_assessment", args=[past_appointment.pk])
    page = coach_client.get(url).content.decode()
    assert 'data-testid="at-appointment"' in page and 'name="assessed_on_0"' not in page
    response = coach_client.post(
        url, {q.key: "4" for q in rules.QUESTIONS} | {"confidence_words": "Much better"}
    )
    assert response.status_code == 302
    past_appointment.refresh_from_db()
    assessment = past_appointment.self_assessment
    assert assessment == SelfAssessment.objects.get()
    assert assessment.total == 4 * len(rules.QUESTIONS) and assessment.words == {"confidence": "Much better"}
    assert (
        assessment.assessed_on
        == past_appointment.starts_at.astimezone(timezone.get_current_timezone()).date()
    )
    # One per appointment.
    assert coach_client.get(url).status_code == 302
    assert SelfAssessment.objects.count() == 1


def test_a_self_assessment_waits_for_the_appointment_and_its_people(
    coach_client, claimant, work_coach, client
):
    future = AppointmentFactory(coach=work_coach, claimant=claimant)
    url = reverse("appointments:self_assessment", args=[future.pk])
    assert coach_client.get(url).status_code == 302 and not SelfAssessment.objects.exists()
    start = timezone.now() - dt.timedelta(hours=1)
    held = AppointmentFactory(coach=work_coach, claimant=claimant, starts_at=start)
    url = reverse("appointments:self_assessment", args=[held.pk])
    other_office = WorkCoachFactory()
    client.force_login(other_office)
    assert client.get(url).status_code == 404
    response = coach_client.post(url, {"confidence": "4"})
    assert response.status_code == 200 and "Select an answer for ‘health’" in unescape(
        response.content.decode()
    )
