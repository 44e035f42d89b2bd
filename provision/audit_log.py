"""The events about a claimant's referrals, for the audit page's claimant filter (``iwp.audit_log``)."""

from __future__ import annotations

from iwp import audit_log
from provision.models import Referral


def register() -> None:
    audit_log.register_claimant_events(
        audit_log.claimant_records(lambda pk: Referral.objects.filter(claimant_id=pk))
    )
