from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from iwp.admin_audit import AuditedAdminMixin, AuditedUserAdminMixin
from iwp.input.fields import UkPostcodeField
from iwp.models import AuditEvent, BackgroundJob, District, Jobcentre, Nation, StaffMember, Team


@admin.register(District)
class DistrictAdmin(AuditedAdminMixin, admin.ModelAdmin):
    search_fields = ["name"]


class JobcentreForm(forms.ModelForm):
    postcode = (
        UkPostcodeField()
    )  # a real UK postcode, tidied ("b151tr" → "B15 1TR"): provision's reach uses it

    class Meta:
        model = Jobcentre
        fields = ["district", "name", "postcode", "nation"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Left out of a change (an older script, say), the nation stays what it was: England and Wales unless set.
        self.fields["nation"].required = False

    def clean_nation(self) -> str:
        return self.cleaned_data.get("nation") or self.instance.nation or Nation.ENGLAND_AND_WALES


@admin.register(Jobcentre)
class JobcentreAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = JobcentreForm
    list_display = ["name", "district", "postcode", "nation"]
    list_filter = ["district", "nation"]
    search_fields = ["name"]


@admin.register(Team)
class TeamAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "jobcentre", "target_caseload"]
    list_filter = ["jobcentre__district"]
    list_select_related = ["jobcentre"]


@admin.register(StaffMember)
class StaffMemberAdmin(AuditedUserAdminMixin, UserAdmin):
    """Staff accounts; every add, change (a new password included) and delete is audited."""

    list_display = ["username", "first_name", "last_name", "role", "jobcentre", "team", "is_active"]
    list_filter = ["role", "jobcentre__district", "is_active"]
    list_select_related = ["jobcentre", "team__jobcentre"]
    fieldsets = (*UserAdmin.fieldsets, ("Jobcentre role", {"fields": ("role", "jobcentre", "team")}))
    add_fieldsets = (*UserAdmin.add_fieldsets, ("Jobcentre role", {"fields": ("role", "jobcentre", "team")}))


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "verb", "target_type", "target_id"]
    list_filter = ["verb", "target_type"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    # The audit log is append-only, even for administrators.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(BackgroundJob)
class BackgroundJobAdmin(admin.ModelAdmin):
    """Look only: a job's state is written by the job itself (a hand edit could strand a running uprating)."""

    list_display = ["pk", "kind", "state", "done", "total", "created_by", "created_at"]
    list_filter = ["kind", "state"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
