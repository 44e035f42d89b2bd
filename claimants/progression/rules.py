"""The progression plan and the distance-travelled self-assessment as plain rules (issue #16). Pure: stdlib only,
no Django, no I/O (an import-linter contract keeps it so), so the questions, the totals and "improved" are decided
in one place and tested as tables.

The self-assessment is a short, fixed set of questions a work coach asks at intake and at reviews. Each is
answered on a 1–5 scale whose words a claimant understands, where 5 is always the better place to be (for the
barrier questions: "not at all" in the way, or it does not apply). The *total* is the sum of the answers, so a
higher total means the claimant has travelled further. Questions are data: changing them means a new
``QUESTION_SET``; totals are only ever compared within one set.

Distance travelled (the team figure, written down in the README notes): over a window of the last N months
(``window_start``: the same "N months" as every other dashboard figure, ``today − round(N × 30.44)`` days), a
claimant *counts* when they have two or more self-assessments of the current question set dated in the window
(from ``window_start`` to today, both included), and has *improved* when the total of the latest of those is
strictly higher than the total of the earliest (two on one day: the one recorded later is the later).
The figure is the share improved / counted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

QUESTION_SET = "2026-1"
SCALE = (1, 2, 3, 4, 5)
WORDS_MAX = 300  # characters of the claimant's own words per question

_IN_THE_WAY = (
    "It stops me completely",
    "A lot",
    "Somewhat",
    "A little",
    "Not at all, or it does not apply to me",
)


@dataclass(frozen=True)
class Question:
    key: str
    short: str  # the chart's and the table's name for it
    text: str  # what the coach asks, in the claimant's terms
    answers: tuple[str, str, str, str, str]  # the words for 1 … 5 (5 is always better)
    hint: str = ""


QUESTIONS: tuple[Question, ...] = (
    Question(
        "confidence",
        "Confidence",
        "How confident do you feel about earning more?",
        ("Not at all confident", "A little confident", "Fairly confident", "Confident", "Very confident"),
    ),
    Question(
        "job_search",
        "Job-search skills",
        "How well can you look for and apply for more hours or a better job?",
        (
            "I don't know where to start",
            "I need a lot of help",
            "I can do some of it",
            "I can do most of it",
            "I can do it on my own",
        ),
    ),
    Question(
        "digital",
        "Digital skills",
        "How easy is it for you to use a phone or computer for work things, like email and online forms?",
        ("I can't do this", "Very hard", "Quite hard", "Quite easy", "Easy"),
    ),
    Question(
        "childcare",
        "Childcare and caring",
        "How much does childcare or caring for someone get in the way of working more?",
        _IN_THE_WAY,
    ),
    Question(
        "transport",
        "Transport",
        "How much does getting to work get in the way of working more?",
        _IN_THE_WAY,
    ),
    Question(
        "health",
        "Health",
        "How much does your health get in the way of working more?",
        _IN_THE_WAY,
        hint="Do not write about a condition here: add it as a circumstance, which is kept restricted.",
    ),
)
QUESTION_KEYS = tuple(q.key for q in QUESTIONS)
BY_KEY: Mapping[str, Question] = {q.key: q for q in QUESTIONS}
LOWEST_TOTAL = len(QUESTIONS) * SCALE[0]
HIGHEST_TOTAL = len(QUESTIONS) * SCALE[-1]

# How many months the team figure looks back (both are counted, like the earnings rises).
WINDOWS = (3, 6)


def answer_problems(scores: Mapping[str, object], words: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every question answered with a whole number from 1 to 5 (no question left out, none unknown), and the
    claimant's words short enough. {question key: message} for each problem."""
    problems: dict[str, str] = {}
    for q in QUESTIONS:
        value = scores.get(q.key)
        if value is None or value == "":
            problems[q.key] = f"Select an answer for ‘{q.short.lower()}’"
        elif isinstance(value, bool) or not isinstance(value, int) or value not in SCALE:
            problems[q.key] = f"Select one of the answers for ‘{q.short.lower()}’"
    unknown = sorted(set(scores) - set(QUESTION_KEYS))
    if unknown:
        problems["__all__"] = f"Unknown question: {', '.join(unknown)}"
    for key, text in (words or {}).items():
        if key not in BY_KEY:
            problems["__all__"] = f"Unknown question: {key}"
        elif len(text) > WORDS_MAX:
            problems[f"{key}_words"] = f"Keep the claimant's words to {WORDS_MAX} characters or fewer"
    return problems


def total(scores: Mapping[str, int]) -> int:
    """The sum of the answers (every question answered: see ``answer_problems``)."""
    return sum(int(scores[key]) for key in QUESTION_KEYS)


