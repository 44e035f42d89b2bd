"""The regime calculator's form, laid out the GOV.UK way with crispy-forms-gds, and the reading of the API's
field errors back onto it."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import (
    HTML,
    ConditionalQuestion,
    ConditionalRadios,
    Field,
    Fixed,
    Layout,
    Size,
)
from django import forms

from claimants.regimes.engine import ConditionalityGroup
from claimants.regimes.taper import WORK_ALLOWANCES, WorkAllowanceKind
from iwp.input.fields import GovukDateField

_GROUP_HINTS = {
    ConditionalityGroup.ALL_WORK_RELATED_REQUIREMENTS: "Most claimants. Earnings then decide between Intensive "
    "Work Search, Light Touch and Working Enough.",
    ConditionalityGroup.WORK_PREPARATION: "For example, limited capability for work, or lead carer of a child "
    "aged 2.",
    ConditionalityGroup.WORK_FOCUSED_INTERVIEW: "For example, lead carer of a child aged 1.",
    ConditionalityGroup.NO_WORK_RELATED_REQUIREMENTS: "For example, limited capability for work and "
    "work-related activity, caring for 35 hours a week or more, or a child under 1.",
}

_MONEY_TYPED = re.compile(r"^£?\s*([0-9][0-9,]*(?:\.[0-9]+)?|\.[0-9]+)$")


def _tidy_money(text: str) -> str:
    """What a work coach types ("£1,200.50") as the API takes it ("1200.50"); anything else is passed on as
    typed so that the API's validation gives the message."""
    text = text.strip()
    match = _MONEY_TYPED.match(text)
    return match.group(1).replace(",", "") if match else text


def _money(label: str, help_text: str, **kwargs: Any) -> forms.CharField:
    # A text box, not a number box (GOV.UK: number inputs mangle money); the API's validation checks it.
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false", "autocomplete": "off"}),
        **kwargs,
    )


def _hours(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=False,
        max_length=20,
        initial="35",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false", "autocomplete": "off"}),
    )


