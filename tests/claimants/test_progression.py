"""The progression plan, distance travelled and earnings progression (issue #16): services (audited, locked,
refusing bad input), selectors (hours and pay per period, the timeline's events), the pages (who may see and
change what; errors, never a 500) and the record's constant number of queries."""

import datetime as dt
import random
import re
from decimal import Decimal
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from claimants.models import Employment, PlanStep, ProgressionPlan, SelfAssessment
from claimants.progression import rules, selectors
from claimants.progression.figures import distance_annotations, distance_counts
from claimants.progression.rules import StepChange
from claimants.progression.services import (
    PlanConflict,
    plan_review_record,
    plan_save,
    self_assessment_record,
)
from claimants.services import claimant_record_earnings
from iwp.figures import DashboardPeriod
from iwp.models import AuditEvent, AuditVerb
from tests.claimants.factories import ClaimantFactory
from tests.clock import OFFICE_HOURS
from tests.factories import TeamLeaderFactory, WorkCoachFactory, govuk_date

# On the office-hours clock (tests/clock.py): TODAY is read at collection, and must still be today when the test
# runs, perhaps after midnight.
pytestmark = [pytest.mark.django_db, pytest.mark.office_hours]

TODAY = OFFICE_HOURS.date()
SOON = TODAY + dt.timedelta(days=30)
LATER = TODAY + dt.timedelta(days=90)


@pytest.fixture
def mine(work_coach):
    return ClaimantFactory(
        jobcentre=work_coach.jobcentre, coach=work_coach, first_name="Helen", last_name="King"
    )


def answers(value: int = 3, **overrides: int) -> dict[str, int]:
    return {**{q.key: value for q in rules.QUESTIONS}, **overrides}


def make_plan(claimant, actor, steps=(("Ask for Saturday shifts", SOON), ("Be on 30 hours", LATER))):
    plan, _ = plan_save(
        claimant=claimant,
        actor=actor,
        goal="I want 30 hours a week",
        route="more_hours",
        steps=[StepChange(text, day) for text, day in steps],
    )
    return plan


# --- Services ----------------------------------------------------------------------------------------------


def test_a_plan_is_written_with_dated_steps_and_audited(mine, work_coach):
    plan = make_plan(mine, work_coach)
    assert (plan.goal, plan.route, plan.route_display) == (
        "I want 30 hours a week",
        "more_hours",
        "More hours with my employer",
    )
    assert [(s.text, s.target_on, s.status, s.position) for s in plan.steps.all()] == [
        ("Ask for Saturday shifts", SOON, "to_do", 1),
        ("Be on 30 hours", LATER, "to_do", 2),
    ]
    event = AuditEvent.objects.get(target_type="claimants.progressionplan", target_id=str(plan.pk))
    assert (event.verb, event.actor, event.payload["claimant"]) == (AuditVerb.CREATED, work_coach, mine.pk)


def test_changing_the_plan_says_what_changed_and_keeps_done_dates(mine, work_coach):
    plan = make_plan(mine, work_coach)
    first, second = plan.steps.all()
    plan, changes = plan_save(
        claimant=mine,
        actor=work_coach,
        goal="A career in care",
        route="career",
        career_in="care work",
        steps=[
            StepChange(first.text, first.target_on, "done", first.pk),
            StepChange(second.text, second.target_on, "to_do", second.pk, remove=True),
            StepChange("Start the Level 2 certificate", LATER),
        ],
        lock_version=plan.lock_version,
    )
    assert changes == [
        "Goal changed",
        "Route now: A career in care work",
        "Step done: Ask for Saturday shifts",
        "Step removed: Be on 30 hours",
        "Step added: Start the Level 2 certificate",
    ]
    assert plan.route_display == "A career in care work" and plan.lock_version == 1
    steps = list(plan.steps.all())
    assert [(s.text, s.status, s.done_on) for s in steps] == [
        ("Ask for Saturday shifts", "done", TODAY),
        ("Start the Level 2 certificate", "to_do", None),
    ]
    update = AuditEvent.objects.get(target_id=str(plan.pk), verb=AuditVerb.UPDATED)
    assert update.payload["changes"] == changes


