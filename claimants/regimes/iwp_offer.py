"""Identify claimants newly eligible for the IWP voluntary offer, so nobody checks records by hand.

Eligible: current regime Light Touch or Working Enough, not already invited, onboarded, declined or excluded.
One UPDATE each way, run nightly by beat and safe to run twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from claimants.models import Claimant, IwpOfferStatus
from claimants.regimes.recalculation import IWP_OFFER_REGIMES
from iwp.audit import audit_record
from iwp.figures import figures_changed
from iwp.models import AuditVerb, StaffMember


@dataclass(frozen=True)
class OfferSweep:
    newly_eligible: int
    no_longer_eligible: int


def iwp_offer_sweep() -> OfferSweep:
    today = timezone.localdate()
    becoming = Claimant.objects.filter(
        iwp_offer_status=IwpOfferStatus.NOT_ELIGIBLE, current_regime__in=IWP_OFFER_REGIMES
    )
    leaving = Claimant.objects.filter(iwp_offer_status=IwpOfferStatus.ELIGIBLE).exclude(
        current_regime__in=IWP_OFFER_REGIMES
    )
    with transaction.atomic():
        # The coaches whose "eligible, not yet invited" figure moves: one set-based read before the two UPDATEs.
        figures_changed((becoming | leaving).order_by().values_list("coach_id", flat=True).distinct())
        newly = becoming.update(iwp_offer_status=IwpOfferStatus.ELIGIBLE, iwp_offer_eligible_since=today)
        gone = leaving.update(iwp_offer_status=IwpOfferStatus.NOT_ELIGIBLE, iwp_offer_eligible_since=None)
    return OfferSweep(newly_eligible=newly, no_longer_eligible=gone)


def iwp_offer_invite(*, claimant: Claimant, actor: StaffMember) -> bool:
    """One-click invite from the onboarding list. Returns False if the claimant was not awaiting an invite."""
    with transaction.atomic():
        changed = Claimant.objects.filter(pk=claimant.pk, iwp_offer_status=IwpOfferStatus.ELIGIBLE).update(
            iwp_offer_status=IwpOfferStatus.INVITED
        )
        if changed:
            audit_record(
                actor=actor, verb=AuditVerb.UPDATED, target=claimant, payload={"iwp_offer": "invited"}
            )
            figures_changed([claimant.coach_id])
    return bool(changed)
