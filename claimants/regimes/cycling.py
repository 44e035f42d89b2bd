"""Regime-cycling detector (uc-regimes.md §6). Pure: stdlib and ``claimants.regimes.engine`` only.

A **crossing** is a change of the claimant's regime band between consecutive assessment periods (APs) whose cause
is earnings: recomputing the previous AP's earnings with this AP's parameters and circumstances still gives a band
different from this AP's. Changes caused by an uprating (e.g. vector 28) or by circumstances are not crossings.

The flag is advisory: it tells a work coach to talk about stable hours; it never changes the legal regime.

Decisions taken where the rulebook is silent (each is also noted at the code):

* Windows count APs: a window of 6 APs holds at most 5 crossings (the one into each AP after its first). Windows
  never span an AP under an easement, an AP in No work-related requirements, or a gap in the record, so a run
  shorter than the window is judged on its own (3 crossings in 4 APs still count as "3 in 6").
* Couple formed or separated between two APs: a circumstance change, never a crossing.
* ``marginal``: a crossing is marginal when the earnings on the limb crossed are within ``marginal_percent`` of
  that threshold (as in force for the later AP) in BOTH APs, i.e. ``|earnings − threshold| ≤ threshold × p / 100``:
  the claimant sits either side of the line, so a few hours either way would stabilise them. The sub-flag is
  raised only together with ``regime_cycling``, and only when every counted crossing is marginal.
* ``pay_cycle``: paydays are the claimant's employed paydays; only employed pay is normalised. The typical count
  is the most common among periods that record one (ties → the smaller count). A crossing is a pay-cycle crossing
  when either AP has an atypical count and, with each AP's employed pay scaled to the typical count
  (pay × typical / paydays), the two APs fall in the same band. An AP with 0 paydays borrows the other AP's pay per
  payday. Pay-cycle crossings are listed but never counted, and the sub-flag stands alone (rulebook example).
* ``seasonal``: two counted crossings in the same direction whose APs start 11 to 13 calendar months apart
  (same month ±1, consecutive years; this also pairs December with the January 13 months later), where each
  time the higher-earnings band was held for at least 2 APs (after an upward crossing: that AP and the next; before
  a downward crossing: the two APs before it). It stands alone: a yearly pattern rarely reaches 4 in 12.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from claimants.regimes.engine import (
    Assessment,
    Cause,
    InvalidFacts,
    Limb,
    Parameters,
    Person,
    Regime,
    Thresholds,
    _assess_exact,
    _Earnings,
    assess,
    format_date,
    format_money,
    format_month,
    next_period_start,
    quantize_money,
)

__all__ = [
    "Crossing",
    "CyclingResult",
    "CyclingSettings",
    "PeriodFacts",
    "change_cause",
    "detect_cycling",
    "is_next_period",
]

UP = "up"
DOWN = "down"


@dataclass(frozen=True)
class PeriodFacts:
    """Everything needed to assess one AP, plus its payday count and whether an easement is active."""

    period_start: date
    claimant: Person
    partner: Person | None
    parameters: Parameters
    paydays: int | None = None
    easement_active: bool = False


@dataclass(frozen=True)
class Crossing:
    """One change of regime band caused by earnings, at the AP starting on ``period_start``.

    ``direction`` is "up" (to a less conditional band) or "down". ``threshold`` is the threshold crossed, as in
    force for the later AP, rounded to the penny for display; ``earnings`` and ``previous_earnings`` are the
    earnings on that threshold's limb in the two APs. Pay-cycle crossings are informational and not counted.
    """

    period_start: date
    previous_period_start: date
    from_regime: Regime
    to_regime: Regime
    direction: str
    threshold_name: str
    threshold: Decimal
    marginal: bool
    pay_cycle: bool
    earnings: Decimal = Decimal("0.00")
    previous_earnings: Decimal = Decimal("0.00")

    @property
    def counted(self) -> bool:
        return not self.pay_cycle

    @property
    def description(self) -> str:
        """E.g. "June 2025 → July 2025: Intensive Work Search → Light Touch, £1,000.00 crossed the single AET of
        £952.38"."""
        verb = "crossed" if self.direction == UP else "fell below"
        whose = "the couple's " if self.threshold_name in ("couple AET", "household CET") else ""
        return (
            f"{format_month(self.previous_period_start)} → {format_month(self.period_start)}: "
            f"{self.from_regime.label} → {self.to_regime.label}, {whose}{format_money(self.earnings)} {verb} the "
            f"{self.threshold_name} of {format_money(self.threshold)}"
        )


