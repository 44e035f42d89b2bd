"""What the Flexible Support Fund adds to the team dashboards (issue #16): awards made in the dashboard's period by
purpose, and what followed them within 6 months, counted by the claimant's current work coach in ONE aggregate
query (every period choice at once). These count awards, not claimants, so they link to no caseload list; the
money (committed and spent against each jobcentre's budget) is on the budget panel under the tiles, which links to
the budget page showing the same sums.

The outcome of each award is stored on it and worked out again every night (``claimants.support_fund_outcomes``,
03:15); these counts of the stored outcomes are recounted like every other figure, so they are not marked as
coming from the overnight summary (``iwp.ClaimantProgress``), which they do not read.

"Awards made" are awards approved (``awarded_on``) in the period, whether paid yet or not. The outcome is the one
stored on the award by the nightly refresh (``claimants.support_fund.services.support_fund_outcomes_refresh``,
definition in ``rules.award_outcome``)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Count, Q

from claimants.models import SupportFundAward
from claimants.support_fund.rules import CHARGED, Outcome, Purpose, Status
from iwp.figures import Counts, DashboardPeriod, Figure, FigureGroup, FigureRegistry

OUTCOME_KEYS = {
    Outcome.PROGRESSED: "fsf_progressed",
    Outcome.NO_PROGRESS: "fsf_no_progress",
    Outcome.NOT_KNOWN_YET: "fsf_not_known_yet",
    Outcome.NOT_KNOWN: "fsf_not_known",
}


def support_fund_counts(coach_ids: Sequence[int], period: DashboardPeriod) -> Counts:
    longest = period.since(max(period.choices))
    annotations = {"fsf_waiting": Count("pk", filter=Q(status=Status.REQUESTED))}
    for months in period.choices:
        made = Q(status__in=CHARGED, awarded_on__gte=period.since(months))
        annotations[f"fsf_awards_{months}"] = Count("pk", filter=made)
        for purpose in Purpose:
            annotations[f"fsf_{purpose.value}_{months}"] = Count("pk", filter=made & Q(purpose=purpose))
        for outcome, key in OUTCOME_KEYS.items():
            annotations[f"{key}_{months}"] = Count("pk", filter=made & Q(outcome=outcome))
        annotations[f"fsf_known_{months}"] = Count(
            "pk", filter=made & Q(outcome__in=[Outcome.PROGRESSED, Outcome.NO_PROGRESS])
        )
    rows = (
        SupportFundAward.objects.filter(claimant__coach_id__in=coach_ids)
        .filter(Q(status=Status.REQUESTED) | Q(status__in=CHARGED, awarded_on__gte=longest))
        .values("claimant__coach_id")
        .annotate(**annotations)
        .order_by()
    )
    return {row.pop("claimant__coach_id"): row for row in rows}


def register(registry: FigureRegistry) -> None:
    registry.add_group(
        FigureGroup(
            key="support_fund",
            title="Flexible Support Fund awards made in the period",
            position=45,
            counts=support_fund_counts,
            figures=(
                Figure("fsf_waiting", "Requests waiting for a team leader's decision"),
                Figure("fsf_awards_{months}", "Awards made (approved or paid)"),
                *(Figure(f"fsf_{p.value}_{{months}}", f"For {p.label.lower()}") for p in Purpose),
                Figure(
                    "fsf_progressed_{months}",
                    "Followed within 6 months by a rise in earnings or a move up a regime "
                    "(share of awards whose outcome is known)",
                    of="fsf_known_{months}",
                ),
                Figure("fsf_no_progress_{months}", "No rise in earnings and no move up"),
                Figure(
                    "fsf_not_known_yet_{months}",
                    "Outcome not known yet (less than 6 months since the award)",
                ),
                Figure("fsf_not_known_{months}", "Outcome not known (earnings missing)"),
            ),
        )
    )
