"""Provision's tables in the retention registry (``claimants.retention``): what was shared with a provider and
the notes on a referral's status changes are replaced; the referrals, their statuses and dates stay."""

from __future__ import annotations

from claimants.retention.registry import RetentionRegistry, RetentionTable
from provision.models import Referral, ReferralStatusChange


def register(registry: RetentionRegistry) -> None:
    registry.add(RetentionTable(Referral, "claimant_id", words=("shared_summary",)))
    registry.add(RetentionTable(ReferralStatusChange, "referral__claimant_id", words=("note",)))
