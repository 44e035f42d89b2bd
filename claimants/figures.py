"""What claimants contributes to the team dashboards (``iwp.dashboards.selectors``): caseload and regime mix, commitments,
and progression/continuity (from the nightly ``iwp.ClaimantProgress`` summary). Each group is ONE aggregate query
over the coaches' claimants, grouped by coach, with conditional counts (``Count(..., filter=Q(...))``). The
conditions are the caseload page's "show only" filters, so a number and the list it links to always agree.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Count, Q

from claimants.models import Claimant, ClaimantCommitment, CommitmentStatus, IwpOfferStatus, RegimeChoices
from claimants.record.caseload import REVIEW_DUE_SOON
from claimants.regimes.engine import Regime
from iwp.figures import Counts, DashboardPeriod, Figure, FigureGroup, FigureRegistry

MOVED_UP_KEYS = {3: "moved_up_3m", 6: "moved_up_6m", 12: "moved_up_12m"}


def caseload_counts(coach_ids: Sequence[int], period: DashboardPeriod) -> Counts:
    regimes = {
        f"regime_{value}": Count("pk", filter=Q(current_regime=value)) for value in RegimeChoices.values
    }
    rows = (
        Claimant.objects.filter(coach_id__in=coach_ids)
        .values("coach_id")
        .annotate(
            caseload=Count("pk"),
            cycling=Count("pk", filter=Q(regime_cycling=True)),
            iwp_eligible=Count("pk", filter=Q(iwp_offer_status=IwpOfferStatus.ELIGIBLE)),
            **regimes,
        )
        .order_by()
    )
    return {row.pop("coach_id"): row for row in rows}


def progression_counts(coach_ids: Sequence[int], period: DashboardPeriod) -> Counts:
    moved_up = {
        f"moved_up_{months}": Count("pk", filter=Q(progress__moved_up_on__gte=period.since(months)))
        for months in period.choices
    }
    rows = (
        Claimant.objects.filter(coach_id__in=coach_ids, progress__isnull=False)
        .values("coach_id")
        .annotate(
            rose_3m=Count("pk", filter=Q(progress__rose_3_months=True)),
            rose_6m=Count("pk", filter=Q(progress__rose_6_months=True)),
            **moved_up,
            many_coaches=Count("pk", filter=Q(progress__coaches_12_months__gte=3)),
        )
        .order_by()
    )
    return {row.pop("coach_id"): row for row in rows}


def commitment_counts(coach_ids: Sequence[int], period: DashboardPeriod) -> Counts:
    # At most one commitment in force per claimant (a constraint), so counting rows counts claimants.
    rows = (
        ClaimantCommitment.objects.filter(
            claimant__coach_id__in=coach_ids, status__in=[CommitmentStatus.ISSUED, CommitmentStatus.ACCEPTED]
        )
        .values("claimant__coach_id")
        .annotate(
            awaiting_acceptance=Count("pk", filter=Q(status=CommitmentStatus.ISSUED)),
            acceptance_overdue=Count(
                "pk", filter=Q(status=CommitmentStatus.ISSUED, accept_by__lt=period.today)
            ),
            review_due=Count("pk", filter=Q(review_due__lte=period.today + REVIEW_DUE_SOON)),
        )
        .order_by()
    )
    return {row.pop("claimant__coach_id"): row for row in rows}


def register(registry: FigureRegistry) -> None:

    registry.add_group(
        FigureGroup(
            key="caseload",
            title="Caseload and regime mix",
            position=10,
            counts=caseload_counts,
            figures=(
                Figure("caseload", "Claimants", link={}),
                *(
                    Figure(f"regime_{r.value}", r.label, link={"regime": r.value})
                    for r in (
                        Regime.INTENSIVE_WORK_SEARCH,
                        Regime.LIGHT_TOUCH,
                        Regime.WORKING_ENOUGH,
                        Regime.WORK_PREPARATION,
                        Regime.WORK_FOCUSED_INTERVIEW,
                        Regime.NO_WORK_RELATED_REQUIREMENTS,
                    )
                ),
                Figure("cycling", "Flagged for regime cycling", link={"show": "cycling"}),
                Figure(
                    "iwp_eligible",
                    "IWP offer: eligible, not yet invited",
                    link={"iwp": IwpOfferStatus.ELIGIBLE},
                ),
            ),
        )
    )
    registry.add_group(
        FigureGroup(
            key="commitments",
            title="Claimant commitments",
            position=30,
            counts=commitment_counts,
            figures=(
                Figure("awaiting_acceptance", "Waiting for acceptance", link={"show": "awaiting_acceptance"}),
                Figure("acceptance_overdue", "Acceptance overdue", link={"show": "acceptance_overdue"}),
                Figure("review_due", "Review due (next 14 days or overdue)", link={"show": "review_due"}),
            ),
        )
    )
    registry.add_group(
        FigureGroup(
            key="progression",
            title="Progression and continuity",
            position=40,
            counts=progression_counts,
            figures=(
                Figure(
                    "rose_3m", "Earnings rose over 3 months", link={"show": "earnings_rose_3m"}, nightly=True
                ),
                Figure(
                    "rose_6m", "Earnings rose over 6 months", link={"show": "earnings_rose_6m"}, nightly=True
                ),
                Figure(
                    "moved_up_{months}",
                    "Moved from Intensive Work Search to Light Touch or Working Enough",
                    link={"show": "moved_up_{months}m"},
                    nightly=True,
                ),
            ),
        )
    )
