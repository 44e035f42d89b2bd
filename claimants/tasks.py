"""Thin Celery tasks: take ids, call a service. Safe to run twice (the service writes only differences)."""

from celery import shared_task

from claimants.recalculation import claimant_recalculate
from claimants.regimes import Cause


@shared_task(name="claimants.recalculate_claimant", acks_late=True)
def recalculate_claimant(claimant_id: int, cause: str) -> dict:
    result = claimant_recalculate(claimant_id=claimant_id, cause=Cause(cause))
    return {"claimant_id": claimant_id, "rows_written": result.rows_written, "regime": result.current_regime}


@shared_task(name="claimants.iwp_offer_sweep")
def iwp_offer_sweep_task() -> dict:
    from claimants.iwp_offer import iwp_offer_sweep

    sweep = iwp_offer_sweep()
    return {"newly_eligible": sweep.newly_eligible, "no_longer_eligible": sweep.no_longer_eligible}


# Celery autodiscovery loads only this module; the feed's and the uprating's tasks live beside their services.
from claimants import earnings_feed_tasks, uprating_tasks  # noqa: E402, F401
