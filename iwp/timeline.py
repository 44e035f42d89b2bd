"""The timeline registry: one chronological story of a claimant, told by every app (issue #16).

Claimants should not have to repeat their story, so the coach sees it at a glance: appointments and their
outcomes, contact attempts and good-reason decisions, case notes, agreed actions, claimant commitments issued and
accepted, referrals and each status change, handovers and cover, circumstances, earnings and regime changes — one
list, newest first, with filters. This module is the core of it, in the spirit of ``iwp.figures``: it lives in the
core so that each app can contribute without importing the others, and the claimant pages (``claimants.record``)
read every app through it. The core imports no feature app.

How to register a provider
--------------------------
An app registers its kinds from its ``AppConfig.ready`` (or a module imported there), like the figures::

    from iwp import timeline

    timeline.registry.add("referrals", "Referrals and signposting", referral_entries, position=50)

``referral_entries(claimant, user, since, until, limit)`` returns at most ``limit`` :class:`TimelineEntry`, the
newest first, with ``since <= at < until`` (either bound may be None: open). It must cost a fixed number of
queries however many entries there are (filter and limit in SQL, ``select_related`` what the text names) and
order its entries deterministically (a tie on ``at`` broken by primary key), because "Show older" pages by time.
``user`` is who is reading: a provider may leave out detail that user may not read. An entry whose words would
reveal restricted information (a domestic-abuse easement, a health or domestic-abuse barrier) is marked
``sensitive=True``: the core never shows its title or text, only "Restricted information recorded".

A part that already has a function of the claimant returning dicts ``{at, kind, title, text}`` (optionally
``url``, ``sensitive``) registers it in one line; the core filters, orders and limits its events::

    timeline.registry.add_events("progression", "Progression plan and self-assessments",
                                 progression_timeline_events)
    timeline.registry.add_events("support_fund", "Flexible Support Fund", support_fund_timeline_events)
    timeline.registry.add_events("facts", "Facts changed", facts_timeline_events)  # at = the "from" date

``at`` may be an aware datetime, or a date (shown without a time, from local midnight, as is a datetime at exactly
local midnight unless the event says ``all_day: False``); ``date_prefix`` (optional)
is said before the date, for instance "From" for a fact that changed from a date. One function returning several
kinds can be registered once per filter with ``match="award"`` (only its events of that kind). The claimant is
all such a function is given: it must not put restricted detail in an event unless it marks it ``sensitive``.

Reading
-------
:func:`read_timeline` asks every chosen kind for its newest entries before a cursor, merges them, and returns a
:class:`TimelinePage` with a :class:`Cursor` for the older ones: a fixed number of queries per page whatever the
length of the claimant's history.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

RESTRICTED_TITLE = "Restricted information recorded"
RESTRICTED_TEXT = "Only the claimant's work coach and team leader can see what it was."

# The record's card shows this many entries; the whole timeline page this many a page.
CARD_ENTRIES = 15
PAGE_ENTRIES = 25
MAX_PAGE_ENTRIES = 100


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened. ``at`` is timezone-aware; ``all_day`` entries happened on a date (shown without
    a time, ``at`` is local midnight); ``date_prefix`` is said before the date ("Assessment period from")."""

    at: datetime
    kind: str
    title: str
    text: str = ""
    url: str = ""
    sensitive: bool = False
    all_day: bool = False
    date_prefix: str = ""

    def __post_init__(self) -> None:
        if timezone.is_naive(self.at):
            raise ValueError(f"A timeline entry needs an aware datetime, not {self.at!r}")

    def restricted(self) -> TimelineEntry:
        """The entry as anyone may read it: nothing of what the restricted information was."""
        return replace(self, title=RESTRICTED_TITLE, text=RESTRICTED_TEXT, url="")


Provider = Callable[[Any, Any, datetime | None, datetime | None, int], Sequence[TimelineEntry]]
EventsFunction = Callable[[Any], Iterable[Mapping[str, Any]]]


