"""Forms for booking, rebooking, cancelling and recording the outcome of appointments (GOV.UK layout through
crispy-forms-gds). Forms read and check the boxes; the booking rules and the outcome guards live in
``appointments.rules`` and are applied by the services, whose refusals :meth:`apply_refusal` puts back on
the right boxes."""

from __future__ import annotations

import functools
from datetime import date, datetime, time, timedelta
from typing import Any

from crispy_forms.utils import render_crispy_form
from crispy_forms_gds.choices import Choice
from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import (
    HTML,
    ConditionalQuestion,
    ConditionalRadios,
    Field,
    Fieldset,
    Fixed,
    Fluid,
    Layout,
    Size,
)
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.safestring import mark_safe

from appointments.models import ActionCategory, AppointmentType, Channel, ContactMethod, LengthChoices
from appointments.rules import (
    GOOD_REASON_LABELS,
    STATUS_REGISTRY,
    GoodReason,
    IssueCode,
    Status,
    contact_attempt_problem,
    follow_up_problem,
    good_reason_problem,
)
from appointments.selectors import LONDON, min_notice_hours
from appointments.services import (
    ActionInput,
    BookingRefused,
    ContactAttemptInput,
    GoodReasonInput,
    NextAppointmentInput,
    OutcomeRefused,
    PlanReviewInput,
)
from claimants.models import SENSITIVE_BARRIERS, BarrierKind
from iwp.input import dates
from iwp.input.fields import GovukDateField, GovukTimeField


def london_datetime(day: date, at: time) -> datetime:
    """A local Jobcentre date and time as an aware datetime. Raises for a time the clocks skip."""
    aware = datetime.combine(day, at, tzinfo=LONDON)
    back = aware.astimezone(LONDON)
    if (back.date(), back.time()) != (day, at):  # e.g. 01:30 on the last Sunday in March
        raise ValidationError(
            "That time does not exist on that day because the clocks go forward. Choose another time"
        )
    return aware


