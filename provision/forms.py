"""GOV.UK forms for provision (crispy-forms-gds); the pages show the error summary."""

from __future__ import annotations

from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import HTML, Button, Field, Layout, Size
from django import forms
from django.utils import timezone

from claimants.models import BarrierKind, RegimeChoices, Weekday
from iwp.input import dates
from iwp.input.fields import GovukDateField, UkPostcodeField
from provision.models import Category, DeliveryMode, ProvisionOffer, ReferralRoute, ReferralStatus
from provision.selectors import TRANSITIONS
from provision.services import SessionInput, offer_problems, session_problems

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
DESCRIPTION_MAX = 5_000  # what an offer page shows in full; imports keep longer texts on the record


def _helper(*items: Any, submit: str = "Save") -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True  # the page's form tag carries the token
    helper.layout = Layout(*items, Button("submit", submit))
    return helper


TIME_FORMATS = ["%H:%M", "%H.%M", "%H%M"]  # 18:00, 18.00 or 1800


class SessionForm(forms.Form):
    """One weekly session: a day and a start and end time (24-hour clock). A row left empty is no session."""

    weekday = forms.TypedChoiceField(
        label="Day of the week",
        choices=[("", "Choose a day"), *Weekday.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    starts_at = forms.TimeField(
        label="Starts", required=False, input_formats=TIME_FORMATS, help_text="For example, 18:00"
    )
    ends_at = forms.TimeField(
        label="Ends", required=False, input_formats=TIME_FORMATS, help_text="For example, 20:00"
    )
    valid_from = GovukDateField(
        what="the first date it runs",
        label="First date (optional)",
        help_text="For a course that runs for a term, for example 7 9 2027",
        required=False,
    )
    valid_to = GovukDateField(
        what="the last date it runs",
        label="Last date (optional)",
        help_text="For example, 17 12 2027",
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        day, starts, ends = data.get("weekday"), data.get("starts_at"), data.get("ends_at")
        typed = [name for name in ("weekday", "starts_at", "ends_at") if self.data.get(self.add_prefix(name))]
        typed += [name for name in ("valid_from", "valid_to") if data.get(name)]
        if not typed or self.errors:
            return data
        if day is None:
            self.add_error("weekday", "Choose the day of the session")
        if starts is None:
            self.add_error("starts_at", "Enter the time the session starts, for example 18:00")
        if ends is None:
            self.add_error("ends_at", "Enter the time the session ends, for example 20:00")
        problems = session_problems(
            starts_at=starts, ends_at=ends, valid_from=data.get("valid_from"), valid_to=data.get("valid_to")
        )
        for name, message in problems.items():
            self.add_error(name, message)
        return data

    def session(self) -> SessionInput | None:
        data = self.cleaned_data
        if data.get("weekday") is None or data.get("starts_at") is None or data.get("ends_at") is None:
            return None
        return SessionInput(
            data["weekday"], data["starts_at"], data["ends_at"], data.get("valid_from"), data.get("valid_to")
        )


SESSIONS_MAX = 14  # two a day for a week
BLANK_SESSION_ROWS = 2  # empty rows under the sessions already known ("add another" without JavaScript)
SessionFormSet = forms.formset_factory(
    SessionForm, extra=BLANK_SESSION_ROWS, max_num=SESSIONS_MAX, validate_max=True, absolute_max=SESSIONS_MAX
)


def session_rows(data: Any = None, offer: ProvisionOffer | None = None) -> SessionFormSet:
    """The offer's sessions as rows, then two blank rows for more. A post without the rows (another client, an
    old page) leaves them unbound: the sessions are then not changed."""
    if data is not None and "sessions-TOTAL_FORMS" not in data:
        data = None
    initial = (
        [
            {
                "weekday": s.weekday,
                "starts_at": s.starts_at,
                "ends_at": s.ends_at,
                "valid_from": s.valid_from,
                "valid_to": s.valid_to,
            }
            for s in offer.sessions.all()
        ]
        if offer is not None and offer.pk
        else []
    )
    return SessionFormSet(data, initial=initial, prefix="sessions")


class OfferForm(forms.ModelForm):
    provider_name = forms.CharField(label="Provider", max_length=160)
    barriers = forms.MultipleChoiceField(
        label="Barriers it helps with",
        choices=BarrierKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    regimes = forms.MultipleChoiceField(
        label="Open to these regimes",
        help_text="Leave every box empty if it is open to every regime",
        choices=RegimeChoices.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    # Unknown is a value (issue 12): the lead can say "not known" rather than pick a confident answer, and an
    # imported entry shows these ticked until the lead finds out.
    regimes_unknown = forms.BooleanField(label="Not known which regimes it is open to", required=False)
    ages_unknown = forms.BooleanField(label="Age limits not known", required=False)
    sessions_unknown = forms.BooleanField(label="Times not known", required=False)
    # Bounds a page can show and the database can hold: a 20-digit capacity is a typing slip, not a 500.
    min_age = forms.IntegerField(label="Minimum age", required=False, min_value=0, max_value=120)
    max_age = forms.IntegerField(label="Maximum age", required=False, min_value=0, max_value=120)
    capacity = forms.IntegerField(label="Capacity", required=False, min_value=0, max_value=100_000)
    places_left = forms.IntegerField(label="Places left", required=False, min_value=0, max_value=100_000)
    cost = forms.DecimalField(
        label="Cost to the claimant, in pounds",
        min_value=0,
        max_value=100_000,
        decimal_places=2,
        required=False,
        help_text="0 if it is free. Leave empty if you do not know",
    )
    limbo_days = forms.IntegerField(
        label="Chase a referral after this many working days without an update",
        min_value=1,
        max_value=60,
        initial=10,
    )
    description = forms.CharField(
        label="Description",
        max_length=DESCRIPTION_MAX,
        required=False,
        help_text=f"What it is and what the claimant gets from it ({DESCRIPTION_MAX:,} characters at most)",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    other_eligibility = forms.CharField(
        label="Other eligibility",
        max_length=1000,
        required=False,
        help_text="Anything else, in words (for example, ‘must live in Leeds’)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    postcode = UkPostcodeField(
        required=False, help_text="Where sessions happen; leave empty for online", label="Postcode"
    )
    review_by = GovukDateField(
        what="the review date",
        date_range=dates.OFFER_REVIEW,
        label="Review by",
        help_text="When someone should next check this entry. Leave empty for six months from today",
        required=False,
    )

    class Meta:
        model = ProvisionOffer
        fields = [
            "name",
            "provider_name",
            "description",
            "category",
            "barriers",
            "regimes",
            "regimes_unknown",
            "min_age",
            "max_age",
            "ages_unknown",
            "other_eligibility",
            "delivery_mode",
            "self_paced",
            "sessions_unknown",
            "location",
            "postcode",
            "capacity",
            "places_left",
            "cost",
            "referral_route",
            "contact",
            "review_by",
            "limbo_days",
            "external_id",
        ]
        labels = {
            "name": "Name of the offer",
            "min_age": "Minimum age",
            "max_age": "Maximum age",
            "other_eligibility": "Other eligibility",
            "self_paced": "Self-paced (no fixed sessions)",
            "cost": "Cost to the claimant, in pounds",
            "referral_route": "How to refer",
            "review_by": "Review by",
            "limbo_days": "Chase a referral after this many working days without an update",
            "external_id": "Id in the provider's or Open Referral UK data",
        }
        help_texts = {
            "description": "What it is and what the claimant gets from it",
            "other_eligibility": "Anything else, in words (for example, ‘must live in Leeds’)",
            "contact": "Name, phone or email for referrals",
            "review_by": "When someone should next check this entry. Leave empty for six months from today",
            "postcode": "Where sessions happen; leave empty for online, or if you do not know",
            "external_id": "Optional. Keeps re-imports of the same file matched to this entry",
        }
        widgets = {
            "delivery_mode": forms.RadioSelect,
            "referral_route": forms.RadioSelect,
        }

    def __init__(self, *args: Any, sessions: SessionFormSet | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sessions = sessions  # the weekly sessions, entered as rows of day, start and end
        self.fields["category"].choices = Category.choices
        self.fields["delivery_mode"].choices = DeliveryMode.choices
        self.fields["referral_route"].choices = ReferralRoute.choices
        if self.instance.pk:
            self.fields["provider_name"].initial = self.instance.provider.name
            self.initial["regimes"] = self.instance.regimes or []
            self.initial["regimes_unknown"] = self.instance.regimes is None
            self.initial["ages_unknown"] = not self.instance.ages_known
            self.initial["sessions_unknown"] = not self.instance.sessions_known
            if self.instance.review_by and self.instance.review_by <= timezone.localdate():
                # A review date that has passed is not an answer to keep: the box starts empty, which saves as
                # six months from today (the hint says so), instead of refusing the lead's unchanged form.
                self.initial["review_by"] = None
        self.helper = _helper(
            Field.text("name"),
            Field.text("provider_name"),
            Field.textarea("description"),
            Field.select("category"),
            Field.checkboxes("barriers", small=True, legend_size=Size.SMALL),
            Field.checkboxes("regimes", small=True, legend_size=Size.SMALL),
            Field.checkbox("regimes_unknown", small=True),
            Field.text("min_age", field_width=3),
            Field.text("max_age", field_width=3),
            Field.checkbox("ages_unknown", small=True),
            Field.textarea("other_eligibility"),
            Field.radios("delivery_mode", inline=True),
            Field.checkbox("self_paced"),
            HTML('{% include "provision/_session_rows.html" %}'),
            Field.checkbox("sessions_unknown", small=True),
            Field.text("location"),
            Field.text("postcode", field_width=10),
            Field.text("capacity", field_width=4),
            Field.text("places_left", field_width=4),
            Field.text("cost", field_width=5),
            Field.radios("referral_route"),
            Field.text("contact"),
            Field("review_by", context={"legend_size": Size.for_legend(Size.SMALL)}),
            Field.text("limbo_days", field_width=3),
            Field.text("external_id", field_width=20),
            submit="Save offer",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["sessions"] = given = self._sessions_given()
        if given is None:  # the rows were not sent: the sessions stay as they are
            given = list(self.instance.sessions.all()) if self.instance.pk else []
        problems = offer_problems(
            self_paced=bool(data.get("self_paced")),
            has_sessions=bool(given),
            capacity=data.get("capacity"),
            places_left=data.get("places_left"),
            min_age=data.get("min_age"),
            max_age=data.get("max_age"),
            ages_known=not data.get("ages_unknown"),
            sessions_known=not data.get("sessions_unknown"),
        )
        boxes = {"ages_known": "ages_unknown", "sessions_known": "sessions_unknown"}
        for name, message in problems.items():
            self.add_error(boxes.get(name, name), message)
        if data.get("regimes_unknown") and data.get("regimes"):
            self.add_error(
                "regimes_unknown",
                "Untick this box, or untick the regimes: they cannot be both chosen and not known",
            )
        return data

    def _sessions_given(self) -> list[SessionInput] | None:
        """The sessions typed in (None: the rows were not sent, so the sessions stay as they are); a row's own
        errors are listed in the error summary too, named by row."""
        if self.sessions is None or not self.sessions.is_bound:
            return None
        if not self.sessions.is_valid():
            for number, row in enumerate(self.sessions.forms, start=1):
                for errors in row.errors.values():
                    for error in errors:
                        self.add_error(None, f"Session {number}: {error}")
            for error in self.sessions.non_form_errors():
                self.add_error(None, error)
            return []
        return [row.session() for row in self.sessions.forms if row.session() is not None]

    def _post_clean(self) -> None:
        # The natural key and provider are set by the service; skip model validation of fields it fills in.
        pass

    def offer_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("provider_name", None)
        sessions = data.pop("sessions", None)
        if data.pop("regimes_unknown", False):
            data["regimes"] = None
        data["ages_known"] = not data.pop("ages_unknown", False)
        if not data["ages_known"]:
            data["min_age"] = data["max_age"] = None
        # Times are known when there are sessions or it is self-paced, unless the lead says they are not.
        data["sessions_known"] = (
            bool(sessions) or bool(data.get("self_paced")) or not data.pop("sessions_unknown", False)
        )
        data.pop("sessions_unknown", None)
        return data


class ArchiveForm(forms.Form):
    reason = forms.CharField(
        label="Why are you archiving this offer?",
        max_length=300,
        help_text="For example, ‘Funding ended in March 2027’. Archived offers stay on record and can be found.",
        error_messages={"required": "Enter why you are archiving this offer"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(Field.text("reason"), submit="Archive offer")


class ImportForm(forms.Form):
    KINDS = [("csv", "CSV (the columns of the export)"), ("oruk", "Open Referral UK / HSDS JSON")]
    MODES = [
        ("", "The usual: all or nothing for a CSV, the good rows for an Open Referral UK feed"),
        ("lenient", "Import the good rows and list the rejected ones"),
        ("strict", "All or nothing: if any row is wrong, import nothing"),
    ]

    kind = forms.ChoiceField(label="Kind of file", choices=KINDS, widget=forms.RadioSelect, initial="csv")
    mode = forms.ChoiceField(
        label="If some rows are wrong", choices=MODES, widget=forms.RadioSelect, required=False, initial=""
    )
    file = forms.FileField(label="File", error_messages={"required": "Choose a file to import"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.radios("kind"), Field.radios("mode", small=True), Field("file"), submit="Import"
        )

    def strict(self) -> bool | None:
        return {"lenient": False, "strict": True}.get(self.cleaned_data.get("mode") or "")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file must be smaller than 20 MB")
        return upload


class SearchForm(forms.Form):
    category = forms.ChoiceField(
        label="Category", required=False, choices=[("", "Any category"), *Category.choices]
    )
    barrier = forms.ChoiceField(
        label="Barrier", required=False, choices=[("", "Any barrier"), *BarrierKind.choices]
    )


class ReferralForm(forms.Form):
    ACTIONS = [
        ("refer", "Refer – send the provider the claimant's details and track the referral"),
        ("signpost", "Signpost – information given, the claimant will contact them"),
    ]
    action = forms.ChoiceField(
        label="What are you doing?", choices=ACTIONS, widget=forms.RadioSelect, initial="refer"
    )
    shared_summary = forms.CharField(
        label="Summary to share with the provider",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Circumstances, barriers and goals the claimant is happy to share, so they need not repeat their story",
    )
    consent_to_share = forms.BooleanField(
        label="The claimant has read this summary and agrees to share it with the provider", required=False
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
            Field.radios("action"),
            Field.textarea("shared_summary"),
            Field.checkbox("consent_to_share"),
        ]
        if step_choices:
            # Only when the claimant has a plan with steps to do (issue #16).
            self.fields["plan_step"].choices = [("", "None of them"), *step_choices]
            fields.append(Field.select("plan_step"))
        else:
            del self.fields["plan_step"]
        self.helper = _helper(*fields, submit="Save")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("action") == "signpost":
            # Signposting sends nothing to the provider, so there is no summary to agree to.
            data["shared_summary"], data["consent_to_share"] = "", False
        elif (data.get("shared_summary") or "").strip() and not data.get("consent_to_share"):
            self.add_error(
                "consent_to_share", "Confirm the claimant agrees to share the summary, or empty it"
            )
        return data


class ReferralStatusForm(forms.Form):
    to_status = forms.ChoiceField(label="New status", widget=forms.RadioSelect)
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=300,
        help_text="What the provider or claimant said",
    )

    def __init__(self, *args: Any, current: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_status"].choices = [
            (s, ReferralStatus(s).label) for s in TRANSITIONS.get(current, ())
        ]
        self.fields["to_status"].error_messages["required"] = "Choose the new status"
        self.helper = _helper(Field.radios("to_status"), Field.text("note"), submit="Update referral")


class LinkReferralsForm(forms.Form):
    """Which of the claimant's referrals serve one step of their progression plan (issue #16)."""

    referrals = forms.TypedMultipleChoiceField(
        label="Referrals and signposting that serve this step",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Select referrals from the list"},
    )

    def __init__(self, *args: Any, choices: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["referrals"].choices = choices
        self.helper = _helper(
            Field.checkboxes("referrals", small=True, legend_size=Size.MEDIUM), submit="Save"
        )
