"""Team leaders' writes (issue #6): bulk reassignment, coach absence with cover, team membership.

Every function is keyword-only, checks the actor may do it against the dashboard scope (``iwp.dashboards.selectors``), runs
in one transaction and audits each change. A refusal raises ``ValidationError``/``PermissionDenied`` before
anything is written.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from appointments.cover import appointments_cover
from claimants.models import Claimant
from claimants.services import claimant_reassign
from iwp.audit import audit_record
from iwp.dashboards.selectors import dashboard_teams
from iwp.figures import DashboardPeriod, figures_changed, registry
from iwp.input.dates import ABSENCE_MAX_MONTHS, add_months, long_date
from iwp.models import AuditVerb, CoachAbsence, CoachFigures, Role, StaffMember, Team

MAX_REASSIGN = 200  # claimants moved in one go


def coaches_managed_by(actor: StaffMember):
    """Work coaches whose work ``actor`` may move (reassignment, absence and cover): in the teams they may open a
    dashboard for, and in an office whose casework they may change (``iwp.access.writes_in_jobcentre``): a
    district leader sees the district's dashboards but manages only their own jobcentre's coaches."""
    coaches = StaffMember.objects.filter(
        role=Role.WORK_COACH, is_active=True, team__in=dashboard_teams(actor)
    )
    if actor.effective_role != Role.ADMINISTRATOR:
        coaches = coaches.filter(jobcentre_id=actor.jobcentre_id)
    return coaches.select_related("team")


def claimants_managed_by(actor: StaffMember):
    """Claimants of those coaches (the only claimants a leader may move)."""
    return Claimant.objects.filter(coach__in=coaches_managed_by(actor))


def _handover(claimant: Claimant, previous: StaffMember | None, actor: StaffMember, note: str) -> str:
    """What the new coach reads first: who had the claimant, the regime, open work, and the leader's note."""
    lines = [
        f"Moved from {previous.get_full_name() if previous else 'no coach'} by "
        f"{actor.get_full_name() or actor.username} on {timezone.localdate():%d %B %Y}.",
        f"Regime: {claimant.get_current_regime_display() or 'not yet assessed'}"
        + (f" since {claimant.regime_since:%d %B %Y}" if claimant.regime_since else "")
        + ("; flagged for regime cycling" if claimant.regime_cycling else "")
        + ".",
        f"IWP offer: {claimant.get_iwp_offer_status_display()}.",
    ]
    extra = getattr(claimant, "open_actions", None)
    if extra:
        lines.append(f"Open agreed actions: {extra}.")
    if note:
        lines.append(note)
    return "\n".join(lines)


@dataclass(frozen=True)
class BulkReassignResult:
    moved: int
    to_coach: StaffMember


def claimants_bulk_reassign(
    *,
    claimant_ids: Sequence[int],
    to_coach: StaffMember,
    actor: StaffMember,
    reason: str = "",
    handover_note: str = "",
) -> BulkReassignResult:
    """Move the chosen claimants to ``to_coach`` in one transaction: each keeps its history (the assignment rows),
    gets a handover summary, and is audited (who moved whom). All or nothing: one claimant outside the actor's
    scope (or in another jobcentre than the new coach) refuses the whole move."""
    ids = sorted(set(claimant_ids))
    if not ids:
        raise ValidationError({"claimants": "Select at least one claimant to move."})
    if len(ids) > MAX_REASSIGN:
        raise ValidationError({"claimants": f"Move at most {MAX_REASSIGN} claimants at a time."})
    if not coaches_managed_by(actor).filter(pk=to_coach.pk).exists():
        raise ValidationError({"to_coach": "Choose a work coach in a team you lead."})
    with transaction.atomic():
        claimants = list(
            claimants_managed_by(actor)
            .filter(pk__in=ids)
            .select_related("coach")
            .annotate(open_actions=Count("agreed_actions", filter=Q(agreed_actions__status="open")))
            .order_by("pk")
        )
        if len(claimants) != len(ids):
            raise PermissionDenied("Some of the selected claimants are not in a team you lead.")
        if all(c.coach_id == to_coach.pk for c in claimants):
            raise ValidationError(
                {
                    "to_coach": f"The claimants you selected already have {to_coach.get_full_name()} as their work coach"
                }
            )
        moved = 0
        for claimant in claimants:
            if claimant.coach_id == to_coach.pk:
                continue
            claimant_reassign(
                claimant=claimant,
                to_coach=to_coach,
                actor=actor,
                reason=reason or "Rebalancing by the team leader",
                handover_summary=_handover(claimant, claimant.coach, actor, handover_note),
            )
            moved += 1
        # The dashboard's figures follow the claimants once the move commits: ``claimant_reassign`` names both
        # coaches of each move, and the whole transaction gets one recount of every coach touched.
    return BulkReassignResult(moved=moved, to_coach=to_coach)


