"""Thin Celery tasks for the uprating (DESIGN §4): take ids, call the service. Both are safe to run twice.

``claimants.uprating_run`` plans the job's chunks and sends one ``claimants.uprating_chunk`` per chunk not yet
done, so several workers share the job. ``acks_late``: a chunk whose worker died is delivered again and, being one
transaction that records itself as done, is either redone from scratch or skipped.
"""

from __future__ import annotations

from celery import shared_task

from claimants.uprating import uprating_chunk_run, uprating_job_run
from iwp.jobs import job_fail


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
        job_fail(job_id=job_id, error=f"Chunk {index}: {type(error).__name__}: {error}")
        raise
    return {
        "job_id": job_id,
        "chunk": index,
        "skipped": result.skipped,
        "claimants": result.claimants,
        "rows_written": result.rows_written,
    }
