"""What the claimants app adds to the timeline (``iwp.timeline``): claimant commitments issued and accepted,
handovers and absence cover, circumstances and easements, earnings recorded and regime changes; and, in one line
each, the progression plan and self-assessments and the Flexible Support Fund (their own selectors' events).

Each provider reads in a fixed number of queries (filtered, ordered and limited in SQL), newest first with ties
broken by primary key, and names nothing restricted outside an entry marked ``sensitive``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse

from claimants.commitments.selectors import may_see_restricted
from claimants.models import (
    Circumstance,
    Claimant,
    ClaimantCommitment,
    ClaimantFacts,
    CoachAssignment,
    EarningsRecord,
    Easement,
    FactsOrigin,
    RegimeAssessment,
)
from claimants.record.voice import about
from iwp import timeline
from iwp.input.dates import long_date
from iwp.models import CoachAbsence, StaffMember
from iwp.timeline import TimelineEntry, between, day_start, days_between, newest


def _money(amount) -> str:
    return f"£{amount:,.2f}"


# --- Claimant commitments ---------------------------------------------------------------------------------


def commitment_entries(
    claimant: Claimant, user: StaffMember, since: datetime | None, until: datetime | None, limit: int
) -> list[TimelineEntry]:
    """Each version issued, and accepted. The requirements and easements stay on the commitment's own page
    (they may hold restricted circumstances): the timeline says what happened and links there."""
    rows = ClaimantCommitment.objects.filter(claimant=claimant).only(
        "id", "claimant_id", "version", "issued_at", "accept_by", "accepted_at", "review_due"
    )
    issued = between(rows.filter(issued_at__isnull=False), "issued_at", since, until)
    accepted = between(rows.filter(accepted_at__isnull=False), "accepted_at", since, until)
    entries = []
    for c in issued.order_by("-issued_at", "-pk")[:limit]:
        url = reverse("claimants:commitment_version", args=[claimant.pk, c.version])
        when = f"To be accepted by {long_date(c.accept_by)}." if c.accept_by else ""
        entries.append(
            TimelineEntry(
                c.issued_at, "commitments", f"Claimant commitment version {c.version} issued", when, url
            )
        )
    for c in accepted.order_by("-accepted_at", "-pk")[:limit]:
        url = reverse("claimants:commitment_version", args=[claimant.pk, c.version])
        review = f"Review due by {long_date(c.review_due)}." if c.review_due else ""
        entries.append(
            TimelineEntry(
                c.accepted_at, "commitments", f"Claimant commitment version {c.version} accepted", review, url
            )
        )
    return newest(entries, limit)


# --- Handovers and cover ----------------------------------------------------------------------------------


def handover_entries(
    claimant: Claimant, user: StaffMember, since: datetime | None, until: datetime | None, limit: int
) -> list[TimelineEntry]:
    """Each change of work coach ("Handed over from A to B", with the reason; the handover summary only for those
    who may read restricted information) and each absence of the claimant's coach that a colleague covered."""
    rows = list(
        between(CoachAssignment.objects.filter(claimant=claimant), "assigned_at", None, until)
        .select_related("coach", "assigned_by")
        .order_by("-assigned_at", "-pk")[: limit + 1]  # one more: who had the claimant before the oldest
    )
    show_summary = user is not None and may_see_restricted(user, claimant)
    entries = []
    for i, row in enumerate(rows[:limit]):
        if since is not None and row.assigned_at < since:
            break
        before = rows[i + 1] if i + 1 < len(rows) else None
        if before is None:
            title = f"{row.coach} became the work coach"
        elif before.coach_id == row.coach_id:
            title = f"{row.coach} became the work coach again"
        else:
            title = f"Handed over from {before.coach} to {row.coach}"
        lines = []
        if row.reason:
            lines.append(f"Reason: {row.reason}")
        if row.assigned_by_id and row.assigned_by_id != row.coach_id:
            lines.append(f"By {row.assigned_by}.")
        if row.handover_summary:
            lines.append(
                f"Handover summary: {row.handover_summary}"
                if show_summary
                else "A handover summary was written for the new work coach."
            )
        entries.append(TimelineEntry(row.assigned_at, "handovers", title, "\n".join(lines)))
    entries.extend(_cover_entries(claimant, since, until, limit))
    return newest(entries, limit)


