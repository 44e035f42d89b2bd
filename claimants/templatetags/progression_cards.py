"""The progression plan and distance-travelled cards of the claimant record (issue #16), as tags so the record's
view stays as it is: each reads through ``claimants.progression.selectors`` in a fixed number of queries.

The record's context says whether the viewer may change the record (``can_edit``); only then are the
self-assessment answers shown (the claimant's own words, and one question is about health)."""

from __future__ import annotations

from typing import Any

from django import template

from claimants.progression import selectors
from claimants.progression.rules import HIGHEST_TOTAL

register = template.Library()

CARD_PERIODS = 6  # the record shows the last six assessment periods; the progression page twelve


@register.inclusion_tag("claimants/progression/_plan_card.html", takes_context=True)
def progression_plan_card(context: template.Context, claimant) -> dict[str, Any]:
    return {
        "claimant": claimant,
        "plan": selectors.plan_view(claimant),
        "can_edit": bool(context.get("can_edit")),
    }


@register.inclusion_tag("claimants/progression/_distance_card.html", takes_context=True)
def distance_travelled_card(context: template.Context, claimant) -> dict[str, Any]:
    periods = selectors.earnings_progression(claimant, periods=CARD_PERIODS)
    can_edit = bool(context.get("can_edit"))
    return {
        "claimant": claimant,
        "distance": selectors.distance_travelled(claimant),
        "periods": periods,
        "progress_summary": selectors.progression_summary(periods),
        "show_answers": can_edit,
        "can_edit": can_edit,
        "highest": HIGHEST_TOTAL,
    }
