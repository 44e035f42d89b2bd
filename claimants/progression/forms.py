"""Forms for the progression plan (goal, route, dated steps) and the distance-travelled self-assessment. They read
and check the boxes; ``claimants.progression.rules`` decides, and the services write."""

from __future__ import annotations

from datetime import date
from typing import Any

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import ConditionalQuestion, ConditionalRadios, Field, Fluid, Layout, Size
from django import forms
from django.forms import BaseFormSet, formset_factory
from django.utils import timezone

from claimants.commitments.forms import example_date
from claimants.models import PlanRoute, PlanStepStatus, ProgressionPlan
from claimants.progression import rules
from claimants.progression.rules import StepChange
from iwp.input.dates import DateRange, add_months
from iwp.input.fields import GovukDateField

# A step's date: a plan looks ahead (up to 3 years for a career), and a step already done may be in the past.
PLAN_STEP = DateRange(
    "the date for the step",
    earliest=lambda today: add_months(today, -24),
    latest=lambda today: add_months(today, 36),
    too_early="{What} must be within the last 2 years, on or after {earliest}",
    too_late="{What} must be within the next 3 years, on or before {latest}",
)
SELF_ASSESSED = DateRange(
    "the date of the self-assessment",
    earliest=lambda today: add_months(today, -12),
    latest=lambda today: today,
    too_early="{What} must be within the last 12 months, on or after {earliest}",
    too_late="{What} must be today or in the past",
)


def _helper(layout: Layout) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    helper.render_hidden_fields = True
    helper.layout = layout
    return helper


