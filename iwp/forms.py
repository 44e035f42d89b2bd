"""Forms and form fields every app uses, laid out the GOV.UK way with crispy-forms-gds."""

from __future__ import annotations

from datetime import date
from typing import Any

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fluid, Layout
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator


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


class GovukDateField(DateInputField):
    """The GOV.UK date input (day, month, year boxes) with messages that name the date asked for."""

    def __init__(self, *, what: str, **kwargs: Any) -> None:
        super().__init__(require_all_fields=False, **kwargs)
        self.what = what
        capital = what[0].upper() + what[1:]
        self.error_messages["required"] = f"Enter {what}"
        self.error_messages["incomplete"] = f"Enter {what}"
        self.error_messages["invalid"] = f"{capital} must be a real date"
        for part, sub in zip(("day", "month", "year"), self.fields, strict=True):
            sub.error_messages["incomplete"] = f"{capital} must include a {part}"
            sub.validators = [RegexValidator(r"^[0-9]+$", f"{capital} must be a real date")]

    def compress(self, data_list: list[str | None]) -> date | None:
        day, month, year = data_list
        if not (day and month and year):
            return None
        capital = self.what[0].upper() + self.what[1:]
        if len(year) != 4:
            raise ValidationError(f"{capital} must include a year with 4 numbers, like 2025", code="invalid")
        try:
            return date(int(year), int(month), int(day))
        except ValueError:
            raise ValidationError(f"{capital} must be a real date", code="invalid") from None
