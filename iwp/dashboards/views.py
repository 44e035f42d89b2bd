"""Team leader dashboards (issue #6): thin views over ``iwp.dashboards.selectors`` (reads) and ``iwp.dashboards.services``
(writes). Bad parameters give the GOV.UK error summary (pages) or a 400 (CSV exports), never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from claimants.models import IwpOfferStatus, RegimeChoices
from claimants.record.caseload import registry as caseload_registry
from claimants.selectors import CaseloadQuery, caseload_for
from iwp.access import role_required
from iwp.audit import audit_event
from iwp.csv_export import csv_response, csv_streaming_response
from iwp.dashboards import selectors as dash
from iwp.dashboards.charts import trend_chart
from iwp.dashboards.forms import AbsenceForm, BulkReassignForm, DashboardFilterForm, TeamMemberForm
from iwp.dashboards.services import (
    MAX_REASSIGN,
    claimants_bulk_reassign,
    claimants_managed_by,
    coach_absence_record,
    coaches_managed_by,
    team_add_member,
    team_candidates,
)
from iwp.models import AuditVerb, CoachAbsence, Role, StaffMember

LEADERS = (Role.TEAM_LEADER, Role.ADMINISTRATOR)


def _error_links(*forms) -> list[tuple[str, str]]:
    links = []
    for form in forms:
        for name, errors in form.errors.items():
            target = f"id_{name}" if name != "__all__" else ""
            for error in errors:
                links.append((target, error))
    return links


def _filters(request: HttpRequest) -> tuple[DashboardFilterForm, dict[str, Any]]:
    form = DashboardFilterForm(request.GET)
    if form.is_valid():
        return form, form.cleaned_data
    return form, {"period": 3, "team": None, "coach": None, "district": None, "columns": ""}


def _build(request: HttpRequest, data: dict[str, Any]) -> dash.Dashboard:
    scope = dash.dashboard_scope(request.user, team_id=data.get("team"), district_id=data.get("district"))
    return dash.team_dashboard(scope, months=data.get("period") or 3, coach_id=data.get("coach"))


def _clock(at: datetime, today: date) -> str:
    local = timezone.localtime(at)
    return f"{local:%H:%M}" if local.date() == today else f"{local:%H:%M} on {local.day} {local:%B}"


def counted_at(board: dash.Dashboard) -> str:
    """When the figures recounted on change were counted: one time, or the span across the coaches (a change
    recounts only the coaches it touched; the rest were counted by the 10-minute recount)."""
    first, last = board.figures_at, board.figures_latest
    if first is None:
        return "Not counted yet (the figures are counted every 10 minutes)"
    today = board.period.today
    if last is None or _clock(first, today) == _clock(last, today):
        return f"Counted at {_clock(first, today)}"
    return f"Counted between {_clock(first, today)} and {_clock(last, today)}"


def counted_overnight(board: dash.Dashboard) -> str:
    """When the nightly per-claimant summary (earnings rises, moves up, coaches per claimant) was counted."""
    if board.refreshed_at is None:
        return "Not counted yet (the overnight summary has not run)"
    local = timezone.localtime(board.refreshed_at)
    when = f"{local:%H:%M}"
    if local.date() != board.period.today:
        when += f" on {local.day} {local:%B}"
    return f"Counted overnight at {when}"


def _tiles(board: dash.Dashboard, counts: dict[str, int], *, team_id=None, coach_id=None) -> list[dict]:
    """The figure groups as tiles: label, number, link to the caseload behind it (None for shares), and when
    the tile's figures were counted (a nightly figure in a tile of live ones says so on its own line)."""
    tiles = []
    live, overnight = counted_at(board), counted_overnight(board)
    for group in board.groups:
        items = []
        nightly = [f.nightly for f in group.figures]
        mixed = any(nightly) and not all(nightly)
        for figure in group.figures:
            key = figure.key.format(months=board.period.months)
            value = counts.get(key, 0)
            item: dict[str, Any] = {"key": figure.key.split("_{")[0], "label": figure.label, "value": value}
            if figure.of:
                whole = counts.get(figure.of.format(months=board.period.months), 0)
                item["percent"] = round(100 * value / whole) if whole else None
            if figure.link is not None:
                params = {k: v.format(months=board.period.months) for k, v in figure.link.items()}
                item["url"] = dash.caseload_url(params, team_id=team_id, coach_id=coach_id)
            if mixed and figure.nightly:
                item["counted"] = overnight
            items.append(item)
        tiles.append(
            {
                "key": group.key,
                "title": group.title,
                "items": items,
                "counted": overnight if all(nightly) else live,
            }
        )
    return tiles


