"""Reads for claimants: the scoping rule, caseloads, the record and its history."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Case, F, FloatField, Func, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Length
from django.http import Http404
from django.utils import timezone

from claimants.facts.selectors import fact_versions, version_on
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
from claimants.record.search import ParsedSearch, parse_search
from claimants.regimes.selectors import assessment_period_problem
from iwp.access import has_role, jobcentre_scope, writes_in_jobcentre
from iwp.models import CoachAbsence, Role, StaffMember

# Who works on claimants' records at all. Progression leads work on provision (403 on casework).
CASEWORK_ROLES = (Role.WORK_COACH, Role.TEAM_LEADER, Role.ADMINISTRATOR)


def claimants_visible_to(user: StaffMember) -> QuerySet[Claimant]:
    """The one reading rule for claimants: own jobcentre (coach, team leader), district (district leader, lead),
    all (admin). A claimant outside it does not exist for the user (404)."""
    return Claimant.objects.filter(jobcentre_scope(user))


def covered_coach_ids(user: StaffMember, *, today: date | None = None) -> set[int]:
    """Colleagues whose absence ``user`` is covering today (``CoachAbsence.covered_by``): their caseload is, for
    the absence, the covering coach's to work on."""
    if not has_role(user, Role.WORK_COACH):
        return set()
    today = today or timezone.localdate()
    return set(
        CoachAbsence.objects.filter(covered_by=user, starts_on__lte=today, ends_on__gte=today).values_list(
            "coach_id", flat=True
        )
    )


def may_edit(user: StaffMember, claimant: Claimant) -> bool:
    """The one writing rule for a claimant's casework (details, earnings, employment, circumstances, commitment,
    plan, self-assessment, appointments, actions, notes, referrals, support fund requests), pages and API alike:

    - administrators: anyone;
    - team leaders, district leaders included: their own jobcentre (a district leader reads the district but
      changes only their own jobcentre's casework);
    - work coaches: their own caseload, and a colleague's caseload while covering that colleague's absence;
    - progression leads: no casework.

    Visible but not editable is 403; not visible is 404 (``claimants_visible_to``)."""
    if writes_in_jobcentre(user, claimant.jobcentre_id):
        return True
    if not has_role(user, Role.WORK_COACH) or user.jobcentre_id != claimant.jobcentre_id:
        return False
    return claimant.coach_id is not None and (
        claimant.coach_id == user.pk or claimant.coach_id in covered_coach_ids(user)
    )


def claimants_editable_by(user: StaffMember) -> QuerySet[Claimant]:
    """``may_edit`` as a queryset (lists of claimants one may book for, refer, and so on)."""
    if has_role(user, Role.ADMINISTRATOR):
        return Claimant.objects.all()
    if has_role(user, Role.TEAM_LEADER):
        return (
            Claimant.objects.filter(jobcentre_id=user.jobcentre_id)
            if user.jobcentre_id
            else Claimant.objects.none()
        )
    if has_role(user, Role.WORK_COACH) and user.jobcentre_id:
        return Claimant.objects.filter(
            jobcentre_id=user.jobcentre_id, coach_id__in=[user.pk, *covered_coach_ids(user)]
        )
    return Claimant.objects.none()


NOT_YOURS = "This claimant is not on your caseload: you may read their record but not change it."


def claimant_to_edit(
    user: StaffMember, pk: object, *, related: tuple[str, ...] = ("coach", "jobcentre")
) -> Claimant:
    """The claimant ``pk`` for a page or endpoint that changes their casework: 404 unless ``user`` may see them,
    403 unless they may change them. Every write path that names a claimant goes through here."""
    claimant = claimants_visible_to(user).select_related(*related).filter(pk=pk).first()
    if claimant is None:
        raise Http404("No such claimant among those you may see.")
    require_edit(user, claimant)
    return claimant


def require_edit(user: StaffMember, claimant: Claimant) -> None:
    """403 unless ``user`` may change ``claimant``'s casework (for a claimant reached through another object)."""
    if not may_edit(user, claimant):
        raise PermissionDenied(NOT_YOURS)


def may_see_sensitive(user: StaffMember, claimant: Claimant) -> bool:
    """Restricted items: whoever may change the record (``may_edit``)."""
    return may_edit(user, claimant)


def earnings_period_problem(claimant: Claimant, start: date) -> str | None:
    """Why ``start`` cannot be the first day of one of this claimant's assessment periods (they start on the
    claimant's assessment day, or a shorter month's last day), or of any period that can be decided; or None."""
    day = claimant.assessment_day
    if start.day != min(day, calendar.monthrange(start.year, start.month)[1]):
        return f"This claimant's assessment periods start on day {day} of the month"
    return assessment_period_problem(start)


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
    # A work coach covering a colleague searches every claimant they may open, not only their own caseload.
    whole_office: bool = False

    @property
    def parsed_search(self) -> ParsedSearch:
        return parse_search(self.search)


