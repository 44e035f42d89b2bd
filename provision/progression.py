"""What provision adds to the progression plan (issue #16), registered from ``ProvisionConfig.ready``: the
referrals and signposting serving each step (``Referral.plan_step``), read for the plan in one query, and the page
that links referrals to a step. Claimants never imports provision; it reads these through its link registry."""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse

from claimants.progression.links import LinkRegistry, LinkSource, StepLink
from provision import selectors
from provision.models import ReferralStatus

FINISHED = (ReferralStatus.COMPLETED, ReferralStatus.DECLINED, ReferralStatus.DID_NOT_START)


def linked_referrals(step_ids: Sequence[int]) -> dict[int, list[StepLink]]:
    found: dict[int, list[StepLink]] = {}
    for referral in selectors.referrals_for_steps(tuple(step_ids)):
        found.setdefault(referral.plan_step_id, []).append(
            StepLink(
                kind="Referral" if referral.status != ReferralStatus.SIGNPOSTED else "Signposted",
                text=referral.offer.name,
                status=referral.get_status_display().lower(),
                url=reverse("provision:referral_detail", args=[referral.pk]),
                finished=referral.status in FINISHED,
            )
        )
    return found


def register(registry: LinkRegistry) -> None:
    registry.add(
        LinkSource(
            key="referrals",
            add_label="Link referrals",
            linked=linked_referrals,
            add_url=lambda step_id: reverse("provision:link_referrals", args=[step_id]),
            position=20,
        )
    )