def _cover_entries(
    claimant: Claimant, since: datetime | None, until: datetime | None, limit: int
) -> list[TimelineEntry]:
    """Absences of a coach of this claimant, while they were this claimant's coach, with a named colleague
    covering. What kind of absence it was is the coach's own business and is not shown."""
    coached_then = CoachAssignment.objects.filter(
        claimant=claimant,
        coach_id=OuterRef("coach_id"),
        assigned_at__date__lte=OuterRef("ends_on"),
    ).filter(Q(unassigned_at__isnull=True) | Q(unassigned_at__date__gte=OuterRef("starts_on")))
    absences = (
        CoachAbsence.objects.filter(
            covered_by__isnull=False,
            coach_id__in=CoachAssignment.objects.filter(claimant=claimant).values("coach_id"),
        )
        .filter(Exists(coached_then))
        .select_related("coach", "covered_by")
    )
    absences = days_between(absences, "starts_on", since, until)
    return [
        TimelineEntry(
            day_start(a.starts_on),
            "handovers",
            f"{a.covered_by} covered while {a.coach} was away",
            f"{a.coach} was away from {long_date(a.starts_on)} to {long_date(a.ends_on)}; {a.covered_by} "
            "took their appointments.",
            all_day=True,
        )
        for a in absences.order_by("-starts_on", "-pk")[:limit]
    ]


# --- Circumstances and easements --------------------------------------------------------------------------


def circumstance_entries(
    claimant: Claimant, user: StaffMember, since: datetime | None, until: datetime | None, limit: int
) -> list[TimelineEntry]:
    """Circumstances and barriers recorded and resolved, and easements. A sensitive circumstance (health and
    domestic abuse always) and a domestic-abuse easement are ``sensitive`` entries: the timeline only says that
    restricted information was recorded, whoever reads it (the restricted page shows it, and audits the look)."""
    rows = Circumstance.objects.filter(claimant=claimant)
    entries = []
    for c in between(rows, "recorded_at", since, until).order_by("-recorded_at", "-pk")[:limit]:
        entries.append(
            TimelineEntry(
                c.recorded_at,
                "circumstances",
                f"Circumstance recorded: {c.get_kind_display()}",
                c.detail,
                sensitive=c.sensitive,
            )
        )
    resolved = days_between(rows.filter(resolved_on__isnull=False), "resolved_on", since, until)
    for c in resolved.order_by("-resolved_on", "-pk")[:limit]:
        entries.append(
            TimelineEntry(
                day_start(c.resolved_on),
                "circumstances",
                f"Circumstance resolved: {c.get_kind_display()}",
                sensitive=c.sensitive,
                all_day=True,
            )
        )
    easements = between(Easement.objects.filter(claimant=claimant), "recorded_at", since, until)
    for e in easements.order_by("-recorded_at", "-pk")[:limit]:
        entries.append(
            TimelineEntry(
                e.recorded_at,
                "circumstances",
                f"Easement recorded: {e.get_kind_display()}",
                f"From {long_date(e.starts_on)} to {long_date(e.ends_on)}."
                + (f" {e.reason}" if e.reason else ""),
                sensitive=e.sensitive,
            )
        )
    return newest(entries, limit)


# --- Earnings and regime changes --------------------------------------------------------------------------


def earnings_entries(
    claimant: Claimant, user: StaffMember, since: datetime | None, until: datetime | None, limit: int
) -> list[TimelineEntry]:
    """Each set of earnings received (the RTI feed, a self-report, a coach's entry), and each correction."""
    earlier = EarningsRecord.objects.filter(
        claimant_id=OuterRef("claimant_id"),
        period_start=OuterRef("period_start"),
        received_at__lt=OuterRef("received_at"),
    )
    rows = (
        between(EarningsRecord.objects.filter(claimant=claimant), "received_at", since, until)
        .annotate(corrects=Exists(earlier))
        .order_by("-received_at", "-pk")[:limit]
    )
    entries = []
    for r in rows:
        amounts = [f"{_money(r.employed_earnings)} from employment"]
        if r.self_employed_earnings:
            amounts.append(f"{_money(r.self_employed_earnings)} from self-employment")
        entries.append(
            TimelineEntry(
                r.received_at,
                "earnings",
                "Earnings corrected" if r.corrects else "Earnings recorded",
                f"{' and '.join(amounts)} in the assessment period from {long_date(r.period_start)} "
                f"({r.get_source_display()}).",
            )
        )
    return entries


