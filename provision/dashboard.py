"""What provision adds to the team dashboards and the caseload page (issue #6): "referrals in limbo" — claimants
with a referral the daily job flagged (``limbo_since``) that is still waiting (referred or accepted). One aggregate
query grouped by the claimant's coach for the dashboard; the same condition as a caseload "show only" filter, so the
number links to the claimants behind it. Registered in ``ProvisionConfig.ready``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db.models import Count, Exists, OuterRef

from claimants.record.caseload import CaseloadFilter
from claimants.record.caseload import registry as caseload_registry
from iwp.figures import Counts, DashboardPeriod, Figure, FigureGroup
from iwp.figures import registry as dashboard_registry
from provision.models import Referral
from provision.selectors import LIMBO_STATUSES


def _in_limbo():
    return Referral.objects.filter(limbo_since__isnull=False, status__in=LIMBO_STATUSES)


def limbo_counts(coach_ids: Sequence[int], period: DashboardPeriod) -> Counts:
    rows = (
        _in_limbo()
        .filter(claimant__coach_id__in=coach_ids)
        .values("claimant__coach_id")
        .annotate(referrals_in_limbo=Count("claimant_id", distinct=True))
        .order_by()
    )
    return {row.pop("claimant__coach_id"): row for row in rows}


def _limbo_filter(today: date) -> Exists:
    return Exists(_in_limbo().filter(claimant=OuterRef("pk")))


def register() -> None:

    caseload_registry.add_filter(CaseloadFilter("referrals_in_limbo", "Referral in limbo", _limbo_filter))
    dashboard_registry.add_group(
        FigureGroup(
            key="referrals",
            title="Referrals to provision",
            position=35,
            counts=limbo_counts,
            figures=(
                Figure(
                    "referrals_in_limbo",
                    "Claimants with a referral in limbo (no update from the provider)",
                    link={"show": "referrals_in_limbo"},
                ),
            ),
        )
    )
