"""The Flexible Support Fund's own rules (issue #16), pure: stdlib and the pure regime engine only, so they are
table-tested without a database.

* **Eligibility** of a request, given the regime in force on the date (or ``None``: not known), the rule rows an
  administrator keeps, the purpose and the amount. A rule for the regime *and* the purpose wins over the regime's
  rule for every purpose. No regime, or no rule for the regime: eligibility is *not known*, never assumed.
* **Statuses** and their guarded transitions: requested → approved / refused / withdrawn; approved → paid.
* **Financial years** run from 1 April to 31 March; a year is named by the calendar year it starts in.
* **Outcome** of an award six months on (the definition is written down in ``award_outcome``).
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from claimants.regimes.engine import Regime
from iwp.input.dates import add_months, long_date

# A sanity bound on one award (the rules' per-purpose maxima are usually far lower): a typing slip such as
# 15000 for 150.00 is refused with a message, never committed against the budget.
MAX_AWARD = Decimal("5000.00")
OUTCOME_MONTHS = 6  # how long after an award its outcome is judged
WINDOW_PERIODS = 3  # assessment periods compared before and after the award


class Purpose(StrEnum):
    TRAINING = "training"
    TRAVEL = "travel"
    CLOTHING = "clothing"
    CHILDCARE = "childcare"
    TOOLS = "tools"

    @property
    def label(self) -> str:
        return _PURPOSE_LABELS[self]


_PURPOSE_LABELS = {
    Purpose.TRAINING: "Training or a course",
    Purpose.TRAVEL: "Travel to work or training",
    Purpose.CLOTHING: "Clothing for work",
    Purpose.CHILDCARE: "Childcare up-front costs",
    Purpose.TOOLS: "Tools or equipment",
}


class Status(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    PAID = "paid"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    Status.REQUESTED: "Waiting for a decision",
    Status.APPROVED: "Approved, not yet paid",
    Status.REFUSED: "Refused",
    Status.WITHDRAWN: "Withdrawn",
    Status.PAID: "Paid",
}

# The only moves a status may make (DESIGN §6.5): anything else is refused with a message.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.REQUESTED: frozenset({Status.APPROVED, Status.REFUSED, Status.WITHDRAWN}),
    Status.APPROVED: frozenset({Status.PAID}),
    Status.REFUSED: frozenset(),
    Status.WITHDRAWN: frozenset(),
    Status.PAID: frozenset(),
}
# Awards that count against a budget: committed (approved, not yet paid) and spent (paid).
CHARGED = (Status.APPROVED, Status.PAID)


class AwardError(Exception):
    """A write that could not happen; ``message`` is for the person who tried, ``field`` the box it is about."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def transition_problem(current: str, to: str) -> str | None:
    """Why an award cannot move from ``current`` to ``to`` (None: it can)."""
    now, then = Status(current), Status(to)
    if then in TRANSITIONS[now]:
        return None
    if now == then:
        return f"This award is already {now.label.lower()}."
    return f"This award is {now.label.lower()}, so it cannot be {_VERBS[then]} now."


_VERBS = {
    Status.REQUESTED: "requested again",
    Status.APPROVED: "approved",
    Status.REFUSED: "refused",
    Status.WITHDRAWN: "withdrawn",
    Status.PAID: "marked as paid",
}


# --- Financial years ---------------------------------------------------------------------------------------


def financial_year(day: date) -> int:
    """The financial year containing ``day``, by the calendar year it starts in (1 April 2026 → 2026)."""
    return day.year if day.month >= 4 else day.year - 1


def financial_year_label(year: int) -> str:
    """2026 → "April 2026 to March 2027"."""
    return f"April {year} to March {year + 1}"


def financial_year_bounds(year: int) -> tuple[date, date]:
    return date(year, 4, 1), date(year + 1, 3, 31)


# --- Eligibility ---------------------------------------------------------------------------------------------


class Eligible(StrEnum):
    YES = "eligible"
    NO = "not_eligible"
    UNKNOWN = "unknown"


NO_REGIME_REASON = "Eligibility not known: no regime decided for that date"


@dataclass(frozen=True)
class Rule:
    """One row of the eligibility table: ``purpose`` empty means every purpose."""

    regime: str
    eligible: bool
    purpose: str = ""
    maximum: Decimal | None = None
    reason: str = ""