def _absence_problems(
    *, coach: StaffMember, starts_on: date, ends_on: date, covered_by: StaffMember | None
) -> None:
    """An absence is at most 12 months, never overlaps another of the same coach, and is covered only by a
    colleague who is at work for all of it (cover by an absent colleague would move the diary to nobody)."""
    errors: dict[str, str] = {}
    if ends_on > add_months(starts_on, ABSENCE_MAX_MONTHS):
        errors["ends_on"] = (
            f"An absence can be at most {ABSENCE_MAX_MONTHS} months: record a longer one in parts"
        )
    overlapping = (
        CoachAbsence.objects.select_for_update()
        .filter(coach=coach, starts_on__lte=ends_on, ends_on__gte=starts_on)
        .order_by("starts_on")
        .first()
    )
    if overlapping is not None:
        errors["starts_on"] = (
            f"{coach.get_full_name()} is already recorded as away from {long_date(overlapping.starts_on)} to "
            f"{long_date(overlapping.ends_on)}: change the dates so they do not overlap"
        )
    if covered_by is not None:
        away = (
            CoachAbsence.objects.filter(coach=covered_by, starts_on__lte=ends_on, ends_on__gte=starts_on)
            .order_by("starts_on")
            .first()
        )
        if away is not None:
            errors["covered_by"] = (
                f"{covered_by.get_full_name()} is away from {long_date(away.starts_on)} to "
                f"{long_date(away.ends_on)}: choose a colleague who is at work"
            )
    if errors:
        raise ValidationError(errors)


def coach_absence_record(
    *,
    coach: StaffMember,
    kind: str,
    starts_on: date,
    ends_on: date,
    covered_by: StaffMember | None,
    actor: StaffMember,
    note: str = "",
    move_appointments: bool = True,
) -> tuple[CoachAbsence, list[int]]:
    """Record an absence; with a covering colleague, their booked appointments in the absence move to them
    (the colleague's diary shows them). Returns the absence and the ids of the appointments moved."""
    managed = coaches_managed_by(actor)
    if not managed.filter(pk=coach.pk).exists():
        raise PermissionDenied("You can record absence only for coaches in a team you lead.")
    if covered_by is not None and not managed.filter(pk=covered_by.pk).exists():
        raise ValidationError({"covered_by": "Choose a colleague in a team you lead."})
    if covered_by is not None and covered_by.jobcentre_id != coach.jobcentre_id:
        raise ValidationError({"covered_by": "Choose a colleague in the same jobcentre."})
    with transaction.atomic():
        _absence_problems(coach=coach, starts_on=starts_on, ends_on=ends_on, covered_by=covered_by)
        absence = CoachAbsence(
            coach=coach,
            kind=kind,
            starts_on=starts_on,
            ends_on=ends_on,
            covered_by=covered_by,
            note=note,
            recorded_by=actor,
        )
        absence.full_clean()
        absence.save()
        moved: list[int] = []
        if covered_by is not None and move_appointments:
            moved = appointments_cover(
                coach=coach, covered_by=covered_by, first_day=starts_on, last_day=ends_on, actor=actor
            )
            figures_changed([coach.pk, covered_by.pk])
        audit_record(
            actor=actor,
            verb=AuditVerb.CREATED,
            target=absence,
            payload={
                "coach": coach.pk,
                "kind": kind,
                "from": starts_on.isoformat(),
                "to": ends_on.isoformat(),
                "covered_by": covered_by.pk if covered_by else None,
                "appointments_moved": moved,
            },
        )
    return absence, moved


def team_add_member(*, coach: StaffMember, team: Team, actor: StaffMember) -> StaffMember:
    """Move a work coach into ``team`` (from another team of the same jobcentre): the leader must lead ``team`` or
    the coach's current team; the coach must be a work coach of that jobcentre."""
    led = dashboard_teams(actor)
    if not led.filter(pk__in=[team.pk, coach.team_id or 0]).exists():
        raise PermissionDenied("You can change only teams you lead.")
    if coach.effective_role != Role.WORK_COACH or coach.jobcentre_id != team.jobcentre_id:
        raise ValidationError({"coach": "Choose a work coach from this jobcentre."})
    if coach.team_id == team.pk:
        return coach
    with transaction.atomic():
        previous = coach.team_id
        StaffMember.objects.filter(pk=coach.pk).update(team=team)
        audit_record(
            actor=actor,
            verb=AuditVerb.UPDATED,
            target=coach,
            payload={"team": {"from": previous, "to": team.pk}},
        )
    coach.team = team
    return coach


