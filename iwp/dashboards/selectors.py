"""Team leader dashboards (issue #6): who may see which team, and the figures, as named selectors.

The figures come from the *figure groups* the apps register in the core's registry (``iwp.figures``): each group
answers with ONE aggregate query grouped by the claimant's work coach, so the team total and every coach's row come
from the same few queries whatever the size of the team or district (tested). Every figure names the caseload
parameters that list the claimants behind it (``?show=…&coach=…``), so a number on the dashboard always leads to
the work. ``iwp.dashboards.services.refresh_coach_figures`` keeps the maintained per-coach figures they read.

Scope rule (written down in the README): a team leader sees their own team; a team leader with
``leads_district`` sees every team in the district of their jobcentre; administrators see any district or team;
work coaches and progression leads have no dashboard.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet, Sum
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from iwp.figures import DashboardPeriod, FigureGroup, registry
from iwp.models import CoachAbsence, CoachFigures, District, Role, StaffMember, Team, TeamRegimeMonth

# --- Who may see what -------------------------------------------------------------------------------------

PERIOD_CHOICES = ((3, "Last 3 months"), (6, "Last 6 months"), (12, "Last 12 months"))


@dataclass(frozen=True)
class DashboardScope:
    """The teams a dashboard covers. ``team`` is set for a team view, ``district`` for a district view."""

    district: District | None
    team: Team | None
    teams: tuple[Team, ...]  # the teams the viewer may choose between (the filter)

    @property
    def is_team(self) -> bool:
        return self.team is not None

    @property
    def title(self) -> str:
        if self.team is not None:
            return f"{self.team.name}, {self.team.jobcentre.name}"
        return f"{self.district.name} district" if self.district else "All districts"

    def team_ids(self) -> list[int]:
        return [self.team.pk] if self.team else [t.pk for t in self.teams]


def leads_district(user: StaffMember) -> bool:
    return user.effective_role == Role.TEAM_LEADER and user.leads_district and user.jobcentre_id is not None


def dashboard_teams(user: StaffMember) -> QuerySet[Team]:
    """Every team ``user`` may open a dashboard for (no access: PermissionDenied)."""
    teams = Team.objects.select_related("jobcentre__district").order_by("jobcentre__name", "name")
    role = user.effective_role
    if role == Role.ADMINISTRATOR:
        return teams
    if role != Role.TEAM_LEADER:
        raise PermissionDenied("Only team leaders and administrators have a team dashboard.")
    if leads_district(user):
        return teams.filter(jobcentre__district_id=user.jobcentre.district_id)
    return teams.filter(pk=user.team_id) if user.team_id else teams.none()


def dashboard_scope(
    user: StaffMember, *, team_id: int | None = None, district_id: int | None = None
) -> DashboardScope:
    """The dashboard ``user`` asked for: a team they may see (else 404), or their district (district leaders,
    administrators). A team leader's default is their own team; a district leader's their district."""
    visible = dashboard_teams(user)
    if team_id is not None:
        team = visible.filter(pk=team_id).first()
        if team is None:
            raise Http404("No such team")
        return DashboardScope(
            district=team.jobcentre.district,
            team=team,
            teams=tuple(_district_teams(visible, team.jobcentre.district_id)),
        )
    role = user.effective_role
    if role == Role.ADMINISTRATOR:
        district = (
            District.objects.filter(pk=district_id).first()
            if district_id
            else District.objects.order_by("name").first()
        )
        if district_id and district is None:
            raise Http404("No such district")
        teams = tuple(visible.filter(jobcentre__district=district)) if district else ()
        return DashboardScope(district=district, team=None, teams=teams)
    if leads_district(user):
        district = user.jobcentre.district
        if district_id and district_id != district.pk:
            raise Http404("No such district")
        return DashboardScope(district=district, team=None, teams=tuple(visible))
    if district_id:
        raise Http404("No such district")
    team = visible.first()
    if team is None:
        raise PermissionDenied("You are not a member of a team.")
    return DashboardScope(district=team.jobcentre.district, team=team, teams=(team,))


def _district_teams(visible: QuerySet[Team], district_id: int) -> list[Team]:
    return list(visible.filter(jobcentre__district_id=district_id))


def _coaches(scope: DashboardScope, coach_id: int | None = None) -> QuerySet[StaffMember]:
    coaches = StaffMember.objects.filter(role=Role.WORK_COACH, is_active=True, team_id__in=scope.team_ids())
    return coaches.filter(pk=coach_id) if coach_id is not None else coaches


def coaches_in_scope(scope: DashboardScope, *, coach_id: int | None = None) -> list[StaffMember]:
    """The work coaches of the teams in scope (active), with their team, in one query. A ``coach_id`` outside
    the scope is a 404."""
    coaches = list(
        _coaches(scope, coach_id)
        .select_related("team", "figures")
        .order_by("team__name", "last_name", "first_name", "pk")
    )
    if coach_id is not None and not coaches:
        raise Http404("No such coach")
    return coaches


def coach_ids_in_scope(scope: DashboardScope, *, coach_id: int | None = None) -> list[int]:
    ids = list(_coaches(scope, coach_id).values_list("pk", flat=True))
    if coach_id is not None and not ids:
        raise Http404("No such coach")
    return ids


def claimants_of(coach_ids: Sequence[int]) -> QuerySet:
    """The claimants of these coaches (for the streamed CSV export)."""
    from claimants.models import Claimant

    return Claimant.objects.filter(coach_id__in=coach_ids)


def team_members(team: Team) -> list[dict[str, Any]]:
    """The team's work coaches with their caseload and today's absence (three queries)."""
    from django.db.models import Count

    coaches = list(
        StaffMember.objects.filter(team=team, role=Role.WORK_COACH, is_active=True)
        .annotate(claimants=Count("caseload"))
        .order_by("last_name", "first_name", "pk")
    )
    absences = current_absences([c.pk for c in coaches], today=timezone.localdate())
    return [{"coach": c, "claimants": c.claimants, "absence": absences.get(c.pk)} for c in coaches]


# --- The dashboard itself ---------------------------------------------------------------------------------


@dataclass
class CoachRow:
    coach: StaffMember
    counts: dict[str, int]
    absence: CoachAbsence | None = None

    @property
    def caseload(self) -> int:
        return self.counts.get("caseload", 0)

    @property
    def against_target(self) -> int:
        return self.caseload - self.coach.team.target_caseload


@dataclass
class Dashboard:
    scope: DashboardScope
    period: DashboardPeriod
    groups: list[FigureGroup]
    rows: list[CoachRow]
    totals: dict[str, int]
    team_totals: dict[int, dict[str, int]]
    target_caseload: int
    refreshed_at: datetime | None  # the nightly per-claimant summary
    figures_at: datetime | None  # the oldest of the coaches' maintained figures
    trend: list[dict[str, Any]]
    figures_latest: datetime | None = None  # the newest (a change recounts only the coaches it touched)

    @property
    def coach_count(self) -> int:
        return len(self.rows)


def _add(into: dict[str, int], counts: dict[str, int]) -> None:
    for key, value in counts.items():
        into[key] = into.get(key, 0) + (value or 0)


def team_dashboard(
    scope: DashboardScope, *, months: int = 3, coach_id: int | None = None, now: datetime | None = None
) -> Dashboard:
    """Every figure for the teams in scope and each of their coaches, read from the maintained ``CoachFigures``
    rows: a fixed number of queries (coaches with their figures, absences, trend, summary freshness) whatever the
    number of coaches, claimants or appointments."""
    now = now or timezone.now()
    period = DashboardPeriod(today=timezone.localdate(now), now=now, months=months)
    coaches = coaches_in_scope(scope, coach_id=coach_id)
    groups = registry.active()
    absences = current_absences([c.pk for c in coaches], today=period.today)
    rows = []
    stamps = []
    for coach in coaches:
        figures = getattr(coach, "figures", None) if _has_figures(coach) else None
        rows.append(
            CoachRow(
                coach=coach, counts=dict(figures.counts) if figures else {}, absence=absences.get(coach.pk)
            )
        )
        if figures:
            stamps.append(figures.refreshed_at)
    totals: dict[str, int] = {}
    team_totals: dict[int, dict[str, int]] = {}
    for row in rows:
        _add(totals, row.counts)
        _add(team_totals.setdefault(row.coach.team_id, {}), row.counts)
    targets = {c.team_id: c.team.target_caseload for c in coaches}
    target = round(sum(targets.values()) / len(targets)) if targets else 0
    return Dashboard(
        scope=scope,
        period=period,
        groups=groups,
        rows=rows,
        totals=totals,
        team_totals=team_totals,
        target_caseload=target,
        refreshed_at=summary_refreshed_at(),
        figures_at=min(stamps) if stamps else None,
        figures_latest=max(stamps) if stamps else None,
        trend=regime_trend(scope.team_ids(), today=period.today),
    )


def _has_figures(coach: StaffMember) -> bool:
    try:
        coach.figures  # noqa: B018 - loaded by select_related; a coach never refreshed has none
    except CoachFigures.DoesNotExist:
        return False
    return True


def current_absences(coach_ids: Sequence[int], *, today: date) -> dict[int, CoachAbsence]:
    """Each coach's absence covering today, if any (one query)."""
    absences = (
        CoachAbsence.objects.filter(coach_id__in=coach_ids, starts_on__lte=today, ends_on__gte=today)
        .select_related("covered_by")
        .order_by("coach_id", "-starts_on")
    )
    found: dict[int, CoachAbsence] = {}
    for absence in absences:
        found.setdefault(absence.coach_id, absence)
    return found


