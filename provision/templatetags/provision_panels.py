"""Provision panels for pages other apps own (the claimant record), so claimants never imports provision."""

from __future__ import annotations

from typing import Any

from django import template

from provision import selectors

register = template.Library()


@register.inclusion_tag("provision/_claimant_referrals.html", takes_context=True)
def claimant_referrals(context: template.Context, claimant) -> dict[str, Any]:
    user = context["request"].user
    return {
        "claimant": claimant,
        "referrals": selectors.claimant_referrals(claimant),
        "can_refer": selectors.claimants_referable_by(user).filter(pk=claimant.pk).exists(),
    }