def test_saving_an_unchanged_plan_writes_nothing(mine, work_coach):
    plan = make_plan(mine, work_coach)
    steps = [StepChange(s.text, s.target_on, s.status, s.pk) for s in plan.steps.all()]
    same, changes = plan_save(
        claimant=mine,
        actor=work_coach,
        goal=plan.goal,
        route=plan.route,
        steps=steps,
        lock_version=plan.lock_version,
    )
    assert changes == [] and same.lock_version == plan.lock_version
    assert AuditEvent.objects.filter(target_id=str(plan.pk)).count() == 1


def test_two_people_editing_one_plan_cannot_overwrite_each_other(mine, work_coach, team_leader):
    plan = make_plan(mine, work_coach)
    plan_save(claimant=mine, actor=team_leader, goal="Theirs", route="better_job", lock_version=0, steps=[])
    with pytest.raises(PlanConflict):
        plan_save(claimant=mine, actor=work_coach, goal="Mine", route="more_hours", lock_version=0, steps=[])
    with pytest.raises(PlanConflict):  # a second "first plan" from a page loaded before the first was saved
        plan_save(claimant=mine, actor=work_coach, goal="Mine", route="more_hours", steps=[])
    assert ProgressionPlan.objects.get(pk=plan.pk).goal == "Theirs"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"goal": " ", "route": "more_hours"}, "goal"),
        ({"goal": "Earn more", "route": "career", "career_in": ""}, "career_in"),
        ({"goal": "Earn more", "route": "nope"}, "route"),
        ({"goal": "Earn more", "route": "more_hours", "steps": [StepChange("No date", None)]}, "steps.0"),
    ],
)
def test_a_plan_with_problems_is_refused_and_nothing_saved(mine, work_coach, kwargs, field):
    with pytest.raises(ValidationError) as refused:
        plan_save(claimant=mine, actor=work_coach, **kwargs)
    assert field in refused.value.message_dict
    assert not ProgressionPlan.objects.exists() and not AuditEvent.objects.exists()


def test_a_review_marks_steps_done_and_bumps_the_lock(mine, work_coach):
    plan = make_plan(mine, work_coach)
    first, _second = plan.steps.all()
    review = plan_review_record(
        plan=plan,
        actor=work_coach,
        reviewed_on=TODAY,
        what_changed="Manager said yes to Saturdays",
        steps_done=[first.pk, 999_999],
    )
    first.refresh_from_db()
    assert (first.status, first.done_on) == ("done", TODAY)
    assert (
        review.steps_done == ["Ask for Saturday shifts"]
        and review.what_changed == "Manager said yes to Saturdays"
    )
    assert ProgressionPlan.objects.get(pk=plan.pk).lock_version == 1
    assert AuditEvent.objects.filter(target_type="claimants.planreview", target_id=str(review.pk)).exists()


