"""The claimant commitment's own rules (issue #9): what a version must say, reasons packed into the model's text,
and the errors the services raise. Plain values and functions; the services and selectors build on them."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from claimants.models import (
    ClaimantCommitment,
    CommitmentStatus,
    ExpectedHoursReason,
)

FULL_TIME_HOURS = Decimal(35)
MAX_HOURS = Decimal(168)
REVIEW_AFTER_MONTHS = 3
REASON_DETAIL_MAX = 150  # the model keeps "code: detail" in 200 characters

CONFLICT_MESSAGE = (
    "Someone else changed this commitment while you were editing. "
    "Your changes have not been saved; reload to see theirs."
)
NOT_A_DRAFT_MESSAGE = (
    "This version has already been issued, so it cannot be changed. Start a new version instead."
)
IN_FORCE = (CommitmentStatus.ISSUED, CommitmentStatus.ACCEPTED)


class CommitmentError(Exception):
    """A write that could not happen; ``message`` is for the person who tried."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CommitmentConflict(CommitmentError):
    """The version changed since the form was loaded (optimistic-lock failure)."""


class CommitmentNotEditable(CommitmentError):
    """The version is no longer in the state the action needs (for example already issued)."""


class CommitmentDraftExists(CommitmentError):
    """A new version was asked for while a draft is already in progress (a claimant has one draft at most)."""

    def __init__(self, draft: ClaimantCommitment) -> None:
        super().__init__(
            f"A draft of the claimant commitment (version {draft.version}) is already in progress. "
            "Continue that draft, or discard it before starting another."
        )
        self.draft = draft


@dataclass(frozen=True)
class ItemChange:
    """One line of the draft as the editor submitted it. ``item_id`` None means a new line."""

    side: str
    text: str
    by_date: date | None = None
    item_id: int | None = None
    remove: bool = False


@dataclass(frozen=True)
class EasementLine:
    """An easement as one viewer may see it: ``kind_label`` is None when the kind is restricted from them."""

    kind_label: str | None
    starts_on: date
    ends_on: date
    restricted: bool
    starts_later: bool = False


# --- Small pure helpers ----------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, kept inside shorter months (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def pack_reason(code: str, detail: str = "") -> str:
    """The commitment keeps the reason as ``"<ExpectedHoursReason code>: <free text>"`` (free text optional)."""
    detail = (detail or "").strip()
    if not code:
        return ""
    return f"{code}: {detail}" if detail else code


def unpack_reason(text: str) -> tuple[str, str]:
    """``(code, detail)`` from a stored reason; text that does not start with a known code is all detail."""
    text = (text or "").strip()
    code, sep, detail = text.partition(":")
    if code in ExpectedHoursReason.values:
        return code, detail.strip() if sep else ""
    return "", text


def reason_display(text: str) -> str:
    code, detail = unpack_reason(text)
    label = ExpectedHoursReason(code).label if code else ""
    return " – ".join(part for part in (label, detail) if part)


def commitment_problems(
    *,
    expected_hours: Decimal | None,
    work_search_hours: Decimal | None,
    reason_code: str,
    reason_detail: str,
    review_due: date | None,
    today: date,
) -> dict[str, str]:
    """The rules a commitment's terms must meet, as ``{field: message}`` (empty when all is well).

    The editor shows these beside the boxes; the services check them again so no caller can skip them.
    """
    problems: dict[str, str] = {}
    if expected_hours is None or not (0 <= expected_hours <= MAX_HOURS):
        problems["expected_hours"] = "Expected hours of work must be between 0 and 168 a week"
    if work_search_hours is None or not (0 <= work_search_hours <= MAX_HOURS):
        problems["work_search_hours"] = "Work search hours must be between 0 and 168 a week"
    elif "expected_hours" not in problems and work_search_hours > expected_hours:
        problems["work_search_hours"] = (
            f"Work search hours cannot be more than the expected hours of work ({expected_hours.normalize():f})"
        )
    if reason_code and reason_code not in ExpectedHoursReason.values:
        problems["expected_hours_reason"] = "Select a reason from the list"
    elif "expected_hours" not in problems and expected_hours < FULL_TIME_HOURS and not reason_code:
        problems["expected_hours_reason"] = "Select why the claimant is expected to work fewer than 35 hours"
    elif reason_code == ExpectedHoursReason.OTHER and not (reason_detail or "").strip():
        problems["expected_hours_detail"] = "Say what the other reason for fewer hours is"
    if len((reason_detail or "").strip()) > REASON_DETAIL_MAX:
        problems["expected_hours_detail"] = f"The reason must be {REASON_DETAIL_MAX} characters or fewer"
    if review_due is not None and review_due <= today:
        problems["review_due"] = "The review date must be in the future"
    return problems
