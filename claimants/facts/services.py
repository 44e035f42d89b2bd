"""Changing a claimant's regime facts from a date (issue #16): one transaction, audited, recalculated.

"From when?" defaults to the first day of the current assessment period. A coach may choose any day from then
to today; only an administrator may back-date a change into an earlier period (it rewrites decided periods),
and the audit event says it was back-dated. A date in the future is refused: the record shows what is true
now, and a change that has not happened yet is recorded when it happens.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from claimants.facts import rules
from claimants.facts.selectors import FIRST_TO_LATEST, as_rule_versions, current_period_start
from claimants.models import VERSIONED_FACTS, Claimant, ClaimantFacts, FactsOrigin
from claimants.models.facts import FACT_GROUPS
from iwp.access import has_role
from iwp.audit import audit_record
from iwp.input.dates import long_date
from iwp.models import AuditVerb, Role, StaffMember


def facts_first_version(
    *, claimant: Claimant, origin: str = FactsOrigin.NEW_CLAIMANT, actor: StaffMember | None = None
) -> ClaimantFacts:
    """The claimant's first version (in force from the start of the claim), from the facts on their row.

    For a claimant being set up (added, loaded, seeded): run again, it rewrites that first version from the row,
    so a loader may link a couple after adding both. Later changes go through ``facts_change``."""
    values = {
        ("partner_id" if name == "partner" else name): value for name, value in _row_values(claimant).items()
    }
    version, _ = ClaimantFacts.objects.update_or_create(
        claimant=claimant,
        effective_from=None,
        defaults={**values, "origin": origin, "recorded_by": actor},
    )
    return version


def _row_values(claimant: Claimant) -> dict[str, Any]:
    return {
        name: (claimant.partner_id if name == "partner" else getattr(claimant, name))
        for name in VERSIONED_FACTS
    }


def _as_ids(changes: dict[str, Any]) -> dict[str, Any]:
    """``partner`` as the partner's id (or None), like a version's values."""
    if "partner" in changes and isinstance(changes["partner"], Claimant):
        return {**changes, "partner": changes["partner"].pk}
    return changes


def may_backdate(actor: StaffMember | None) -> bool:
    # None: the system itself (a data load or a test), which records what it was told.
    return actor is None or has_role(actor, Role.ADMINISTRATOR)


def check_effective_from(
    *, claimant: Claimant, effective_from: date, actor: StaffMember | None, today: date
) -> str | None:
    """Why a change cannot take effect from ``effective_from``, or None."""
    if effective_from > today:
        return "The date the change takes effect must be today or in the past"
    period_start = current_period_start(claimant.assessment_day, today)
    if effective_from < period_start and not may_backdate(actor):
        return (
            f"The change can take effect from {long_date(period_start)} (the start of the current assessment "
            "period) at the earliest. Ask an administrator to back-date it"
        )
    return None


def facts_change(
    *,
    claimant: Claimant,
    actor: StaffMember | None,
    changes: dict[str, Any],
    effective_from: date | None = None,
    reason: str = "",
    origin: str = FactsOrigin.RECORDED,
    today: date | None = None,
) -> list[str]:
    """Change some of the claimant's regime facts from ``effective_from`` (default: the start of the current
    assessment period). Returns the names of the facts that changed anywhere ([] if nothing did). Must run in
    the caller's transaction, with the claimant row locked; the caller enqueues the recalculation."""
    unknown = set(changes) - set(VERSIONED_FACTS)
    if unknown:
        raise ValueError(f"not dated facts: {sorted(unknown)}")
    today = today or timezone.localdate()
    start = effective_from or current_period_start(claimant.assessment_day, today)
    problem = check_effective_from(claimant=claimant, effective_from=start, actor=actor, today=today)
    if problem:
        raise ValidationError({"effective_from": problem})
    rows = list(ClaimantFacts.objects.select_for_update().filter(claimant=claimant).order_by(FIRST_TO_LATEST))
    if not rows:
        rows = [facts_first_version(claimant=claimant, origin=FactsOrigin.MIGRATED)]
    before = as_rule_versions(rows)
    in_force = rules.in_force_on(before, start)
    assert in_force is not None
    # Only what differs from the facts in force then is a change (a form sends every fact, changed or not).
    changes = {n: v for n, v in _as_ids(changes).items() if in_force.values[n] != v}
    if not changes:
        return []
    after = rules.apply_change(before, changes, start, FACT_GROUPS)
    if after is None:
        return []
    _write_versions(claimant, rows, after, start=start, actor=actor, reason=reason, origin=origin)
    _mirror_today(claimant, after, today)
    names = list(rules.expand(list(changes), FACT_GROUPS))
    audit_record(
        actor=actor,
        verb=AuditVerb.UPDATED,
        target=claimant,
        payload={
            "facts": names,
            "from": start.isoformat(),
            "backdated": start < current_period_start(claimant.assessment_day, today),
            "reason": reason,
            "origin": str(origin),
        },
    )
    return names


def _write_versions(
    claimant: Claimant,
    rows: list[ClaimantFacts],
    after: list[rules.Version],
    *,
    start: date,
    actor: StaffMember | None,
    reason: str,
    origin: str,
) -> None:
    by_key = {row.pk: row for row in rows}
    ends = rules.ends(after)
    checked: list[ClaimantFacts] = []
    for version, end in zip(after, ends, strict=True):
        row = by_key.get(version.key) if version.key is not None else None
        if row is None:
            row = ClaimantFacts(
                claimant=claimant, effective_from=version.start, recorded_by=actor, origin=origin
            )
            row.reason = reason
        elif version.start == start:
            row.recorded_by, row.reason, row.origin = actor, reason, origin
        for name, value in version.values.items():
            setattr(row, "partner_id" if name == "partner" else name, value)
        row.effective_to = end
        row.changed = sorted(version.changed)
        checked.append(row)
    for row in checked:
        try:
            row.full_clean(
                exclude=["claimant", "partner", "recorded_by", "effective_to"], validate_unique=False
            )
        except ValidationError as error:
            since = long_date(row.effective_from) if row.effective_from else "the start of the claim"
            raise ValidationError([f"From {since}: {message}" for message in error.messages]) from error
    # The later rows first move out of the way (their end dates change), then the new one is added.
    for row in checked:
        if row.pk is None:
            row.save()
        else:
            row.save(
                update_fields=[
                    *[("partner" if n == "partner" else n) for n in VERSIONED_FACTS],
                    "effective_to",
                    "changed",
                    "recorded_by",
                    "reason",
                    "origin",
                ]
            )


def _mirror_today(claimant: Claimant, after: list[rules.Version], today: date) -> None:
    """The claimant row keeps the version in force today (lists and filters read the row)."""
    version = rules.in_force_on(after, today)
    assert version is not None
    values = {("partner_id" if n == "partner" else n): v for n, v in version.values.items()}
    changed = [name for name, value in values.items() if getattr(claimant, name) != value]
    if changed:
        for name in changed:
            setattr(claimant, name, values[name])
        Claimant.objects.filter(pk=claimant.pk).update(**values, updated_at=timezone.now())


@transaction.atomic
def facts_change_atomic(**kwargs: Any) -> list[str]:
    return facts_change(**kwargs)
