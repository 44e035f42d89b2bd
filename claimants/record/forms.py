"""GOV.UK forms for the claimant record (crispy-forms-gds lays them out; the form page shows the error summary)."""

from __future__ import annotations

from datetime import date

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fluid, Layout, Size
from django import forms
from django.core.exceptions import ValidationError

from claimants.facts.rules import fact_problems
from claimants.models import (
    BarrierKind,
    Claimant,
    ContractType,
    Employment,
    ExpectedHoursReason,
    PayFrequency,
    Weekday,
    contact_problems,
    normalise_nino,
    normalise_uk_phone,
    validate_nino,
)
from claimants.selectors import earnings_period_problem
from claimants.services import shift_problem
from iwp.input import dates
from iwp.input.fields import GovukDateField, GovukTimeField, UkPostcodeField
from iwp.models import Role, StaffMember


def _gds(form: forms.BaseForm, *fields: str, submit: str = "Save") -> None:
    form.helper = FormHelper()
    form.helper.form_tag = False
    form.helper.layout = Layout(*fields, Button("submit", submit))


def _date(name: str) -> Field:
    return Field(name, context={"legend_size": Size.for_legend(Size.SMALL)})


def _no_blank_choice(field: forms.Field) -> None:
    field.choices = [(v, label) for v, label in field.choices if v != ""]


