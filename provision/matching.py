"""Pure matching rules for signposting (stdlib only): can this claimant use this offer, and if not, why not.

Every rule returns the words a work coach reads ("Not available to Working Enough", "Session Tue 10:00–15:00
clashes with work shift Tue 09:00–17:00 (Tesco)"), or nothing when the offer passes it.

"Within reach" has no geodata behind it: the rule is the postcode *area* (the letters before the first digit:
"LS" for Leeds, "BD" for Bradford) — the same area, or a neighbouring area in ``NEIGHBOUR_AREAS``. Online,
phone, home-visit and self-paced offers are always within reach.

Unknown is a value (issue 12): a fact the list does not know — where it happens, the ages, the cost, the regimes,
the times — never makes an offer fit. ``check_reasons`` says what to check ("Location not known"), and the
search lists such offers under "might fit — check" rather than with the ones that fit.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import NamedTuple

WEEKDAY_SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
EVENING_FROM = time(17, 0)

# Postcode areas a claimant can reasonably travel between (an honest, small table for our districts; extend it
# per district, or replace the rule with outcode distances when geodata is available).
NEIGHBOUR_AREAS: dict[str, frozenset[str]] = {
    "B": frozenset({"WS", "WV", "DY", "CV"}),
    "CV": frozenset({"B"}),
    "WS": frozenset({"B", "WV"}),
    "WV": frozenset({"B", "WS", "DY"}),
    "DY": frozenset({"B", "WV"}),
    "LS": frozenset({"BD", "WF", "HG"}),
    "BD": frozenset({"LS", "HX", "HD"}),
    "WF": frozenset({"LS"}),
    "HX": frozenset({"BD", "HD"}),
    "HD": frozenset({"BD", "HX"}),
}

_AREA = re.compile(r"^([A-Z]{1,2})\d")


class Slot(NamedTuple):
    """A weekly time: weekday (0 = Monday) and [starts_at, ends_at). A named tuple, not a dataclass: a search
    builds thousands of them, and a tuple is several times cheaper to create."""

    weekday: int
    starts_at: time
    ends_at: time
    label: str = ""

    def overlaps(self, other: Slot) -> bool:
        return (
            self.weekday == other.weekday
            and self.starts_at < other.ends_at
            and other.starts_at < self.ends_at
        )

    @property
    def text(self) -> str:
        return slot_text(self.weekday, self.starts_at, self.ends_at)

    @property
    def evening(self) -> bool:
        return self.ends_at > EVENING_FROM

    @property
    def weekend(self) -> bool:
        return self.weekday >= 5


@functools.lru_cache(maxsize=4096)  # formatting times is slow, and a search formats the same few slots often
def slot_text(weekday: int, starts_at: time, ends_at: time) -> str:
    return f"{WEEKDAY_SHORT[weekday]} {starts_at:%H:%M}–{ends_at:%H:%M}"


# Delivery modes that need no journey (the claimant takes part from where they are).
REMOTE_MODES = frozenset({"online", "phone", "home_visit"})


class OfferFacts(NamedTuple):
    regimes: frozenset[str] = frozenset()  # empty: open to every regime
    min_age: int | None = None
    max_age: int | None = None
    delivery_mode: str = "in_person"  # in_person, online, blended, phone, home_visit, unknown
    self_paced: bool = False
    sessions: tuple[Slot, ...] = ()
    postcode: str = ""
    places_left: int | None = None
    regimes_known: bool = True
    ages_known: bool = True
    cost_known: bool = True
    sessions_known: bool = True


@dataclass(frozen=True)
class ClaimantFacts:
    regime: str = ""
    regime_label: str = ""
    age: int | None = None
    busy: tuple[Slot, ...] = field(default_factory=tuple)
    postcode: str = ""


@functools.lru_cache(maxsize=4096)  # a search asks for the same few hundred postcodes thousands of times
def postcode_area(postcode: str) -> str:
    match = _AREA.match(re.sub(r"\s+", "", postcode or "").upper())
    return match.group(1) if match else ""


def within_reach(claimant_postcode: str, offer_postcode: str) -> bool | None:
    """True/False by postcode area (same or neighbouring); None when either postcode is missing or unreadable."""
    mine, theirs = postcode_area(claimant_postcode), postcode_area(offer_postcode)
    if not mine or not theirs:
        return None
    return mine == theirs or theirs in NEIGHBOUR_AREAS.get(mine, frozenset())


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def regime_reason(offer: OfferFacts, claimant: ClaimantFacts) -> str | None:
    if offer.regimes and claimant.regime and claimant.regime not in offer.regimes:
        return f"Not available to {claimant.regime_label or claimant.regime}"
    return None


def age_reason(offer: OfferFacts, claimant: ClaimantFacts) -> str | None:
    if claimant.age is None:
        return None
    if offer.min_age is not None and claimant.age < offer.min_age:
        return f"Only for ages {age_range_text(offer.min_age, offer.max_age)} (claimant is {claimant.age})"
    if offer.max_age is not None and claimant.age > offer.max_age:
        return f"Only for ages {age_range_text(offer.min_age, offer.max_age)} (claimant is {claimant.age})"
    return None


def age_range_text(min_age: int | None, max_age: int | None) -> str:
    if min_age is not None and max_age is not None:
        return f"{min_age} to {max_age}"
    if min_age is not None:
        return f"{min_age} and over"
    if max_age is not None:
        return f"up to {max_age}"
    return "any age"


def clash_reasons(offer: OfferFacts, claimant: ClaimantFacts) -> list[str]:
    """Sessions that overlap the claimant's shifts or caring times. Self-paced offers have no sessions to clash;
    an online offer with fixed (live) sessions is checked like any other, because a live class during a shift
    cannot be attended either."""
    if offer.self_paced:
        return []
    reasons = []
    for session in offer.sessions:
        hits = [busy for busy in claimant.busy if session.overlaps(busy)]
        if hits:
            what = "; ".join(f"{b.label + ' ' if b.label else ''}{b.text}" for b in hits)
            reasons.append(f"Session {session.text} clashes with {what}")
    return reasons


def reach_reason(offer: OfferFacts, claimant: ClaimantFacts) -> str | None:
    # An unknown delivery mode may be online: a far postcode is then something to check, not a reason to leave out.
    if offer.self_paced or offer.delivery_mode in REMOTE_MODES or offer.delivery_mode == "unknown":
        return None
    if within_reach(claimant.postcode, offer.postcode) is False:
        return (
            f"Not within reach: {offer.postcode.upper()} is outside the claimant's area "
            f"({postcode_area(claimant.postcode)}) and its neighbours"
        )
    return None


def location_check(offer: OfferFacts, claimant: ClaimantFacts) -> str | None:
    """What is not known about getting there: nothing for remote or self-paced offers."""
    if offer.self_paced or offer.delivery_mode in REMOTE_MODES:
        return None
    if offer.delivery_mode == "unknown":
        if not offer.postcode:
            return "Location not known (nor whether it is online)"
        if within_reach(claimant.postcode, offer.postcode) is False:
            return f"Not known whether it is online; {offer.postcode.upper()} is outside the claimant's area"
        return "Not known whether it is online or in person"
    if not offer.postcode:
        return "Location not known"
    if not postcode_area(claimant.postcode):
        return "Claimant's postcode not recorded: cannot tell if it is within reach"
    if not postcode_area(offer.postcode):
        return f"Cannot tell where {offer.postcode} is"
    return None


def check_reasons(offer: OfferFacts, claimant: ClaimantFacts) -> list[str]:
    """What the list does not know that decides whether the offer fits: each is for the coach to check."""
    checks = []
    if not offer.regimes_known:
        checks.append("Regimes it is open to not known")
    if not offer.ages_known:
        checks.append("Age limits not known")
    if not offer.sessions_known and not offer.self_paced:
        checks.append("Times not known")
    if (check := location_check(offer, claimant)) is not None:
        checks.append(check)
    if not offer.cost_known:
        checks.append("Cost not known")
    return checks


def exclusion_reasons(offer: OfferFacts, claimant: ClaimantFacts) -> list[str]:
    """Every reason the claimant cannot use the offer; empty means it fits (or might: see ``check_reasons``)."""
    return ClaimantMatcher(claimant).reasons(offer)


class ClaimantMatcher:
    """The same rules as the functions above, for one claimant against many offers: the claimant's busy times
    are indexed by weekday once, so a district of 5,000 offers is matched in a few tens of milliseconds."""

    def __init__(self, claimant: ClaimantFacts) -> None:
        self.claimant = claimant
        self.busy_by_day: dict[int, tuple[Slot, ...]] = {
            day: tuple(b for b in claimant.busy if b.weekday == day) for day in range(7)
        }

    def reasons(self, offer: OfferFacts) -> list[str]:
        claimant = self.claimant
        reasons: list[str] = []
        if reason := regime_reason(offer, claimant):
            reasons.append(reason)
        if (offer.min_age is not None or offer.max_age is not None) and (
            reason := age_reason(offer, claimant)
        ):
            reasons.append(reason)
        if offer.places_left == 0:
            reasons.append("No places left")
        if not offer.self_paced:
            for session in offer.sessions:
                day = self.busy_by_day[session.weekday]
                if not day:
                    continue
                hits = [b for b in day if session.starts_at < b.ends_at and b.starts_at < session.ends_at]
                if hits:
                    what = "; ".join(f"{b.label + ' ' if b.label else ''}{b.text}" for b in hits)
                    reasons.append(f"Session {session.text} clashes with {what}")
        if offer.postcode and (reason := reach_reason(offer, claimant)):
            reasons.append(reason)
        return reasons

    def checks(self, offer: OfferFacts) -> list[str]:
        return check_reasons(offer, self.claimant)


def add_working_days(start: date, days: int, holidays: Iterable[date] = ()) -> date:
    """The date ``days`` working days (Monday to Friday, skipping ``holidays``) after ``start``."""
    skip = frozenset(holidays)
    day = start
    left = days
    while left > 0:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in skip:
            left -= 1
    return day
