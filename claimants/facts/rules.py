"""How a change of facts "from a date" rewrites a claimant's versions (pure: no Django, no I/O).

A claimant's facts are versions ordered by start date; the first starts at the start of the claim (``None``).
Changing some facts from a date:

1. splits the version in force on that date, so a version starts exactly there (a copy of the one in force);
2. sets the new values on it, and carries each changed fact forward through the later versions until one that
   itself changed that fact (a later recorded change wins: it was told to us as true from its own date);
3. is no change at all if every version ends up as it was.

Facts that belong together move together (``groups``): hours with their reason, self-employment with the
Minimum Income Floor, and the household's three facts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Version:
    start: date | None
    values: Mapping[str, Any]
    changed: frozenset[str] = field(default_factory=frozenset)
    key: Any = None  # the stored row's id, if it has one

    def starts_on_or_before(self, day: date) -> bool:
        return self.start is None or self.start <= day


def in_force_on(versions: Sequence[Version], day: date) -> Version | None:
    """The version in force on ``day`` (versions in start order), or None before the first."""
    found = None
    for version in versions:
        if version.starts_on_or_before(day):
            found = version
        else:
            break
    return found


def expand(names: Sequence[str], groups: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    seen: list[str] = []
    for name in names:
        for member in groups.get(name, (name,)):
            if member not in seen:
                seen.append(member)
    return tuple(seen)


def apply_change(
    versions: Sequence[Version],
    changes: Mapping[str, Any],
    start: date,
    groups: Mapping[str, Sequence[str]] | None = None,
) -> list[Version] | None:
    """The versions after ``changes`` take effect from ``start``, or None if nothing would change."""
    if not versions:
        raise ValueError("A claimant's facts need a first version before they can change.")
    groups = groups or {}
    current = in_force_on(versions, start)
    assert current is not None  # the first version starts at the start of the claim
    names = expand(list(changes), groups)
    result = list(versions)
    at = result.index(current)
    split = current.start != start
    if split:
        result.insert(at + 1, Version(start=start, values=dict(current.values), changed=frozenset()))
        at += 1
    for name in names:
        value = changes[name] if name in changes else result[at].values[name]
        for index in range(at, len(result)):
            version = result[index]
            if index > at and name in version.changed:
                break
            if version.values[name] != value:
                result[index] = replace(version, values={**version.values, name: value})
    result[at] = replace(result[at], changed=result[at].changed | frozenset(names))
    kept = [v for i, v in enumerate(result) if not (split and i == at)]
    unchanged = all(dict(new.values) == dict(old.values) for new, old in zip(kept, versions, strict=True))
    if unchanged and (not split or dict(result[at].values) == dict(result[at - 1].values)):
        return None
    return result


def ends(versions: Sequence[Version]) -> list[date | None]:
    """Each version's exclusive end: the next version's start (None for the last)."""
    return [versions[i + 1].start for i in range(len(versions) - 1)] + [None]


def fact_problems(values: Mapping[str, Any], *, has_claimant_partner: bool) -> dict[str, str]:
    """What is wrong with a set of regime facts as a person gives them (the facts page and the API), as
    ``{fact: message}``; empty when they hang together."""
    problems: dict[str, str] = {}
    hours, reason = values.get("expected_hours"), values.get("expected_hours_reason")
    if hours is not None and hours < 35 and not reason:
        problems["expected_hours_reason"] = "Give the reason the expected hours are below 35"
    if values.get("minimum_income_floor") and not values.get("self_employed"):
        problems["minimum_income_floor"] = "The Minimum Income Floor applies only to self-employed claimants"
    if values.get("has_non_uc_partner") and not values.get("non_uc_partner_date_of_birth"):
        problems["non_uc_partner_date_of_birth"] = "Enter the partner's date of birth"
    if values.get("has_non_uc_partner") and has_claimant_partner:
        problems["has_non_uc_partner"] = "This claimant already has a partner who is a claimant"
    return problems
