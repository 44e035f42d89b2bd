"""Thin Celery tasks of the regime engine (DESIGN §4): one claimant's recalculation, the IWP-offer sweep and the
uprating. They take ids and call a service; every one is safe to run twice.

``claimants.uprating_run`` plans the job's chunks and sends one ``claimants.uprating_chunk`` per chunk not yet
done, so several workers share the job (through the outbox, so a chunk Redis refuses waits for the relay).
``acks_late``: a chunk whose worker died is delivered again and, being one transaction that records itself as
done, is either redone from scratch or skipped.
"""

from __future__ import annotations

from celery import shared_task

from claimants.earnings.tasks import recalculate_claimants
from claimants.regimes.engine import Cause
from claimants.regimes.recalculation import claimant_recalculate, claimants_needing_recalculation
from claimants.regimes.uprating import uprating_chunk_failed, uprating_chunk_run, uprating_job_run
from iwp.background.jobs import job_fail


@shared_task(name="claimants.uprating_run", acks_late=True)
def uprating_run(job_id: int) -> dict:
    try:
        dispatched = uprating_job_run(job_id=job_id)
    except Exception as error:
        job_fail(job_id=job_id, error=f"{type(error).__name__}: {error}")
        raise
    return {"job_id": job_id, "chunks_dispatched": len(dispatched)}


@shared_task(name="claimants.uprating_chunk", acks_late=True)
def uprating_chunk(job_id: int, index: int) -> dict:
    try:
        result = uprating_chunk_run(job_id=job_id, index=index)
    except Exception as error:
        uprating_chunk_failed(job_id=job_id, error=f"Chunk {index}: {type(error).__name__}: {error}")
        raise
    return {
        "job_id": job_id,
        "chunk": index,
        "skipped": result.skipped,
        "claimants": result.claimants,
        "rows_written": result.rows_written,
    }


@shared_task(name="claimants.recalculate_claimant", acks_late=True)
def recalculate_claimant(claimant_id: int, cause: str) -> dict:
    result = claimant_recalculate(claimant_id=claimant_id, cause=Cause(cause))
    return {"claimant_id": claimant_id, "rows_written": result.rows_written, "regime": result.current_regime}


@shared_task(name="claimants.iwp_offer_sweep")
def iwp_offer_sweep_task() -> dict:
    from claimants.regimes.iwp_offer import iwp_offer_sweep

    sweep = iwp_offer_sweep()
    return {"newly_eligible": sweep.newly_eligible, "no_longer_eligible": sweep.no_longer_eligible}


@shared_task(name="claimants.reconcile_regimes")
def reconcile_regimes_task() -> dict:
    """Hourly (beat): recalculate every claimant whose regime is older than their earnings or facts — whatever
    was lost on the way (the outbox makes that rare; this makes it harmless). Sent in lists of 200."""
    stale = claimants_needing_recalculation()
    by_cause: dict[str, list[int]] = {}
    for claimant_id, cause in stale:
        by_cause.setdefault(str(cause), []).append(claimant_id)
    for cause, ids in by_cause.items():
        for start in range(0, len(ids), 200):
            recalculate_claimants.delay(ids[start : start + 200], cause)
    return {"claimants": len(stale)}