@dataclass(frozen=True)
class Column:
    """A column of the per-coach / per-team table. ``main`` columns (the work waiting) are shown by default, so
    the table fits a 1280 px screen; ``?columns=all`` shows every column. Every figure stays one click away
    either way: each coach's name opens that coach's dashboard, whose tiles hold all of their figures."""

    key: str
    heading: str
    params: dict[str, str]
    main: bool = False


TABLE_COLUMNS = (
    Column("unrecorded", "Unrecorded outcomes", {"show": "unrecorded_outcomes"}, main=True),
    Column(
        "fta_undecided", "Failed to attend, decision needed", {"show": "fta_awaiting_decision"}, main=True
    ),
    Column("overdue_action_claimants", "Overdue actions", {"show": "overdue_actions"}, main=True),
    Column("awaiting_acceptance", "Commitment not accepted", {"show": "awaiting_acceptance"}, main=True),
    Column("referrals_in_limbo", "Referral in limbo", {"show": "referrals_in_limbo"}, main=True),
    Column("regime_intensive_work_search", "Intensive Work Search", {"regime": "intensive_work_search"}),
    Column("regime_light_touch", "Light Touch", {"regime": "light_touch"}),
    Column("regime_working_enough", "Working Enough", {"regime": "working_enough"}),
    Column("cycling", "Cycling", {"show": "cycling"}),
    Column("iwp_eligible", "IWP eligible, not invited", {"iwp": IwpOfferStatus.ELIGIBLE}),
    Column("rose_3m", "Earnings rose (3 months)", {"show": "earnings_rose_3m"}),
    Column("distance_improved_3m", "Self-assessment improved (3 months)", {"show": "distance_improved_3m"}),
    Column("many_coaches", "3+ coaches in 12 months", {"show": "many_coaches"}),
)


def table_columns(show_all: bool) -> tuple[Column, ...]:
    return TABLE_COLUMNS if show_all else tuple(c for c in TABLE_COLUMNS if c.main)


def _table_row(
    counts: dict[str, int], columns: tuple[Column, ...], *, team_id=None, coach_id=None
) -> list[dict]:
    return [
        {
            "value": counts.get(c.key, 0),
            "url": dash.caseload_url(c.params, team_id=team_id, coach_id=coach_id),
        }
        for c in columns
    ]


def _with_columns(request: HttpRequest, columns: str) -> str:
    """This page's address with the table's columns switched (the other filters kept)."""
    query = request.GET.copy()
    query.pop("columns", None)
    if columns:
        query["columns"] = columns
    return "?" + query.urlencode() if query else "?"


