"""The nightly retention task (beat ``retention-anonymise-nightly``): thin, safe to run twice (lock + day marker
in ``services.retention_nightly``)."""

from __future__ import annotations

from datetime import date

from celery import shared_task

from claimants.retention.services import retention_nightly


@shared_task(name="claimants.retention_anonymise")
def retention_anonymise_task(today: str | None = None) -> dict:
    result = retention_nightly(today=date.fromisoformat(today) if today else None)
    return {
        "today": result.today.isoformat(),
        "cutoff": result.cutoff.isoformat(),
        "anonymised": result.anonymised,
        "batches": result.batches,
        "skipped": result.skipped,
    }
