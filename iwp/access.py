"""Who may do what. Access control is business logic: selectors and services take ``user`` and scope by it."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from rest_framework.permissions import BasePermission

from iwp.models import Role, StaffMember

ALL_ROLES = tuple(Role)


def has_role(user: Any, *roles: str) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.effective_role in roles)


def role_required(*roles: str) -> Callable:
    """View decorator: logged in (middleware) and one of ``roles``, else 403."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not has_role(request.user, *roles):
                raise PermissionDenied("Your role cannot open this page.")
            return view(request, *args, **kwargs)

        wrapped.iwp_roles = roles  # type: ignore[attr-defined]  # the URL-walking test reads this
        return wrapped

    return decorator


class StaffBackend(ModelBackend):
    """Django's model backend, reading the signed-in member of staff with their team, Jobcentre and district in
    the same query: every page shows the office in the identity bar and scopes by it, which otherwise cost two
    more queries per request."""

    def get_user(self, user_id: Any) -> StaffMember | None:
        try:
            user = StaffMember._default_manager.select_related("team__jobcentre", "jobcentre__district").get(
                pk=user_id
            )
        except StaffMember.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


class IsStaffMember(BasePermission):
    """DRF default: any active logged-in member of staff (administrators and superusers included)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return has_role(request.user, *ALL_ROLES)


def jobcentre_scope(user: StaffMember, field: str = "jobcentre") -> Q:
    """Rows a user may read, by the jobcentre they belong to: own jobcentre for coaches and team leaders,
    own district for progression leads and district leaders (team leaders with ``leads_district``), everything
    for administrators."""
    role = user.effective_role
    if role == Role.ADMINISTRATOR:
        return Q()
    if role == Role.PROGRESSION_LEAD or (role == Role.TEAM_LEADER and user.leads_district):
        return (
            Q(**{f"{field}__district_id": user.jobcentre.district_id}) if user.jobcentre_id else Q(pk__in=[])
        )
    return Q(**{f"{field}_id": user.jobcentre_id}) if user.jobcentre_id else Q(pk__in=[])


def writes_in_jobcentre(user: Any, jobcentre_id: int | None) -> bool:
    """The office half of the one write rule (``claimants.selectors.may_edit``): administrators write anywhere;
    team leaders, district leaders included (they *read* their district), write their own jobcentre's casework
    and manage its coaches; nobody else writes for a whole office."""
    if has_role(user, Role.ADMINISTRATOR):
        return True
    return has_role(user, Role.TEAM_LEADER) and bool(user.jobcentre_id) and user.jobcentre_id == jobcentre_id


def require_role(user: Any, *roles: str, message: str = "Your role cannot do this.") -> None:
    """For API actions whose roles differ from the viewset's: a 403 in the API's error format."""
    if not has_role(user, *roles):
        raise PermissionDenied(message)