def _first_input_id(form: forms.Form, name: str) -> str:
    bound = form[name]
    field = form.fields[name]
    if isinstance(field, DateInputField):
        parts = [i for i, sub in enumerate(field.fields) if getattr(sub.widget, "errors", None)]
        return f"{bound.auto_id}_{parts[0] if parts else 0}"
    if name in getattr(form, "conditional_radios", ()):
        return f"id_{bound.html_name}_0"  # crispy-forms-gds counts conditional radios from 0
    if isinstance(field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return f"id_{bound.html_name}_1"
    return bound.auto_id


def error_links(*forms_: forms.Form | None) -> list[tuple[str, str]]:
    """(element id, message) for one GOV.UK error summary over several forms, in page order."""
    links: list[tuple[str, str]] = []
    for form in forms_:
        if form is None or not form.is_bound:
            continue
        first = next(iter(form.fields))
        links += [(_first_input_id(form, first), str(e)) for e in form.non_field_errors()]
        for name in form.fields:
            for message in form.errors.get(name, []):
                links.append((_first_input_id(form, name), message))
    return links


def _helper(layout: Layout | None = None) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    if layout is not None:
        helper.layout = layout
    return helper


def _type_choices() -> list[tuple[str, str]]:
    return list(AppointmentType.choices)


# --- Booking and rebooking ----------------------------------------------------------------------------------


class BookingForm(forms.Form):
    """When, how and with whom; the short-notice consent; and, once the rules have warned, "book anyway"."""

    date = GovukDateField(
        what="the date of the appointment",
        date_range=dates.APPOINTMENT,
        label="Date",
        help_text="For example, 17 6 2025",
    )
    time = GovukTimeField(
        what="the time of the appointment", label="Time", help_text="Use the 24-hour clock, for example 14:30"
    )
    appointment_type = forms.ChoiceField(
        label="Type of appointment",
        choices=_type_choices,
        error_messages={
            "required": "Select the type of appointment",
            "invalid_choice": "Select the type of appointment",
        },
    )
    channel = forms.ChoiceField(
        label="How will it happen?",
        choices=Channel.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select face to face, phone or video",
            "invalid_choice": "Select face to face, phone or video",
        },
    )
    length_minutes = forms.TypedChoiceField(
        label="Length",
        choices=LengthChoices.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select how long the appointment is",
            "invalid_choice": "Select how long the appointment is",
        },
    )
    coach = forms.ModelChoiceField(
        label="Work coach",
        queryset=None,
        empty_label=None,
        error_messages={
            "required": "Select the work coach",
            "invalid_choice": "Select a work coach from this Jobcentre",
        },
    )
    private_room = forms.BooleanField(label="A private room is needed", required=False)
    short_notice_consent = forms.BooleanField(label="", required=False)
    confirm_warnings = forms.BooleanField(
        label="Book anyway: I have checked these warnings with the claimant", required=False
    )
    override_reason = forms.CharField(
        label="Why are you booking it anyway?",
        help_text="For example, the claimant asked for this time because their shift was cancelled",
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    acknowledged = forms.CharField(required=False, widget=forms.HiddenInput, max_length=2000)

    with_reason = False

    def __init__(self, *args: Any, claimant: Any, coaches: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.claimant = claimant
        self.warnings: tuple = ()
        example = date.today() + timedelta(days=14)
        self.fields["date"].help_text = f"For example, {example.day} {example.month} {example.year}"
        self.fields["coach"].queryset = coaches
        hours = min_notice_hours()
        self.fields["short_notice_consent"].label = f"The claimant agreed to less than {hours} hours' notice"
        self.fields[
            "short_notice_consent"
        ].help_text = (
            f"Only needed if the appointment is less than {hours} hours away. Ask the claimant first."
        )
        self._build_helpers()

    # Layout: the booking questions, then (after the rules warned) the warnings and "book anyway".
    def _main_layout(self) -> Layout:
        return Layout(
            Fieldset(
                Field("date"),
                Field.text("time", field_width=Fixed.FIVE),
                legend="When",
                legend_size=Size.MEDIUM,
            ),
            Field.select("appointment_type"),
            Field.radios("channel", inline=True),
            Field.radios("length_minutes", inline=True),
            Field.select("coach"),
            Field.checkbox("private_room"),
            Field.checkbox("short_notice_consent"),
            *self._extra_layout(),
        )

    def _extra_layout(self) -> list:
        return []

    def _build_helpers(self) -> None:
        self.helper = _helper(self._main_layout())
        self.confirm_helper = _helper(
            Layout(
                Field.checkbox("confirm_warnings"),
                Field.textarea("override_reason", rows=2),
                Field("acknowledged"),
            )
        )

    @property
    def has_warnings(self) -> bool:
        return bool(self.warnings)

    @property
    def when_text(self) -> str:
        """The date and time asked for, in words (so the coach can check it against the warnings)."""
        starts_at = getattr(self, "cleaned_data", {}).get("starts_at")
        if not starts_at:
            return ""
        local = starts_at.astimezone(LONDON)
        return f"{local:%A} {local.day} {local:%B %Y} at {local:%H:%M}"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        day, at = data.get("date"), data.get("time")
        if day and at:
            try:
                data["starts_at"] = london_datetime(day, at)
            except ValidationError as exc:
                self.add_error("time", exc)
        return data

    def confirmed_keys(self) -> tuple[str, ...]:
        if not self.cleaned_data.get("confirm_warnings"):
            return ()
        return tuple(k for k in self.cleaned_data.get("acknowledged", "").split("|") if k)

    def booking_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "starts_at": d["starts_at"],
            "length_minutes": d["length_minutes"],
            "appointment_type": d["appointment_type"],
            "channel": d["channel"],
            "private_room": d["private_room"],
            "short_notice_consent": d["short_notice_consent"],
            "confirmed_warnings": self.confirmed_keys(),
            "override_reason": d.get("override_reason", ""),
        }

    def apply_refusal(self, refusal: BookingRefused) -> None:
        apply_booking_refusal(self, refusal)


BLOCK_FIELDS = {
    IssueCode.IN_THE_PAST: "date",
    IssueCode.SHORT_NOTICE: "short_notice_consent",
    IssueCode.COACH_OVERLAP: "time",
    IssueCode.CLAIMANT_OVERLAP: "time",
}


def apply_booking_refusal(form: BookingForm | NextAppointmentForm, refusal: BookingRefused) -> None:
    """Blocks become errors on the box to change; warnings are shown with "book anyway" and a reason."""
    check = refusal.check
    for issue in check.blocks:
        form.add_error(BLOCK_FIELDS.get(issue.code, "time"), issue.message)
    form.warnings = check.warnings
    if check.warnings:
        data = form.data.copy()
        data[form.add_prefix("acknowledged")] = "|".join(check.warning_keys)
        form.data = data
        if refusal.unconfirmed:
            seen_before = set(form.cleaned_data.get("acknowledged", "").split("|")) - {""}
            if form.cleaned_data.get("confirm_warnings") and seen_before:
                message = (
                    "The warnings have changed: check them again, then tick 'Book anyway' and give a reason"
                )
            else:
                message = "Check the warnings: tick 'Book anyway' and give a reason, or choose another time"
            form.add_error("confirm_warnings", message)
        elif refusal.reason_missing:
            form.add_error("override_reason", "Give the reason for booking it despite the warnings")


class RebookForm(BookingForm):
    reason = forms.CharField(
        label="Why is it being moved? (optional)",
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def _extra_layout(self) -> list:
        return [Field.textarea("reason", rows=2)]


class CancelForm(forms.Form):
    by = forms.ChoiceField(
        label="Who cancelled it?",
        choices=[
            (Status.CANCELLED_BY_CLAIMANT.value, "The claimant"),
            (Status.CANCELLED_BY_JOBCENTRE.value, "The Jobcentre"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select who cancelled the appointment"},
    )
    reason = forms.CharField(
        label="Why was it cancelled?",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Give the reason the appointment was cancelled"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(Layout(Field.radios("by", inline=True), Field.textarea("reason", rows=3)))


# --- Recording the outcome ------------------------------------------------------------------------------------

OUTCOME_CHOICES = [
    Choice(
        s.value,
        STATUS_REGISTRY[s].label,
        **({"hint": STATUS_REGISTRY[s].hint} if STATUS_REGISTRY[s].hint else {}),
    )
    for s in (Status.ATTENDED, Status.LATE, Status.FAILED_TO_ATTEND, Status.RESCHEDULED)
] + [Choice("cancelled", "Cancelled")]

BARRIER_CHOICES = [
    Choice(
        k.value,
        k.label,
        **(
            {"hint": "Kept as sensitive information: shown only on request"}
            if k in SENSITIVE_BARRIERS
            else {}
        ),
    )
    for k in BarrierKind
]


class OutcomeForm(forms.Form):
    """What happened, with the contact attempt and good-reason decision a failure to attend needs, the note and
    the barriers. Agreed actions and the next appointment are their own forms on the same page."""

    conditional_radios = ("outcome",)

    outcome = forms.ChoiceField(
        label="What happened?",
        choices=OUTCOME_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what happened at the appointment"},
    )
    # Failed to attend: the contact attempt ...
    contact_date = GovukDateField(
        what="the date you tried to contact them",
        date_range=dates.CONTACT_ATTEMPT,
        label="Date you tried to contact them",
        required=False,
    )
    contact_time = GovukTimeField(
        what="the time you tried to contact them",
        label="Time",
        help_text="For example, 10:15",
        required=False,
    )
    contact_method = forms.ChoiceField(
        label="How did you try?",
        choices=ContactMethod.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    contact_result = forms.CharField(
        label="What happened when you tried?",
        help_text="For example, no answer and left a voicemail",
        max_length=300,
        required=False,
    )
    # ... and the good-reason decision.
    good_reason_decision = forms.ChoiceField(
        label="Did they have a good reason for not coming?",
        choices=[
            Choice(GoodReason.ACCEPTED.value, GOOD_REASON_LABELS[GoodReason.ACCEPTED]),
            Choice(GoodReason.NOT_ACCEPTED.value, GOOD_REASON_LABELS[GoodReason.NOT_ACCEPTED]),
            # Accepted by both buttons: with "Save outcome" it saves the contact attempt only (see the view).
            Choice(
                GoodReason.NOT_YET_DECIDED.value,
                GOOD_REASON_LABELS[GoodReason.NOT_YET_DECIDED],
                hint="For example, you are waiting to hear from them. The contact attempt is saved and the "
                "appointment stays to record when you have decided.",
            ),
        ],
        widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": "Select whether they had a good reason"},
    )
    good_reason_text = forms.CharField(
        label="Reason for your decision",
        help_text="What the claimant said, and why you accepted it or not",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    cancelled_by = forms.ChoiceField(
        label="Who cancelled it?",
        choices=[
            (Status.CANCELLED_BY_CLAIMANT.value, "The claimant"),
            (Status.CANCELLED_BY_JOBCENTRE.value, "The Jobcentre"),
        ],
        widget=forms.RadioSelect,
        required=False,
    )
    cancelled_reason = forms.CharField(
        label="Why was it cancelled or moved?",
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    note = forms.CharField(
        label="Discussion notes",
        help_text="What you talked about. The next coach will read this, so write it for them.",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    barriers = forms.MultipleChoiceField(
        label="Barriers identified",
        help_text="Select any new barriers to earning more. Ones already recorded are not added twice.",
        choices=BARRIER_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": "Select barriers from the list"},
    )

    def __init__(
        self, *args: Any, contact_only: bool = False, appointment_start: datetime | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        # "Save the contact attempt only": no outcome yet, but a contact attempt is a must.
        self.contact_only = contact_only
        self.appointment_start = appointment_start
        if contact_only:
            self.fields["outcome"].required = False
        self.helper = _helper(
            Layout(
                ConditionalRadios(
                    "outcome",
                    STATUS_REGISTRY[Status.ATTENDED].label,
                    STATUS_REGISTRY[Status.LATE].label,
                    ConditionalQuestion(
                        STATUS_REGISTRY[Status.FAILED_TO_ATTEND].label,
                        Fieldset(
                            Field("contact_date"),
                            Field.text("contact_time", field_width=Fixed.FIVE),
                            Field.radios("contact_method", small=True),
                            Field.text("contact_result"),
                            legend="Contact attempt",
                            legend_size=Size.SMALL,
                        ),
                        Fieldset(
                            Field.radios("good_reason_decision", small=True),
                            Field.textarea("good_reason_text", rows=3),
                            legend="Good reason",
                            legend_size=Size.SMALL,
                        ),
                    ),
                    ConditionalQuestion(
                        STATUS_REGISTRY[Status.RESCHEDULED].label,
                        HTML(
                            '<p class="govuk-body">Give the new date and time under "Next appointment" below.</p>'
                        ),
                    ),
                    ConditionalQuestion(
                        "Cancelled",
                        Field.radios("cancelled_by", inline=True, small=True),
                        Field.textarea("cancelled_reason", rows=2),
                    ),
                ),
                Field.textarea("note", rows=5, label_size=Size.MEDIUM),
                Field.checkboxes("barriers", small=True, legend_size=Size.MEDIUM),
            )
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        outcome = data.get("outcome")
        if self.contact_only and not (data.get("contact_method") or data.get("contact_result")):
            self.add_error("contact_method", "Give the contact attempt: when, how and what happened")
        # A contact attempt is recorded when its method or result is given (the date may be pre-filled).
        if data.get("contact_method") or data.get("contact_result"):
            if not data.get("contact_method"):
                self.add_error("contact_method", "Select how you tried to contact the claimant")
            if not data.get("contact_result", "").strip():
                self.add_error("contact_result", "Say what happened when you tried to contact the claimant")
            if not data.get("contact_date") and "contact_date" not in self.errors:
                self.add_error("contact_date", "Enter the date you tried to contact them")
            if not data.get("contact_time") and "contact_time" not in self.errors:
                self.add_error("contact_time", "Enter the time you tried to contact them")
            if data.get("contact_date") and data.get("contact_time"):
                try:
                    data["contact_at"] = london_datetime(data["contact_date"], data["contact_time"])
                except ValidationError as exc:
                    self.add_error("contact_time", exc)
                else:
                    self._check_contact_time(data)
        problem = good_reason_problem(data.get("good_reason_decision"), data.get("good_reason_text", ""))
        if problem:
            self.add_error("good_reason_text", problem)
        if outcome == "cancelled":
            if not data.get("cancelled_by"):
                self.add_error("cancelled_by", "Select who cancelled the appointment")
            if not data.get("cancelled_reason", "").strip():
                self.add_error("cancelled_reason", "Give the reason the appointment was cancelled")
        return data

    def _check_contact_time(self, data: dict[str, Any]) -> None:
        """A contact attempt follows the missed appointment and has already happened."""
        at = data["contact_at"]
        problem = contact_attempt_problem(at, now=timezone.now(), appointment_start=self.appointment_start)
        if problem:
            # Too late is a matter of the time typed; too early, of the day.
            self.add_error("contact_time" if at > timezone.now() else "contact_date", problem)
            del data["contact_at"]

    @property
    def status(self) -> Status:
        outcome = self.cleaned_data["outcome"]
        return Status(self.cleaned_data["cancelled_by"]) if outcome == "cancelled" else Status(outcome)

    def contact_attempt(self) -> ContactAttemptInput | None:
        d = self.cleaned_data
        if "contact_at" not in d:
            return None
        return ContactAttemptInput(at=d["contact_at"], method=d["contact_method"], result=d["contact_result"])

    def good_reason(self) -> GoodReasonInput | None:
        decision = self.cleaned_data.get("good_reason_decision")
        return (
            GoodReasonInput(decision=decision, reason=self.cleaned_data.get("good_reason_text", ""))
            if decision
            else None
        )

    REFUSAL_FIELDS = {
        "outcome": "outcome",
        "contact_attempt": "contact_method",
        "good_reason": "good_reason_decision",
        "cancelled_reason": "cancelled_reason",
    }


class AgreedActionForm(forms.Form):
    category = forms.ChoiceField(
        label="What kind of action?",
        choices=[("", "Choose a kind of action"), *ActionCategory.choices],
        required=True,
        error_messages={"required": "Select what kind of action it is"},
    )
    description = forms.CharField(
        label="What the claimant will do",
        help_text="For example, ask their manager for 4 more hours a week",
        max_length=300,
        error_messages={"required": "Describe what the claimant agreed to do"},
    )
    due_on = GovukDateField(what="the date it is due", date_range=dates.ACTION_DUE, label="Due by")
    follow_up_on = GovukDateField(
        what="the follow-up date", date_range=dates.FOLLOW_UP, label="Follow up on (optional)", required=False
    )

    plan_step = forms.TypedChoiceField(
        label="Which step of the progression plan does it serve? (optional)",
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": "Select a step of the claimant's progression plan"},
    )

    def __init__(self, *args: Any, step_choices: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = [
            Field.select("category"),
            Field.text("description", field_width=Fluid.FULL),
            Field("due_on"),
            Field("follow_up_on"),
        ]
        if step_choices:
            # Only when the claimant has a plan with steps to do (issue #16).
            self.fields["plan_step"].choices = [("", "None of them"), *step_choices]
            fields.append(Field.select("plan_step"))
        else:
            del self.fields["plan_step"]
        self.helper = _helper(Layout(*fields))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        problem = follow_up_problem(data.get("due_on"), data.get("follow_up_on"))
        if problem:
            self.add_error("follow_up_on", problem)
        return data

    def as_input(self) -> ActionInput:
        d = self.cleaned_data
        return ActionInput(
            category=d["category"],
            description=d["description"],
            due_on=d["due_on"],
            follow_up_on=d.get("follow_up_on"),
            plan_step_id=d.get("plan_step"),
        )


class _ActionFormSet(forms.BaseFormSet):
    def inputs(self) -> list[ActionInput]:
        return [f.as_input() for f in self.forms if f.has_changed() and f.is_valid()]


AgreedActionFormSet = forms.formset_factory(
    AgreedActionForm, formset=_ActionFormSet, extra=3, max_num=3, validate_max=True
)


@functools.lru_cache(maxsize=2)
def _blank_outcome_form(today: date) -> str:
    return render_crispy_form(OutcomeForm(initial={"contact_date": today}))


def blank_outcome_form(form: OutcomeForm) -> str | None:
    """The HTML of the outcome form as every coach first sees it that day, rendered once a day per process; None
    for any other state of the form (submitted, or started with other values), which is rendered as usual.

    Nothing in the blank form depends on the appointment or the coach: only the contact date it suggests (tested
    equal to rendering it afresh)."""
    if form.is_bound or form.contact_only or form.appointment_start or set(form.initial) != {"contact_date"}:
        return None
    return mark_safe(_blank_outcome_form(form.initial["contact_date"]))  # noqa: S308


def blank_action_forms(actions: forms.BaseFormSet) -> list[str] | None:
    """The HTML of each action form of an unbound formset, or None once the coach has submitted it.

    Unbound, the three forms differ only in their index, so the formset's empty form is rendered once and
    numbered: rendering a GOV.UK form is most of the outcome page's cost (tested equal to rendering each)."""
    if actions.is_bound or any(f.initial for f in actions.forms):
        return None
    blank = render_crispy_form(actions.empty_form)
    return [mark_safe(blank.replace("__prefix__", str(i))) for i in range(len(actions.forms))]  # noqa: S308


class NextAppointmentForm(BookingForm):
    """The next appointment, on the outcome form: "book it now?" and, if so, the booking questions."""

    conditional_radios = ("book_next",)

    book_next = forms.ChoiceField(
        label="Book the next appointment now?",
        choices=[("yes", "Yes"), ("no", "No")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select yes to book the next appointment now"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.is_bound and self.data.get(self.add_prefix("book_next")) != "yes":
            # Not booking: the booking questions are not asked.
            for name in ("date", "time", "appointment_type", "channel", "length_minutes", "coach"):
                self.fields[name].required = False
                if isinstance(self.fields[name], DateInputField):
                    for sub in self.fields[name].fields:
                        sub.required = False

    def _main_layout(self) -> Layout:
        return Layout(
            ConditionalRadios(
                "book_next",
                ConditionalQuestion(
                    "Yes",
                    Fieldset(
                        Field("date"),
                        Field.text("time", field_width=Fixed.FIVE),
                        legend="When",
                        legend_size=Size.SMALL,
                    ),
                    Field.select("appointment_type"),
                    Field.radios("channel", inline=True, small=True),
                    Field.radios("length_minutes", inline=True, small=True),
                    Field.select("coach"),
                    Field.checkbox("private_room", small=True),
                    Field.checkbox("short_notice_consent", small=True),
                ),
                "No",
            )
        )

    def clean(self) -> dict[str, Any]:
        if self.cleaned_data.get("book_next") != "yes":
            return self.cleaned_data
        return super().clean()

    def next_input(self) -> NextAppointmentInput | None:
        if self.cleaned_data.get("book_next") != "yes":
            return None
        kwargs = self.booking_kwargs()
        return NextAppointmentInput(coach=self.cleaned_data["coach"], **kwargs)


def apply_outcome_refusal(
    refusal: OutcomeRefused,
    *,
    outcome_form: OutcomeForm,
    next_form: NextAppointmentForm,
    plan_form: PlanReviewForm | None = None,
) -> None:
    for problem in refusal.problems:
        if problem.field in ("plan_review", "plan_step") and plan_form is not None and plan_form.fields:
            plan_form.add_error("reviewed" if problem.field == "plan_review" else None, problem.message)
        elif problem.field == "next_appointment":
            if next_form.cleaned_data.get("book_next") != "yes":
                next_form.add_error("book_next", problem.message)
            else:
                next_form.add_error("date", problem.message)
        else:
            outcome_form.add_error(OutcomeForm.REFUSAL_FIELDS.get(problem.field, "outcome"), problem.message)
    if refusal.booking is not None:
        apply_booking_refusal(next_form, refusal.booking)


# --- The progression plan (issue #16) -------------------------------------------------------------------------


class PlanReviewForm(forms.Form):
    """On the outcome page, when the claimant has a progression plan: was it reviewed, what changed, which steps
    are done. Without a plan the form has no fields and asks nothing."""

    reviewed = forms.BooleanField(
        label="We reviewed the progression plan at this appointment",
        required=False,
    )
    steps_done = forms.TypedMultipleChoiceField(
        label="Steps done since the last review",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Select steps of the claimant's plan"},
    )
    what_changed = forms.CharField(
        label="What changed? (optional)",
        help_text="For example, a new date for the course, a new step, or how the goal has moved on",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "Keep what changed to 2,000 characters or fewer"},
    )

    def __init__(
        self, *args: Any, has_plan: bool, step_choices: list[tuple[int, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if not has_plan:
            self.fields = {}
            self.helper = _helper(Layout())
            return
        layout = [Field.checkbox("reviewed")]
        if step_choices:
            self.fields["steps_done"].choices = step_choices
            layout.append(Field.checkboxes("steps_done", small=True, legend_size=Size.SMALL))
        else:
            del self.fields["steps_done"]
        layout.append(Field.textarea("what_changed", rows=3))
        self.helper = _helper(Layout(*layout))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.fields:
            return data
        if not data.get("reviewed") and (data.get("what_changed", "").strip() or data.get("steps_done")):
            self.add_error(
                "reviewed",
                "Tick ‘We reviewed the progression plan’ if you did, or clear the steps and what changed",
            )
        return data

    def review_input(self) -> PlanReviewInput | None:
        if not self.fields or not self.cleaned_data.get("reviewed"):
            return None
        return PlanReviewInput(
            what_changed=self.cleaned_data.get("what_changed", ""),
            steps_done=tuple(self.cleaned_data.get("steps_done") or ()),
        )


class LinkActionsForm(forms.Form):
    """Which of the claimant's agreed actions serve one step of their progression plan."""

    actions = forms.TypedMultipleChoiceField(
        label="Agreed actions that serve this step",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Select agreed actions from the list"},
    )

    def __init__(self, *args: Any, choices: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["actions"].choices = choices
        self.helper = _helper(Layout(Field.checkboxes("actions", small=True, legend_size=Size.MEDIUM)))
