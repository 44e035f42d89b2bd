from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from claimants.caseload import registry as caseload_registry
from claimants.caseload import sort_choices
from claimants.charts import earnings_chart
from claimants.iwp_offer import iwp_offer_invite
from claimants.models import IwpOfferStatus, RegimeChoices
from claimants.selectors import (
    CaseloadQuery,
    caseload_for,
    claimants_visible_to,
    coaches_visible_to,
    regime_changes,
    regime_history,
)
from iwp.access import role_required
from iwp.models import Role


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@role_required(Role.WORK_COACH, Role.TEAM_LEADER, Role.ADMINISTRATOR)
def caseload(request: HttpRequest) -> HttpResponse:
    """My caseload: search, filters and sort orders (the same parameters the dashboards link with).

    Unknown or malformed parameters are ignored rather than rejected: a stale bookmark still shows a list.
    """
    params = request.GET
    leader = request.user.effective_role != Role.WORK_COACH
    regime = params.get("regime", "")
    iwp_status = params.get("iwp", "")
    query = CaseloadQuery(
        search=params.get("q", "")[:60],
        regime=regime if regime in RegimeChoices.values else "",
        iwp_status=iwp_status if iwp_status in IwpOfferStatus.values else "",
        coach_id=_int_or_none(params.get("coach")) if leader else None,
        team_id=_int_or_none(params.get("team")) if leader else None,
        show=tuple(key for key in params.getlist("show") if key in caseload_registry.filters),
        sort=params.get("sort", "name"),
    )
    claimants = caseload_for(request.user, query)
    page = Paginator(claimants, 25).get_page(params.get("page"))
    coaches = list(coaches_visible_to(request.user)) if leader else []
    chosen_coach = next((c for c in coaches if c.pk == query.coach_id), None)
    chosen_team = next((c.team for c in coaches if c.team_id == query.team_id), None)
    if chosen_coach:
        title = f"Caseload of {chosen_coach.get_full_name()}"
    elif chosen_team:
        title = f"Caseload of {chosen_team.name}"
    else:
        title = "Caseloads" if leader else "My caseload"
    return render(
        request,
        "claimants/caseload.html",
        {
            "title": title,
            "page": page,
            "query": query,
            "regimes": RegimeChoices.choices,
            "iwp_statuses": IwpOfferStatus.choices,
            "show_choices": [(f.key, f.label) for f in caseload_registry.filters.values()],
            "sort_choices": sort_choices(),
            "columns": list(caseload_registry.columns.values()),
            "coaches": coaches,
            "leader": leader,
            "today": timezone.localdate(),
        },
    )


def _offer_list_scope(user):
    claimants = claimants_visible_to(user)
    if user.effective_role == Role.WORK_COACH:
        return claimants.filter(coach=user)
    if user.effective_role == Role.TEAM_LEADER:
        return claimants.filter(coach__team_id=user.team_id)
    return claimants


@role_required(Role.WORK_COACH, Role.TEAM_LEADER, Role.ADMINISTRATOR)
def iwp_offer_list(request: HttpRequest) -> HttpResponse:
    """The onboarding list the nightly job keeps: claimants eligible for the IWP offer and not yet invited."""
    eligible = (
        _offer_list_scope(request.user)
        .filter(iwp_offer_status=IwpOfferStatus.ELIGIBLE)
        .select_related("coach", "jobcentre")
        .order_by("iwp_offer_eligible_since", "last_name", "first_name")
    )
    page = Paginator(eligible, 50).get_page(request.GET.get("page"))
    return render(
        request, "claimants/iwp_offer_list.html", {"title": "IWP offer: who to invite", "page": page}
    )


@require_POST
@role_required(Role.WORK_COACH, Role.TEAM_LEADER, Role.ADMINISTRATOR)
def iwp_offer_invite_view(request: HttpRequest, pk: int) -> HttpResponse:
    claimant = get_object_or_404(_offer_list_scope(request.user), pk=pk)
    if iwp_offer_invite(claimant=claimant, actor=request.user):
        messages.success(request, f"{claimant.full_name} has been invited to the in-work progression offer.")
    else:
        messages.info(request, f"{claimant.full_name} was not waiting for an invitation.")
    return redirect("claimants:iwp_offer_list")


@role_required(Role.WORK_COACH, Role.TEAM_LEADER, Role.ADMINISTRATOR)
def claimant_regime(request: HttpRequest, pk: int) -> HttpResponse:
    """The claimant's regime, why, the last 12 periods of earnings against the thresholds, and cycling flags."""
    claimant = get_object_or_404(
        claimants_visible_to(request.user).select_related("coach", "jobcentre", "partner"), pk=pk
    )
    history = regime_history(claimant)
    return render(
        request,
        "claimants/claimant_regime.html",
        {
            "title": f"{claimant.full_name}: regime",
            "claimant": claimant,
            "latest": history[-1] if history else None,
            "history": history,
            "chart": earnings_chart(history),
            "changes": regime_changes(claimant),
        },
    )