def test_a_self_assessment_keeps_answers_words_and_total_and_leaves_answers_out_of_the_audit(
    mine, work_coach, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assessment = self_assessment_record(
            claimant=mine,
            actor=work_coach,
            assessed_on=TODAY,
            scores=answers(2, confidence=4, health=1),
            words={"confidence": "  Better since the course  ", "digital": "   "},
        )
    assert assessment.total == 2 * (len(rules.QUESTIONS) - 2) + 4 + 1
    assert assessment.words == {"confidence": "Better since the course"}
    assert assessment.question_set == rules.QUESTION_SET
    event = AuditEvent.objects.get(target_type="claimants.selfassessment")
    assert event.payload == {"claimant": mine.pk, "assessed_on": TODAY.isoformat(), "total": assessment.total}
    assert len(callbacks) == 1  # the distance-travelled figure is recounted once it commits


@pytest.mark.parametrize(
    ("scores", "day", "field"),
    [
        (answers(health=None), TODAY, "health"),
        (answers(confidence=9), TODAY, "confidence"),
        (answers(), TODAY + dt.timedelta(days=1), "assessed_on"),
    ],
)
def test_a_self_assessment_with_problems_is_refused(mine, work_coach, scores, day, field):
    with pytest.raises(ValidationError) as refused:
        self_assessment_record(claimant=mine, actor=work_coach, assessed_on=day, scores=scores)
    assert field in refused.value.message_dict
    assert not SelfAssessment.objects.exists()


# --- Selectors ---------------------------------------------------------------------------------------------


def test_hours_and_pay_per_period_from_earnings_and_jobs(mine):
    mine.assessment_day = 10
    mine.save()
    for month, pay in ((7, "800"), (8, "820"), (9, "1000"), (10, "1100")):
        claimant_record_earnings(
            claimant=mine, period_start=dt.date(2026, month, 10), employed_earnings=Decimal(pay)
        )
    # 16 hours until 31 August, then 24 at the same employer; a zero-hours second job from 1 October.
    Employment.objects.create(
        claimant=mine,
        employer="Greggs",
        contract_type="permanent",
        hours_per_week=16,
        ended_on=dt.date(2026, 8, 31),
    )
    Employment.objects.create(
        claimant=mine,
        employer="Greggs",
        contract_type="permanent",
        hours_per_week=24,
        started_on=dt.date(2026, 9, 1),
    )
    rows = selectors.earnings_progression(mine)
    assert [(r.period_start.month, r.pay, r.hours, r.hours_note) for r in rows] == [
        (7, Decimal("800"), Decimal(16), ""),
        (8, Decimal("820"), Decimal(24), ""),  # the new hours on the period's last day, 9 September
        (9, Decimal("1000"), Decimal(24), ""),
        (10, Decimal("1100"), Decimal(24), ""),
    ]
    assert rows[1].period_end == dt.date(2026, 9, 9)
    assert selectors.progression_summary(rows) == (
        "Pay up £300.00 and usual hours up 8 a week since the period from 10 July 2026."
    )
    Employment.objects.create(
        claimant=mine, employer="Agency", contract_type="zero_hours", started_on=dt.date(2026, 10, 1)
    )
    rows = selectors.earnings_progression(mine)
    assert (rows[-1].hours, rows[-1].hours_note) == (None, "hours vary")  # unknown, never 0
    Employment.objects.all().delete()
    assert {r.hours_note for r in selectors.earnings_progression(mine)} == {"no job recorded"}


def test_timeline_events_for_plan_created_updated_reviewed_and_self_assessments(mine, work_coach):
    plan = make_plan(mine, work_coach)
    first = plan.steps.first()
    plan_save(
        claimant=mine,
        actor=work_coach,
        goal="I want 30 hours a week",
        route="better_job",
        steps=[StepChange(s.text, s.target_on, s.status, s.pk) for s in plan.steps.all()],
        lock_version=0,
    )
    plan_review_record(plan=plan, actor=work_coach, reviewed_on=TODAY, steps_done=[first.pk])
    self_assessment_record(
        claimant=mine, actor=work_coach, assessed_on=TODAY - dt.timedelta(days=60), scores=answers(2)
    )
    self_assessment_record(claimant=mine, actor=work_coach, assessed_on=TODAY, scores=answers(3))
    events = selectors.progression_timeline_events(mine)
    assert all(timezone.is_aware(e["at"]) and set(e) == {"at", "kind", "title", "text"} for e in events)
    assert [e["at"] for e in events] == sorted((e["at"] for e in events), reverse=True)
    titles = {(e["kind"], e["title"].split(" by ")[0]) for e in events}
    assert titles == {
        ("plan", "Progression plan created"),
        ("plan", "Progression plan updated"),
        ("plan", "Progression plan reviewed"),
        ("self_assessment", "Self-assessment recorded"),
    }
    texts = {e["title"].split(" by ")[0]: e["text"] for e in events if e["kind"] == "plan"}
    assert texts["Progression plan updated"] == "Route now: A better-paid job."
    assert texts["Progression plan reviewed"] == "Done: Ask for Saturday shifts."
    assessments = [e["text"] for e in events if e["kind"] == "self_assessment"]
    assert assessments == [
        f"Total 18 of {rules.HIGHEST_TOTAL} (up 6).",
        f"Total 12 of {rules.HIGHEST_TOTAL} (first).",
    ]
    assert selectors.progression_timeline_events(ClaimantFactory()) == []


def test_removing_a_step_leaves_its_items_but_empties_their_link(mine, work_coach):
    from tests.appointments.factories import AgreedActionFactory

    plan = make_plan(mine, work_coach)
    first, _second = plan.steps.all()
    action = AgreedActionFactory(claimant=mine, created_by=work_coach, plan_step=first)
    plan_save(
        claimant=mine,
        actor=work_coach,
        goal=plan.goal,
        route=plan.route,
        steps=[StepChange(first.text, first.target_on, "to_do", first.pk, remove=True)],
        lock_version=0,
    )
    action.refresh_from_db()
    assert action.plan_step is None and not PlanStep.objects.filter(pk=first.pk).exists()


# --- The team figure: SQL equals the rule ----------------------------------------------------------------


def test_the_figure_and_the_caseload_filter_equal_the_pure_rule_on_random_histories(work_coach):
    rng = random.Random(16)
    claimants = [ClaimantFactory(jobcentre=work_coach.jobcentre, coach=work_coach) for _ in range(40)]
    for claimant in claimants:
        for _ in range(rng.choice([0, 1, 2, 2, 3, 4])):
            SelfAssessment.objects.create(
                claimant=claimant,
                assessed_on=TODAY
                - dt.timedelta(days=rng.choice([0, 5, 30, 60, 91, 92, 120, 183, 184, 200, -1])),
                scores={},
                total=rng.randint(6, 30),
                question_set=rng.choice([rules.QUESTION_SET] * 5 + ["old"]),
                recorded_by=work_coach,
            )
    expected = {f"distance_{kind}_{m}m": 0 for m in rules.WINDOWS for kind in ("assessed", "improved")}
    for claimant in claimants:
        history = [
            rules.Assessed(on=a.assessed_on, order=a.pk, total=a.total, question_set=a.question_set)
            for a in claimant.self_assessments.all()
        ]
        for months in rules.WINDOWS:
            counted, improved = rules.distance(history, today=TODAY, months=months)
            expected[f"distance_assessed_{months}m"] += counted
            expected[f"distance_improved_{months}m"] += improved
    period = DashboardPeriod(today=TODAY, now=timezone.now())
    assert distance_counts([work_coach.pk], period) == {work_coach.pk: expected}
    assert expected["distance_assessed_3m"] > 0 and expected["distance_improved_6m"] > 0
    from claimants.models import Claimant
    from claimants.progression.figures import counted, improved

    for months in rules.WINDOWS:
        rows = Claimant.objects.filter(coach=work_coach).annotate(**distance_annotations(TODAY, months))
        assert rows.filter(counted(months)).count() == expected[f"distance_assessed_{months}m"]
        assert rows.filter(improved(months)).count() == expected[f"distance_improved_{months}m"]


# --- Pages ---------------------------------------------------------------------------------------------------


def plan_post(goal="I want 30 hours", route="more_hours", career_in="", steps=(), initial=0, lock_version=""):
    data = {
        "lock_version": lock_version,
        "goal": goal,
        "route": route,
        "career_in": career_in,
        "steps-TOTAL_FORMS": str(max(len(steps), initial)),
        "steps-INITIAL_FORMS": str(initial),
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "30",
    }
    for n, step in enumerate(steps):
        text, day, *rest = step
        data[f"steps-{n}-text"] = text
        if day is not None:
            data.update(govuk_date(f"steps-{n}-target_on", day.isoformat()))
        if rest:
            data[f"steps-{n}-status"] = rest[0]
    return data


def assessment_post(day=TODAY, **scores):
    data = govuk_date("assessed_on", day.isoformat())
    data.update({key: str(value) for key, value in answers(**scores).items()})
    return data


def error_summary(response) -> str:
    match = re.search(r'<div class="govuk-error-summary".*?</ul>', response.content.decode(), re.S)
    return unescape(match.group(0)) if match else ""


def test_a_coach_writes_a_plan_in_the_browser_form(coach_client, mine):
    url = reverse("claimants:progression_plan_edit", args=[mine.pk])
    page = coach_client.get(url)
    assert page.status_code == 200 and "Write a progression plan" in page.content.decode()
    response = coach_client.post(
        url,
        plan_post(route="career", career_in="care work", steps=[("Start the Level 2 certificate", LATER)]),
    )
    assert response.status_code == 302 and response.url == reverse("claimants:progression", args=[mine.pk])
    plan = ProgressionPlan.objects.get(claimant=mine)
    assert plan.route_display == "A career in care work"
    page = coach_client.get(response.url).content.decode()
    assert (
        "Start the Level 2 certificate" in page and "Link agreed actions" in page and "Link referrals" in page
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (plan_post(goal=""), "Write the claimant's goal, in their words"),
        (plan_post(route=""), "Select the route to the goal"),
        (plan_post(route="career"), "Say which career"),
        (plan_post(steps=[("Ask", None)]), "Give the date the step should be done by"),
        (plan_post(steps=[("", SOON)]), "Describe the step"),
        (plan_post(steps=[("Ask", dt.date(2020, 1, 1))]), "must be within the last 2 years"),
        (plan_post(steps=[("Ask", TODAY + dt.timedelta(days=365 * 4))]), "must be within the next 3 years"),
        ({**plan_post(steps=[("Ask", SOON)]), "steps-0-target_on_1": "13"}, "must be a real date"),
        ({**plan_post(), "steps-TOTAL_FORMS": "x"}, ""),  # a broken formset is a form error, not a 500
    ],
)
def test_bad_plan_input_gets_a_govuk_error_and_saves_nothing(coach_client, mine, data, message):
    response = coach_client.post(reverse("claimants:progression_plan_edit", args=[mine.pk]), data)
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert message in error_summary(response)
    assert not ProgressionPlan.objects.exists()


