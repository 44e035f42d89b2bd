"""GOV.UK form fields every app uses: the date input (day, month, year) with its range, one 24-hour time box,
and a UK postcode."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any

from crispy_forms_gds.fields import DateInputField
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils import timezone

from iwp.input.dates import DateRange


class GovukDateField(DateInputField):
    """The GOV.UK date input (day, month, year boxes) with messages that name the date asked for, and the range
    that kind of date allows (``iwp.input.dates``), checked against ``today`` (the form may set ``field.today``)."""

    def __init__(self, *, what: str, date_range: DateRange | None = None, **kwargs: Any) -> None:
        super().__init__(require_all_fields=False, **kwargs)
        self.what = what
        self.date_range = date_range.named(what) if date_range else None
        self.today: date | None = None
        capital = what[0].upper() + what[1:]
        self.error_messages["required"] = f"Enter {what}"
        self.error_messages["incomplete"] = f"Enter {what}"
        self.error_messages["invalid"] = f"{capital} must be a real date"
        parts = zip(
            ("day", "month", "year"), self.fields, self.widget.widgets, ("1,2", "1,2", "1,4"), strict=True
        )
        for part, sub, box, digits in parts:
            sub.error_messages["incomplete"] = f"{capital} must include a {part}"
            sub.error_messages["required"] = f"{capital} must include a {part}"
            # Digits only, and no more than a date part has: a 20-digit "day" is not a date (and would overflow).
            sub.validators = [RegexValidator(rf"^[0-9]{{{digits}}}$", f"{capital} must be a real date")]
            box.attrs["inputmode"] = "numeric"

    def compress(self, data_list: list[str | None]) -> date | None:
        day, month, year = data_list
        if not (day and month and year):
            return None
        capital = self.what[0].upper() + self.what[1:]
        if len(year) != 4:
            raise ValidationError(f"{capital} must include a year with 4 numbers, like 2025", code="invalid")
        try:
            return date(int(year), int(month), int(day))
        except (ValueError, OverflowError):
            raise ValidationError(f"{capital} must be a real date", code="invalid") from None

    def clean(self, value: Any) -> date | None:
        day = super().clean(value)
        if day is not None and self.date_range is not None:
            problem = self.date_range.problem(day, today=self.today or timezone.localdate())
            if problem:
                raise ValidationError(problem, code="out_of_range")
        return day


_TIME = re.compile(r"^(\d{1,2})(?:[:.]?(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?$", re.IGNORECASE)


def parse_time(text: str) -> time | None:
    """What people type for a time: 14:30, 1430, 14.30, 9, 9am, 2:30pm, 12pm (noon)."""
    match = _TIME.match(text.strip())
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    suffix = (match.group(3) or "").replace(".", "").lower()
    if suffix:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


class GovukTimeField(forms.Field):
    """A time typed into one box (GOV.UK has no time component), checked and turned into a ``time``."""

    def __init__(self, *, what: str, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "maxlength": "10"}),
        )
        super().__init__(**kwargs)
        self.what = what
        self.error_messages["required"] = f"Enter {what}"

    def prepare_value(self, value: Any) -> Any:
        return value.strftime("%H:%M") if isinstance(value, time) else value

    def to_python(self, value: Any) -> time | None:
        if isinstance(value, time):
            return value
        text = str(value or "").strip()
        if not text:
            return None
        parsed = parse_time(text[:20])
        if parsed is None:
            capital = self.what[0].upper() + self.what[1:]
            raise ValidationError(f"{capital} must be a real time, like 14:30", code="invalid")
        return parsed


# A UK postcode as Royal Mail writes it: outward code (area, district), a space, inward code (sector, unit).
# The pattern is the shape only (not a lookup): "NOT A POSTCODE" and "B15" are refused, "b151tr" becomes "B15 1TR".
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})$")


def normalise_uk_postcode(value: str) -> str:
    """A typed postcode tidied ("b151tr" → "B15 1TR"), "" for empty; ValidationError if it is not one."""
    text = " ".join((value or "").upper().split())
    if not text:
        return ""
    match = _POSTCODE.match(text)
    if not match:
        raise ValidationError("Enter a real postcode, like B15 1TR", code="postcode")
    return f"{match.group(1)} {match.group(2)}"


class UkPostcodeField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault("label", "Postcode")
        super().__init__(**kwargs)
        self.error_messages["max_length"] = "Enter a real postcode, like B15 1TR"

    def clean(self, value: Any) -> str:
        return normalise_uk_postcode(super().clean(value))