@role_required(*LEADERS)
def team_dashboard(request: HttpRequest) -> HttpResponse:
    form, data = _filters(request)
    board = _build(request, data)
    scope = board.scope
    show_all = data.get("columns") == "all"
    columns = table_columns(show_all)
    link_team = scope.team.pk if scope.is_team else None
    # A district view's totals link to the caseload page only when the viewer's caseload covers the district.
    linkable = scope.is_team or dash.leads_district(request.user)
    coach_rows = (
        [
            {
                "row": row,
                "cells": _table_row(row.counts, columns, coach_id=row.coach.pk),
                "caseload_url": dash.caseload_url({}, coach_id=row.coach.pk),
                "dashboard_url": reverse("iwp:team_dashboard")
                + f"?team={row.coach.team_id}&coach={row.coach.pk}&period={board.period.months}",
            }
            for row in board.rows
        ]
        if scope.is_team
        else []
    )
    team_rows = [
        {
            "team": team,
            "counts": board.team_totals.get(team.pk, {}),
            "cells": _table_row(board.team_totals.get(team.pk, {}), columns, team_id=team.pk),
            "url": reverse("iwp:team_dashboard") + f"?team={team.pk}&period={board.period.months}",
        }
        for team in scope.teams
    ]
    return render(
        request,
        "iwp/dashboard.html",
        {
            "title": "Team dashboard" if scope.is_team else "District dashboard",
            "board": board,
            "scope": scope,
            "form": form,
            "errors": _error_links(form),
            "tiles": _tiles(board, board.totals, team_id=link_team, coach_id=data.get("coach"))
            if linkable
            else _tiles_unlinked(board),
            "coach_rows": coach_rows,
            "team_rows": team_rows,
            "columns": [c.heading for c in columns],
            "show_all_columns": show_all,
            "hidden_columns": [c.heading for c in TABLE_COLUMNS if c not in columns],
            "columns_toggle_url": _with_columns(request, "" if show_all else "all"),
            "counted_at": counted_at(board),
            "counted_overnight": counted_overnight(board),
            "suggestions": dash.rebalancing_suggestions(board.rows) if scope.is_team else [],
            "chart": trend_chart(board.trend),
            "trend_rows": [
                {
                    "month": m["month"],
                    "values": [m["regimes"].get(value, 0) for value, _ in RegimeChoices.choices],
                    "moved_up": m["moved_up"],
                }
                for m in board.trend
            ],
            "team_coaches": dash.coaches_in_scope(scope)
            if scope.is_team and data.get("coach")
            else board_coaches(board),
            "coach_filter": data.get("coach"),
            "regimes": RegimeChoices.choices,
            "period_choices": dash.PERIOD_CHOICES,
            "districts": _districts(request.user),
            "export_query": request.GET.urlencode(),
            "is_admin": request.user.effective_role == Role.ADMINISTRATOR,
        },
    )


def board_coaches(board: dash.Dashboard) -> list[StaffMember]:
    return [row.coach for row in board.rows]


def _tiles_unlinked(board: dash.Dashboard) -> list[dict]:
    tiles = _tiles(board, board.totals)
    for tile in tiles:
        for item in tile["items"]:
            item.pop("url", None)
    return tiles


def _districts(user: StaffMember):
    if user.effective_role != Role.ADMINISTRATOR:
        return []
    from iwp.models import District

    return list(District.objects.order_by("name"))


# --- CSV exports --------------------------------------------------------------------------------------------


def _bad_request(form: DashboardFilterForm) -> HttpResponse:
    lines = [f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()]
    return HttpResponseBadRequest("\n".join(["Bad export parameters", *lines]), content_type="text/plain")


def _audit_export(
    request: HttpRequest, what: str, scope: dash.DashboardScope, rows: int | None = None
) -> None:
    payload: dict[str, Any] = {
        "what": what,
        "team": scope.team.pk if scope.team else None,
        "district": scope.district.pk if scope.district else None,
    }
    if rows is not None:
        payload["rows"] = rows
    audit_event(
        actor=request.user,
        verb=AuditVerb.EXPORTED,
        target_type="iwp.dashboards.selectors",
        target_id=scope.team.pk if scope.team else (scope.district.pk if scope.district else ""),
        payload=payload,
    )


@require_GET
@role_required(*LEADERS)
def export_figures(request: HttpRequest) -> HttpResponse:
    """The dashboard's figures as CSV: one row per coach (team view) or team (district view), and a total."""
    form = DashboardFilterForm(request.GET)
    if not form.is_valid():
        return _bad_request(form)
    board = _build(request, form.cleaned_data)
    keys = [f.key.format(months=board.period.months) for g in board.groups for f in g.figures]
    labels = [f.label for g in board.groups for f in g.figures]
    rows: list[list[Any]] = [["Team", "Work coach", "Target caseload", *labels]]
    if board.scope.is_team:
        for row in board.rows:
            rows.append(
                [
                    row.coach.team.name,
                    row.coach.get_full_name(),
                    row.coach.team.target_caseload,
                    *(row.counts.get(k, 0) for k in keys),
                ]
            )
    else:
        for team in board.scope.teams:
            counts = board.team_totals.get(team.pk, {})
            rows.append(
                [
                    f"{team.name}, {team.jobcentre.name}",
                    "(all)",
                    team.target_caseload,
                    *(counts.get(k, 0) for k in keys),
                ]
            )
    rows.append(
        [board.scope.title, "(total)", board.target_caseload, *(board.totals.get(k, 0) for k in keys)]
    )
    response = csv_response(rows, filename="dashboard-figures.csv")
    _audit_export(request, "figures", board.scope, rows=len(rows) - 1)
    return response


