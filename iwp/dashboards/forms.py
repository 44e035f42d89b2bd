"""Forms of the team dashboards: the filters (also the CSV export's parameters), bulk reassignment, absence and
team membership. Plain Django forms rendered with GOV.UK markup; errors show in the GOV.UK error summary."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from iwp.dashboards.selectors import PERIOD_CHOICES
from iwp.input import dates
from iwp.input.fields import GovukDateField
from iwp.models import AbsenceKind, StaffMember


class DashboardFilterForm(forms.Form):
    period = forms.TypedChoiceField(
        label="Period", choices=PERIOD_CHOICES, coerce=int, required=False, empty_value=3
    )
    team = forms.IntegerField(required=False, min_value=1)
    coach = forms.IntegerField(required=False, min_value=1)
    district = forms.IntegerField(required=False, min_value=1)
    # The coach table shows the columns of work waiting by default (it fits a 1280 px screen); "all" shows all.
    columns = forms.ChoiceField(
        choices=(("", "Work waiting"), ("all", "All columns")),
        required=False,
        error_messages={"invalid_choice": "Choose the main columns or all columns"},
    )

    def clean_period(self) -> int:
        return self.cleaned_data.get("period") or 3


class CoachChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: StaffMember) -> str:
        team = f" ({obj.team.name})" if obj.team_id else ""
        return f"{obj.get_full_name() or obj.username}{team}"


class BulkReassignForm(forms.Form):
    claimants = forms.TypedMultipleChoiceField(
        label="Claimants to move",
        coerce=int,
        error_messages={"required": "Select at least one claimant to move."},
    )
    to_coach = CoachChoiceField(
        label="Move them to",
        queryset=StaffMember.objects.none(),
        empty_label="Choose a work coach",
        error_messages={
            "required": "Choose the work coach to move the claimants to.",
            "invalid_choice": "Choose a work coach in a team you lead.",
        },
    )
    reason = forms.CharField(label="Reason", max_length=200, required=False)
    handover_note = forms.CharField(
        label="Handover note for the new coach",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Added to each claimant's handover summary, after their regime and open actions.",
    )

    def __init__(self, *args: Any, coaches, claimant_choices: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["to_coach"].queryset = coaches
        self.fields["claimants"].choices = claimant_choices
        self.fields["claimants"].error_messages["invalid_choice"] = (
            "Select claimants from the list (one of them is not in a team you lead)."
        )


class AbsenceForm(forms.Form):
    kind = forms.ChoiceField(
        label="Type of absence",
        choices=AbsenceKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the type of absence."},
    )
    starts_on = GovukDateField(
        what="the first day of the absence", date_range=dates.ABSENCE_START, label="First day"
    )
    ends_on = GovukDateField(
        what="the last day of the absence", date_range=dates.ABSENCE_START, label="Last day"
    )
    covered_by = CoachChoiceField(
        label="Covering colleague",
        queryset=StaffMember.objects.none(),
        required=False,
        empty_label="No cover",
        help_text="Their booked appointments in the absence move to this colleague's diary.",
    )
    note = forms.CharField(label="Note", max_length=200, required=False)

    def __init__(self, *args: Any, colleagues, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["covered_by"].queryset = colleagues

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start: date | None = data.get("starts_on")
        end: date | None = data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", "The last day must be on or after the first day.")
        return data


class TeamMemberForm(forms.Form):
    coach = CoachChoiceField(
        label="Work coach to add to the team",
        queryset=StaffMember.objects.none(),
        empty_label="Choose a work coach",
        error_messages={
            "required": "Choose a work coach.",
            "invalid_choice": "Choose a work coach from the list.",
        },
    )

    def __init__(self, *args: Any, candidates, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["coach"].queryset = candidates