def summary_refreshed_at() -> datetime | None:
    """When the nightly summary last ran (every row of a refresh carries the same time: read any one)."""
    from iwp.models import ClaimantProgress

    return ClaimantProgress.objects.values_list("refreshed_at", flat=True).first()


def regime_trend(team_ids: Sequence[int], *, today: date, months: int = 12) -> list[dict[str, Any]]:
    """Claimants per regime per month (by the month their AP starts) and moves up from Intensive Work Search,
    for the teams' current claimants over the last ``months`` months, oldest first (one query)."""
    first = (today.replace(day=1) - timedelta(days=31 * (months - 1))).replace(day=1)
    rows = (
        TeamRegimeMonth.objects.filter(team_id__in=team_ids, month__gte=first)
        .values("month", "regime")
        .annotate(n=Sum("claimants"), up=Sum("moved_up"))
        .order_by("month", "regime")
    )
    by_month: dict[date, dict[str, Any]] = {}
    for row in rows:
        entry = by_month.setdefault(row["month"], {"month": row["month"], "regimes": {}, "moved_up": 0})
        entry["regimes"][row["regime"]] = row["n"]
        entry["moved_up"] += row["up"] or 0
    return [by_month[m] for m in sorted(by_month)]


# --- Links to the caseload page ---------------------------------------------------------------------------


