"""Django admin for reference data only (thresholds and wage rates), as DESIGN §2 says; casework has its own
pages. Saving a row here does not recalculate anyone: the uprating page previews and runs that. The rules for a
row (ranges, age bands that match their band and do not overlap) are the models' ``clean()``, so every one shows
as a form error. Every add, change and delete is audited with the values before and after (``iwp.admin_audit``)."""

from django.contrib import admin

from claimants.models import AetParameter, WageRate
from iwp.admin_audit import AuditedAdminMixin


@admin.register(AetParameter)
class AetParameterAdmin(AuditedAdminMixin, admin.ModelAdmin):
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
class WageRateAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["effective_from", "band", "min_age", "max_age", "rate"]
    list_filter = ["band"]
    ordering = ["-effective_from", "-min_age"]