def answer_label(key: str, score: int | None) -> str:
    """The words for one answer ("Fairly confident"), or "Not answered"."""
    question = BY_KEY.get(key)
    if question is None or score not in SCALE:
        return "Not answered"
    return question.answers[score - 1]


def window_start(today: date, months: int) -> date:
    """The first day of the last ``months`` months, as every dashboard figure counts them (30.44 days a month)."""
    return today - timedelta(days=round(months * 30.44))


@dataclass(frozen=True)
class Assessed:
    """One self-assessment as the figure sees it."""

    on: date
    order: int  # tie-break for two on one day: the one recorded later counts as later
    total: int
    question_set: str = QUESTION_SET


def distance(assessments: Sequence[Assessed], *, today: date, months: int) -> tuple[bool, bool]:
    """(counted, improved) for one claimant over the window of the last ``months`` months (module docstring).
    The reference the SQL of the dashboard figure and the caseload filter is tested against."""
    since = window_start(today, months)
    inside = sorted(
        (a for a in assessments if since <= a.on <= today and a.question_set == QUESTION_SET),
        key=lambda a: (a.on, a.order),
    )
    if len(inside) < 2:
        return False, False
    return True, inside[-1].total > inside[0].total


def change_words(before: int | None, after: int) -> str:
    """ "up 4", "down 2", "no change" or "first" — how one total compares with the one before it."""
    if before is None:
        return "first"
    if after > before:
        return f"up {after - before}"
    if after < before:
        return f"down {before - after}"
    return "no change"


# --- The plan ------------------------------------------------------------------------------------------------

GOAL_MAX = 1000
STEP_MAX = 300
CAREER_MAX = 120
ROUTE_CAREER = "career"


@dataclass(frozen=True)
class StepChange:
    """One line of the plan editor: an existing step (``step_id``) changed or removed, or a new one."""

    text: str
    target_on: date | None
    status: str = "to_do"
    step_id: int | None = None
    remove: bool = False


def plan_problems(*, goal: str, route: str, career_in: str, routes: Sequence[str]) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not goal.strip():
        problems["goal"] = "Write the claimant's goal, in their words"
    elif len(goal) > GOAL_MAX:
        problems["goal"] = f"Keep the goal to {GOAL_MAX} characters or fewer"
    if route not in routes:
        problems["route"] = "Select the route to the goal"
    elif route == ROUTE_CAREER and not career_in.strip():
        problems["career_in"] = "Say which career, for example ‘care work’ or ‘logistics’"
    if len(career_in) > CAREER_MAX:
        problems["career_in"] = f"Keep the career to {CAREER_MAX} characters or fewer"
    return problems


def step_problems(steps: Sequence[StepChange], statuses: Sequence[str]) -> dict[str, str]:
    """{``steps.<n>``: message} for each line of the editor that cannot be saved."""
    problems: dict[str, str] = {}
    for n, step in enumerate(steps):
        if step.remove:
            continue
        if not step.text.strip():
            problems[f"steps.{n}"] = "Describe the step, or remove it"
        elif len(step.text) > STEP_MAX:
            problems[f"steps.{n}"] = f"Keep the step to {STEP_MAX} characters or fewer"
        elif step.target_on is None:
            problems[f"steps.{n}"] = "Give the date the step should be done by"
        elif step.status not in statuses:
            problems[f"steps.{n}"] = "Select whether the step is to do, done or no longer needed"
    return problems


def plan_changes(
    before: Mapping[str, str],
    after: Mapping[str, str],
    steps_before: Mapping[int, StepChange],
    steps: Sequence[StepChange],
) -> list[str]:
    """What an edit changed, in words for the plan's history and the timeline (empty: nothing changed)."""
    changes: list[str] = []
    if before.get("goal", "").strip() != after.get("goal", "").strip():
        changes.append("Goal changed")
    if (before.get("route"), before.get("career_in", "").strip()) != (
        after.get("route"),
        after.get("career_in", "").strip(),
    ):
        changes.append(f"Route now: {after.get('route_label', after.get('route', ''))}")
    status_words = {"done": "done", "dropped": "no longer needed", "to_do": "to do again"}
    for step in steps:
        old = steps_before.get(step.step_id) if step.step_id is not None else None
        if step.step_id is None:
            if not step.remove and step.text.strip():
                changes.append(f"Step added: {step.text.strip()}")
            continue
        if old is None:
            continue
        if step.remove:
            changes.append(f"Step removed: {old.text}")
            continue
        if step.text.strip() != old.text:
            changes.append(f"Step reworded: {step.text.strip()}")
        if step.target_on != old.target_on and step.target_on is not None:
            changes.append(f"New date for ‘{step.text.strip()}’: {step.target_on.day} {step.target_on:%B %Y}")
        if step.status != old.status:
            changes.append(f"Step {status_words.get(step.status, step.status)}: {step.text.strip()}")
    return changes
