"""Django admin for reference data only (thresholds and wage rates), as DESIGN §2 says; casework has its own
pages. Saving a row here does not recalculate anyone: the uprating page previews and runs that. The rules for a
row (ranges, age bands that match their band and do not overlap) are the models' ``clean()``, so every one shows
as a form error."""

from django.contrib import admin
from django.db import transaction

from claimants.models import AetParameter, SupportFundBudget, SupportFundRule, WageRate
from iwp.audit import audit_record
from iwp.models import AuditVerb


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
    list_display = ["effective_from", "band", "min_age", "max_age", "rate"]
    list_filter = ["band"]
    ordering = ["-effective_from", "-min_age"]


class AuditedAdmin(admin.ModelAdmin):
    """Reference data whose every change is in the service's own audit log too (not only Django's admin log)."""

    audited_fields: tuple[str, ...] = ()

    def _payload(self, obj) -> dict:
        return {name: str(getattr(obj, name)) for name in self.audited_fields}

    def save_model(self, request, obj, form, change) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit_record(
                actor=request.user,
                verb=AuditVerb.UPDATED if change else AuditVerb.CREATED,
                target=obj,
                payload={**self._payload(obj), "changed": list(form.changed_data)},
            )

    def delete_model(self, request, obj) -> None:
        with transaction.atomic():
            payload = self._payload(obj)
            target_id = obj.pk
            super().delete_model(request, obj)
            audit_record(
                actor=request.user,
                verb=AuditVerb.UPDATED,
                target_type=obj._meta.label_lower,
                target_id=target_id,
                payload={**payload, "deleted": True},
            )

    def delete_queryset(self, request, queryset) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(SupportFundRule)
class SupportFundRuleAdmin(AuditedAdmin):
    """Who may have a Flexible Support Fund award: a row per regime, and rows for one purpose that win over it.
    A regime with no row gives "eligibility not known" (the team leader must check), never a default."""

    list_display = ["regime", "purpose", "eligible", "maximum_amount", "reason"]
    list_filter = ["eligible", "regime"]
    audited_fields = ("regime", "purpose", "eligible", "maximum_amount", "reason")


@admin.register(SupportFundBudget)
class SupportFundBudgetAdmin(AuditedAdmin):
    """A jobcentre's budget for a financial year. What is committed and spent is on the budget page."""

    list_display = ["jobcentre", "financial_year", "amount", "updated_at"]
    list_filter = ["financial_year", "jobcentre__district"]
    list_select_related = ["jobcentre"]
    search_fields = ["jobcentre__name"]
    audited_fields = ("jobcentre_id", "financial_year", "amount")