class PlanForm(forms.Form):
    """The goal in the claimant's words and the route to it. ``lock_version``: the plan as the page loaded it
    (empty for a new plan)."""

    conditional_radios = ("route",)

    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    goal = forms.CharField(
        label="The claimant's goal, in their words",
        help_text="Write it as they say it, for example ‘I want to work in an office and earn enough to stop "
        "claiming’. You can enter up to 1,000 characters.",
        max_length=rules.GOAL_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Write the claimant's goal, in their words",
            "max_length": "Keep the goal to 1,000 characters or fewer",
        },
    )
    route = forms.ChoiceField(
        label="How will they get there?",
        choices=[Choice(value, label) for value, label in PlanRoute.choices],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the route to the goal",
            "invalid_choice": "Select the route to the goal",
        },
    )
    career_in = forms.CharField(
        label="Which career?",
        help_text="For example, care work, logistics or bookkeeping",
        required=False,
        max_length=rules.CAREER_MAX,
        error_messages={"max_length": "Keep the career to 120 characters or fewer"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Layout(
                Field.textarea("goal", rows=3, label_size=Size.MEDIUM),
                ConditionalRadios(
                    "route",
                    PlanRoute.MORE_HOURS.label,
                    PlanRoute.BETTER_JOB.label,
                    ConditionalQuestion(
                        PlanRoute.CAREER.label, Field.text("career_in", field_width=Fluid.TWO_THIRDS)
                    ),
                ),
            )
        )

    @classmethod
    def initial_for(cls, plan: ProgressionPlan | None) -> dict[str, Any]:
        if plan is None:
            return {}
        return {
            "lock_version": plan.lock_version,
            "goal": plan.goal,
            "route": plan.route,
            "career_in": plan.career_in,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("route") and data.get("goal") is not None:
            problems = rules.plan_problems(
                goal=data.get("goal", ""),
                route=data["route"],
                career_in=data.get("career_in", ""),
                routes=PlanRoute.values,
            )
            for name, message in problems.items():
                if name not in self.errors:
                    self.add_error(name, message)
        if data.get("route") != PlanRoute.CAREER:
            data["career_in"] = ""
        return data


class StepForm(forms.Form):
    """One step: what, by when, and (for a saved step) whether it is done; a saved step can be removed, a new
    line left empty is ignored."""

    step_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    text = forms.CharField(required=False, max_length=rules.STEP_MAX)
    target_on = GovukDateField(what="the date for the step", date_range=PLAN_STEP, required=False)
    status = forms.ChoiceField(
        label="Progress", choices=PlanStepStatus.choices, required=False, widget=forms.RadioSelect
    )
    remove = forms.BooleanField(label="Remove this step", required=False)

    def __init__(self, *args: Any, known_ids: set[int], today: date, number: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.known_ids, self.today = known_ids, today
        self.existing = bool(self.initial.get("step_id"))
        name = f"Step {number}" if self.existing else "New step"
        self.fields["text"].label = name
        self.fields["text"].help_text = (
            "" if self.existing else "For example, ask the manager about the team leader vacancy"
        )
        self.fields["text"].error_messages["max_length"] = "A step must be 300 characters or fewer"
        self.fields["target_on"] = GovukDateField(
            what=f"the date for {name[0].lower()}{name[1:]}",
            date_range=PLAN_STEP,
            label=f"{name}: do by",
            help_text=f"For example, {example_date(today, days=42)}",
            required=False,
        )
        self.fields["target_on"].today = today
        self.fields["status"].label = f"{name}: progress"
        fields: list[Any] = [
            Field.text("text", field_width=Fluid.FULL),
            Field("target_on", context={"legend_size": Size.for_legend(Size.SMALL)}),
        ]
        if self.existing:
            fields += [Field.radios("status", inline=True, small=True), Field.checkbox("remove", small=True)]
        self.helper = _helper(Layout(*fields))

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not self.existing and not (data.get("text") or "").strip() and not data.get("target_on")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.existing and self.initial.get("step_id") not in self.known_ids:
            raise forms.ValidationError("Someone else removed this step. Reload the page to see the plan.")
        if data.get("remove") and self.existing:
            return data
        data["text"] = (data.get("text") or "").strip()
        if self.is_blank or "target_on" in self.errors:
            return data
        if not data["text"] and "text" not in self.errors:
            self.add_error("text", "Describe the step" + (", or remove it" if self.existing else ""))
        if not data.get("target_on") and "target_on" not in self.errors:
            self.add_error("target_on", "Give the date the step should be done by")
        if self.existing and not data.get("status"):
            self.add_error("status", "Select whether the step is to do, done or no longer needed")
        return data

    def change(self) -> StepChange:
        data = self.cleaned_data
        return StepChange(
            text=data.get("text", ""),
            target_on=data.get("target_on"),
            status=data.get("status") or PlanStepStatus.TO_DO if self.existing else PlanStepStatus.TO_DO,
            step_id=self.initial.get("step_id") if self.existing else None,
            remove=bool(data.get("remove")) and self.existing,
        )


class BaseStepFormSet(BaseFormSet):
    def __init__(self, *args: Any, known_ids: set[int], today: date, **kwargs: Any) -> None:
        self.known_ids, self.today = known_ids, today
        super().__init__(*args, prefix="steps", **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {"known_ids": self.known_ids, "today": self.today, "number": (index or 0) + 1}

    def changes(self) -> list[StepChange]:
        # A line's identity comes from the initial data we rendered, never from what the browser sends.
        return [form.change() for form in self.forms if not form.is_blank]


StepFormSet = formset_factory(
    StepForm, formset=BaseStepFormSet, extra=2, max_num=30, validate_max=True, absolute_max=40
)


def step_formset(
    plan: ProgressionPlan | None, *, data: Any = None, today: date | None = None
) -> BaseStepFormSet:
    steps = list(plan.steps.all()) if plan else []
    initial = [{"step_id": s.pk, "text": s.text, "target_on": s.target_on, "status": s.status} for s in steps]
    return StepFormSet(
        data, initial=initial, known_ids={s.pk for s in steps}, today=today or timezone.localdate()
    )


class SelfAssessmentForm(forms.Form):
    """The fixed questions of ``rules.QUESTIONS``, each 1–5 in words, with the claimant's own words (optional)."""

    assessed_on = GovukDateField(
        what="the date of the self-assessment", date_range=SELF_ASSESSED, label="Date"
    )

    def __init__(self, *args: Any, today: date | None = None, with_date: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        self.fields["assessed_on"].today = self.today
        self.fields["assessed_on"].help_text = f"For example, {example_date(self.today, days=-7)}"
        if not with_date:
            del self.fields["assessed_on"]
        layout: list[Any] = []
        if with_date:
            layout.append(Field("assessed_on", context={"legend_size": Size.for_legend(Size.SMALL)}))
        for n, q in enumerate(rules.QUESTIONS, start=1):
            self.fields[q.key] = forms.TypedChoiceField(
                label=f"{n}. {q.text}",
                choices=[
                    Choice(str(score), f"{score} – {words}")
                    for score, words in zip(rules.SCALE, q.answers, strict=True)
                ],
                coerce=int,
                widget=forms.RadioSelect,
                help_text=q.hint,
                error_messages={
                    "required": f"Select an answer for ‘{q.short.lower()}’",
                    "invalid_choice": f"Select one of the answers for ‘{q.short.lower()}’",
                },
            )
            self.fields[f"{q.key}_words"] = forms.CharField(
                label=f"{q.short}: in their own words (optional)",
                required=False,
                max_length=rules.WORDS_MAX,
                error_messages={
                    "max_length": f"Keep the claimant's words to {rules.WORDS_MAX} characters or fewer"
                },
            )
            layout += [
                Field.radios(q.key, small=True, legend_size=Size.SMALL),
                Field.text(f"{q.key}_words", field_width=Fluid.FULL),
            ]
        self.helper = _helper(Layout(*layout))

    def scores(self) -> dict[str, int]:
        return {q.key: self.cleaned_data[q.key] for q in rules.QUESTIONS}

    def words(self) -> dict[str, str]:
        return {q.key: self.cleaned_data.get(f"{q.key}_words", "") for q in rules.QUESTIONS}
