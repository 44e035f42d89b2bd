"""Provision is casework, kept in the service's own pages; the admin only lets an administrator look, never
delete (nothing on the provision list is hard-deleted)."""

from django.contrib import admin

from iwp.admin_audit import AuditedAdminMixin
from provision.models import OpenReferralKey, Provider, ProvisionOffer


class NoDeleteAdmin(admin.ModelAdmin):
    """Look only: offers and providers are written by the provision pages and the import, which validate them
    (a change here would skip the district list's rules and its audit)."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Provider)
class ProviderAdmin(NoDeleteAdmin):
    list_display = ("name", "district")
    list_filter = ("district",)
    search_fields = ("name",)


@admin.register(ProvisionOffer)
class ProvisionOfferAdmin(NoDeleteAdmin):
    list_display = ("name", "provider", "district", "category", "status", "review_by")
    list_filter = ("district", "status", "category")
    search_fields = ("name", "provider__name")
    readonly_fields = ("natural_key", "stale_since")


@admin.register(OpenReferralKey)
class OpenReferralKeyAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Keys are issued by ``manage.py openreferral_key issue`` (the key is shown once); here they are listed
    and revoked (set "revoked at"); a revocation is audited."""

    list_display = ["holder", "district", "prefix", "created_at", "revoked_at"]
    list_filter = ["district"]
    readonly_fields = ["district", "holder", "prefix", "created_at"]
    fields = ["district", "holder", "prefix", "created_at", "revoked_at"]

    def has_add_permission(self, request) -> bool:
        return False
