"""Parsing and writing the text forms of offer fields, shared by the lead's form, CSV and HSDS import, and export.

Sessions are written like ``Tue 18:00-20:00; Sat 10:00-12:30`` (one per line or separated by ``;``); lists of
codes (barriers, regimes) are separated by ``;`` and accept the code or the label, in any case.
"""

from __future__ import annotations

import re
from datetime import time

from django import forms

from claimants.models import BarrierKind, RegimeChoices
from provision.models import Category, DeliveryMode, OfferStatus, ReferralRoute
from provision.services import SessionInput

DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_SESSION = re.compile(
    r"^(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?\s+(\d{1,2})[:.](\d{2})\s*(?:-|–|to)\s*(\d{1,2})[:.](\d{2})$",
    re.I,
)


def parse_sessions(text: str) -> list[SessionInput]:
    sessions = []
    for part in re.split(r"[;\n]+", text or ""):
        part = part.strip()
        if not part:
            continue
        m = _SESSION.match(part)
        if not m:
            raise forms.ValidationError(f"Write “{part}” like Tue 18:00-20:00", code="session")
        h1, m1, h2, m2 = (int(g) for g in m.groups()[1:])
        try:
            starts, ends = time(h1, m1), time(h2, m2)
        except ValueError:
            raise forms.ValidationError(f"“{part}” is not a real time", code="session") from None
        if ends <= starts:
            raise forms.ValidationError(f"“{part}” must end after it starts", code="session")
        sessions.append(SessionInput(DAYS[m.group(1).lower()], starts, ends))
    return sessions


def sessions_text(sessions) -> str:
    return "; ".join(f"{DAY_NAMES[s.weekday]} {s.starts_at:%H:%M}-{s.ends_at:%H:%M}" for s in sessions)


def _lookup(choices) -> dict[str, str]:
    table = {}
    for value, label in choices:
        table[str(value).casefold()] = value
        table[str(label).casefold()] = value
    return table


CATEGORY_LOOKUP = _lookup(Category.choices)
BARRIER_LOOKUP = _lookup(BarrierKind.choices)
REGIME_LOOKUP = _lookup(RegimeChoices.choices)
MODE_LOOKUP = _lookup(DeliveryMode.choices) | {
    "in person": DeliveryMode.IN_PERSON,
    "inperson": DeliveryMode.IN_PERSON,
}
ROUTE_LOOKUP = _lookup(ReferralRoute.choices) | {
    "direct_referral": ReferralRoute.DIRECT,
    "self_referral": ReferralRoute.SELF,
}
STATUS_LOOKUP = _lookup(OfferStatus.choices)


def code_list(text: str, lookup: dict[str, str], what: str) -> list[str]:
    out: list[str] = []
    for part in re.split(r"[;|]+", text or ""):
        part = part.strip()
        if not part:
            continue
        value = lookup.get(part.casefold())
        if value is None:
            raise forms.ValidationError(f"“{part}” is not a {what} we know", code="unknown")
        if value not in out:
            out.append(value)
    return out


def one_code(text: str, lookup: dict[str, str], what: str, default: str | None = None) -> str:
    text = (text or "").strip()
    if not text and default is not None:
        return default
    value = lookup.get(text.casefold())
    if value is None:
        raise forms.ValidationError(
            f"“{text}” is not a {what} we know" if text else f"Enter the {what}", code="unknown"
        )
    return value


def yes_no(text: str) -> bool:
    text = (text or "").strip().casefold()
    if text in ("", "no", "n", "false", "0"):
        return False
    if text in ("yes", "y", "true", "1"):
        return True
    raise forms.ValidationError("Write yes or no", code="yes_no")