CLAIMANT_EXPORT_FIELDS = (
    ("pk", "Claimant id"),
    ("nino", "National Insurance number"),
    ("first_name", "First name"),
    ("last_name", "Last name"),
    ("coach__first_name", "Coach first name"),
    ("coach__last_name", "Coach last name"),
    ("coach__team__name", "Team"),
    ("current_regime", "Regime"),
    ("regime_since", "In regime since"),
    ("regime_cycling", "Regime cycling"),
    ("iwp_offer_status", "IWP offer"),
    ("progress__rose_3_months", "Earnings rose over 3 months"),
    ("progress__rose_6_months", "Earnings rose over 6 months"),
    ("progress__coaches_12_months", "Coaches in 12 months"),
)


def _claimant_rows(claimants) -> Iterator[list[Any]]:
    yield [label for _, label in CLAIMANT_EXPORT_FIELDS]
    for row in claimants.values_list(*(name for name, _ in CLAIMANT_EXPORT_FIELDS)).iterator(chunk_size=2000):
        yield ["" if v is None else v for v in row]


@require_GET
@role_required(*LEADERS)
def export_claimants(request: HttpRequest) -> HttpResponse:
    """Every claimant of the coaches in scope, streamed (a district is ~60,000 rows): rows are fetched in chunks
    through a server-side cursor and written as they come, never held in memory together."""
    form = DashboardFilterForm(request.GET)
    if not form.is_valid():
        return _bad_request(form)
    data = form.cleaned_data
    scope = dash.dashboard_scope(request.user, team_id=data.get("team"), district_id=data.get("district"))
    coaches = dash.coach_ids_in_scope(scope, coach_id=data.get("coach"))
    claimants = dash.claimants_of(coaches).order_by("coach__team__name", "coach_id", "last_name", "pk")
    _audit_export(request, "claimants", scope)
    return csv_streaming_response(_claimant_rows(claimants), filename="claimants.csv")


# --- Reassignment -------------------------------------------------------------------------------------------


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _listing_query(params) -> CaseloadQuery:
    regime = params.get("regime", "")
    iwp_status = params.get("iwp", "")
    return CaseloadQuery(
        search=params.get("q", "")[:60],
        regime=regime if regime in RegimeChoices.values else "",
        iwp_status=iwp_status if iwp_status in IwpOfferStatus.values else "",
        coach_id=_int_or_none(params.get("coach")),
        team_id=_int_or_none(params.get("team")),
        show=tuple(k for k in params.getlist("show") if k in caseload_registry.filters),
        sort=params.get("sort", "name"),
    )