def team_candidates(team: Team):
    """Work coaches of the team's jobcentre who are in another team (who could join it)."""
    return (
        StaffMember.objects.filter(role=Role.WORK_COACH, is_active=True, jobcentre_id=team.jobcentre_id)
        .exclude(team=team)
        .select_related("team")
        .order_by("last_name", "first_name", "pk")
    )


# Coaches per set of aggregate queries. A batch's claimants lie all over the claimant table, so each batch reads much
# of it: at 1,000,000 claimants the caseload counts of 6,024 coaches (every coach, as an uprating that moves one
# claimant in thirteen recounts when it ends) took 1.3–1.5 s in batches of 1,000 and 0.55 s in one. A batch is
# bounded by the parameters of one statement (_store binds three a coach): PostgreSQL takes 65,535; elsewhere (the
# SQLite demo, a few hundred coaches) the batch stays as it was.
REFRESH_BATCH = 1000
REFRESH_BATCH_POSTGRESQL = 10_000


def _refresh_batch() -> int:
    return REFRESH_BATCH_POSTGRESQL if connection.vendor == "postgresql" else REFRESH_BATCH


def _database_now() -> datetime:
    """The database's clock: every recount (web processes, workers, beat) stamps its rows from one clock, so the
    newest count is the one kept whichever host counted it (see ``_store``)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT CURRENT_TIMESTAMP")
        value = cursor.fetchone()[0]
    if isinstance(value, str):  # SQLite answers with text, in UTC
        value = datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value


def _store(counts: dict[int, dict[str, int]], now: datetime) -> None:
    """Upsert the coaches' rows, keeping a row counted later than ``now``: a recount that started before a
    concurrent change committed (and so missed it) must not overwrite the recount that started after it."""
    table = CoachFigures._meta.db_table
    rows = [(pk, json.dumps(c, sort_keys=True), now) for pk, c in counts.items()]
    placeholders = ", ".join(["(%s, %s, %s)"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (coach_id, counts, refreshed_at) VALUES {placeholders} "  # noqa: S608 - ours
            "ON CONFLICT (coach_id) DO UPDATE SET counts = excluded.counts, refreshed_at = excluded.refreshed_at "
            f"WHERE {table}.refreshed_at <= excluded.refreshed_at",
            [value for row in rows for value in row],
        )


def refresh_coach_figures(coach_ids: Sequence[int] | None = None, *, now: datetime | None = None) -> int:
    """Recount every figure group for these coaches (default: every active work coach), in batches of
    ``_refresh_batch()`` coaches — one aggregate query per group per batch — and upsert their ``CoachFigures``.
    Safe to run twice (the rows are replaced, never by an older count). Returns the number of coaches refreshed."""
    now = now or _database_now()
    period = DashboardPeriod(today=timezone.localdate(now), now=now)
    if coach_ids is None:
        coach_ids = list(
            StaffMember.objects.filter(role=Role.WORK_COACH, is_active=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    ids = sorted(set(coach_ids))
    groups = registry.active()
    size = _refresh_batch()
    for start in range(0, len(ids), size):
        batch = ids[start : start + size]
        counts: dict[int, dict[str, int]] = {pk: {} for pk in batch}
        for group in groups:
            for coach_id, found in group.counts(batch, period).items():
                if coach_id in counts:
                    counts[coach_id].update(found)
        _store(counts, now)
    return len(ids)


def recount_touched_figures(coach_ids: set[int], claimant_ids: set[int]) -> int:
    """The recounter behind ``iwp.figures.figures_changed`` (registered in ``DashboardsConfig.ready``): after a
    change commits, recount the coaches it named and the current coaches of the claimants it named — one
    recount for the whole transaction. Returns the number of coaches recounted."""
    ids = set(coach_ids)
    if claimant_ids:
        ids |= set(
            Claimant.objects.filter(pk__in=claimant_ids, coach__isnull=False)
            .values_list("coach_id", flat=True)
            .distinct()
        )
    if not ids:
        return 0
    with transaction.atomic():
        return refresh_coach_figures(sorted(ids))
