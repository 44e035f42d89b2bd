"""Django admin for reference data only (thresholds and wage rates), as DESIGN §2 says; casework has its own
pages. Saving a row here does not recalculate anyone: the uprating page previews and runs that."""

import itertools

from django import forms
from django.contrib import admin

from claimants.models import AetParameter, WageBand, WageRate
from claimants.regimes.engine import AgeBandRate


class WageRateForm(forms.ModelForm):
    class Meta:
        model = WageRate
        fields = ["effective_from", "band", "min_age", "max_age", "rate"]

    def clean(self):
        cleaned = super().clean()
        effective_from, band = cleaned.get("effective_from"), cleaned.get("band")
        if not effective_from or not band or band == WageBand.APPRENTICE:
            return cleaned
        # The age bands in force from one date must tile the ages with no gap or overlap (the engine's rule).
        others = WageRate.objects.filter(effective_from=effective_from).exclude(band=WageBand.APPRENTICE)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        bands = [AgeBandRate(min_age=r.min_age, max_age=r.max_age, rate=r.rate) for r in others]
        bands.append(
            AgeBandRate(min_age=cleaned["min_age"], max_age=cleaned.get("max_age"), rate=cleaned["rate"])
        )
        if any(b.max_age is None for b in bands[:-1]) and cleaned.get("max_age") is None:
            raise forms.ValidationError("Only one band from a date can be open-ended (the adult rate).")
        ordered = sorted(bands, key=lambda b: b.min_age)
        for lower, upper in itertools.pairwise(ordered):
            if lower.max_age is None or upper.min_age <= lower.max_age:
                raise forms.ValidationError(
                    f"Age bands from {effective_from:%d %B %Y} overlap ({lower.min_age}–{lower.max_age or 'over'} "
                    f"and {upper.min_age}–{upper.max_age or 'over'})."
                )
        return cleaned


@admin.register(AetParameter)
class AetParameterAdmin(admin.ModelAdmin):
    list_display = [
        "effective_from",
        "single_cash",
        "couple_cash",
        "single_hours",
        "couple_hours",
        "hourly_rate",
    ]
    ordering = ["-effective_from"]


@admin.register(WageRate)
class WageRateAdmin(admin.ModelAdmin):
    form = WageRateForm
    list_display = ["effective_from", "band", "min_age", "max_age", "rate"]
    list_filter = ["band"]
    ordering = ["-effective_from", "-min_age"]