@dataclass(frozen=True)
class Eligibility:
    status: Eligible
    reason: str  # shown to the coach and the team leader (empty when eligible and nothing to say)
    regime: str | None  # the regime in force on the date, None when not known
    maximum: Decimal | None = None
    field: str | None = None  # the form box the refusal is about

    @property
    def refused(self) -> bool:
        return self.status == Eligible.NO


def money(amount: Decimal) -> str:
    """£1,234.50 (pence always shown)."""
    return f"£{amount:,.2f}"


def _purpose_label(purpose: str) -> str:
    try:
        return Purpose(purpose).label
    except ValueError:
        return purpose


def _regime_label(regime: str) -> str:
    try:
        return Regime(regime).label
    except ValueError:
        return regime


def check_eligibility(
    *,
    regime: str | None,
    purpose: str,
    amount: Decimal | None,
    rules: Sequence[Rule],
    on: date,
) -> Eligibility:
    """Whether an award for ``purpose`` of ``amount`` may be made to a claimant whose regime on ``on`` is
    ``regime``. The most specific rule wins: the regime's rule for this purpose, else its rule for every purpose."""
    when = long_date(on)
    if not regime:
        return Eligibility(Eligible.UNKNOWN, f"{NO_REGIME_REASON} ({when})", None)
    label = _regime_label(regime)
    specific = next((r for r in rules if r.regime == regime and r.purpose == purpose), None)
    general = next((r for r in rules if r.regime == regime and not r.purpose), None)
    rule = specific or general
    if rule is None:
        return Eligibility(
            Eligible.UNKNOWN,
            f"Eligibility not known: there is no rule for the {label} regime (an administrator sets the rules)",
            regime,
        )
    if not rule.eligible:
        reason = (
            rule.reason or f"Claimants in the {label} regime are not eligible for the Flexible Support Fund"
        )
        return Eligibility(Eligible.NO, reason, regime, field="purpose")
    maximum = rule.maximum
    if maximum is not None and amount is not None and amount > maximum:
        what = _purpose_label(purpose).lower()
        return Eligibility(
            Eligible.NO,
            f"The most that can be awarded for {what} to a claimant in the {label} regime is {money(maximum)}",
            regime,
            maximum,
            field="amount",
        )
    return Eligibility(Eligible.YES, f"Eligible: {label} regime on {when}", regime, maximum)


# --- Outcome six months on ------------------------------------------------------------------------------------


class Outcome(StrEnum):
    NOT_KNOWN_YET = "not_known_yet"
    PROGRESSED = "progressed"
    NO_PROGRESS = "no_progress"
    NOT_KNOWN = "not_known"

    @property
    def label(self) -> str:
        return _OUTCOME_LABELS[self]


_OUTCOME_LABELS = {
    Outcome.NOT_KNOWN_YET: "Not known yet",
    Outcome.PROGRESSED: "Earnings rose or moved up a regime",
    Outcome.NO_PROGRESS: "No rise in earnings and no move up",
    Outcome.NOT_KNOWN: "Not known: earnings missing",
}

# The earnings regimes from most to least work search: a move up is a move later in this list.
LADDER = (Regime.INTENSIVE_WORK_SEARCH, Regime.LIGHT_TOUCH, Regime.WORKING_ENOUGH)


def _month_start(year: int, month: int, anchor_day: int) -> date:
    return date(year, month, min(anchor_day, calendar.monthrange(year, month)[1]))


def period_start_containing(day: date, anchor_day: int) -> date:
    """The start of the assessment period containing ``day`` for a claim whose periods start on ``anchor_day``
    (clamped to the last day of a shorter month)."""
    start = _month_start(day.year, day.month, anchor_day)
    if start <= day:
        return start
    year, month = (day.year - 1, 12) if day.month == 1 else (day.year, day.month - 1)
    return _month_start(year, month, anchor_day)


def period_starts(first: date, anchor_day: int, offsets: range) -> list[date]:
    """Starts of the periods ``offsets`` months away from the one starting on ``first``."""
    index = first.year * 12 + first.month - 1
    return [_month_start(*_year_month(index + k), anchor_day) for k in offsets]


def _year_month(index: int) -> tuple[int, int]:
    year, month = divmod(index, 12)
    return year, month + 1


