"""Retention's pure rules: who is due, and the anonymised values that replace personal data. No Django, no I/O.

- Due: a claim that closed on or before ``today`` minus the retention period (whole years; 29 February counts
  from 28 February in a year without one). A claim with no closing date is open, or its end is not known: never
  due (unknown is a value, never a confident default).
- National Insurance number: ``ZZ`` + the claimant's id in base 36 (seven characters). HMRC never allocates the
  ``ZZ`` prefix, so the placeholder can never be somebody's real number, and ``NINO_RE``/``validate_nino`` reject
  it on purpose: no form can save it as a real one. The database's unique constraint holds, because the id is.
- Date of birth: the year is kept, the day becomes 1 July (the middle of the year, so an age counted from it is
  at most six months out). The same for a non-UC partner's date of birth.
- Postcode: the outward code only ("LS1 4AP" → "LS1"): the area, not the street.
- Free words (names, notes, reasons, summaries, goals...): a non-empty value becomes ``ANONYMISED``; an empty one
  stays empty. That keeps every "a reason is needed when..." constraint true and shows that there were words.
"""

from __future__ import annotations

from datetime import date

ANONYMISED = "Anonymised"
NINO_PREFIX = "ZZ"  # an administrative prefix HMRC never allocates
_BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_NINO_ID_WIDTH = 7


def years_before(today: date, years: int) -> date:
    """The same day ``years`` years earlier (28 February for a 29 February that year does not have)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February → a year without one
        return today.replace(year=today.year - years, day=28)


def retention_cutoff(today: date, years: int) -> date:
    """The latest closing date that is due for anonymising on ``today``."""
    if years < 1:
        raise ValueError("The retention period is a whole number of years, 1 or more")
    return years_before(today, years)


def is_due(claim_closed_on: date | None, *, today: date, years: int) -> bool:
    """Whether a claim that closed on ``claim_closed_on`` (None: open or not known) is due for anonymising."""
    return claim_closed_on is not None and claim_closed_on <= retention_cutoff(today, years)


def anonymised_nino(claimant_id: int) -> str:
    """``ZZ`` + the id in base 36, seven characters: unique per claimant, never a real NINO (nine characters)."""
    if claimant_id < 0 or claimant_id >= 36**_NINO_ID_WIDTH:
        raise ValueError(f"Claimant id {claimant_id} does not fit the anonymised NINO")
    digits = ""
    n = claimant_id
    while True:
        n, r = divmod(n, 36)
        digits = _BASE36[r] + digits
        if n == 0:
            break
    return NINO_PREFIX + digits.rjust(_NINO_ID_WIDTH, "0")


def year_only(born: date | None) -> date | None:
    """The year of a date of birth kept, the day set to 1 July (None stays None: not known)."""
    return None if born is None else date(born.year, 7, 1)


def outward_code(postcode: str) -> str:
    """The outward code of a UK postcode ("LS1 4AP", "ls14ap" → "LS1"); "" if there is none."""
    compact = "".join(postcode.split()).upper()
    if len(compact) >= 5:  # the inward code is always a digit and two letters
        return compact[:-3]
    return compact if 2 <= len(compact) <= 4 else ""


def anonymised_words(value: str) -> str:
    """Free words: an empty value stays empty, anything else becomes ``ANONYMISED``."""
    return ANONYMISED if value else ""


def anonymised_list(values: list | None) -> list:
    """A list of words (a review's steps done): as many "Anonymised", so its length still counts."""
    return [ANONYMISED for _ in values or []]


def anonymised_messages(values: list | None) -> list:
    """A list of ``{"code": ..., "message": ...}`` (booking warnings overridden): codes kept, words replaced."""
    return [{**v, "message": ANONYMISED} if isinstance(v, dict) else ANONYMISED for v in values or []]