@role_required(*LEADERS)
def reassign(request: HttpRequest) -> HttpResponse:
    """Select claimants (the list the caseload filters chose: ``?coach=…&show=…``) and move them to another
    coach in one go. Only claimants of coaches in the leader's teams are listed or accepted."""
    query = _listing_query(request.GET)
    managed = claimants_managed_by(request.user)
    listed = list(
        caseload_for(request.user, query)
        .filter(pk__in=managed.values("pk"))
        .select_related("coach__team")[:MAX_REASSIGN]
    )
    coaches = coaches_managed_by(request.user).order_by("team__name", "last_name", "first_name", "pk")
    choices = [(c.pk, c.full_name) for c in listed]
    if request.method == "POST":
        posted = [int(v) for v in request.POST.getlist("claimants") if v.isdigit()]
        extra = managed.filter(pk__in=posted).exclude(pk__in=[c.pk for c in listed])
        choices += [(c.pk, c.full_name) for c in extra]
        form = BulkReassignForm(request.POST, coaches=coaches, claimant_choices=choices)
        if form.is_valid():
            try:
                result = claimants_bulk_reassign(
                    claimant_ids=form.cleaned_data["claimants"],
                    to_coach=form.cleaned_data["to_coach"],
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    handover_note=form.cleaned_data["handover_note"],
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            except PermissionDenied as error:
                form.add_error("claimants", str(error))
            else:
                messages.success(
                    request,
                    f"{result.moved} claimant{'s' if result.moved != 1 else ''} moved to "
                    f"{result.to_coach.get_full_name()}. Each has a handover summary.",
                )
                back = request.POST.get("next", "")
                return redirect(
                    back if back.startswith("/") and not back.startswith("//") else "iwp:team_dashboard"
                )
        status = 400
    else:
        form = BulkReassignForm(coaches=coaches, claimant_choices=choices)
        status = 200
    chosen_coach = next((c for c in coaches if c.pk == query.coach_id), None)
    return render(
        request,
        "iwp/reassign.html",
        {
            "title": "Move claimants to another coach",
            "form": form,
            "errors": _error_links(form),
            "claimants": listed,
            "selected": {str(v) for v in (form.data.getlist("claimants") if form.is_bound else [])},
            "coaches": coaches,
            "chosen_coach": chosen_coach,
            "query": query,
            "limit": MAX_REASSIGN,
            "next": request.GET.get("next") or request.POST.get("next") or reverse("iwp:team_dashboard"),
        },
        status=status,
    )


# --- Team membership and absence ----------------------------------------------------------------------------


@role_required(*LEADERS)
def team_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A team's members, their caseload and absences; add a coach from another team of the jobcentre."""
    team = get_object_or_404(dash.dashboard_teams(request.user), pk=pk)
    candidates = team_candidates(team)
    if request.method == "POST":
        form = TeamMemberForm(request.POST, candidates=candidates)
        if form.is_valid():
            try:
                coach = team_add_member(coach=form.cleaned_data["coach"], team=team, actor=request.user)
            except (ValidationError, PermissionDenied) as error:
                form.add_error("coach", error.messages if isinstance(error, ValidationError) else str(error))
            else:
                messages.success(request, f"{coach.get_full_name()} is now a member of {team.name}.")
                return redirect("iwp:team_page", pk=team.pk)
    else:
        form = TeamMemberForm(candidates=candidates)
    members = dash.team_members(team)
    today = timezone.localdate()
    absences = (
        CoachAbsence.objects.filter(coach__team=team, ends_on__gte=today)
        .select_related("coach", "covered_by")
        .order_by("starts_on", "pk")
    )
    return render(
        request,
        "iwp/team.html",
        {
            "title": f"{team.name}: members and absence",
            "team": team,
            "members": members,
            "absences": absences,
            "form": form,
            "errors": _error_links(form),
            "today": today,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@role_required(*LEADERS)
def record_absence(request: HttpRequest, pk: int) -> HttpResponse:
    coach = get_object_or_404(coaches_managed_by(request.user), pk=pk)
    colleagues = coaches_managed_by(request.user).filter(jobcentre_id=coach.jobcentre_id).exclude(pk=coach.pk)
    colleagues = colleagues.order_by("last_name", "first_name", "pk")
    if request.method == "POST":
        form = AbsenceForm(request.POST, colleagues=colleagues)
        if form.is_valid():
            try:
                absence, moved = coach_absence_record(
                    coach=coach,
                    kind=form.cleaned_data["kind"],
                    starts_on=form.cleaned_data["starts_on"],
                    ends_on=form.cleaned_data["ends_on"],
                    covered_by=form.cleaned_data["covered_by"],
                    note=form.cleaned_data["note"],
                    actor=request.user,
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                text = f"Absence recorded for {coach.get_full_name()}."
                if absence.covered_by:
                    text += (
                        f" {len(moved)} booked appointment{'s' if len(moved) != 1 else ''} moved to "
                        f"{absence.covered_by.get_full_name()}'s diary."
                    )
                messages.success(request, text)
                return redirect("iwp:team_page", pk=coach.team_id)
    else:
        today = timezone.localdate()
        form = AbsenceForm(colleagues=colleagues, initial={"starts_on": today, "ends_on": today})
    return render(
        request,
        "iwp/absence.html",
        {
            "title": f"Record an absence for {coach.get_full_name()}",
            "coach": coach,
            "form": form,
            "errors": _error_links(form),
        },
        status=400 if form.is_bound and form.errors else 200,
    )