def test_a_stale_editor_is_refused_with_409_and_keeps_what_was_typed(coach_client, mine, work_coach):
    plan = make_plan(mine, work_coach)
    plan_review_record(plan=plan, actor=work_coach, reviewed_on=TODAY)  # changed since the page was loaded
    steps = [(s.text, s.target_on, s.status) for s in plan.steps.all()]
    response = coach_client.post(
        reverse("claimants:progression_plan_edit", args=[mine.pk]),
        plan_post(goal="Typed while someone else changed it", steps=steps, initial=2, lock_version="0"),
    )
    assert response.status_code == 409
    assert "Someone else changed this plan" in response.content.decode()
    assert "Typed while someone else changed it" in response.content.decode()
    assert ProgressionPlan.objects.get().goal == "I want 30 hours a week"


def test_a_coach_records_a_self_assessment_once(coach_client, mine):
    url = reverse("claimants:self_assessment_new", args=[mine.pk])
    page = coach_client.get(url).content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    data = {**assessment_post(confidence=5), "form_token": token}
    assert coach_client.post(url, data).status_code == 302
    again = coach_client.post(url, data)  # Back and submit again: still one
    assert again.status_code == 302 and SelfAssessment.objects.count() == 1
    assert SelfAssessment.objects.get().scores["confidence"] == 5


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"health": ""}, "Select an answer for ‘health’"),
        ({"digital": "7"}, "Select one of the answers for ‘digital skills’"),
        ({"assessed_on_0": "40"}, "must be a real date"),
        ({"confidence_words": "x" * 301}, "300 characters or fewer"),
    ],
)
def test_bad_self_assessment_input_gets_a_govuk_error(coach_client, mine, change, message):
    response = coach_client.post(
        reverse("claimants:self_assessment_new", args=[mine.pk]), {**assessment_post(), **change}
    )
    assert response.status_code == 200 and message in error_summary(response)
    assert not SelfAssessment.objects.exists()


