"""Django admin for reference data only (thresholds and wage rates), as DESIGN §2 says; casework has its own
pages. Saving a row here does not recalculate anyone: the uprating page previews and runs that. The rules for a
row (ranges, age bands that match their band and do not overlap) are the models' ``clean()``, so every one shows
as a form error. Every add, change and delete is audited with the values before and after (``iwp.admin_audit``)."""

from django.contrib import admin

from claimants.models import AetParameter, SupportFundBudget, SupportFundRule, WageRate
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


@admin.register(SupportFundRule)
class SupportFundRuleAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Who may have a Flexible Support Fund award: a row per regime, and rows for one purpose that win over it.
    A regime with no row gives "eligibility not known" (the team leader must check), never a default."""

    list_display = ["regime", "purpose", "eligible", "maximum_amount", "reason"]
    list_filter = ["eligible", "regime"]


@admin.register(SupportFundBudget)
class SupportFundBudgetAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """A jobcentre's budget for a financial year. What is committed and spent is on the budget page."""

    list_display = ["jobcentre", "financial_year", "amount", "updated_at"]
    list_filter = ["financial_year", "jobcentre__district"]
    list_select_related = ["jobcentre"]
    search_fields = ["jobcentre__name"]
