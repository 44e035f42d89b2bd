"""The claimant commitment editor: the terms, and two formsets of lines (the claimant will… / the Jobcentre
will…). The rules live in ``claimants.commitments.rules.commitment_problems``; these forms put its messages beside
the right boxes."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import HTML, Field, Fixed, Fluid, Layout, Size
from django import forms
from django.forms import BaseFormSet, formset_factory
from django.utils import timezone

from claimants.commitments.rules import REASON_DETAIL_MAX, ItemChange, commitment_problems, unpack_reason
from claimants.models import ClaimantCommitment, CommitmentItem, ExpectedHoursReason
from iwp.input.fields import GovukDateField


def example_date(today: date, *, days: int) -> str:
    """A date hint in the GOV.UK style ("27 3 2026"), a little after today so it is a sensible answer."""
    day = today + timedelta(days=days)
    return f"{day.day} {day.month} {day.year}"


_DECIMAL_WIDGET = {"inputmode": "decimal", "spellcheck": "false", "autocomplete": "off"}


def _hours_field(label: str, help_text: str, what: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        help_text=help_text,
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=168,
        widget=forms.TextInput(attrs=_DECIMAL_WIDGET),
        error_messages={
            "required": f"Enter the {what}",
            "invalid": f"The {what} must be a number, like 35",
            "min_value": f"The {what} must be between 0 and 168 a week",
            "max_value": f"The {what} must be between 0 and 168 a week",
            "max_digits": f"The {what} must be between 0 and 168 a week",
            "max_whole_digits": f"The {what} must be between 0 and 168 a week",
            "max_decimal_places": f"The {what} can have no more than 2 decimal places",
        },
    )


class CommitmentForm(forms.Form):
    """The terms of a draft commitment. ``lock_version`` is the version the page was loaded with."""

    lock_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    expected_hours = _hours_field(
        "Expected hours of work a week",
        "Usually 35. Fewer only if agreed because of caring, a child's school hours or a health condition.",
        "expected hours of work",
    )
    expected_hours_reason = forms.ChoiceField(
        label="Why fewer than 35 hours?",
        help_text="Only needed if the expected hours are fewer than 35.",
        choices=ExpectedHoursReason.choices,  # no blank choice: radios would show "---------"
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Select a reason from the list"},
    )
    expected_hours_detail = forms.CharField(
        label="More about the reason (optional)",
        help_text=f"Needed if you chose Other. Up to {REASON_DETAIL_MAX} characters.",
        required=False,
        max_length=REASON_DETAIL_MAX,
        error_messages={"max_length": f"The reason must be {REASON_DETAIL_MAX} characters or fewer"},
    )
    work_search_hours = _hours_field(
        "Work search hours a week",
        "Time to spend looking and preparing for more or better-paid work. No more than the expected hours.",
        "work search hours",
    )
    requirements = forms.CharField(
        label="What the claimant must do",
        help_text="Tailored requirements in plain words: which work to look for, how, and any training. "
        "You can enter up to 2,000 characters.",
        max_length=2000,
        widget=forms.Textarea,
        error_messages={
            "required": "Enter the claimant's requirements",
            "max_length": "The requirements must be 2,000 characters or fewer",
        },
    )
    easements_note = forms.CharField(
        label="Agreed adjustments (optional)",
        help_text="For example, no appointments during the school run. Easements on the claimant's record are "
        "shown above; do not describe domestic abuse here. You can enter up to 1,000 characters.",
        required=False,
        max_length=1000,
        widget=forms.Textarea,
        error_messages={"max_length": "The adjustments must be 1,000 characters or fewer"},
    )
    review_due = GovukDateField(
        what="the review date",
        label="When should the commitment be reviewed? (optional)",
        required=False,
    )

    def __init__(self, *args: Any, today: date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        self.fields[
            "review_due"
        ].help_text = f"For example, {example_date(self.today, days=90)}. Leave blank to review it 3 months after it is issued."
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.render_hidden_fields = True
        self.helper.layout = Layout(
            HTML('<h2 class="govuk-heading-m">Hours</h2>'),
            Field.text("expected_hours", field_width=Fixed.FIVE),
            Field.radios("expected_hours_reason", legend_size=Size.SMALL, small=True),
            Field.text("expected_hours_detail", field_width=Fluid.TWO_THIRDS),
            Field.text("work_search_hours", field_width=Fixed.FIVE),
            HTML('<h2 class="govuk-heading-m govuk-!-margin-top-6">Requirements</h2>'),
            Field.textarea("requirements", rows=6, max_characters=2000),
            HTML('<h2 class="govuk-heading-m govuk-!-margin-top-6">Easements and adjustments</h2>'),
            HTML('{% include "claimants/commitment_easements.html" %}'),
            Field.textarea("easements_note", rows=3, max_characters=1000),
            HTML('<h2 class="govuk-heading-m govuk-!-margin-top-6">Review</h2>'),
            Field("review_due", context={"legend_size": Size.for_legend(Size.SMALL)}),
        )

    @classmethod
    def initial_for(cls, commitment: ClaimantCommitment) -> dict[str, Any]:
        code, detail = unpack_reason(commitment.expected_hours_reason)
        return {
            "lock_version": commitment.lock_version,
            "expected_hours": commitment.expected_hours.normalize(),
            "expected_hours_reason": code,
            "expected_hours_detail": detail,
            "work_search_hours": commitment.work_search_hours.normalize(),
            "requirements": commitment.requirements,
            "easements_note": commitment.easements_note,
            "review_due": commitment.review_due,
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        hours = cleaned.get("expected_hours")
        if hours is not None and hours >= Decimal(35):
            cleaned["expected_hours_reason"], cleaned["expected_hours_detail"] = "", ""
        problems = commitment_problems(
            expected_hours=hours,
            work_search_hours=cleaned.get("work_search_hours"),
            reason_code=cleaned.get("expected_hours_reason", ""),
            reason_detail=cleaned.get("expected_hours_detail", ""),
            review_due=cleaned.get("review_due"),
            today=self.today,
        )
        for name, message in problems.items():
            if name not in self.errors:  # the field's own message (e.g. "must be a number") comes first
                self.add_error(name, message)
        return cleaned


_SIDE_WORDS = {
    CommitmentItem.Side.CLAIMANT_ACTION: {
        "existing": "Action {n}",
        "new": "New action for the claimant",
        "date_existing": "Action {n}: do by (optional)",
        "date_new": "New action: do by (optional)",
        "what": "what the claimant will do",
    },
    CommitmentItem.Side.SUPPORT_PLAN: {
        "existing": "Support {n}",
        "new": "New support from the Jobcentre",
        "date_existing": "Support {n}: by (optional)",
        "date_new": "New support: by (optional)",
        "what": "what the Jobcentre will do",
    },
}


class CommitmentItemForm(forms.Form):
    """One line. A new line left empty is ignored; an existing line can be removed."""

    item_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    text = forms.CharField(required=False, max_length=300)
    by_date = GovukDateField(what="the date", required=False)
    remove = forms.BooleanField(label="Remove this line", required=False)

    def __init__(self, *args: Any, side: str, known_ids: set[int], today: date, number: int, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.side, self.known_ids, self.today = side, known_ids, today
        self.existing = bool(self.initial.get("item_id"))
        words = _SIDE_WORDS[side]
        kind = "existing" if self.existing else "new"
        self.fields["text"].label = words[kind].format(n=number)
        self.fields["text"].error_messages["max_length"] = "A line must be 300 characters or fewer"
        name = words[kind].format(n=number)
        self.fields["by_date"] = GovukDateField(
            what=f"the date for {name[0].lower()}{name[1:]}",
            label=words[f"date_{kind}"].format(n=number),
            help_text=f"For example, {example_date(today, days=28)}",
            required=False,
        )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.render_hidden_fields = True
        self.helper.disable_csrf = True
        fields = [
            Field.text("text", field_width=Fluid.FULL),
            Field("by_date", context={"legend_size": Size.for_legend(Size.SMALL)}),
        ]
        if self.existing:
            fields.append(Field.checkbox("remove", small=True))
        self.helper.layout = Layout(*fields)

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not self.existing and not data.get("text", "").strip() and not data.get("by_date")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.existing and self.initial.get("item_id") not in self.known_ids:
            raise forms.ValidationError("Someone else removed this line. Reload the page to see the draft.")
        if cleaned.get("remove") and self.existing:
            return cleaned
        text = (cleaned.get("text") or "").strip()
        cleaned["text"] = text
        if not text and "text" not in self.errors and (self.existing or cleaned.get("by_date")):
            self.add_error("text", f"Enter {_SIDE_WORDS[self.side]['what']}")
        by_date = cleaned.get("by_date")
        if by_date and by_date < self.today and by_date != self.initial.get("by_date"):
            self.add_error("by_date", "The date must be today or in the future")
        return cleaned

    def change(self) -> ItemChange:
        data = self.cleaned_data
        return ItemChange(
            side=self.side,
            text=data.get("text", ""),
            by_date=data.get("by_date"),
            item_id=self.initial.get("item_id") if self.existing else None,
            remove=bool(data.get("remove")) and self.existing,
        )


class BaseCommitmentItemFormSet(BaseFormSet):
    def __init__(self, *args: Any, side: str, known_ids: set[int], today: date, **kwargs: Any) -> None:
        self.side, self.known_ids, self.today = side, known_ids, today
        super().__init__(*args, prefix=side, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {
            "side": self.side,
            "known_ids": self.known_ids,
            "today": self.today,
            "number": (index or 0) + 1,
        }

    @property
    def empty_form(self):  # pragma: no cover - not used (no JavaScript "add another")
        raise NotImplementedError

    def changes(self) -> list[ItemChange]:
        # Ignore the item_id a browser sends: the line's identity comes from the initial data we rendered.
        return [form.change() for form in self.forms if not form.is_blank]


CommitmentItemFormSet = formset_factory(
    CommitmentItemForm,
    formset=BaseCommitmentItemFormSet,
    extra=1,
    max_num=40,
    validate_max=True,
    absolute_max=60,
)


def item_formset(
    side: str, commitment: ClaimantCommitment, *, data: Any = None, today: date | None = None
) -> BaseCommitmentItemFormSet:
    """The formset for one side of the draft, from its saved lines (ordered as the page shows them)."""
    items = [item for item in commitment.items.all() if item.side == side]
    initial = [{"item_id": item.pk, "text": item.text, "by_date": item.by_date} for item in items]
    return CommitmentItemFormSet(
        data,
        initial=initial,
        side=side,
        known_ids={item.pk for item in items},
        today=today or timezone.localdate(),
    )


def error_links(*forms_or_formsets: forms.Form | BaseFormSet) -> list[tuple[str, str]]:
    """(element id, message) for the GOV.UK error summary, in page order, across a form and formsets."""
    links: list[tuple[str, str]] = []

    def anchor(bound_field) -> str:
        widget = bound_field.field.widget
        return f"{bound_field.auto_id}_0" if isinstance(widget, forms.MultiWidget) else bound_field.auto_id

    def add_form(form: forms.Form) -> None:
        visible = form.visible_fields()
        for message in form.non_field_errors():
            links.append((anchor(visible[0]) if visible else "main-content", message))
        for bound_field in visible:
            for message in bound_field.errors:
                links.append((anchor(bound_field), message))

    for thing in forms_or_formsets:
        if isinstance(thing, BaseFormSet):
            for message in thing.non_form_errors():
                first = thing.forms[0].visible_fields()[0] if thing.forms else None
                links.append((anchor(first) if first else "main-content", message))
            for form in thing.forms:
                add_form(form)
        else:
            add_form(thing)
    return links


class LockForm(forms.Form):
    """The lock version a POST action (issue, accept, discard) was shown with."""

    lock_version = forms.IntegerField(min_value=0)