@dataclass(frozen=True)
class TimelineKind:
    key: str
    label: str  # the filter's checkbox: "Appointments"
    provider: Provider
    position: int = 50


@dataclass
class TimelineRegistry:
    kinds: dict[str, TimelineKind] = field(default_factory=dict)

    def add(self, key: str, label: str, provider: Provider, *, position: int = 50) -> None:
        self.kinds[key] = TimelineKind(key, label, provider, position)
        self.kinds = dict(sorted(self.kinds.items(), key=lambda kv: (kv[1].position, kv[0])))

    def add_events(
        self,
        key: str,
        label: str,
        events: EventsFunction,
        *,
        position: int = 50,
        match: str | Collection[str] | None = None,
    ) -> None:
        """Register a function of the claimant returning event dicts (see the module's docstring)."""
        self.add(key, label, events_provider(key, events, match=match), position=position)

    def remove(self, key: str) -> None:
        self.kinds.pop(key, None)

    def choices(self) -> list[tuple[str, str]]:
        return [(k.key, k.label) for k in self.kinds.values()]


registry = TimelineRegistry()


# --- Helpers for providers ----------------------------------------------------------------------------------


def day_start(day: date) -> datetime:
    """Local midnight at the start of ``day``, aware (Europe/London)."""
    return timezone.make_aware(datetime.combine(day, time(0, 0)))


def day_bounds(since: datetime | None, until: datetime | None) -> tuple[date | None, date | None]:
    """For a provider whose events happen on dates: the first and last dates (inclusive) whose local midnight
    lies in ``[since, until)``."""
    first = last = None
    if since is not None:
        local = timezone.localtime(since)
        first = local.date() if local.time() == time(0, 0) else local.date() + timedelta(days=1)
    if until is not None:
        local = timezone.localtime(until)
        last = local.date() - timedelta(days=1) if local.time() == time(0, 0) else local.date()
    return first, last


def in_range(at: datetime, since: datetime | None, until: datetime | None) -> bool:
    return (since is None or at >= since) and (until is None or at < until)


def between(qs: Any, name: str, since: datetime | None, until: datetime | None) -> Any:
    """A provider's queryset limited to ``since <= name < until`` (either bound may be None: open)."""
    if since is not None:
        qs = qs.filter(**{f"{name}__gte": since})
    if until is not None:
        qs = qs.filter(**{f"{name}__lt": until})
    return qs


def days_between(qs: Any, name: str, since: datetime | None, until: datetime | None) -> Any:
    """The same for a date field: the dates whose local midnight lies in ``[since, until)``."""
    first, last = day_bounds(since, until)
    if first is not None:
        qs = qs.filter(**{f"{name}__gte": first})
    if last is not None:
        qs = qs.filter(**{f"{name}__lte": last})
    return qs


def newest(entries: Iterable[TimelineEntry], limit: int) -> list[TimelineEntry]:
    """The ``limit`` newest entries, newest first; a stable sort, so ties keep the order they came in."""
    return sorted(entries, key=lambda e: e.at, reverse=True)[:limit]


def _as_datetime(value: Any) -> tuple[datetime, bool]:
    """An event's ``at`` and whether it is a date (a date, or a datetime at exactly local midnight: how a dated
    event is usually given as a datetime)."""
    if isinstance(value, datetime):
        at = timezone.make_aware(value) if timezone.is_naive(value) else value
        return at, timezone.localtime(at).time() == time(0, 0)
    if isinstance(value, date):
        return day_start(value), True
    raise TypeError(f"A timeline event's 'at' must be a date or a datetime, not {value!r}")