@dataclass(frozen=True)
class OutcomeResult:
    outcome: Outcome
    lines: list[str] = field(default_factory=list)  # how it was decided, in words
    before: Decimal | None = None  # mean gross earnings of the 3 periods up to the award
    after: Decimal | None = None  # … and of the 3 after it
    moved_to: str | None = None
    known_on: date | None = None


def award_outcome(
    *,
    awarded_on: date,
    today: date,
    anchor_day: int,
    earnings: Mapping[date, Decimal],
    regimes: Mapping[date, str],
) -> OutcomeResult:
    """Did a rise in earnings or a move up a regime follow the award within 6 months? [Decision, README]

    * The award's date is the day it was approved. Its outcome is **not known yet** until 6 calendar months have
      passed (never "no" before then).
    * **Rise in earnings**: the mean gross earnings (employed + self-employed, current records) of the 3
      assessment periods after the award — the 3 that start after the period containing the award date — is
      strictly higher than the mean of the 3 up to it (the period containing the award date and the 2 before).
      All 6 periods must have earnings recorded; a missing period makes the rise not known (not zero).
    * **Move up**: the regime decided for any period starting after the award date and within 6 months of it is
      further along Intensive Work Search → Light Touch → Working Enough than the regime decided for the period
      containing the award date. A move into another regime (preparing for work, for example) is not a move up.
    * Outcome: a rise or a move up → **progressed**; neither, with the earnings of all 6 periods known → **no
      progress**; neither, with earnings missing → **not known** (earnings missing).

    ``earnings`` and ``regimes`` are keyed by the start of the assessment period.
    """
    known_on = add_months(awarded_on, OUTCOME_MONTHS)
    if today < known_on:
        return OutcomeResult(
            Outcome.NOT_KNOWN_YET,
            [f"Not known yet: the outcome is judged 6 months after the award, on {long_date(known_on)}."],
            known_on=known_on,
        )
    current = period_start_containing(awarded_on, anchor_day)
    before_starts = period_starts(current, anchor_day, range(-(WINDOW_PERIODS - 1), 1))
    after_starts = period_starts(current, anchor_day, range(1, WINDOW_PERIODS + 1))
    lines: list[str] = []
    before = _mean([earnings.get(s) for s in before_starts])
    after = _mean([earnings.get(s) for s in after_starts])
    rose: bool | None = None
    if before is not None and after is not None:
        rose = after > before
        lines.append(
            f"Mean earnings {money(after)} in the 3 assessment periods after the award, against "
            f"{money(before)} in the 3 up to it: {'a rise' if rose else 'no rise'}."
        )
    else:
        missing = [s for s in before_starts + after_starts if earnings.get(s) is None]
        lines.append(
            "Earnings not recorded for the assessment period"
            + ("s" if len(missing) > 1 else "")
            + " starting "
            + ", ".join(long_date(s) for s in missing)
            + ": a rise cannot be judged."
        )
    at_award = regimes.get(current)
    moved_to = None
    if at_award in LADDER:
        rank = LADDER.index(Regime(at_award))
        for start in sorted(s for s in regimes if awarded_on < s <= known_on):
            regime = regimes[start]
            if regime in LADDER and LADDER.index(Regime(regime)) > rank:
                moved_to = regime
                lines.append(
                    f"Moved up from {Regime(at_award).label} to {Regime(regime).label} in the assessment "
                    f"period starting {long_date(start)}."
                )
                break
        else:
            lines.append(f"No move up from {Regime(at_award).label} within 6 months.")
    elif at_award:
        lines.append(
            f"{_regime_label(at_award)} at the award is not an earnings regime: no move up to look for."
        )
    else:
        lines.append("No regime decided for the period of the award: a move up cannot be judged.")
    if rose or moved_to:
        outcome = Outcome.PROGRESSED
    elif rose is False:
        outcome = Outcome.NO_PROGRESS
    else:
        outcome = Outcome.NOT_KNOWN
    return OutcomeResult(outcome, lines, before, after, moved_to, known_on)


def _mean(values: list[Decimal | None]) -> Decimal | None:
    if any(v is None for v in values) or not values:
        return None
    total = sum(values, Decimal(0))
    return (total / len(values)).quantize(Decimal("0.01"))
