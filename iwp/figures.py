"""The figure registry: the groups of dashboard figures each app contributes, from its ``AppConfig.ready``
(``claimants.figures``, ``appointments.figures``, ``provision.dashboard``). It lives in the core so that the apps
can register without importing the dashboards, and the dashboards (``iwp.dashboards``) read every app through it.

Each group answers with ONE aggregate query grouped by the claimant's work coach, so a team total and every
coach's row come from the same few queries whatever the size of the team or district. Every figure names the
caseload parameters that list the claimants behind it, so a number on the dashboard always leads to the work.

``figures_changed`` (below) is how a service says its change touched some coaches' figures: they are recounted
once its transaction commits, so a figure equals the list it links to as soon as the change is saved.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import connection, transaction


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
    # Counted from the nightly per-claimant summary (``iwp.ClaimantProgress``): recounting it on a change would
    # not change it, so the page says it was counted overnight.
    nightly: bool = False


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


# --- Keeping the maintained figures honest ----------------------------------------------------------------
#
# The dashboards read maintained per-coach figures (``iwp.CoachFigures``). A service that changes what a figure
# counts calls ``figures_changed`` with the coaches (or claimants) it touched; the ids are collected for the
# current transaction and, once it commits, ONE recount runs for all of them. The recounter is the dashboards'
# (registered from their ``AppConfig.ready``): the apps call this core hook and never import the dashboards.
#
# Why explicit calls from the services and not model signals: the set-based writes (the uprating's SQL, bulk
# ``update()``s such as the IWP-offer sweep and appointment cover) fire no signals, and a signal per saved row would
# recount per row; a service knows which coaches its change touched and says so once.
#
# Why after commit and not inside the change's transaction: the recount must see the committed change (a
# concurrent writer's too), and must never make a saved change fail or hold its locks longer. A recount that fails
# is logged and left to the periodic recount (every 10 minutes, by beat), which stays as the safety net.

logger = logging.getLogger(__name__)

Recounter = Callable[[set[int], set[int]], object]  # (coach ids, claimant ids) -> anything
_recounter: Recounter | None = None
_state = threading.local()


def register_recounter(recounter: Recounter | None) -> None:
    """Install the function that recounts the figures of some coaches (``None``: recount nothing)."""
    global _recounter
    _recounter = recounter


@dataclass
class _Pending:
    """The coaches and claimants touched by one transaction, waiting for its commit."""

    coach_ids: set[int] = field(default_factory=set)
    claimant_ids: set[int] = field(default_factory=set)
    flushed: bool = False

    def flush(self) -> None:
        self.flushed = True
        if _state.__dict__.get("pending") is self:
            _state.pending = None
        deferred: _Pending | None = _state.__dict__.get("deferred")
        if deferred is not None:
            # Inside ``figures_deferred``: keep the committed ids for the one recount at its end.
            deferred.coach_ids |= self.coach_ids
            deferred.claimant_ids |= self.claimant_ids
            return
        _recount(self.coach_ids, self.claimant_ids)


def _recount(coach_ids: set[int], claimant_ids: set[int]) -> None:
    if _recounter is None or not (coach_ids or claimant_ids):
        return
    try:
        _recounter(coach_ids, claimant_ids)
    except Exception:  # the change is saved: a failed recount must not turn it into an error page
        logger.exception(
            "Recounting the dashboard figures failed after a change (coaches %s, claimants %s); the periodic "
            "recount will put them right",
            sorted(coach_ids)[:20],
            sorted(claimant_ids)[:20],
        )


def _still_waiting(pending: _Pending | None) -> bool:
    """The pending batch still belongs to an open transaction: not flushed, and its commit callback was not
    discarded by a rollback (Django drops the callbacks of a rolled-back block from ``run_on_commit``)."""
    if pending is None or pending.flushed:
        return False
    return any(getattr(entry[1], "__self__", None) is pending for entry in connection.run_on_commit)


def figures_changed(coach_ids: Iterable[int | None] = (), *, claimant_ids: Iterable[int | None] = ()) -> None:
    """Say that a change in the current transaction touched the figures of these coaches (and of the current
    coaches of these claimants). Costs nothing in the transaction (no query): the recount runs once, after
    commit, for every coach collected. Outside a transaction the recount runs at once."""
    coaches = {pk for pk in coach_ids if pk}
    claimants = {pk for pk in claimant_ids if pk}
    if not (coaches or claimants):
        return
    if not connection.in_atomic_block:
        pending = _Pending(coaches, claimants)
        pending.flush()
        return
    pending = _state.__dict__.get("pending")
    if not _still_waiting(pending):
        pending = _Pending()
        _state.pending = pending
        transaction.on_commit(pending.flush)
    pending.coach_ids |= coaches
    pending.claimant_ids |= claimants


class figures_deferred:
    """Run many transactions (a batch task recalculating 200 claimants one transaction each) and recount the
    figures they touched once, at the end, instead of once per transaction."""

    def __enter__(self) -> figures_deferred:
        self._outer = _state.__dict__.get("deferred")
        if self._outer is None:
            _state.deferred = _Pending()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._outer is not None:
            return
        collected: _Pending = _state.deferred
        _state.deferred = None
        _recount(collected.coach_ids, collected.claimant_ids)
