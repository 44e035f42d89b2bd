"""Recalculate one claimant's regime history (services: every write in one transaction, audited).

The pure engine (``regimes.py``) decides each assessment period; this module gathers the facts, writes a
``RegimeAssessment`` row only when the outcome differs from the latest one for that period (so running it twice
changes nothing), and refreshes the denormalised regime, cycling flags and IWP-offer status on the claimant row.

Every fact is read as it was in the period: the claimant's (and partner's) regime facts from the version in
force on the period's first day (``claimants.facts``, issue #16), earnings per period, thresholds in force on
the period's first day. A period with no facts version in force (a claimant with no facts recorded) is not
decided: unknown, never a default.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from claimants.facts.selectors import fact_versions, version_on, versions_by_claimant
from claimants.models import (
    Claimant,
    ClaimantFacts,
    EarningsRecord,
    Easement,
    IwpOfferStatus,
    RegimeAssessment,
)
from claimants.regimes.cycling import CyclingSettings, PeriodFacts, change_cause, detect_cycling
from claimants.regimes.engine import (
    Assessment,
    Cause,
    ConditionalityGroup,
    InvalidFacts,
    NoThresholdsInForce,
    Person,
    Regime,
    assess,
)
from claimants.regimes.selectors import parameters_on, rate_tables
from iwp.audit import audit_record
from iwp.figures import figures_changed
from iwp.models import AuditVerb, StaffMember

logger = logging.getLogger(__name__)

# How many recent periods the cycling detector looks at (12 for the long window, 24 to see a seasonal pattern).
CYCLING_HISTORY = 24
IWP_OFFER_REGIMES = (Regime.LIGHT_TOUCH, Regime.WORKING_ENOUGH)
# The claimant-row fields a recalculation refreshes (the set-based uprating writes the same, but the stale mark);
# the benchmark puts them back between repeated runs of a job.
RECALCULATED_FIELDS = (
    "regime_stale_since",
    "regime_stale_cause",
    "current_regime",
    "current_period_start",
    "regime_since",
    "regime_cycling",
    "cycling_seasonal",
    "cycling_marginal",
    "cycling_pay_cycle",
    "cycling_explanation",
    "iwp_offer_status",
    "iwp_offer_eligible_since",
    "updated_at",
)


@dataclass
class RecalculationResult:
    claimant_id: int
    rows_written: int = 0
    previous_regime: str = ""
    current_regime: str = ""
    partner_result: RecalculationResult | None = None
    changed_periods: list[date] = field(default_factory=list)

    @property
    def moved(self) -> bool:
        return self.previous_regime != self.current_regime


def person_for(
    date_of_birth: date, facts: Claimant | ClaimantFacts, employed: Decimal, self_employed: Decimal
) -> Person:
    return Person(
        date_of_birth=date_of_birth,
        employed_earnings=employed,
        self_employed_earnings=self_employed,
        expected_hours=facts.expected_hours,
        conditionality_group=ConditionalityGroup(facts.conditionality_group),
        apprentice=facts.apprentice,
        minimum_income_floor=facts.minimum_income_floor,
    )


@dataclass
class _Household:
    """What one recalculation reads besides the claimant's own earnings: every facts version of the claimant
    and of each partner they have had, the partners' dates of birth and earnings."""

    versions: list[ClaimantFacts]
    partner_versions: dict[int, list[ClaimantFacts]]
    partner_births: dict[int, date]
    partner_records: dict[tuple[int, date], EarningsRecord]

    @classmethod
    def read(cls, claimant: Claimant, starts: list[date]) -> _Household:
        versions = fact_versions(claimant)
        partner_ids = {v.partner_id for v in versions if v.partner_id}
        partner_versions = versions_by_claimant(partner_ids) if partner_ids else {}
        births = dict(Claimant.objects.filter(pk__in=partner_ids).values_list("pk", "date_of_birth"))
        records = (
            {
                (r.claimant_id, r.period_start): r
                for r in EarningsRecord.objects.filter(
                    claimant_id__in=partner_ids, is_current=True, period_start__in=starts
                )
            }
            if partner_ids
            else {}
        )
        return cls(versions, partner_versions, births, records)

    def people(self, claimant: Claimant, record: EarningsRecord) -> tuple[Person, Person | None]:
        """The claimant and their partner in the period starting ``record.period_start``, with the facts then."""
        start = record.period_start
        facts = version_on(self.versions, start)
        if facts is None:
            raise InvalidFacts("facts", "no facts are recorded for this period")
        person = person_for(
            claimant.date_of_birth, facts, record.employed_earnings, record.self_employed_earnings
        )
        if facts.partner_id:
            partner_facts = version_on(self.partner_versions.get(facts.partner_id, []), start)
            if partner_facts is None:
                raise InvalidFacts("partner", "no facts are recorded for the partner in this period")
            # [Decision] Joint claimants share assessment periods; a partner with no earnings recorded for the
            # period is taken to have earned nothing in it.
            other = self.partner_records.get((facts.partner_id, start))
            return person, person_for(
                self.partner_births[facts.partner_id],
                partner_facts,
                other.employed_earnings if other else Decimal(0),
                other.self_employed_earnings if other else Decimal(0),
            )
        if facts.has_non_uc_partner:
            return person, Person(
                date_of_birth=facts.non_uc_partner_date_of_birth or claimant.date_of_birth,
                employed_earnings=record.non_uc_partner_employed or Decimal(0),
                self_employed_earnings=record.non_uc_partner_self_employed or Decimal(0),
                eligible_for_uc=False,
            )
        return person, None


