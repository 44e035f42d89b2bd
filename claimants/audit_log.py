"""What "the claimant" means on the audit page (``iwp.audit_log``): a claimant found by National Insurance number,
and the events about the records of theirs this app keeps."""

from __future__ import annotations

from claimants.models import (
    NINO_RE,
    Circumstance,
    Claimant,
    ClaimantCommitment,
    EarningsRecord,
    Easement,
    Employment,
    normalise_nino,
)
from iwp import audit_log


def find_claimant(text: str) -> int | None:
    nino = normalise_nino(text)
    if not NINO_RE.match(nino):
        return None
    return Claimant.objects.filter(nino=nino).values_list("pk", flat=True).first()


def register() -> None:
    audit_log.register_claimant_finder(find_claimant)
    audit_log.register_claimant_events(
        audit_log.claimant_records(
            lambda pk: Circumstance.objects.filter(claimant_id=pk),
            lambda pk: Easement.objects.filter(claimant_id=pk),
            lambda pk: EarningsRecord.objects.filter(claimant_id=pk),
            lambda pk: Employment.objects.filter(claimant_id=pk),
            lambda pk: ClaimantCommitment.objects.filter(claimant_id=pk),
        )
    )