def events_provider(
    key: str, events: EventsFunction, *, match: str | Collection[str] | None = None
) -> Provider:
    """A provider made of a function of the claimant returning dicts ``{at, kind, title, text}`` (and optionally
    ``url``, ``sensitive``, ``all_day``, ``date_prefix``): the core filters them by time and orders and limits
    them."""
    wanted = {match} if isinstance(match, str) else (set(match) if match is not None else None)

    def provider(
        claimant: Any, user: Any, since: datetime | None, until: datetime | None, limit: int
    ) -> list[TimelineEntry]:
        entries = []
        for event in events(claimant):
            if wanted is not None and event.get("kind") not in wanted:
                continue
            at, all_day = _as_datetime(event["at"])
            if not in_range(at, since, until):
                continue
            entries.append(
                TimelineEntry(
                    at=at,
                    kind=key,
                    title=str(event.get("title") or ""),
                    text=str(event.get("text") or ""),
                    url=str(event.get("url") or ""),
                    sensitive=bool(event.get("sensitive", False)),
                    all_day=bool(event.get("all_day", all_day)),
                    date_prefix=str(event.get("date_prefix") or ""),
                )
            )
        return newest(entries, limit)

    return provider


# --- Reading ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """Where an older page starts: entries at or before ``before``, less the first ``skip`` entries at exactly
    ``before`` (already shown on the newer page: several things can happen at the same time, or on the same day)."""

    before: datetime
    skip: int = 0

    def params(self) -> dict[str, str]:
        return {"before": self.before.isoformat(), "skip": str(self.skip)}

    @classmethod
    def parse(cls, before: str | None, skip: str | None) -> Cursor | None:
        """From a URL's parameters; None when absent or not readable (a stale or edited link shows the newest)."""
        if not before:
            return None
        try:
            at = datetime.fromisoformat(before.strip().replace(" ", "+"))
        except ValueError:
            return None
        if timezone.is_naive(at) or not 1900 <= at.year <= 9000:
            return None  # no story is that old or that far ahead (and time zones overflow at the ends)
        count = int(skip) if skip and skip.isdigit() and len(skip) < 6 else 0
        return cls(at, count)


@dataclass(frozen=True)
class TimelinePage:
    entries: list[TimelineEntry]
    older: Cursor | None  # None: nothing older


def chosen_kinds(kinds: Iterable[str] | None) -> list[TimelineKind]:
    """The registered kinds asked for, in registry order (every kind when ``kinds`` is None or names none)."""
    if kinds is None:
        return list(registry.kinds.values())
    keys = set(kinds)
    return [k for k in registry.kinds.values() if k.key in keys]


def read_timeline(
    claimant: Any,
    user: Any,
    *,
    kinds: Iterable[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = PAGE_ENTRIES,
    cursor: Cursor | None = None,
) -> TimelinePage:
    """The claimant's timeline as ``user`` may read it: the ``limit`` newest entries of the chosen kinds with
    ``since <= at < until``, older than ``cursor``; restricted entries say only that something was recorded.

    The caller has already decided that ``user`` may open the claimant (the record's scoping rule)."""
    limit = max(1, min(limit, MAX_PAGE_ENTRIES))
    skip = 0
    upper = until
    if cursor is not None:
        just_after = cursor.before + timedelta(microseconds=1)
        upper = just_after if upper is None else min(upper, just_after)
        skip = cursor.skip
    if since is not None and upper is not None and since >= upper:
        return TimelinePage([], None)
    wanted = limit + skip + 1  # one more than the page: is there anything older?
    merged: list[TimelineEntry] = []
    for kind in chosen_kinds(kinds):
        entries = kind.provider(claimant, user, since, upper, wanted)
        merged.extend(e if e.kind == kind.key else replace(e, kind=kind.key) for e in entries[:wanted])
    merged.sort(key=lambda e: e.at, reverse=True)  # stable: registry order, then each provider's order
    if cursor is not None and skip:
        shown_at_cursor = [i for i, e in enumerate(merged) if e.at == cursor.before][:skip]
        for i in reversed(shown_at_cursor):
            del merged[i]
    page, rest = merged[:limit], merged[limit:]
    older = None
    if rest and page:
        last = page[-1].at
        at_last = sum(1 for e in page if e.at == last)
        if cursor is not None and last == cursor.before:
            at_last += skip
        older = Cursor(last, at_last)
    return TimelinePage([e.restricted() if e.sensitive else e for e in page], older)


def labels() -> dict[str, str]:
    return {k.key: k.label for k in registry.kinds.values()}