def caseload_url(
    params: dict[str, str] | None, *, team_id: int | None = None, coach_id: int | None = None
) -> str:
    query: dict[str, str] = {}
    if coach_id is not None:
        query["coach"] = str(coach_id)
    elif team_id is not None:
        query["team"] = str(team_id)
    query.update(params or {})
    return _caseload_path() + ("?" + urlencode(query) if query else "")


@functools.cache
def _caseload_path() -> str:
    return reverse("claimants:caseload")


# --- Rebalancing ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    from_row: CoachRow
    to_row: CoachRow
    claimants: int


def rebalancing_suggestions(rows: Sequence[CoachRow], *, tolerance: int = 10) -> list[Suggestion]:
    """Pair coaches over their team's target caseload with colleagues (same team) under it: "move N from A to B".
    Absent coaches are never suggested as receivers. Works on the per-coach counts, not on claimant rows."""
    suggestions: list[Suggestion] = []
    by_team: dict[int, list[CoachRow]] = {}
    for row in rows:
        by_team.setdefault(row.coach.team_id, []).append(row)
    for members in by_team.values():
        over = [[r, r.against_target] for r in members if r.against_target > tolerance]
        under = [
            [r, -r.against_target] for r in members if r.against_target < -tolerance and r.absence is None
        ]
        over.sort(key=lambda x: -x[1])
        under.sort(key=lambda x: -x[1])
        for giver in over:
            for taker in under:
                if giver[1] <= 0:
                    break
                n = min(giver[1], taker[1])
                if n > 0:
                    suggestions.append(Suggestion(from_row=giver[0], to_row=taker[0], claimants=n))
                    giver[1] -= n
                    taker[1] -= n
    return suggestions
