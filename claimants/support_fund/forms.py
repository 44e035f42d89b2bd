"""GOV.UK forms for the Flexible Support Fund: the request, a team leader's decision, the payment, and the budget
page's choice of jobcentre and year. Messages say what to do, in the GOV.UK style."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fluid, Layout, Size
from django import forms

from claimants.models import SupportFundPurpose
from claimants.support_fund.rules import MAX_AWARD, money

MIN_AWARD = Decimal("0.01")


class MoneyField(forms.DecimalField):
    """Pounds and pence. People type "£1,250" or "45.5": the pound sign, commas and spaces are allowed."""

    def to_python(self, value: Any) -> Decimal | None:
        if isinstance(value, str):
            value = value.strip().replace(",", "").replace(" ", "").removeprefix("£")
        return super().to_python(value)


def _money_field(label: str, help_text: str, what: str) -> MoneyField:
    between = f"The {what} must be between {money(MIN_AWARD)} and {money(MAX_AWARD)}"
    return MoneyField(
        label=label,
        help_text=help_text,
        max_digits=8,
        decimal_places=2,
        min_value=MIN_AWARD,
        max_value=MAX_AWARD,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false", "autocomplete": "off"}),
        error_messages={
            "required": f"Enter the {what}",
            "invalid": f"The {what} must be an amount of money, like 149.99",
            "min_value": between,
            "max_value": between,
            "max_digits": between,
            "max_whole_digits": between,
            "max_decimal_places": f"The {what} can have no more than 2 decimal places (pence)",
        },
    )


def _helper(form: forms.Form, *fields: Any, submit: str) -> None:
    form.helper = FormHelper()
    form.helper.form_tag = False
    form.helper.layout = Layout(*fields, Button("submit", submit))


class AwardRequestForm(forms.Form):
    purpose = forms.ChoiceField(
        label="What is the money for?",
        choices=SupportFundPurpose.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select what the money is for",
            "invalid_choice": "Select what the money is for from the list",
        },
    )
    amount = _money_field("Amount, in pounds", "The whole cost, for example 149.99", "amount")
    supplier = forms.CharField(
        label="Supplier",
        help_text="Who will be paid: the training provider, bus company, shop or childcare provider",
        max_length=200,
        error_messages={
            "required": "Enter who will be paid (the supplier)",
            "max_length": "The supplier must be 200 characters or fewer",
        },
    )
    details = forms.CharField(
        label="How will it help the claimant into more or better-paid work? (optional)",
        help_text="For example, the job or extra hours it leads to. The team leader reads this when deciding.",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": "The details must be 1,000 characters or fewer"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _helper(
            self,
            Field.radios("purpose", legend_size=Size.SMALL),
            Field.text("amount", field_width=10),
            Field.text("supplier", field_width=Fluid.TWO_THIRDS),
            Field.textarea("details", rows=4, max_characters=1000),
            submit="Send for a team leader's decision",
        )

    def clean_supplier(self) -> str:
        supplier = self.cleaned_data["supplier"].strip()
        if not supplier:
            raise forms.ValidationError("Enter who will be paid (the supplier)")
        return supplier


class DecisionForm(forms.Form):
    APPROVE, REFUSE = "approve", "refuse"

    decision = forms.ChoiceField(
        label="Your decision",
        choices=[(APPROVE, "Approve the award"), (REFUSE, "Refuse the award")],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select approve or refuse",
            "invalid_choice": "Select approve or refuse",
        },
    )
    reason = forms.CharField(
        label="Reason or note",
        help_text="Needed if you refuse: the work coach sees it. Optional if you approve.",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "The reason must be 1,000 characters or fewer"},
    )
    confirm_unknown_eligibility = forms.BooleanField(
        label="I have checked the claimant's regime on the date of the request and they can have this award",
        required=False,
    )

    def __init__(self, *args: Any, unknown_eligibility: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unknown_eligibility = unknown_eligibility
        fields: list[Any] = [
            Field.radios("decision", legend_size=Size.SMALL, inline=True),
            Field.textarea("reason", rows=3),
        ]
        if unknown_eligibility:
            fields.append(Field.checkbox("confirm_unknown_eligibility"))
        else:
            del self.fields["confirm_unknown_eligibility"]
        _helper(self, *fields, submit="Save decision")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        decision = data.get("decision")
        if decision == self.REFUSE and not (data.get("reason") or "").strip() and "reason" not in self.errors:
            self.add_error("reason", "Enter the reason for refusing the award")
        if (
            decision == self.APPROVE
            and self.unknown_eligibility
            and not data.get("confirm_unknown_eligibility")
        ):
            self.add_error(
                "confirm_unknown_eligibility",
                "Eligibility is not known: confirm you have checked the claimant's regime on the date of the request",
            )
        return data


class PaidForm(forms.Form):
    reference = forms.CharField(
        label="Payment reference (optional)",
        help_text="The purchase order or payment number, if there is one",
        required=False,
        max_length=60,
        error_messages={"max_length": "The payment reference must be 60 characters or fewer"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _helper(self, Field.text("reference", field_width=20), submit="Record that it has been paid")


class BudgetChoiceForm(forms.Form):
    """The budget page's choice of jobcentre and financial year (GET)."""

    jobcentre = forms.TypedChoiceField(coerce=int, required=False, label="Jobcentre")
    year = forms.TypedChoiceField(coerce=int, required=False, label="Financial year")

    def __init__(self, *args: Any, jobcentres: list, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["jobcentre"].choices = [(j.pk, j.name) for j in jobcentres]
        self.fields["year"].choices = [(y, f"April {y} to March {y + 1}") for y in years]
        self.fields["jobcentre"].error_messages["invalid_choice"] = "Choose a jobcentre from the list"
        self.fields["year"].error_messages["invalid_choice"] = "Choose a financial year from the list"