def test_a_future_self_assessment_date_is_refused(coach_client, mine):
    response = coach_client.post(
        reverse("claimants:self_assessment_new", args=[mine.pk]),
        assessment_post(day=TODAY + dt.timedelta(days=2)),
    )
    assert "must be today or in the past" in error_summary(response)


def test_who_may_see_and_change_the_plan_and_the_answers(client, mine, work_coach, team, role_clients):
    plan = make_plan(mine, work_coach)
    self_assessment_record(
        claimant=mine, actor=work_coach, assessed_on=TODAY, scores=answers(), words={"health": "Back pain"}
    )
    page = reverse("claimants:progression", args=[mine.pk])
    edit = reverse("claimants:progression_plan_edit", args=[mine.pk])
    new = reverse("claimants:self_assessment_new", args=[mine.pk])
    # Anonymous: sign in first.
    assert client.get(page).status_code == 302 and "/sign-in/" in client.get(page).url
    # Progression leads do not do casework.
    assert role_clients["progression_lead"].get(page).status_code == 403
    for role in ("work_coach", "team_leader", "administrator"):
        html = role_clients[role].get(page).content.decode()
        assert "Back pain" in html and plan.goal in html, role
        assert role_clients[role].get(edit).status_code == 200, role
    # A colleague in the same jobcentre reads the plan but not the answers, and cannot change either.
    colleague = WorkCoachFactory(team=team)
    client.force_login(colleague)
    html = client.get(page).content.decode()
    assert plan.goal in html and "Back pain" not in html and 'data-testid="distance-restricted"' in html
    # Visible but not theirs to change: 403 (claimants.selectors.may_edit; it was a 404).
    assert client.get(edit).status_code == 403 and client.get(new).status_code == 403
    record = client.get(reverse("claimants:record", args=[mine.pk])).content.decode()
    assert 'data-testid="plan-card"' in record and 'data-testid="distance-restricted"' in record
    # Another jobcentre: no such claimant.
    client.force_login(TeamLeaderFactory())
    assert client.get(page).status_code == 404 and client.get(edit).status_code == 404