def _same_outcome(row: RegimeAssessment, outcome: Assessment, record: EarningsRecord, easement: bool) -> bool:
    # The explanation's wording is not compared: rows written by the set-based uprating carry a shorter one.
    money = outcome.thresholds.as_money()
    return (
        row.regime == outcome.regime
        and row.partner_regime == (outcome.partner_regime or "")
        and row.employed_earnings == record.employed_earnings
        and row.self_employed_earnings == record.self_employed_earnings
        and row.easement_active == easement
        and all(getattr(row, key) == value for key, value in money.items())
    )


def _regime_since(outcomes: list[tuple[date, Regime]]) -> date | None:
    if not outcomes:
        return None
    latest = outcomes[-1][1]
    since = outcomes[-1][0]
    for start, regime in reversed(outcomes):
        if regime != latest:
            break
        since = start
    return since


def _offer_status(claimant: Claimant, regime: str, today: date) -> tuple[str, date | None]:
    """The IWP voluntary offer is open to Light Touch and Working Enough (rulebook §7)."""
    status, since = claimant.iwp_offer_status, claimant.iwp_offer_eligible_since
    if status == IwpOfferStatus.NOT_ELIGIBLE and regime in IWP_OFFER_REGIMES:
        return IwpOfferStatus.ELIGIBLE, today
    if status == IwpOfferStatus.ELIGIBLE and regime not in IWP_OFFER_REGIMES:
        return IwpOfferStatus.NOT_ELIGIBLE, None
    return status, since


def _counted_fields(claimant: Claimant) -> tuple:
    """The claimant row's fields the dashboard figures count (``claimants.figures``)."""
    return (claimant.current_regime, claimant.regime_cycling, claimant.iwp_offer_status)


def _recalculate_one(
    claimant: Claimant, *, cause: Cause, tables: tuple, job_id: int | None, settings: CyclingSettings
) -> RecalculationResult:
    result = RecalculationResult(claimant_id=claimant.pk, previous_regime=claimant.current_regime)
    counted_before = _counted_fields(claimant)
    records = list(
        EarningsRecord.objects.filter(claimant=claimant, is_current=True).order_by("-period_start")[
            :CYCLING_HISTORY
        ]
    )[::-1]
    facts_read = _Household.read(claimant, [r.period_start for r in records])
    easements = list(Easement.objects.filter(claimant=claimant).values_list("starts_on", "ends_on"))
    latest_rows = {
        row.period_start: row
        for row in RegimeAssessment.objects.current().filter(
            claimant=claimant, period_start__in=[r.period_start for r in records]
        )
    }
    facts_list: list[PeriodFacts] = []
    outcomes: list[tuple[date, Regime]] = []
    for record in records:
        try:
            parameters = parameters_on(record.period_start, tables)
            claimant_person, partner_person = facts_read.people(claimant, record)
            outcome = assess(
                period_start=record.period_start,
                claimant=claimant_person,
                partner=partner_person,
                parameters=parameters,
            )
        except (NoThresholdsInForce, InvalidFacts) as error:
            # A period that cannot be decided (no thresholds then, or facts no claim can have) stays undecided,
            # shown as unknown; it must never stop the household's other periods being decided.
            logger.warning("claimant %s period %s not decided: %s", claimant.pk, record.period_start, error)
            continue
        easement = any(s <= outcome.period_end and e >= record.period_start for s, e in easements)
        facts = PeriodFacts(
            period_start=record.period_start,
            claimant=claimant_person,
            partner=partner_person,
            parameters=parameters,
            paydays=record.paydays,
            easement_active=easement,
        )
        existing = latest_rows.get(record.period_start)
        if existing is None or not _same_outcome(existing, outcome, record, easement):
            row_cause = cause
            if outcomes and outcomes[-1][1] != outcome.regime:
                if easement != facts_list[-1].easement_active:
                    row_cause = Cause.EASEMENT
                else:
                    row_cause = change_cause(facts_list[-1], facts) or cause
            money = outcome.thresholds.as_money()
            household = None
            if partner_person is not None:
                household = (
                    record.employed_earnings
                    + record.self_employed_earnings
                    + partner_person.employed_earnings
                    + partner_person.self_employed_earnings
                )
            RegimeAssessment.objects.create(
                claimant=claimant,
                period_start=record.period_start,
                period_end=outcome.period_end,
                regime=outcome.regime,
                partner_regime=outcome.partner_regime or "",
                previous_regime=outcomes[-1][1] if outcomes else "",
                cause=row_cause,
                employed_earnings=record.employed_earnings,
                self_employed_earnings=record.self_employed_earnings,
                household_earnings=household,
                easement_active=easement,
                explanation=list(outcome.explanation),
                background_job_id=job_id,
                **money,
            )
            result.rows_written += 1
            result.changed_periods.append(record.period_start)
        facts_list.append(facts)
        outcomes.append((record.period_start, outcome.regime))

    cycling = detect_cycling(facts_list, settings) if len(facts_list) > 1 else None
    if outcomes:
        claimant.current_regime = outcomes[-1][1]
        claimant.current_period_start = outcomes[-1][0]
        claimant.regime_since = _regime_since(outcomes)
    claimant.regime_cycling = bool(cycling and cycling.regime_cycling)
    claimant.cycling_seasonal = bool(cycling and cycling.seasonal)
    claimant.cycling_marginal = bool(cycling and cycling.marginal)
    claimant.cycling_pay_cycle = bool(cycling and cycling.pay_cycle)
    claimant.cycling_explanation = list(cycling.explanation) if cycling else []
    claimant.iwp_offer_status, claimant.iwp_offer_eligible_since = _offer_status(
        claimant, claimant.current_regime, timezone.localdate()
    )
    claimant.regime_stale_since, claimant.regime_stale_cause = (
        None,
        "",
    )  # the row is locked: nothing newer can hide
    claimant.save(update_fields=list(RECALCULATED_FIELDS))
    result.current_regime = claimant.current_regime
    if _counted_fields(claimant) != counted_before:
        figures_changed(
            [claimant.coach_id]
        )  # the coach's regime mix, cycling, IWP offer: recounted on commit
    return result


