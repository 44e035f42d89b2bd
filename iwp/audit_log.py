"""The audit page's reads (issue #15): the filters, the events they choose, and the rows of its CSV export.

"The claimant" is taught to the core by the apps that own claimants' records (the core imports no app): each app
registers a contributor that turns a claimant's id into the events about that claimant's records it owns (the
claimant, their circumstances and earnings, their appointments, their referrals…), and one that finds a claimant
from what an administrator typed (a National Insurance number).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.apps import apps
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from iwp.models import AuditEvent, AuditVerb

ClaimantEvents = Callable[[int], Q]
ClaimantFinder = Callable[[str], int | None]

_claimant_events: list[ClaimantEvents] = []
_claimant_finders: list[ClaimantFinder] = []


def register_claimant_events(contributor: ClaimantEvents) -> None:
    """``contributor(claimant_id)`` → a ``Q`` on ``AuditEvent`` for the events about the records it owns."""
    if contributor not in _claimant_events:
        _claimant_events.append(contributor)


def register_claimant_finder(finder: ClaimantFinder) -> None:
    """``finder(text)`` → the id of the claimant the text names (a National Insurance number), or None."""
    if finder not in _claimant_finders:
        _claimant_finders.append(finder)


def targets(rows: QuerySet) -> Q:
    """Events whose target is one of ``rows`` (a filtered queryset of any model): a helper for contributors.
    ``target_id`` is text, so the ids are cast; the database answers it as one sub-select."""
    return Q(
        target_type=rows.model._meta.label_lower,
        target_id__in=rows.annotate(_id_text=Cast("pk", CharField())).values("_id_text"),
    )


def claimant_records(*querysets: Callable[[int], QuerySet]) -> ClaimantEvents:
    """A contributor from functions ``claimant_id → rows``: the events about any of those rows."""

    def contributor(claimant_id: int) -> Q:
        q = Q(pk__in=[])
        for rows in querysets:
            q |= targets(rows(claimant_id))
        return q

    return contributor


def claimant_id_for(text: str) -> int | None:
    text = text.strip()
    if text.isdigit():
        return int(text)
    for finder in _claimant_finders:
        found = finder(text)
        if found is not None:
            return found
    return None


def claimant_events(claimant_id: int) -> Q:
    q = Q(target_type="claimants.claimant", target_id=str(claimant_id)) | Q(payload__claimant=claimant_id)
    for contributor in _claimant_events:
        q |= contributor(claimant_id)
    return q


def target_type_choices() -> list[tuple[str, str]]:
    """Every kind of record an event can be about: the project's models, and the dashboards' exports."""
    kinds = {
        model._meta.label_lower: str(model._meta.verbose_name).capitalize()
        for app in ("iwp", "claimants", "appointments", "provision")
        for model in apps.get_app_config(app).get_models()
    }
    kinds["iwp.dashboards.selectors"] = "Dashboard (exports)"
    return sorted(kinds.items(), key=lambda item: item[1].lower())


@dataclass(frozen=True)
class AuditFilters:
    who: str = ""
    verb: str = ""
    claimant_id: int | None = None
    target_type: str = ""
    target_id: str = ""
    from_date: date | None = None
    to_date: date | None = None


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_events(filters: AuditFilters) -> QuerySet[AuditEvent]:
    """The events the filters choose, newest first, with the actor in the same query."""
    qs = AuditEvent.objects.select_related("actor").order_by("-at", "-id")
    if filters.who:
        qs = qs.filter(actor__username__iexact=filters.who)
    if filters.verb:
        qs = qs.filter(verb=filters.verb)
    if filters.claimant_id is not None:
        qs = qs.filter(claimant_events(filters.claimant_id))
    if filters.target_type:
        qs = qs.filter(target_type=filters.target_type)
    if filters.target_id:
        qs = qs.filter(target_id=filters.target_id)
    if filters.from_date:
        qs = qs.filter(at__gte=_start_of(filters.from_date))
    if filters.to_date:  # the whole of the last day, in London time
        qs = qs.filter(at__lt=_start_of(filters.to_date + timedelta(days=1)))
    return qs


CSV_HEADER = ["When (UK time)", "Who", "Username", "What", "Record", "Record id", "Details"]


def csv_rows(events: QuerySet[AuditEvent]) -> Iterator[list[Any]]:
    """The export: one row per event, streamed in chunks (the table only grows)."""
    import json

    verbs = dict(AuditVerb.choices)
    yield CSV_HEADER
    for event in events.iterator(chunk_size=2000):
        actor = event.actor
        yield [
            timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M:%S"),
            (actor.get_full_name() or actor.username) if actor else "The service",
            actor.username if actor else "",
            verbs.get(event.verb, event.verb),
            event.target_type,
            event.target_id,
            json.dumps(event.payload, sort_keys=True, ensure_ascii=False),
        ]
