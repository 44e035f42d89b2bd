"""The progression plan's and the self-assessment's pure rules (issue #16), as tables."""

import datetime as dt

import pytest

from claimants.progression import rules
from claimants.progression.rules import Assessed, StepChange

TODAY = dt.date(2026, 12, 6)
ALL_THREE = {q.key: 3 for q in rules.QUESTIONS}


def test_the_questions_are_a_small_fixed_set_with_five_answers_each_in_plain_words():
    assert 5 <= len(rules.QUESTIONS) <= 8
    assert {"confidence", "job_search", "digital", "childcare", "transport", "health"} <= set(
        rules.QUESTION_KEYS
    )
    for q in rules.QUESTIONS:
        assert len(q.answers) == 5 and len(set(q.answers)) == 5
        assert q.text.endswith("?")
    assert (len(rules.QUESTIONS), 5 * len(rules.QUESTIONS)) == (rules.LOWEST_TOTAL, rules.HIGHEST_TOTAL)


@pytest.mark.parametrize(
    ("scores", "words", "problem_keys"),
    [
        (ALL_THREE, {}, set()),
        ({**ALL_THREE, "health": None}, {}, {"health"}),
        ({k: v for k, v in ALL_THREE.items() if k != "digital"}, {}, {"digital"}),
        ({**ALL_THREE, "confidence": 0}, {}, {"confidence"}),
        ({**ALL_THREE, "confidence": 6}, {}, {"confidence"}),
        ({**ALL_THREE, "confidence": "3"}, {}, {"confidence"}),
        ({**ALL_THREE, "confidence": True}, {}, {"confidence"}),
        ({**ALL_THREE, "shoe_size": 3}, {}, {"__all__"}),
        (ALL_THREE, {"confidence": "x" * 301}, {"confidence_words"}),
        (ALL_THREE, {"confidence": "x" * 300}, set()),
        (ALL_THREE, {"mood": "fine"}, {"__all__"}),
    ],
)
def test_every_question_is_answered_1_to_5(scores, words, problem_keys):
    assert set(rules.answer_problems(scores, words)) == problem_keys


def test_total_and_answer_words():
    scores = {**ALL_THREE, "confidence": 5, "health": 1}
    assert rules.total(scores) == 3 * (len(rules.QUESTIONS) - 2) + 5 + 1
    assert rules.answer_label("confidence", 5) == "Very confident"
    assert rules.answer_label("health", 5).startswith("Not at all")
    assert rules.answer_label("health", None) == "Not answered"
    assert rules.answer_label("nope", 3) == "Not answered"


@pytest.mark.parametrize(
    ("before", "after", "words"),
    [(None, 12, "first"), (12, 16, "up 4"), (16, 14, "down 2"), (14, 14, "no change")],
)
def test_change_words(before, after, words):
    assert rules.change_words(before, after) == words


def test_the_window_counts_months_as_every_dashboard_figure_does():
    assert rules.window_start(TODAY, 3) == TODAY - dt.timedelta(days=91)
    assert rules.window_start(TODAY, 6) == TODAY - dt.timedelta(days=183)


def a(days_ago: int, total: int, order: int = 0, question_set: str = rules.QUESTION_SET) -> Assessed:
    return Assessed(
        on=TODAY - dt.timedelta(days=days_ago), order=order, total=total, question_set=question_set
    )


@pytest.mark.parametrize(
    ("assessments", "months", "expected"),
    [
        ([], 3, (False, False)),
        ([a(10, 20)], 3, (False, False)),  # one is not a distance
        ([a(80, 12), a(10, 18)], 3, (True, True)),
        ([a(80, 18), a(10, 12)], 3, (True, False)),  # got worse
        ([a(80, 15), a(10, 15)], 3, (True, False)),  # the same is not improved
        ([a(150, 10), a(80, 20), a(10, 14)], 3, (True, False)),  # within 3 months it fell
        ([a(150, 10), a(80, 20), a(10, 14)], 6, (True, True)),  # over 6 it rose
        ([a(150, 10), a(10, 14)], 3, (False, False)),  # the first is outside the window
        ([a(91, 10), a(0, 14)], 3, (True, True)),  # both ends of the window are inside
        ([a(92, 10), a(0, 14)], 3, (False, False)),
        ([a(10, 20), a(-1, 25)], 3, (False, False)),  # a future date is not counted
        # Two on one day: the one recorded later is the later one.
        ([a(10, 20, order=2), a(10, 12, order=1)], 3, (True, True)),
        ([a(10, 12, order=2), a(10, 20, order=1)], 3, (True, False)),
        # Another question set is never compared with this one.
        ([a(80, 12, question_set="old"), a(10, 18)], 3, (False, False)),
    ],
)
def test_distance_travelled(assessments, months, expected):
    assert rules.distance(assessments, today=TODAY, months=months) == expected


ROUTES = ["more_hours", "better_job", "career"]


@pytest.mark.parametrize(
    ("goal", "route", "career_in", "problem_keys"),
    [
        ("Earn more", "more_hours", "", set()),
        ("  ", "more_hours", "", {"goal"}),
        ("x" * 1001, "more_hours", "", {"goal"}),
        ("Earn more", "lottery", "", {"route"}),
        ("Earn more", "career", "", {"career_in"}),
        ("Earn more", "career", "care work", set()),
        ("Earn more", "career", "x" * 121, {"career_in"}),
    ],
)
def test_plan_problems(goal, route, career_in, problem_keys):
    assert (
        set(rules.plan_problems(goal=goal, route=route, career_in=career_in, routes=ROUTES)) == problem_keys
    )


def test_step_problems_name_the_line():
    steps = [
        StepChange("Ask for Saturdays", TODAY),
        StepChange("", TODAY),
        StepChange("No date", None),
        StepChange("x" * 301, TODAY),
        StepChange("Bad status", TODAY, status="maybe"),
        StepChange("", None, step_id=4, remove=True),
    ]
    assert set(rules.step_problems(steps, ["to_do", "done", "dropped"])) == {
        "steps.1",
        "steps.2",
        "steps.3",
        "steps.4",
    }


def test_plan_changes_in_words():
    before = {"goal": "More hours", "route": "more_hours", "career_in": ""}
    after = {
        "goal": "A career",
        "route": "career",
        "career_in": "care work",
        "route_label": "A career in care work",
    }
    old = {
        1: StepChange("Ask for Saturdays", TODAY, "to_do", 1),
        2: StepChange("Rota", TODAY, "to_do", 2),
        3: StepChange("Course", TODAY, "to_do", 3),
    }
    later = TODAY + dt.timedelta(days=30)
    steps = [
        StepChange("Ask for Saturdays", TODAY, "done", 1),
        StepChange("Rota for the new year", later, "to_do", 2),
        StepChange("Course", TODAY, "to_do", 3, remove=True),
        StepChange("Level 2 care", later),
    ]
    assert rules.plan_changes(before, after, old, steps) == [
        "Goal changed",
        "Route now: A career in care work",
        "Step done: Ask for Saturdays",
        "Step reworded: Rota for the new year",
        f"New date for ‘Rota for the new year’: {later.day} {later:%B %Y}",
        "Step removed: Course",
        "Step added: Level 2 care",
    ]
    unchanged = [StepChange(s.text, s.target_on, s.status, pk) for pk, s in old.items()]
    assert rules.plan_changes(before, {**before}, old, unchanged) == []