def _household(claimant_id: int) -> list[int]:
    """The partner now and any partner in an earlier version of the facts (their periods together are decided
    together), in id order."""
    partners = set(
        ClaimantFacts.objects.filter(claimant_id=claimant_id, partner__isnull=False).values_list(
            "partner_id", flat=True
        )
    )
    partners |= set(
        Claimant.objects.filter(pk=claimant_id, partner__isnull=False).values_list("partner_id", flat=True)
    )
    return sorted(partners)


def _lock_in_id_order(ids: list[int]) -> list[Claimant]:
    return list(Claimant.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk"))


def claimant_recalculate(
    *,
    claimant_id: int,
    cause: Cause,
    actor: StaffMember | None = None,
    job_id: int | None = None,
    settings: CyclingSettings | None = None,
) -> RecalculationResult:
    """Recalculate a claimant and, for joint claimants, their partner, in one transaction."""
    settings = settings or CyclingSettings()
    tables = rate_tables()
    with transaction.atomic():
        # Lock the whole household in id order, the claimant included, so two recalculations of one couple cannot
        # deadlock (locking the claimant first and the partner after did: A held A and waited for B while B held B
        # and waited for A, seen in a clean CI run). The household is read again under the lock in case it changed.
        partner_ids = _household(claimant_id)
        while True:
            locked = {c.pk: c for c in _lock_in_id_order([claimant_id, *partner_ids])}
            now = _household(claimant_id)
            if set(now) <= set(partner_ids):
                break
            partner_ids = sorted(set(partner_ids) | set(now))
        partner_ids = now
        if claimant_id not in locked:
            raise Claimant.DoesNotExist(f"Claimant {claimant_id} does not exist.")
        claimant = locked[claimant_id]
        result = _recalculate_one(claimant, cause=cause, tables=tables, job_id=job_id, settings=settings)
        written = result.rows_written
        for partner_id in partner_ids:
            partner = Claimant.objects.get(pk=partner_id)
            partner_result = _recalculate_one(
                partner, cause=cause, tables=tables, job_id=job_id, settings=settings
            )
            written += partner_result.rows_written
            if partner_id == claimant.partner_id or result.partner_result is None:
                result.partner_result = partner_result
        if written:
            audit_record(
                actor=actor,
                verb=AuditVerb.RECALCULATED,
                target=claimant,
                payload={
                    "cause": str(cause),
                    "from": result.previous_regime,
                    "to": result.current_regime,
                    "periods": [d.isoformat() for d in result.changed_periods],
                },
            )
    return result


def claimants_needing_recalculation(
    *, older_than: timedelta = timedelta(minutes=10), limit: int = 10_000
) -> list[tuple[int, Cause]]:
    """The safety net behind the outbox (issue #14): claimants still marked "needs recalculation" some minutes
    after the change that marked them — their recalculation was lost on the way (or is very late). With the
    cause of the first change."""
    cutoff = timezone.now() - older_than
    rows = (
        Claimant.objects.filter(regime_stale_since__lt=cutoff)
        .order_by("regime_stale_since")
        .values_list("pk", "regime_stale_cause")[:limit]
    )
    return [
        (pk, Cause(cause) if cause in Cause.__members__.values() else Cause.CIRCUMSTANCE)
        for pk, cause in rows
    ]