class Similarity(Func):
    """pg_trgm's ``similarity(a, b)``: 0–1, how many trigrams two strings share (PostgreSQL only).

    Written here rather than imported from ``django.contrib.postgres.search`` so that nothing about the search
    depends on PostgreSQL until a query runs on it (the embedded demo runs on SQLite)."""

    function = "similarity"
    output_field = FloatField()


def search_condition(parsed: ParsedSearch) -> Q:
    """Claimants matching any meaning of what was typed (``claimants.record.search``). Plain lookups, so the
    same condition runs on SQLite; on PostgreSQL the name's LIKEs use the trigram index (migration 0009)."""
    if parsed.problem or not parsed:
        return Q(pk__in=[])
    condition = Q(pk__in=[])
    if parsed.words:
        # Every word somewhere in "first last", in any order: "king helen", "hel kin", "Kin".
        names = Q()
        for word in parsed.words:
            names &= Q(search_name__contains=word)
        condition |= names
    if len(parsed.nino) == 9:
        condition |= Q(nino=parsed.nino)
    elif parsed.nino:
        condition |= Q(nino__startswith=parsed.nino)
    if parsed.date_of_birth:
        condition |= Q(date_of_birth=parsed.date_of_birth)
    if parsed.postcode:
        condition |= Q(postcode_compact=parsed.postcode)
    if parsed.outward_code:
        # The whole outward code: "LS1" finds LS1 4AB but not LS12 4AB (an inward code is always 3 characters).
        condition |= Q(postcode_compact__startswith=parsed.outward_code) & Q(
            postcode_length=len(parsed.outward_code) + 3
        )
    return condition


def search_claimants(claimants: QuerySet[Claimant], parsed: ParsedSearch) -> QuerySet[Claimant]:
    """``claimants`` narrowed to the search, annotated with ``search_rank`` (0 for an exact full name or NINO,
    else 1) and, on PostgreSQL, ``search_similarity`` (trigram similarity of the name to the words typed)."""
    if parsed.outward_code:
        claimants = claimants.annotate(postcode_length=Length("postcode_compact"))
    exact = Q(pk__in=[])
    if parsed.exact_names:
        exact |= Q(search_name__in=parsed.exact_names)
    if len(parsed.nino) == 9:
        exact |= Q(nino=parsed.nino)
    claimants = claimants.filter(search_condition(parsed)).annotate(
        search_rank=Case(When(exact, then=Value(0)), default=Value(1), output_field=IntegerField())
    )
    if connection.vendor == "postgresql" and parsed.words:
        claimants = claimants.annotate(
            search_similarity=Similarity("search_name", Value(" ".join(parsed.words)))
        )
    else:
        claimants = claimants.annotate(search_similarity=Value(0.0, output_field=FloatField()))
    return claimants


def caseload_for(user: StaffMember, query: CaseloadQuery | None = None, *, today: date | None = None):
    """My caseload: a coach's own claimants (or, searching with ``whole_office``, every claimant they may open);
    team leaders and administrators see everyone in their scope and can narrow it to a team or a coach.
    Filters and sort orders contributed by other apps come from ``claimants.record.caseload``; it stays one
    SQL query per page. A search on the default sort is ranked: exact full name or NINO first, then the
    closest names, then by name."""
    query = query or CaseloadQuery()
    claimants = claimants_visible_to(user).select_related("coach")
    if user.effective_role == Role.WORK_COACH and not query.whole_office:
        claimants = claimants.filter(coach=user)
    if query.coach_id:
        claimants = claimants.filter(coach_id=query.coach_id)
    if query.team_id:
        claimants = claimants.filter(coach__team_id=query.team_id)
    parsed = query.parsed_search
    if parsed:
        claimants = search_claimants(claimants, parsed)
    if query.regime:
        claimants = claimants.filter(current_regime=query.regime)
    if query.iwp_status:
        claimants = claimants.filter(iwp_offer_status=query.iwp_status)
    rows = caseload.apply(claimants, today=today or timezone.localdate(), show=query.show, sort=query.sort)
    if parsed and caseload.sorts_by_name(query.sort):
        rows = rows.order_by("search_rank", F("search_similarity").desc(), "last_name", "first_name", "pk")
    return rows


def coaches_visible_to(user: StaffMember) -> QuerySet[StaffMember]:
    """Work coaches whose claimants ``user`` can see (the caseload's coach filter)."""
    return (
        StaffMember.objects.filter(role=Role.WORK_COACH, is_active=True)
        .filter(jobcentre_scope(user, field="team__jobcentre"))
        .select_related("team")
        .order_by("last_name", "first_name", "pk")
    )


def regime_history(claimant: Claimant, *, periods: int = 12, versions: list | None = None) -> list:
    """The latest assessment for each of the last ``periods`` assessment periods, oldest first, each with
    ``facts``: the version of the claimant's facts in force on the period's first day (issue #16)."""
    rows = list(
        RegimeAssessment.objects.current().filter(claimant=claimant).order_by("-period_start")[:periods]
    )
    versions = fact_versions(claimant) if versions is None else versions
    for row in rows:
        row.facts = version_on(versions, row.period_start)
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
