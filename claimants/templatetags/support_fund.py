"""Flexible Support Fund panels for pages others own: the card on the claimant record, and the budgets under the
team dashboard's tiles. A panel is one include in the page's template, so the fund changes nothing else there."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from claimants.support_fund import selectors
from claimants.support_fund.rules import financial_year, money
from iwp.models import Role

register = template.Library()


@register.filter(name="money")
def money_filter(amount) -> str:
    """£1,250.00 (pence always shown); empty for no amount."""
    return money(amount) if amount is not None and amount != "" else ""


@register.inclusion_tag("claimants/support_fund/_record_card.html", takes_context=True)
def support_fund_card(context: template.Context, claimant) -> dict[str, Any]:
    """The claimant's awards with their status, and the link to ask for one (one or two queries)."""
    user = context["request"].user
    return {
        "claimant": claimant,
        "awards": selectors.awards_of(claimant),
        "can_request": selectors.may_request(user, claimant),
    }


@register.inclusion_tag("claimants/support_fund/_budget_panel.html", takes_context=True)
def support_fund_budgets(context: template.Context, scope) -> dict[str, Any]:
    """This financial year's budget of each jobcentre a dashboard covers (its teams' jobcentres): two queries
    however many jobcentres. ``scope`` is the dashboard's (``iwp.dashboards.selectors.DashboardScope``)."""
    teams = [scope.team] if scope.team is not None else list(scope.teams)
    offices = {t.jobcentre_id: t.jobcentre for t in teams}
    year = financial_year(timezone.localdate())
    return {
        "budgets": selectors.budget_summaries(sorted(offices.values(), key=lambda j: j.name), year),
        "year": year,
        "is_leader": context["request"].user.effective_role == Role.TEAM_LEADER,
    }
