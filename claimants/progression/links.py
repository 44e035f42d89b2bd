"""What serves each step of a progression plan: agreed actions (``appointments``) and referrals (``provision``).

Claimants owns the plan but may not import the apps above it, so each of them holds its own link (a nullable
``plan_step`` on its row) and registers a ``LinkSource`` here from its ``AppConfig.ready``: how to read the
items linked to some steps (ONE query for all of a plan's steps) and where the page is that links one more. The
plan card and the plan page read every source through this registry, as the caseload reads its columns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class StepLink:
    """One item serving a step, as the plan shows it."""

    kind: str  # "Agreed action", "Referral"
    text: str
    status: str  # its own words: "Open, due 14 March 2027", "Referred"
    url: str = ""  # where to read it (empty: nowhere of its own)
    finished: bool = False  # done, completed or closed


@dataclass(frozen=True)
class LinkSource:
    key: str
    add_label: str  # "Link an agreed action"
    linked: Callable[[Sequence[int]], dict[int, list[StepLink]]]  # step ids → their items, ONE query
    add_url: Callable[[int], str]  # step id → the page that links one more
    position: int = 50


@dataclass
class LinkRegistry:
    sources: dict[str, LinkSource] = field(default_factory=dict)

    def add(self, source: LinkSource) -> None:
        self.sources[source.key] = source
        self.sources = dict(sorted(self.sources.items(), key=lambda kv: kv[1].position))

    def linked(self, step_ids: Sequence[int]) -> dict[int, list[StepLink]]:
        """Every registered source's items for these steps (one query per source; none without steps)."""
        found: dict[int, list[StepLink]] = {pk: [] for pk in step_ids}
        if not step_ids:
            return found
        for source in self.sources.values():
            for step_id, links in source.linked(step_ids).items():
                found.setdefault(step_id, []).extend(links)
        return found

    def add_links(self, step_id: int) -> list[tuple[str, str]]:
        """(label, url) of each page that links one more item to the step."""
        return [(s.add_label, s.add_url(step_id)) for s in self.sources.values()]


registry = LinkRegistry()
