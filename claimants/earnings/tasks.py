"""The earnings feed's recalculation task: one task recalculates a list of claimants (the feed enqueues lists of
ids rather than one task per claimant). Thin and safe to run twice: ``claimant_recalculate`` writes only differences.
"""

from celery import shared_task

from claimants.models import Claimant
from claimants.regimes.engine import Cause
from claimants.regimes.recalculation import claimant_recalculate
from iwp.figures import figures_deferred


@shared_task(name="claimants.recalculate_claimants", acks_late=True)
def recalculate_claimants(claimant_ids: list[int], cause: str = Cause.EARNINGS.value) -> dict:
    recalculated, missing = 0, []
    # One transaction per claimant, but one recount of the dashboard figures for the whole list.
    with figures_deferred():
        for claimant_id in claimant_ids:
            try:
                claimant_recalculate(claimant_id=claimant_id, cause=Cause(cause))
            except Claimant.DoesNotExist:
                missing.append(claimant_id)  # deleted since the feed ran: nothing to recalculate
                continue
            recalculated += 1
    return {"recalculated": recalculated, "missing": missing}