class ClaimantDetailsForm(forms.ModelForm):
    # Longer than the stored 9 characters: people type the spaces ("AB 12 34 56 C"); clean_nino removes them.
    nino = forms.CharField(
        label="National Insurance number", max_length=13, help_text="For example, AB 12 34 56 C"
    )
    postcode = UkPostcodeField(required=False, help_text="Leave empty if not known")
    date_of_birth = GovukDateField(
        what="the date of birth",
        date_range=dates.DATE_OF_BIRTH,
        label="Date of birth",
        help_text="For example, 27 3 1990",
    )

    class Meta:
        model = Claimant
        fields = [
            "nino",
            "first_name",
            "last_name",
            "date_of_birth",
            "postcode",
            "contact_preference",
            "email",
            "phone",
            "interpreter_language",
            "digitally_excluded",
            "assessment_day",
            "support_intensity",
        ]
        widgets = {
            "contact_preference": forms.RadioSelect,
            "support_intensity": forms.RadioSelect,
        }
        help_texts = {
            "nino": "For example, AB 12 34 56 C",
            "interpreter_language": "Leave empty if not needed",
            "assessment_day": "The day of the month the claimant's assessment periods start",
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("contact_preference", "support_intensity"):
            _no_blank_choice(self.fields[name])
        _gds(
            self,
            Field.text("nino", field_width=10),
            Field.text("first_name", field_width=Fluid.ONE_HALF),
            Field.text("last_name", field_width=Fluid.ONE_HALF),
            _date("date_of_birth"),
            Field.text("postcode", field_width=10),
            Field.radios("contact_preference", legend_size=Size.SMALL),
            Field.text("email", field_width=Fluid.TWO_THIRDS),
            Field.text("phone", field_width=20),
            Field.text("interpreter_language", field_width=20),
            Field.checkbox("digitally_excluded"),
            Field.text("assessment_day", field_width=2),
            Field.radios("support_intensity", legend_size=Size.SMALL),
        )

    def clean_nino(self) -> str:
        nino = normalise_nino(self.cleaned_data["nino"])
        validate_nino(nino)
        return nino

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        return normalise_uk_phone(phone) if phone else ""

    def clean(self) -> dict:
        # Reminders go the way the claimant asked; that only works if we have the address for it.
        data = super().clean()
        problems = contact_problems(
            preference=data.get("contact_preference"), email=data.get("email"), phone=data.get("phone")
        )
        for name, message in problems.items():
            if name not in self.errors:
                self.add_error(name, message)
        return data


class RegimeFactsForm(forms.ModelForm):
    """The facts the regime depends on, and from when the change takes effect (issue #16)."""

    effective_from = GovukDateField(
        what="the date the change takes effect",
        date_range=dates.FACTS_FROM,
        label="From when does this change apply?",
        required=False,
    )
    reason = forms.CharField(
        label="What changed (optional)",
        help_text="For example: started caring for a parent. Do not record sensitive details here.",
        max_length=200,
        required=False,
    )
    non_uc_partner_date_of_birth = GovukDateField(
        what="the partner's date of birth",
        date_range=dates.DATE_OF_BIRTH,
        label="Date of birth of the partner not eligible for Universal Credit",
        help_text="Only if the claimant has a partner who is not eligible for Universal Credit",
        required=False,
    )

    class Meta:
        model = Claimant
        fields = [
            "conditionality_group",
            "expected_hours",
            "expected_hours_reason",
            "apprentice",
            "self_employed",
            "minimum_income_floor",
            "has_non_uc_partner",
            "non_uc_partner_date_of_birth",
        ]
        widgets = {
            "conditionality_group": forms.RadioSelect,
        }
        help_texts = {
            "expected_hours": "35 unless reduced for caring, school hours or health (give the reason)"
        }

    def __init__(self, *args, period_start: date, may_backdate: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _no_blank_choice(self.fields["conditionality_group"])
        self.fields["expected_hours_reason"].choices = [("", "Not reduced"), *ExpectedHoursReason.choices]
        earliest = "any earlier date (you can back-date)" if may_backdate else "no earlier than that"
        self.fields["effective_from"].help_text = (
            f"Leave blank for the start of the current assessment period, {dates.long_date(period_start)} "
            f"({earliest}). Periods before this date keep the facts they were decided with. "
            "For example, 27 3 2026"
        )
        _gds(
            self,
            _date("effective_from"),
            Field.text("reason"),
            Field.radios("conditionality_group", legend_size=Size.SMALL),
            Field.text("expected_hours", field_width=4),
            Field.select("expected_hours_reason"),
            Field.checkbox("apprentice"),
            Field.checkbox("self_employed"),
            Field.checkbox("minimum_income_floor"),
            Field.checkbox("has_non_uc_partner"),
            _date("non_uc_partner_date_of_birth"),
            submit="Save and recalculate the regime",
        )

    def clean(self):
        cleaned = super().clean()
        for name, message in fact_problems(
            cleaned, has_claimant_partner=bool(self.instance.partner_id)
        ).items():
            if name not in self.errors:
                self.add_error(name, message)
        return cleaned


class EarningsForm(forms.Form):
    period_start = GovukDateField(
        what="the start of the assessment period",
        date_range=dates.ASSESSMENT_PERIOD_START,
        label="Assessment period start",
        help_text="The first day of the assessment period, for example 15 11 2026",
    )
    employed_earnings = forms.DecimalField(
        label="Employed earnings (gross), £", min_value=0, max_value=999999.99, decimal_places=2
    )
    self_employed_earnings = forms.DecimalField(
        label="Self-employed earnings (gross), £",
        min_value=0,
        max_value=999999.99,
        decimal_places=2,
        initial=0,
    )
    paydays = forms.IntegerField(
        label="Number of paydays in the period",
        min_value=0,
        max_value=31,
        required=False,
        help_text="Weekly pay has 4 or 5 paydays in an assessment period",
    )

    def __init__(self, *args, claimant: Claimant, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.claimant = claimant
        _gds(
            self,
            _date("period_start"),
            Field.text("employed_earnings", field_width=10),
            Field.text("self_employed_earnings", field_width=10),
            Field.text("paydays", field_width=3),
            submit="Record earnings and recalculate",
        )

    def clean_period_start(self):
        start = self.cleaned_data["period_start"]
        problem = earnings_period_problem(self.claimant, start)
        if problem:
            raise ValidationError(problem)
        return start


class EmploymentForm(forms.ModelForm):
    started_on = GovukDateField(
        what="the date the job started",
        date_range=dates.EMPLOYMENT_START,
        label="Started on (optional)",
        required=False,
    )

    class Meta:
        model = Employment
        fields = [
            "employer",
            "sector",
            "contract_type",
            "hours_per_week",
            "hourly_pay",
            "pay_frequency",
            "started_on",
        ]
        widgets = {
            "contract_type": forms.RadioSelect,
            "pay_frequency": forms.RadioSelect,
        }
        labels = {"hourly_pay": "Hourly pay, £"}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contract_type"].choices = ContractType.choices
        self.fields["pay_frequency"].choices = PayFrequency.choices
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.text("employer", field_width=Fluid.TWO_THIRDS),
            Field.text("sector", field_width=20),
            Field.radios("contract_type", legend_size=Size.SMALL, inline=False),
            Field.text("hours_per_week", field_width=4),
            Field.text("hourly_pay", field_width=5),
            Field.radios("pay_frequency", legend_size=Size.SMALL),
            _date("started_on"),
        )


class ShiftForm(forms.Form):
    weekday = forms.TypedChoiceField(
        choices=[("", "Day"), *Weekday.choices],
        coerce=int,
        required=False,
        error_messages={"invalid_choice": "Select the day of the shift"},
    )
    starts_at = GovukTimeField(what="the time the shift starts", label="Starts", required=False)
    ends_at = GovukTimeField(what="the time the shift ends", label="Ends", required=False)

    def clean(self):
        cleaned = super().clean()
        parts = [cleaned.get("weekday") not in (None, ""), cleaned.get("starts_at"), cleaned.get("ends_at")]
        if any(parts) and not all(parts):
            raise ValidationError("Give the day, start and end time of the shift")
        problem = shift_problem(cleaned["starts_at"], cleaned["ends_at"]) if all(parts) else None
        if problem:
            self.add_error("ends_at", problem)
        return cleaned


ShiftFormSet = forms.formset_factory(ShiftForm, extra=0, min_num=5, max_num=14)


class CircumstanceForm(forms.Form):
    kind = forms.ChoiceField(
        label="Circumstance or barrier", choices=BarrierKind.choices, widget=forms.RadioSelect
    )
    detail = forms.CharField(
        label="Details",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        help_text="What it means for work and progression, in plain words",
    )
    sensitive = forms.BooleanField(
        label="Restrict this: only show it when asked, and record who looked",
        required=False,
        help_text="Health and domestic abuse are always restricted",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _gds(
            self,
            Field.radios("kind", legend_size=Size.SMALL),
            Field.textarea("detail"),
            Field.checkbox("sensitive"),
            submit="Add",
        )


class ReassignForm(forms.Form):
    to_coach = forms.ModelChoiceField(label="New work coach", queryset=StaffMember.objects.none())
    reason = forms.CharField(label="Reason", max_length=200, help_text="For example, caseload rebalancing")
    handover_summary = forms.CharField(
        label="Handover summary for the new work coach",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=4000,
        help_text="What they need to know first: goals, agreed actions, what has worked, what to avoid",
    )

    def __init__(self, *args, claimant: Claimant, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_coach"].queryset = (
            StaffMember.objects.filter(
                jobcentre_id=claimant.jobcentre_id, role=Role.WORK_COACH, is_active=True
            )
            .exclude(pk=claimant.coach_id)
            .select_related("team", "team__jobcentre")
            .order_by("last_name")
        )
        _gds(
            self,
            Field.select("to_coach"),
            Field.text("reason"),
            Field.textarea("handover_summary"),
            submit="Reassign",
        )


# The timeline's dates: nothing on a claimant's record is older than Universal Credit, and appointments are booked
# at most a year ahead.
TIMELINE_DATE = dates.DateRange(
    "the date",
    earliest=lambda today: date(2013, 4, 29),
    latest=lambda today: dates.add_years(today, 2),
    too_early="{What} must be on or after {earliest}, when Universal Credit began",
    too_late="{What} must be on or before {latest}",
)


class TimelineFilterForm(forms.Form):
    """The whole timeline's filters (GET): which kinds of entry, and from and to which dates (inclusive).

    Kinds nobody registered are dropped before binding (a stale bookmark still shows a timeline); no kind ticked
    means every kind."""

    kind = forms.MultipleChoiceField(
        label="What to show",
        help_text="Select all that apply. With none selected, everything is shown.",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    date_from = GovukDateField(
        what="the date to show from",
        date_range=TIMELINE_DATE,
        label="From",
        help_text="For example, 1 3 2026",
        required=False,
    )
    date_to = GovukDateField(
        what="the date to show up to",
        date_range=TIMELINE_DATE,
        label="To",
        help_text="For example, 31 3 2026",
        required=False,
    )

    def __init__(self, data=None, *, kinds: list[tuple[str, str]], **kwargs) -> None:
        if data is not None:
            known = {key for key, _ in kinds}
            data = data.copy()
            data.setlist("kind", [k for k in data.getlist("kind") if k in known])
        super().__init__(data, **kwargs)
        self.fields["kind"].choices = kinds
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # a GET form: no token in the address
        self.helper.layout = Layout(
            Field.checkboxes("kind", legend_size=Size.SMALL, small=True),
            _date("date_from"),
            _date("date_to"),
        )

    def error_links(self) -> list[tuple[str, str]]:
        """(href, message) for the error summary, each to the first box of its question: the day of a date
        (crispy-forms-gds would link a date's own errors to an id no element has)."""
        first_box = {"date_from": "_0", "date_to": "_0", "kind": "_1"}
        return [
            (f"#{self[name].auto_id}{first_box.get(name, '')}", str(message))
            for name in self.fields
            for message in self.errors.get(name, [])
        ]

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("date_from"), cleaned.get("date_to")
        if first and last and last < first:
            self.add_error(
                "date_to", "The date to show up to must be the same as or after the date to show from"
            )
        return cleaned