@dataclass(frozen=True)
class CyclingSettings:
    """Configurable thresholds of §6 (defaults are the rulebook's)."""

    short_window: int = 6
    short_min: int = 3
    long_window: int = 12
    long_min: int = 4
    marginal_percent: Decimal = Decimal(5)

    def __post_init__(self) -> None:
        for name in ("short_window", "short_min", "long_window", "long_min"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number of at least 1")
        # A window of W APs holds at most W - 1 crossings; anything else could never fire.
        if self.short_window < 2 or self.long_window < 2:
            raise ValueError("a cycling window must span at least 2 assessment periods")
        if self.short_min > self.short_window - 1 or self.long_min > self.long_window - 1:
            raise ValueError("a window of N assessment periods holds at most N - 1 crossings")
        percent = self.marginal_percent
        if (
            isinstance(percent, bool)
            or not isinstance(percent, Decimal | int)
            or not Decimal(percent).is_finite()
        ):
            raise ValueError("marginal_percent must be a Decimal")
        if not 0 <= percent <= 100:
            raise ValueError("marginal_percent must be between 0 and 100")


@dataclass(frozen=True)
class CyclingResult:
    regime_cycling: bool
    seasonal: bool
    marginal: bool
    pay_cycle: bool
    crossings: tuple[Crossing, ...]
    explanation: tuple[str, ...]

    @property
    def counted_crossings(self) -> tuple[Crossing, ...]:
        return tuple(crossing for crossing in self.crossings if crossing.counted)


# --------------------------------------------------------------------------------------------------------------
# Cause of a change
# --------------------------------------------------------------------------------------------------------------


def _reassess(facts: PeriodFacts, claimant: _Earnings, partner: _Earnings | None) -> Assessment:
    """``facts``' AP, parameters and circumstances with other (exact) earnings."""
    return _assess_exact(
        period_start=facts.period_start,
        claimant=facts.claimant,
        partner=facts.partner,
        parameters=facts.parameters,
        claimant_earnings=claimant,
        partner_earnings=None if facts.partner is None else partner,
    )


def _assess_facts(facts: PeriodFacts) -> Assessment:
    return assess(
        period_start=facts.period_start,
        claimant=facts.claimant,
        partner=facts.partner,
        parameters=facts.parameters,
    )


def _partner_earnings(facts: PeriodFacts) -> _Earnings | None:
    return None if facts.partner is None else _Earnings.of(facts.partner)


def _classify(
    previous: PeriodFacts, current: PeriodFacts, before: Assessment, after: Assessment
) -> Cause | None:
    if before.regime == after.regime:
        return None
    if (previous.partner is None) != (current.partner is None):
        # [Decision] Couple formed or separated: there are no comparable partner earnings to carry over.
        return Cause.CIRCUMSTANCE
    carried = _reassess(current, _Earnings.of(previous.claimant), _partner_earnings(previous))
    if carried.regime != after.regime:
        return Cause.EARNINGS
    # Not earnings: an uprating if the previous AP's own facts under the new parameters already change band.
    # The previous AP's dates are kept so that a birthday counts as a circumstance, not a threshold.
    uprated = assess(
        period_start=previous.period_start,
        claimant=previous.claimant,
        partner=previous.partner,
        parameters=current.parameters,
    )
    if uprated.regime != before.regime:
        return Cause.THRESHOLD
    return Cause.CIRCUMSTANCE


def change_cause(previous: PeriodFacts, current: PeriodFacts) -> Cause | None:
    """Why the claimant's regime changed between two consecutive APs, or None if it did not.

    Earnings first (the §6 test), then threshold (the previous AP's facts under the new parameters already move),
    otherwise circumstance. Easements sit on top of the regime and never change it, so ``Cause.EASEMENT`` is for
    the caller to record when an easement starts or ends.
    """
    return _classify(previous, current, _assess_facts(previous), _assess_facts(current))


# --------------------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------------------


def is_next_period(previous_start: date, start: date) -> bool:
    """True when an AP starting on ``start`` directly follows one starting on ``previous_start``.

    An AP on a short month's last day may be anchored on a later day (28 Feb may be followed by 31 Mar), so every
    anchor consistent with ``previous_start`` is accepted.
    """
    last_day = next_period_start(previous_start).replace(day=1).toordinal() - 1
    is_month_end = date.fromordinal(last_day).day == previous_start.day
    anchors = range(previous_start.day, 32) if is_month_end else (previous_start.day,)
    return any(next_period_start(previous_start, anchor) == start for anchor in anchors)


_LIMB_NAMES: dict[Limb, str] = {
    Limb.AET_INDIVIDUAL: "single AET",
    Limb.AET_COUPLE: "couple AET",
    Limb.CET_INDIVIDUAL: "CET",
    Limb.CET_HOUSEHOLD: "household CET",
}


def _limb_threshold(thresholds: Thresholds, limb: Limb) -> Fraction:
    value = {
        Limb.AET_INDIVIDUAL: thresholds.aet_individual,
        Limb.AET_COUPLE: thresholds.aet_couple,
        Limb.CET_INDIVIDUAL: thresholds.cet_individual,
        Limb.CET_HOUSEHOLD: thresholds.cet_household,
    }[limb]
    assert value is not None  # a couple limb only decides for a couple
    return value


def _limb_earnings(limb: Limb, claimant: _Earnings, partner: _Earnings | None) -> Fraction:
    if limb is Limb.AET_INDIVIDUAL:
        return claimant.employed
    if limb is Limb.CET_INDIVIDUAL:
        return claimant.total
    assert partner is not None
    if limb is Limb.AET_COUPLE:
        return claimant.employed + partner.employed
    return claimant.total + partner.total


def _crossed_limb(higher: Assessment) -> Limb:
    """The limb whose threshold separates the two bands: the one that put the higher-earnings AP in its band."""
    if higher.decided_by in _LIMB_NAMES:
        return higher.decided_by
    # Unreachable with the engine's rules (the less conditional side of an earnings change is always decided by a
    # CET or AET limb); kept so an unexpected case still names a sensible threshold.
    return Limb.AET_INDIVIDUAL if higher.regime is Regime.LIGHT_TOUCH else Limb.CET_INDIVIDUAL


def _typical_paydays(periods: Sequence[PeriodFacts]) -> int | None:
    counts = Counter(p.paydays for p in periods if p.paydays is not None)
    if not counts:
        return None
    best = max(counts.values())
    return min(count for count, seen in counts.items() if seen == best)  # [Decision] ties → the smaller count


def _normalised(facts: PeriodFacts, other: PeriodFacts, typical: int) -> _Earnings:
    """Employed pay scaled to the typical number of paydays."""
    earnings = _Earnings.of(facts.claimant)
    if facts.paydays is None or facts.paydays == typical:
        return earnings
    if facts.paydays > 0:
        per_payday = earnings.employed / facts.paydays
    else:
        # [Decision] No payday at all (e.g. a monthly wage that slipped into the next AP): assume the other AP's
        # pay per payday, as that is the pay that went missing.
        other_paydays = typical if other.paydays is None else other.paydays
        if other_paydays == 0:
            return earnings
        per_payday = _Earnings.of(other.claimant).employed / other_paydays
    return _Earnings(per_payday * typical, earnings.self_employed)


def _is_within(value: Fraction, threshold: Fraction, percent: Decimal) -> bool:
    return abs(value - threshold) <= threshold * Fraction(percent) / 100


@dataclass(frozen=True)
class _Found:
    index: int
    crossing: Crossing


@dataclass(frozen=True)
class _Window:
    count: int
    first: int
    last: int


def _best_window(found: Sequence[_Found], run_of: Sequence[int | None], window: int) -> _Window:
    """The window of at most ``window`` APs in one run holding the most counted crossings."""
    best = _Window(0, 0, 0)
    n = len(run_of)
    for start in range(n):
        run = run_of[start]
        if run is None:
            continue
        end = start
        while end + 1 < n and end + 1 - start < window and run_of[end + 1] == run:
            end += 1
        count = sum(1 for f in found if f.crossing.counted and start < f.index <= end)
        if count > best.count:
            best = _Window(count, start, end)
    return best


def _months_between(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


# --------------------------------------------------------------------------------------------------------------
# The detector
# --------------------------------------------------------------------------------------------------------------


def _validate(periods: Sequence[PeriodFacts]) -> None:
    for index, facts in enumerate(periods):
        if not isinstance(facts, PeriodFacts):
            raise TypeError("periods must be PeriodFacts")
        paydays = facts.paydays
        if paydays is not None and (isinstance(paydays, bool) or not isinstance(paydays, int) or paydays < 0):
            raise InvalidFacts(
                f"periods[{index}].paydays", "The number of paydays must be a whole number ≥ 0."
            )
        if not isinstance(facts.easement_active, bool):
            raise InvalidFacts(
                f"periods[{index}].easement_active", "Whether an easement is active must be yes or no."
            )
        if index and not periods[index - 1].period_start < facts.period_start:
            raise ValueError("periods must be in date order, one per assessment period")


def detect_cycling(periods: Sequence[PeriodFacts], settings: CyclingSettings | None = None) -> CyclingResult:
    """Flag regime cycling over consecutive APs given in date order (§6). See the module docstring."""
    settings = CyclingSettings() if settings is None else settings
    periods = tuple(periods)
    _validate(periods)
    assessments: list[Assessment] = []
    for index, facts in enumerate(periods):
        try:
            assessments.append(_assess_facts(facts))
        except InvalidFacts as error:
            # Say which AP is wrong so an API can point at the right row.
            raise InvalidFacts(
                f"periods[{index}].{error.field}",
                f"Assessment period starting {format_date(facts.period_start)}: {error.message}",
            ) from error
    n = len(periods)
    notes: list[str] = []

    # Runs of APs a window may span: broken by easements, No work-related requirements and gaps in the record.
    run_of: list[int | None] = []
    run = -1
    for index, (facts, assessment) in enumerate(zip(periods, assessments, strict=True)):
        month = format_month(facts.period_start)
        if facts.easement_active:
            run_of.append(None)
            notes.append(f"{month}: an easement is active, so no crossing is counted into or out of it.")
            continue
        if assessment.regime is Regime.NO_WORK_RELATED_REQUIREMENTS:
            run_of.append(None)
            notes.append(
                f"{month}: No work-related requirements, so no crossing is counted into or out of it."
            )
            continue
        if (
            index
            and run_of[index - 1] is not None
            and not is_next_period(periods[index - 1].period_start, facts.period_start)
        ):
            notes.append(
                f"No assessment period is recorded between {format_month(periods[index - 1].period_start)} and "
                f"{month}, so the count restarts."
            )
            run += 1
        elif not index or run_of[index - 1] is None:
            run += 1
        run_of.append(run)

    typical = _typical_paydays(periods)
    found: list[_Found] = []
    for index in range(1, n):
        if run_of[index] is None or run_of[index] != run_of[index - 1]:
            continue
        previous, current = periods[index - 1], periods[index]
        before, after = assessments[index - 1], assessments[index]
        if _classify(previous, current, before, after) is not Cause.EARNINGS:
            continue
        found.append(_Found(index, _crossing(previous, current, before, after, typical, settings)))

    crossings = tuple(f.crossing for f in found)
    counted = [f for f in found if f.crossing.counted]
    short = _best_window(found, run_of, settings.short_window)
    long = _best_window(found, run_of, settings.long_window)
    regime_cycling = short.count >= settings.short_min or long.count >= settings.long_min
    marginal = regime_cycling and all(f.crossing.marginal for f in counted)
    pay_cycle = any(c.pay_cycle for c in crossings)
    seasonal_pair = _seasonal_pair(counted, assessments, run_of)

    rule = (
        f"the flag is raised at {settings.short_min} crossings in {settings.short_window} assessment periods, "
        f"or {settings.long_min} in {settings.long_window}"
    )
    explanation: list[str] = []
    if n < 2:
        explanation.append("There are fewer than two assessment periods, so there is nothing to compare.")
    if regime_cycling:
        if short.count >= settings.short_min:
            window, size = short, settings.short_window
        else:
            window, size = long, settings.long_window
        explanation.append(
            f"Regime cycling: {window.count} crossings in the {window.last - window.first + 1} assessment periods "
            f"from {format_month(periods[window.first].period_start)} to "
            f"{format_month(periods[window.last].period_start)} ({rule}; window of {size})."
        )
        explanation.append(
            "This is advisory: talk about stable hours; it does not change the claimant's regime."
        )
    elif long.count == 0 and n >= 2:
        explanation.append(f"No regime cycling: no counted crossings ({rule}).")
    elif n >= 2:
        explanation.append(
            f"No regime cycling: at most {short.count} counted crossing{'s' if short.count != 1 else ''} in any "
            f"{settings.short_window} assessment periods and {long.count} in any {settings.long_window} ({rule})."
        )
    for f in found:
        explanation.append(_describe(f.crossing, periods[f.index - 1], periods[f.index], typical, settings))
    explanation.extend(notes)
    if marginal:
        explanation.append(
            f"Marginal: every counted crossing was within {settings.marginal_percent}% of the threshold crossed, "
            "so a few hours more a month would keep the claimant on one side."
        )
    if seasonal_pair is not None:
        first, second = seasonal_pair
        explanation.append(
            f"Seasonal: {first.crossing.from_regime.label} → {first.crossing.to_regime.label} in "
            f"{format_month(first.crossing.period_start)} and again in {format_month(second.crossing.period_start)},"
            " with the higher band held for at least 2 assessment periods each time."
        )
    if pay_cycle:
        explanation.append(
            "Pay cycle: some changes come only from the number of paydays in an assessment period; they are "
            "shown for information and not counted."
        )
    return CyclingResult(
        regime_cycling=regime_cycling,
        seasonal=seasonal_pair is not None,
        marginal=marginal,
        pay_cycle=pay_cycle,
        crossings=crossings,
        explanation=tuple(explanation),
    )


def _crossing(
    previous: PeriodFacts,
    current: PeriodFacts,
    before: Assessment,
    after: Assessment,
    typical: int | None,
    settings: CyclingSettings,
) -> Crossing:
    previous_earnings = _Earnings.of(previous.claimant)
    previous_partner = _partner_earnings(previous)
    current_earnings = _Earnings.of(current.claimant)
    current_partner = _partner_earnings(current)
    carried = _reassess(current, previous_earnings, previous_partner)

    higher = carried if carried.regime.conditionality_rank < after.regime.conditionality_rank else after
    limb = _crossed_limb(higher)
    threshold = _limb_threshold(after.thresholds, limb)
    now = _limb_earnings(limb, current_earnings, current_partner)
    then = _limb_earnings(limb, previous_earnings, previous_partner)
    marginal = _is_within(now, threshold, settings.marginal_percent) and _is_within(
        then, threshold, settings.marginal_percent
    )

    pay_cycle = False
    atypical = any(p.paydays is not None and p.paydays != typical for p in (previous, current))
    if typical and atypical:  # a typical count of 0 (or none recorded) cannot explain a change
        normal_before = _reassess(current, _normalised(previous, current, typical), previous_partner)
        normal_after = _reassess(current, _normalised(current, previous, typical), current_partner)
        pay_cycle = normal_before.regime == normal_after.regime

    direction = UP if after.regime.conditionality_rank < before.regime.conditionality_rank else DOWN
    return Crossing(
        period_start=current.period_start,
        previous_period_start=previous.period_start,
        from_regime=before.regime,
        to_regime=after.regime,
        direction=direction,
        threshold_name=_LIMB_NAMES[limb],
        threshold=quantize_money(threshold),
        marginal=marginal,
        pay_cycle=pay_cycle,
        earnings=quantize_money(now),
        previous_earnings=quantize_money(then),
    )


def _describe(
    crossing: Crossing,
    previous: PeriodFacts,
    current: PeriodFacts,
    typical: int | None,
    settings: CyclingSettings,
) -> str:
    text = crossing.description
    if crossing.pay_cycle:
        odd = current if current.paydays is not None and current.paydays != typical else previous
        text += (
            f" — a pay-cycle effect ({format_month(odd.period_start)} had {odd.paydays} paydays against the usual "
            f"{typical}), not counted"
        )
    elif crossing.marginal:
        text += f" (within {settings.marginal_percent}% of the threshold)"
    return text + "."


def _held(found: _Found, assessments: Sequence[Assessment], run_of: Sequence[int | None]) -> bool:
    """The higher-earnings band of this crossing was held for at least 2 APs within the same run."""
    i = found.index
    if found.crossing.direction == UP:
        band, span = found.crossing.to_regime, (i, i + 1)
    else:
        band, span = found.crossing.from_regime, (i - 2, i - 1)
    first, second = span
    if first < 0 or second >= len(assessments):
        return False
    return (
        run_of[first] is not None
        and run_of[first] == run_of[second] == run_of[i]
        and assessments[first].regime == assessments[second].regime == band
    )


def _seasonal_pair(
    counted: Sequence[_Found], assessments: Sequence[Assessment], run_of: Sequence[int | None]
) -> tuple[_Found, _Found] | None:
    for a_index, first in enumerate(counted):
        for second in counted[a_index + 1 :]:
            if first.crossing.direction != second.crossing.direction:
                continue
            if not 11 <= _months_between(first.crossing.period_start, second.crossing.period_start) <= 13:
                continue
            if _held(first, assessments, run_of) and _held(second, assessments, run_of):
                return first, second
    return None
