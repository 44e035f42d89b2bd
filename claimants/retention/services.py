"""Retention's writes: closing a claim, and anonymising the claimants whose claim closed long enough ago.

Anonymising is irreversible here: the replaced values are not kept anywhere in the application (that is the
point). Reversible only from a database backup taken before the run. The audit events written earlier about the
claimant are append-only and are NOT rewritten (some hold personal data, e.g. the NINO in a "created" event):
how long the audit trail is kept is a separate policy. See /work/notes/retention.md.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from claimants.models import Claimant
from claimants.retention.registry import registry
from claimants.retention.rules import anonymised_nino, retention_cutoff
from claimants.retention.selectors import claimants_due_for_anonymising, retention_years
from iwp.audit import audit_record
from iwp.models import AuditEvent, AuditVerb, StaffMember

logger = logging.getLogger(__name__)

# The nightly run's marker: one audit event per day it completed (target "claimants.retention_run", id the date).
RUN_TARGET_TYPE = "claimants.retention_run"
LOCK_KEY = "claimants.retention_anonymise.lock"
LOCK_SECONDS = 60 * 60
DEFAULT_BATCH_SIZE = 200


def claimant_close_claim(
    *, claimant: Claimant, closed_on: date | None, actor: StaffMember | None
) -> Claimant:
    """Record the day the claimant's Universal Credit claim closed (None: it is open again, or the closing date
    recorded was wrong). A date in the future is refused; an anonymised claimant's claim cannot change."""
    today = timezone.localdate()
    if closed_on is not None and closed_on > today:
        raise ValidationError({"claim_closed_on": "The date the claim closed must be today or in the past."})
    with transaction.atomic():
        locked = Claimant.objects.select_for_update().get(pk=claimant.pk)
        if locked.anonymised_at is not None:
            raise ValidationError("This claimant has been anonymised: their claim cannot be changed.")
        if locked.claim_closed_on == closed_on:
            return locked
        previous = locked.claim_closed_on
        locked.claim_closed_on = closed_on
        locked.save(update_fields=["claim_closed_on", "updated_at"])
        audit_record(
            actor=actor,
            verb=AuditVerb.CLAIM_CLOSED if closed_on else AuditVerb.UPDATED,
            target=locked,
            payload={
                "fields": ["claim_closed_on"],
                "claim_closed_on": closed_on.isoformat() if closed_on else None,
                "previously": previous.isoformat() if previous else None,
            },
        )
    claimant.claim_closed_on = closed_on
    return locked


@dataclass
class RetentionResult:
    today: date
    years: int
    cutoff: date
    dry_run: bool
    due: list[tuple[int, date]] = field(default_factory=list)  # (claimant id, closed on): dry run only
    anonymised: int = 0
    batches: int = 0
    rows: Counter = field(default_factory=Counter)  # table label → rows whose words were replaced
    skipped: str = ""  # why the nightly run did nothing ("already done", "locked")


def _anonymise_batch(
    *,
    today: date,
    years: int,
    cutoff: date,
    actor: StaffMember | None,
    batch_size: int,
    result: RetentionResult,
) -> int:
    """One batch in one transaction: lock up to ``batch_size`` due claimants (skipping any another run holds),
    replace their personal data in every registered table, mark them anonymised, audit each. Returns how many."""
    with transaction.atomic():
        batch = list(
            claimants_due_for_anonymising(today=today, years=years)
            .select_for_update(skip_locked=True, of=("self",))
            .only("pk", "claim_closed_on")[:batch_size]
        )
        if not batch:
            return 0
        ids = [c.pk for c in batch]
        for table in registry:
            result.rows[table.label] += table.anonymise(ids)
        now = timezone.now()
        for claimant in batch:
            claimant.nino = anonymised_nino(claimant.pk)
            claimant.anonymised_at = now
        Claimant.objects.bulk_update(batch, ["nino", "anonymised_at"])
        for claimant in batch:
            # Ids and dates only: the audit trail must not receive the personal data being removed.
            audit_record(
                actor=actor,
                verb=AuditVerb.ANONYMISED,
                target=claimant,
                payload={
                    "claim_closed_on": claimant.claim_closed_on.isoformat(),
                    "retention_years": years,
                    "cutoff": cutoff.isoformat(),
                },
            )
    return len(batch)


def retention_anonymise(
    *,
    today: date,
    dry_run: bool,
    actor: StaffMember | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    years: int | None = None,
) -> RetentionResult:
    """Anonymise every claimant whose claim closed on or before ``today`` minus the retention period
    (``IWP_RETENTION_YEARS``), ``batch_size`` claimants per transaction. Their rows and numbers (regime history,
    earnings, appointments, awards' amounts...) are kept, so every aggregate figure stays the same.

    ``dry_run``: nothing is written; ``result.due`` lists who would be affected (ids and closing dates).
    Idempotent: an anonymised claimant is never selected again, so a second run changes nothing."""
    if batch_size < 1:
        raise ValueError("batch_size must be 1 or more")
    years = years or retention_years()
    cutoff = retention_cutoff(today, years)
    result = RetentionResult(today=today, years=years, cutoff=cutoff, dry_run=dry_run)
    if dry_run:
        result.due = list(
            claimants_due_for_anonymising(today=today, years=years).values_list("pk", "claim_closed_on")
        )
        return result
    while True:
        done = _anonymise_batch(
            today=today, years=years, cutoff=cutoff, actor=actor, batch_size=batch_size, result=result
        )
        if not done:
            break
        result.anonymised += done
        result.batches += 1
        logger.info(
            "Retention: batch %s anonymised %s claimants (closed on or before %s)",
            result.batches,
            done,
            cutoff,
        )
    return result


def retention_nightly(*, today: date | None = None) -> RetentionResult:
    """The scheduled run (DESIGN §6.8: safe to run twice): a lock so two workers never run at once, and a marker
    (an audit event for the day) so a day already done is not run again. A run that stopped half way leaves no
    marker, and the next one carries on: anonymised claimants are never selected twice."""
    today = today or timezone.localdate()
    years = retention_years()
    cutoff = retention_cutoff(today, years)
    marker = {"target_type": RUN_TARGET_TYPE, "target_id": today.isoformat(), "verb": AuditVerb.ANONYMISED}
    if AuditEvent.objects.filter(**marker).exists():
        return RetentionResult(today=today, years=years, cutoff=cutoff, dry_run=False, skipped="already done")
    token = uuid.uuid4().hex
    if not cache.add(LOCK_KEY, token, timeout=LOCK_SECONDS):
        return RetentionResult(today=today, years=years, cutoff=cutoff, dry_run=False, skipped="locked")
    try:
        result = retention_anonymise(today=today, dry_run=False)
        with transaction.atomic():
            if not AuditEvent.objects.filter(**marker).exists():
                audit_record(
                    actor=None,
                    verb=AuditVerb.ANONYMISED,
                    target_type=RUN_TARGET_TYPE,
                    target_id=today.isoformat(),
                    payload={
                        "claimants": result.anonymised,
                        "batches": result.batches,
                        "retention_years": years,
                        "cutoff": cutoff.isoformat(),
                        "rows": dict(sorted(result.rows.items())),
                    },
                )
        return result
    finally:
        if cache.get(LOCK_KEY) == token:
            cache.delete(LOCK_KEY)