class RegimeCalculatorForm(forms.Form):
    """The regime calculator's questions (GET, so a result can be bookmarked or shared).

    This form only reads the page's boxes. The facts themselves are validated by the API's serializers
    (``claimants.regimes.api.assess_payload``) so the page and ``POST /api/v1/regime-calculator/`` accept and refuse the
    same things; :meth:`add_api_errors` puts those messages back on the right boxes. The "what if" questions are
    page-only and are checked here.
    """

    HOURS = "hours"
    AMOUNT = "amount"
    NO_COMPARISON = "none"

    period_start = GovukDateField(
        what="the date the assessment period starts",
        label="When does the assessment period start?",
        help_text="For example, 10 6 2025. The thresholds in force on this day apply to the whole period.",
        required=False,
    )
    date_of_birth = GovukDateField(
        what="the claimant's date of birth",
        label="Date of birth",
        help_text="For example, 27 3 1995",
        required=False,
    )
    employed_earnings = _money(
        "Employed earnings in this assessment period",
        "Gross pay received in the period, before tax and National Insurance, in pounds. For example, 952.38",
    )
    self_employed_earnings = _money(
        "Self-employed earnings in this assessment period (optional)", "In pounds. Leave blank if none."
    )
    expected_hours = _hours(
        "Expected hours of work a week",
        "Usually 35. Fewer if agreed because of caring, a child's school hours or a health condition.",
    )
    conditionality_group = forms.ChoiceField(
        label="Which conditionality group are they in because of their circumstances?",
        choices=[Choice(group.value, group.label, hint=_GROUP_HINTS[group]) for group in ConditionalityGroup],
        initial=ConditionalityGroup.ALL_WORK_RELATED_REQUIREMENTS.value,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Select the claimant's conditionality group"},
    )
    circumstances = forms.MultipleChoiceField(
        label="Does either of these apply to the claimant?",
        help_text="Select all that apply.",
        choices=[
            Choice("apprentice", "They are an apprentice", hint="Their CET uses the apprentice rate."),
            Choice(
                "minimum_income_floor",
                "The Minimum Income Floor applies to their self-employment",
                hint="They are then Working Enough whatever they earn.",
            ),
        ],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Select the circumstances that apply, if any"},
    )
    has_partner = forms.ChoiceField(
        label="Do they claim as a couple?",
        choices=[("yes", "Yes"), ("no", "No")],
        initial="no",
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Select yes if they claim as a couple"},
    )
    partner_date_of_birth = GovukDateField(
        what="the partner's date of birth",
        label="Partner's date of birth",
        help_text="For example, 27 3 1995",
        required=False,
    )
    partner_employed_earnings = _money(
        "Partner's employed earnings in this assessment period", "Gross, in pounds. Enter 0 if none."
    )
    partner_self_employed_earnings = _money(
        "Partner's self-employed earnings (optional)", "In pounds. Leave blank if none."
    )
    partner_expected_hours = _hours("Partner's expected hours of work a week", "Usually 35.")
    partner_eligible = forms.ChoiceField(
        label="Is the partner eligible for Universal Credit?",
        choices=[
            Choice("yes", "Yes"),
            Choice(
                "no",
                "No",
                hint="They have no regime of their own, but their earnings still count for the couple.",
            ),
        ],
        initial="yes",
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Select yes if the partner is eligible for Universal Credit"},
    )
    what_if = forms.ChoiceField(
        label="What would change? (optional)",
        help_text="Shows the regime and how much Universal Credit would change.",
        choices=[
            (HOURS, "Working extra hours each week"),
            (AMOUNT, "Earning a different amount this period"),
            (NO_COMPARISON, "No comparison"),
        ],
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Select how to compare, or no comparison"},
    )
    extra_hours = forms.CharField(
        label="Extra hours a week",
        help_text="For example, 8",
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false", "autocomplete": "off"}),
    )
    extra_hourly_rate = _money("Pay for each extra hour", "In pounds. For example, 12.21")
    what_if_earnings = _money(
        "Employed earnings in the assessment period would be",
        "The new total, gross, in pounds. For example, 1400",
    )
    work_allowance = forms.ChoiceField(
        label="Does the claim include housing costs?",
        choices=[],  # set in __init__ with this year's amounts
        help_text="Only needed for the comparison: it decides the work allowance.",
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Select whether the claim includes housing costs"},
    )

    # Where the API's field errors go on this form; None means the error summary only.
    API_FIELDS: Mapping[tuple[str, ...], str | None] = {
        ("assessment_period_start",): "period_start",
        ("claimant", "date_of_birth"): "date_of_birth",
        ("claimant", "employed_earnings"): "employed_earnings",
        ("claimant", "self_employed_earnings"): "self_employed_earnings",
        ("claimant", "expected_hours"): "expected_hours",
        ("claimant", "conditionality_group"): "conditionality_group",
        ("claimant", "apprentice"): "circumstances",
        ("claimant", "minimum_income_floor"): "circumstances",
        ("partner", "date_of_birth"): "partner_date_of_birth",
        ("partner", "employed_earnings"): "partner_employed_earnings",
        ("partner", "self_employed_earnings"): "partner_self_employed_earnings",
        ("partner", "expected_hours"): "partner_expected_hours",
        ("partner", "eligible_for_uc"): "partner_eligible",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        latest = WORK_ALLOWANCES[-1]
        self.fields["work_allowance"].choices = [
            Choice(
                WorkAllowanceKind.LOWER.value,
                "Yes",
                hint=f"Lower work allowance: £{latest.lower:,} a month in {latest.tax_year}.",
            ),
            Choice(
                WorkAllowanceKind.HIGHER.value,
                "No",
                hint=f"Higher work allowance: £{latest.higher:,} a month in {latest.tax_year}.",
                divider="or",
            ),
            Choice(
                WorkAllowanceKind.NONE.value,
                "The household gets no work allowance",
                hint="No one in the household is responsible for a child or has limited capability for work, "
                "so Universal Credit goes down from the first £1 earned.",
            ),
        ]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field("period_start", context={"legend_size": "govuk-fieldset__legend--m", "legend_tag": "h2"}),
            HTML('<h2 class="govuk-heading-m govuk-!-margin-top-8">The claimant</h2>'),
            Field("date_of_birth"),
            Field.text("employed_earnings", field_width=Fixed.TEN),
            Field.text("self_employed_earnings", field_width=Fixed.TEN),
            Field.text("expected_hours", field_width=Fixed.FIVE),
            Field.radios("conditionality_group", legend_size=Size.SMALL),
            Field.checkboxes("circumstances", legend_size=Size.SMALL, small=True),
            HTML('<h2 class="govuk-heading-m govuk-!-margin-top-8">Partner</h2>'),
            ConditionalRadios(
                "has_partner",
                ConditionalQuestion(
                    "Yes",
                    Field("partner_date_of_birth"),
                    Field.text("partner_employed_earnings", field_width=Fixed.TEN),
                    Field.text("partner_self_employed_earnings", field_width=Fixed.TEN),
                    Field.text("partner_expected_hours", field_width=Fixed.FIVE),
                    Field.radios("partner_eligible", legend_size=Size.SMALL, small=True),
                ),
                "No",
            ),
            HTML('<h2 class="govuk-heading-m govuk-!-margin-top-8">What if they earned more?</h2>'),
            ConditionalRadios(
                "what_if",
                ConditionalQuestion(
                    "Working extra hours each week",
                    Field.text("extra_hours", field_width=Fixed.FIVE),
                    Field.text("extra_hourly_rate", field_width=Fixed.FIVE),
                ),
                ConditionalQuestion(
                    "Earning a different amount this period",
                    Field.text("what_if_earnings", field_width=Fixed.TEN),
                ),
                "No comparison",
            ),
            Field.radios("work_allowance", legend_size=Size.SMALL),
        )

    # --- The "what if" questions (page only) ------------------------------------------------------------------

    def _decimal(self, name: str, *, what: str, places: int, maximum: Decimal) -> Decimal | None:
        text = self.cleaned_data.get(name, "")
        if not text:
            self.add_error(name, f"Enter {what}")
            return None
        tidied = _tidy_money(text)
        try:
            value = Decimal(tidied)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            self.add_error(
                name, f"{what[0].upper()}{what[1:]} must be a number, like {'12.21' if places else '8'}"
            )
            return None
        if value < 0 or value > maximum:
            self.add_error(name, f"{what[0].upper()}{what[1:]} must be between 0 and {maximum:,}")
            return None
        if value != value.quantize(Decimal(1).scaleb(-places)):
            self.add_error(
                name, f"{what[0].upper()}{what[1:]} must have no more than {places} decimal places"
            )
            return None
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        what_if = cleaned.get("what_if") or self.NO_COMPARISON
        self.what_if_hours = self.what_if_rate = self.what_if_amount = None
        if what_if == self.HOURS:
            self.what_if_hours = self._decimal(
                "extra_hours", what="the extra hours a week", places=2, maximum=Decimal(168)
            )
            self.what_if_rate = self._decimal(
                "extra_hourly_rate", what="the pay for each extra hour", places=2, maximum=Decimal(1000)
            )
        elif what_if == self.AMOUNT:
            self.what_if_amount = self._decimal(
                "what_if_earnings",
                what="the employed earnings to compare with",
                places=2,
                maximum=Decimal("99999999.99"),
            )
        if what_if != self.NO_COMPARISON and not cleaned.get("work_allowance"):
            self.add_error("work_allowance", "Select whether the claim includes housing costs")
        return cleaned

    @property
    def wants_comparison(self) -> bool:
        return (self.cleaned_data.get("what_if") or self.NO_COMPARISON) != self.NO_COMPARISON

    @property
    def claims_as_couple(self) -> bool:
        return self.cleaned_data.get("has_partner") == "yes"

    # --- To and from the API's shape ------------------------------------------------------------------------

    def payload(self, *, employed_earnings: Decimal | None = None) -> dict[str, Any]:
        """The request body ``POST /api/v1/regime-calculator/`` takes for these answers (blank = left out, so
        the API's defaults and "required" messages apply)."""
        data = self.cleaned_data

        def iso(name: str) -> str | None:
            value = data.get(name)
            return value.isoformat() if value else None

        def person(prefix: str) -> dict[str, Any]:
            facts: dict[str, Any] = {"date_of_birth": iso(f"{prefix}date_of_birth")}
            for name in ("employed_earnings", "self_employed_earnings"):
                facts[name] = _tidy_money(data.get(f"{prefix}{name}", ""))
            facts["expected_hours"] = data.get(f"{prefix}expected_hours", "").strip()
            return {key: value for key, value in facts.items() if value not in (None, "")}

        claimant = person("")
        if employed_earnings is not None:
            claimant["employed_earnings"] = str(employed_earnings)
        if data.get("conditionality_group"):
            claimant["conditionality_group"] = data["conditionality_group"]
        circumstances = data.get("circumstances") or []
        claimant["apprentice"] = "apprentice" in circumstances
        claimant["minimum_income_floor"] = "minimum_income_floor" in circumstances
        body: dict[str, Any] = {"claimant": claimant, "partner": None}
        if iso("period_start"):
            body["assessment_period_start"] = iso("period_start")
        if self.claims_as_couple:
            body["partner"] = {**person("partner_"), "eligible_for_uc": data.get("partner_eligible") != "no"}
        return body

    def add_api_errors(self, detail: Any) -> None:
        """Put the API's nested field errors on the matching boxes (unknown ones on the form as a whole)."""
        for path, text in api_error_messages(detail):
            # GOV.UK error messages have no closing full stop; the API's sentences do.
            message = text.removesuffix(".")
            name = self.API_FIELDS.get(path)
            if name is not None and name in self.fields and not self.has_error(name):
                self.add_error(name, message)
            elif name is None:
                self.add_error(None, message)

    def error_links(self) -> list[tuple[str, str]]:
        """(element id, message) for the error summary, linking each message to the first box it is about."""
        links = [(self._first_input_id(next(iter(self.fields))), str(e)) for e in self.non_field_errors()]
        for name in self.fields:
            for message in self.errors.get(name, []):
                links.append((self._first_input_id(name), message))
        return links

    def _first_input_id(self, name: str) -> str:
        field = self.fields[name]
        if isinstance(field, DateInputField):
            # The first of day, month and year with a problem of its own, else the day box.
            parts = [i for i, sub in enumerate(field.fields) if getattr(sub.widget, "errors", None)]
            return f"id_{name}_{parts[0] if parts else 0}"
        if name in ("has_partner", "what_if"):
            return f"id_{name}_0"  # conditional radios count from 0
        if isinstance(field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
            return f"id_{name}_1"
        return f"id_{name}"


def api_error_messages(detail: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    """(path, message) for each message in a DRF error ``detail`` (non_field_errors belong to their parent)."""
    if isinstance(detail, Mapping):
        for key, value in detail.items():
            yield from api_error_messages(value, path if key == "non_field_errors" else (*path, str(key)))
    elif isinstance(detail, list | tuple):
        for item in detail:
            yield from api_error_messages(item, path)
    else:
        yield path, str(detail)