def test_the_record_shows_the_plan_card_and_the_distance_chart_with_hours_and_pay(
    coach_client, mine, work_coach
):
    make_plan(mine, work_coach)
    self_assessment_record(
        claimant=mine, actor=work_coach, assessed_on=TODAY - dt.timedelta(days=60), scores=answers(2)
    )
    self_assessment_record(claimant=mine, actor=work_coach, assessed_on=TODAY, scores=answers(3))
    claimant_record_earnings(
        claimant=mine, period_start=dt.date(2026, 9, 10), employed_earnings=Decimal("900")
    )
    Employment.objects.create(claimant=mine, employer="Greggs", contract_type="permanent", hours_per_week=16)
    html = coach_client.get(reverse("claimants:record", args=[mine.pk])).content.decode()
    card = html[html.index('data-testid="plan-card"') :]
    assert "I want 30 hours a week" in card and "More hours with my employer" in card
    assert "Ask for Saturday shifts" in card and "Not reviewed yet" in card
    assert 'data-testid="distance-chart"' in html and html.count('class="iwp-chart-point"') == 2
    assert f"Latest total 18 out of {rules.HIGHEST_TOTAL}" in html and "up 6 since the first" in html
    table = html[html.index('data-testid="hours-and-pay"') :]
    assert "£900.00" in table and ">16<" in table


def test_the_record_and_progression_page_run_a_constant_number_of_queries(coach_client, mine, work_coach):
    def count(name: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert coach_client.get(reverse(name, args=[mine.pk])).status_code == 200
        return len(ctx.captured_queries)

    from tests.appointments.factories import AgreedActionFactory
    from tests.provision.factories import OfferFactory, ReferralFactory

    plan = make_plan(mine, work_coach)
    self_assessment_record(claimant=mine, actor=work_coach, assessed_on=TODAY, scores=answers())
    plan_review_record(plan=plan, actor=work_coach, reviewed_on=TODAY)
    # (The record reads a job's shifts only when there is a job: one of each first.)
    Employment.objects.create(claimant=mine, employer="Greggs", contract_type="agency", hours_per_week=10)
    claimant_record_earnings(
        claimant=mine, period_start=dt.date(2025, 12, 10), employed_earnings=Decimal("500")
    )
    before = {name: count(name) for name in ("claimants:record", "claimants:progression")}
    offer = OfferFactory(district=mine.jobcentre.district)
    for n in range(6):
        step = PlanStep.objects.create(plan=plan, text=f"Step {n}", target_on=SOON, position=10 + n)
        AgreedActionFactory(claimant=mine, created_by=work_coach, plan_step=step)
        ReferralFactory(claimant=mine, offer=offer, created_by=work_coach, plan_step=step)
        self_assessment_record(
            claimant=mine, actor=work_coach, assessed_on=TODAY - dt.timedelta(days=n * 20), scores=answers(2)
        )
        plan_review_record(plan=plan, actor=work_coach, reviewed_on=TODAY)
        claimant_record_earnings(
            claimant=mine, period_start=dt.date(2026, 1 + n, 10), employed_earnings=Decimal("500")
        )
        Employment.objects.create(claimant=mine, employer=f"E{n}", contract_type="agency", hours_per_week=10)
    after = {name: count(name) for name in ("claimants:record", "claimants:progression")}
    assert after == before, (before, after)
    html = coach_client.get(reverse("claimants:progression", args=[mine.pk])).content.decode()
    assert html.count("Agreed action: Ask the manager") == 6 and html.count("Referral: <a") == 6
