"""The caseload's selected filters as removable tags (the MoJ filter component's "Selected filters").

Each tag links to the same page without that one filter, so removing a filter is one click and works without
JavaScript. Only parameters the page understood become tags: a stale or malformed value is ignored by the page,
and a tag for it would promise a filter that is not applied.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import QueryDict


@dataclass(frozen=True)
class FilterTag:
    label: str
    remove_url: str


@dataclass(frozen=True)
class FilterGroup:
    heading: str
    tags: tuple[FilterTag, ...]


def _without(params: QueryDict, key: str, value: str) -> str:
    """The query string (with its "?") of ``params`` less one value of ``key``, back on the first page."""
    remaining = params.copy()
    remaining.setlist(key, [v for v in params.getlist(key) if v != value])
    remaining.pop("page", None)
    encoded = remaining.urlencode()
    return f"?{encoded}" if encoded else "?"


def filter_groups(params: QueryDict, groups: list[tuple[str, str, dict[str, str]]]) -> list[FilterGroup]:
    """Tags for each (heading, parameter, {applied value: label}) with at least one applied value."""
    out = []
    for heading, key, applied in groups:
        tags = tuple(
            FilterTag(label, _without(params, key, value))
            for value, label in applied.items()
            if value in params.getlist(key)
        )
        if tags:
            out.append(FilterGroup(heading, tags))
    return out
