"""The figure registry: the groups of dashboard figures each app contributes, from its ``AppConfig.ready``
(``claimants.figures``, ``appointments.figures``, ``provision.dashboard``). It lives in the core so that the apps
can register without importing the dashboards, and the dashboards (``iwp.dashboards``) read every app through it.

Each group answers with ONE aggregate query grouped by the claimant's work coach, so a team total and every
coach's row come from the same few queries whatever the size of the team or district. Every figure names the
caseload parameters that list the claimants behind it, so a number on the dashboard always leads to the work.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta


@dataclass(frozen=True)
class DashboardPeriod:
    """What a figure group needs to know about "now". Figures that depend on the dashboard's period are counted
    for every period choice at once (keys ending ``_3``, ``_6``, ``_12``), so one refresh serves every choice."""

    today: date
    now: datetime
    months: int = 3  # the period chosen on the page (display)
    choices: tuple[int, ...] = (3, 6, 12)

    def since(self, months: int | None = None) -> date:
        return self.today - timedelta(days=round((months or self.months) * 30.44))


Counts = dict[int, dict[str, int]]


@dataclass(frozen=True)
class Figure:
    """One number on a tile. ``link`` holds the caseload parameters that list the claimants behind it (None: not
    a list, e.g. a share). ``of`` names the figure this one is a share of (shown as a percentage)."""

    key: str
    label: str
    link: dict[str, str] | None = None
    of: str = ""
    hint: str = ""


@dataclass(frozen=True)
class FigureGroup:
    key: str
    title: str
    figures: tuple[Figure, ...]
    counts: Callable[[Sequence[int], DashboardPeriod], Counts]  # ONE query: {coach_id: {figure key: n}}
    position: int = 50
    available: Callable[[], bool] = lambda: True


@dataclass
class FigureRegistry:
    groups: dict[str, FigureGroup] = field(default_factory=dict)

    def add_group(self, group: FigureGroup) -> None:
        self.groups[group.key] = group
        self.groups = dict(sorted(self.groups.items(), key=lambda kv: kv[1].position))

    def active(self) -> list[FigureGroup]:
        return [g for g in self.groups.values() if g.available()]


registry = FigureRegistry()
