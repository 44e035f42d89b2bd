"""A large import runs as a tracked ``BackgroundJob``: the page shows a progress bar while rows are validated,
then the whole file is written in one transaction (so the list is never half-imported)."""

from __future__ import annotations

import base64
from typing import Any

from iwp.background.jobs import job_advance, job_create, job_fail, job_start, job_succeed
from iwp.background.outbox import send_on_commit
from iwp.models import BackgroundJob, BackgroundJobState, District, StaffMember
from provision import importing

IMPORT_JOB_KIND = "provision.import"


def import_job_start(
    *,
    actor: StaffMember,
    district: District,
    content: bytes,
    kind: str,
    name: str,
    strict: bool | None = None,
) -> BackgroundJob:
    """Create the job and enqueue it when the transaction commits. The file travels inside the job's parameters
    (base64) so a worker on another machine can read it without shared disk."""
    rows = importing.count_rows(content, kind)
    job = job_create(
        kind=IMPORT_JOB_KIND,
        description=f"Import {name} into the {district.name} provision list",
        created_by=actor,
        total=rows,
        parameters={
            "district_id": district.pk,
            "kind": kind,
            "name": name,
            "strict": strict,
            "content": base64.b64encode(content).decode("ascii"),
        },
    )
    send_on_commit("provision.import_offers", job.pk, key=f"provision-import:{job.pk}")
    return job


def import_job_run(*, job_id: int) -> dict[str, Any]:
    job = BackgroundJob.objects.select_related("created_by").get(pk=job_id)
    if job.state != BackgroundJobState.PENDING:
        return {"skipped": job.state}  # a redelivered message after the job ran: nothing to do
    params = job.parameters
    try:
        content = base64.b64decode(params["content"])
        job_start(job_id=job.pk, total=max(importing.count_rows(content, params["kind"]), 1))
        result, run = importing.import_file(
            actor=job.created_by,
            district=District.objects.get(pk=params["district_id"]),
            content=content,
            kind=params["kind"],
            strict=params.get("strict"),
            file_name=params.get("name", ""),
            progress=lambda n: job_advance(job_id=job.pk, by=n),
        )
    except Exception as e:  # the job must end failed, not stay "running", and the error must be visible
        job_fail(job_id=job.pk, error=f"{e.__class__.__name__}: {e}")
        raise
    summary = (
        f"Imported {result.imported} of {result.rows} rows: {result.created} new, {result.updated} updated, "
        f"{result.unchanged} unchanged, {result.error_count} rejected."
        if result.imported
        else f"Nothing was imported: {result.file_error or f'{result.error_count} rows were rejected'}."
    )
    # The job keeps the summary and a link to the whole report (kept once, on the ImportRun).
    outcome = {
        "summary": summary,
        "name": params.get("name", ""),
        "run_id": run.pk,
        "ok": result.ok,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "rejected": result.error_count,
    }
    # Drop the file from the job row once done: it is not needed again and may be large.
    BackgroundJob.objects.filter(pk=job.pk).update(
        parameters={k: v for k, v in params.items() if k != "content"}
    )
    job_succeed(job_id=job.pk, result=outcome)
    return {"rows": result.rows, "ok": result.ok}
