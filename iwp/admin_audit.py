"""Changes made in Django admin are audited (issue #15): thresholds (AET parameters, wage rates) and staff accounts.

``AuditedAdminMixin`` writes one event per row added, changed or deleted — in admin's own transaction (the change
form, the delete page and list edits are atomic; bulk delete and a password change are made atomic here) — with what
changed: each changed field's value before and after. Passwords are never recorded, only that one was changed.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.contrib.auth.admin import sensitive_post_parameters_m
from django.db import models, router, transaction
from django.forms.models import model_to_dict

from iwp.audit import audit_record
from iwp.models import AuditVerb

SECRET_FIELDS = frozenset({"password", "password1", "password2"})


def _plain(value: Any) -> Any:
    """A value as JSON can keep it (dates as ISO text, money as text, rows as their ids)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal | float):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.QuerySet | list | tuple | set | frozenset):
        return sorted((_plain(v) for v in value), key=str)
    return str(value)


def _secret(name: str) -> bool:
    return name in SECRET_FIELDS or "hash" in name or "secret" in name


def _snapshot(obj: models.Model) -> dict[str, Any]:
    return {name: _plain(value) for name, value in model_to_dict(obj).items() if not _secret(name)}


class AuditedAdminMixin:
    """Mix into a ``ModelAdmin`` (before it) to audit every add, change and delete made through it."""

    def _audited(self, request: Any) -> set[tuple[str, Any]]:
        if not hasattr(request, "_iwp_admin_audited"):
            request._iwp_admin_audited = set()
        return request._iwp_admin_audited

    def save_model(self, request: Any, obj: models.Model, form: Any, change: bool) -> None:
        if change and not form.changed_data:
            # "Save" with nothing changed: nothing is written, so a threshold row keeps its ``recorded_at`` (an
            # uprating reads a new stamp as a change of figures) and the audit gains no empty event.
            self._audited(request).add((obj._meta.label_lower, obj.pk))
            return
        changed: dict[str, Any] = {}
        for name in form.changed_data:
            if _secret(name):
                changed[name] = "changed"
                continue
            after = _plain(form.cleaned_data.get(name))
            changed[name] = (
                {"after": after} if not change else {"before": _plain(form.initial.get(name)), "after": after}
            )
        with transaction.atomic(using=router.db_for_write(obj.__class__)):
            super().save_model(request, obj, form, change)  # type: ignore[misc]
            audit_record(
                actor=request.user,
                verb=AuditVerb.UPDATED if change else AuditVerb.CREATED,
                target=obj,
                payload={"via": "admin", "changed": changed}
                if change
                else {"via": "admin", "values": _snapshot(obj)},
            )
        self._audited(request).add((obj._meta.label_lower, obj.pk))

    def log_change(self, request: Any, obj: models.Model, message: Any) -> Any:
        """A change admin saves without ``save_model`` (a new password) is audited from admin's own change log."""
        entry = super().log_change(request, obj, message)  # type: ignore[misc]
        if (obj._meta.label_lower, obj.pk) not in self._audited(request):
            fields = sorted(
                {
                    f
                    for part in message or []
                    if isinstance(part, dict)
                    for f in part.get("changed", {}).get("fields", [])
                }
            )
            with transaction.atomic(using=router.db_for_write(obj.__class__)):
                audit_record(
                    actor=request.user,
                    verb=AuditVerb.UPDATED,
                    target=obj,
                    payload={"via": "admin", "changed": dict.fromkeys(fields, "changed")},
                )
        return entry

    def delete_model(self, request: Any, obj: models.Model) -> None:
        with transaction.atomic(using=router.db_for_write(obj.__class__)):
            self._audit_deletion(request, obj)
            super().delete_model(request, obj)  # type: ignore[misc]

    def delete_queryset(self, request: Any, queryset: models.QuerySet) -> None:
        with transaction.atomic(using=router.db_for_write(queryset.model)):
            for obj in queryset:
                self._audit_deletion(request, obj)
            super().delete_queryset(request, queryset)  # type: ignore[misc]

    def _audit_deletion(self, request: Any, obj: models.Model) -> None:
        audit_record(
            actor=request.user,
            verb=AuditVerb.DELETED,
            target=obj,
            payload={"via": "admin", "values": _snapshot(obj)},
        )


class AuditedUserAdminMixin(AuditedAdminMixin):
    """For ``UserAdmin``: its password page saves outside admin's transaction; here the new password and its event
    are one transaction."""

    @sensitive_post_parameters_m
    def user_change_password(self, request: Any, id: str, form_url: str = "") -> Any:
        with transaction.atomic(using=router.db_for_write(self.model)):  # type: ignore[attr-defined]
            return super().user_change_password(request, id, form_url)  # type: ignore[misc]