def regime_entries(
    claimant: Claimant, user: StaffMember, since: datetime | None, until: datetime | None, limit: int
) -> list[TimelineEntry]:
    """Every recorded calculation that changed the regime, at the start of its assessment period."""
    rows = (
        RegimeAssessment.objects.filter(claimant=claimant)
        .exclude(previous_regime="")
        .exclude(regime=F("previous_regime"))
        .only(
            "id", "claimant_id", "period_start", "regime", "previous_regime", "partner_regime", "explanation"
        )
    )
    rows = days_between(rows, "period_start", since, until).order_by("-period_start", "-pk")[:limit]
    url = reverse("claimants:claimant_regime", args=[claimant.pk])
    return [
        TimelineEntry(
            day_start(r.period_start),
            "regime",
            f"Regime change: {r.get_previous_regime_display()} → {r.get_regime_display()}",
            about(" ".join(r.conclusion), claimant.first_name),
            url,
            all_day=True,
            date_prefix="Assessment period from",
        )
        for r in rows
    ]


# --- Facts changed from a date ------------------------------------------------------------------------------


def _fact_words(version: ClaimantFacts) -> list[str]:
    """What a version changed, in a coach's words."""
    changed = set(version.changed)
    words = []
    if changed & {"expected_hours", "expected_hours_reason"}:
        reason = (
            f" ({version.get_expected_hours_reason_display().lower()})"
            if version.expected_hours_reason
            else ""
        )
        words.append(f"expected hours {version.expected_hours.normalize():f}{reason}")
    if "conditionality_group" in changed:
        words.append(f"group: {version.get_conditionality_group_display()}")
    if "apprentice" in changed:
        words.append("an apprentice" if version.apprentice else "no longer an apprentice")
    if changed & {"self_employed", "minimum_income_floor"}:
        if version.self_employed:
            words.append(
                "self-employed" + (" with the Minimum Income Floor" if version.minimum_income_floor else "")
            )
        else:
            words.append("not self-employed")
    if changed & {"partner", "has_non_uc_partner", "non_uc_partner_date_of_birth"}:
        if version.partner_id:
            words.append(f"joint claim with {version.partner}")
        elif version.has_non_uc_partner:
            words.append("a partner not eligible for Universal Credit")
        else:
            words.append("single claim")
    return words


def facts_entries(
    claimant: Claimant, user: StaffMember, since: datetime | None, until: datetime | None, limit: int
) -> list[TimelineEntry]:
    """Each change of the regime facts, when it was recorded, with the date it took effect from (issue #16).
    The first version (the facts from the start of the claim) is not a change."""
    rows = between(
        ClaimantFacts.objects.filter(claimant=claimant, effective_from__isnull=False),
        "recorded_at",
        since,
        until,
    ).select_related("recorded_by", "partner")
    url = reverse("claimants:claimant_regime", args=[claimant.pk]) + "#facts-over-time"
    entries = []
    for v in rows.order_by("-recorded_at", "-pk")[:limit]:
        words = _fact_words(v) or ["facts recorded"]
        lines = [v.reason] if v.reason else []
        by = f" by {v.recorded_by}" if v.recorded_by_id else ""
        how = "Recorded" if v.origin == FactsOrigin.RECORDED else v.get_origin_display()
        lines.append(
            f"{how}{by}. Periods before {long_date(v.effective_from)} keep the facts they were decided with."
        )
        title = f"From {long_date(v.effective_from)}: {'; '.join(words)}"
        entries.append(
            TimelineEntry(v.recorded_at, "facts", title[0].upper() + title[1:], "\n".join(lines), url)
        )
    return newest(entries, limit)


def register(registry: timeline.TimelineRegistry | Any = None) -> None:
    from claimants.progression.selectors import progression_timeline_events
    from claimants.support_fund.selectors import support_fund_timeline_events

    registry = registry or timeline.registry
    # The other parts of issue #16 give their events as dicts of the claimant: one line each.
    registry.add_events(
        "progression", "Progression plan and self-assessments", progression_timeline_events, position=35
    )
    registry.add_events("support_fund", "Flexible Support Fund", support_fund_timeline_events, position=55)
    registry.add("commitments", "Claimant commitments", commitment_entries, position=40)
    registry.add("handovers", "Handovers and cover", handover_entries, position=60)
    registry.add("circumstances", "Circumstances and easements", circumstance_entries, position=70)
    registry.add("facts", "Facts the regime depends on", facts_entries, position=75)
    registry.add("regime", "Regime changes", regime_entries, position=80)
    registry.add("earnings", "Earnings recorded", earnings_entries, position=90)
