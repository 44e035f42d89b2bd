"""The sign-in form, laid out the GOV.UK way (the fields every app uses are in ``iwp.input.fields``), and the audit
page's filters."""

from __future__ import annotations

from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fixed, Fluid, Layout
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from iwp.audit_log import AuditFilters, claimant_id_for, target_type_choices
from iwp.input.fields import GovukDateField
from iwp.models import AuditVerb


class SignInForm(AuthenticationForm):
    """Django's own authentication form, laid out the GOV.UK way."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Staff username"
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.text("username", field_width=Fluid.ONE_HALF),
            Field.text("password", field_width=Fluid.ONE_HALF),
            Button("submit", "Sign in"),
        )


class AuditFilterForm(forms.Form):
    """The audit page's filters (a GET form): who, what, which claimant or record, and when."""

    who = forms.CharField(
        label="Who",
        help_text="The member of staff's username, like coach1",
        required=False,
        max_length=150,
    )
    verb = forms.ChoiceField(
        label="What they did",
        choices=[("", "Anything"), *AuditVerb.choices],
        required=False,
        error_messages={"invalid_choice": "Choose what they did from the list"},
    )
    claimant = forms.CharField(
        label="Claimant",
        help_text="National Insurance number, or the claimant's number (in their record's web address)",
        required=False,
        max_length=20,
    )
    target_type = forms.ChoiceField(
        label="Kind of record",
        required=False,
        error_messages={"invalid_choice": "Choose a kind of record from the list"},
    )
    target_id = forms.CharField(label="Record number", required=False, max_length=64)
    from_date = GovukDateField(
        what="the first day", label="From", help_text="For example, 27 3 2026", required=False
    )
    to_date = GovukDateField(
        what="the last day", label="To", help_text="For example, 31 3 2026", required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target_type"].choices = [("", "Any kind"), *target_type_choices()]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.form_method = "get"
        self.helper.layout = Layout(
            Field.text("who", field_width=Fluid.ONE_HALF),
            Field.select("verb"),
            Field.text("claimant", field_width=Fluid.ONE_HALF),
            Field.select("target_type"),
            Field.text("target_id", field_width=Fixed.TEN),
            Field("from_date", context={"legend_size": "govuk-fieldset__legend--s"}),
            Field("to_date", context={"legend_size": "govuk-fieldset__legend--s"}),
            Button("filter", "Show events"),
        )

    def clean_claimant(self) -> int | None:
        text = self.cleaned_data.get("claimant", "").strip()
        if not text:
            return None
        claimant_id = claimant_id_for(text)
        if claimant_id is None:
            raise ValidationError("No claimant has that National Insurance number or number", code="unknown")
        return claimant_id

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        first, last = data.get("from_date"), data.get("to_date")
        if first and last and last < first:
            self.add_error("to_date", "The last day must be the same as or after the first day")
        return data

    def filters(self) -> AuditFilters:
        data = self.cleaned_data
        return AuditFilters(
            who=data.get("who", "").strip(),
            verb=data.get("verb", ""),
            claimant_id=data.get("claimant"),
            target_type=data.get("target_type", ""),
            target_id=data.get("target_id", "").strip(),
            from_date=data.get("from_date"),
            to_date=data.get("to_date"),
        )
