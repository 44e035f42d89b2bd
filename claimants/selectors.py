"""Reads for claimants: the scoping rule, caseloads, the record and its history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone

from claimants.models import (
    BusyTime,
    Circumstance,
    Claimant,
    CoachAssignment,
    Easement,
    Employment,
    RegimeAssessment,
)
from claimants.record import caseload
from iwp.access import jobcentre_scope
from iwp.models import Role, StaffMember


def claimants_visible_to(user: StaffMember) -> QuerySet[Claimant]:
    """The one scoping rule for claimants: own jobcentre (coach, team leader), district (lead), all (admin)."""
    return Claimant.objects.filter(jobcentre_scope(user))


@dataclass(frozen=True)
class CaseloadQuery:
    """What the caseload page was asked for (the same parameters dashboards link with)."""

    search: str = ""
    regime: str = ""
    iwp_status: str = ""
    coach_id: int | None = None
    team_id: int | None = None
    show: tuple[str, ...] = ()
    sort: str = "name"


def caseload_for(user: StaffMember, query: CaseloadQuery | None = None, *, today: date | None = None):
    """My caseload: a coach's own claimants; team leaders and administrators see everyone in their scope
    and can narrow it to a team or a coach. Filters and sort orders contributed by other apps come from
    ``claimants.record.caseload``; it stays one SQL query per page."""
    query = query or CaseloadQuery()
    claimants = claimants_visible_to(user).select_related("coach")
    if user.effective_role == Role.WORK_COACH:
        claimants = claimants.filter(coach=user)
    if query.coach_id:
        claimants = claimants.filter(coach_id=query.coach_id)
    if query.team_id:
        claimants = claimants.filter(coach__team_id=query.team_id)
    if query.search:
        term = query.search.strip()
        compact = term.replace(" ", "").upper()
        claimants = claimants.filter(
            Q(nino=compact) | Q(last_name__icontains=term) | Q(first_name__icontains=term)
        )
    if query.regime:
        claimants = claimants.filter(current_regime=query.regime)
    if query.iwp_status:
        claimants = claimants.filter(iwp_offer_status=query.iwp_status)
    return caseload.apply(claimants, today=today or timezone.localdate(), show=query.show, sort=query.sort)


def coaches_visible_to(user: StaffMember) -> QuerySet[StaffMember]:
    """Work coaches whose claimants ``user`` can see (the caseload's coach filter)."""
    return (
        StaffMember.objects.filter(role=Role.WORK_COACH, is_active=True)
        .filter(jobcentre_scope(user, field="team__jobcentre"))
        .select_related("team")
        .order_by("last_name", "first_name", "pk")
    )


def regime_history(claimant: Claimant, *, periods: int = 12) -> list:
    """The latest assessment for each of the last ``periods`` assessment periods, oldest first."""
    rows = list(
        RegimeAssessment.objects.filter(claimant=claimant, is_latest=True).order_by("-period_start")[:periods]
    )
    return rows[::-1]


def regime_changes(claimant: Claimant, *, limit: int = 20) -> list:
    """Every recorded calculation that changed the regime, newest first (for the timeline)."""
    return list(
        RegimeAssessment.objects.filter(claimant=claimant)
        .exclude(previous_regime="")
        .exclude(regime=F("previous_regime"))
        .order_by("-period_start", "-pk")[:limit]
    )


def coaches_in_last_year(claimant: Claimant) -> int:
    """How many different work coaches the claimant has had in the last 12 months (continuity)."""
    since = timezone.now() - timezone.timedelta(days=365)
    if "coach_history" in getattr(claimant, "_prefetched_objects_cache", {}):
        # The record prefetched every assignment: the same rule in Python saves a query per page.
        return len(
            {
                a.coach_id
                for a in claimant.coach_history.all()
                if a.unassigned_at is None or a.unassigned_at >= since
            }
        )
    return (
        CoachAssignment.objects.filter(claimant=claimant)
        .filter(Q(unassigned_at__isnull=True) | Q(unassigned_at__gte=since))
        .values("coach_id")
        .distinct()
        .count()
    )


def claimant_record(claimant_id: int, user: StaffMember) -> Claimant:
    """The claimant and everything the one-screen record shows, fetched in a fixed number of queries."""
    return (
        claimants_visible_to(user)
        .select_related("coach", "jobcentre", "partner")
        .prefetch_related(
            Prefetch(
                "employments",
                queryset=Employment.objects.filter(ended_on__isnull=True).prefetch_related(
                    Prefetch("shifts", queryset=BusyTime.objects.order_by("weekday", "starts_at"))
                ),
            ),
            Prefetch(
                "busy_times",
                queryset=BusyTime.objects.filter(kind=BusyTime.Kind.CARING),
                to_attr="caring_times",
            ),
            Prefetch("circumstances", queryset=Circumstance.objects.filter(resolved_on__isnull=True)),
            Prefetch("easements", queryset=Easement.objects.order_by("-ends_on")),
            Prefetch(
                "coach_history", queryset=CoachAssignment.objects.select_related("coach", "assigned_by")
            ),
        )
        .get(pk=claimant_id)
    )
