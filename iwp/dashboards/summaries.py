"""The dashboards' nightly summaries, refreshed set-based (``iwp.refresh_dashboard_summaries``, nightly by beat,
and by ``manage.py refresh_dashboard_summaries``): what would be too slow to work out for 60,000 claimants on
every request — earnings progression, moves up from Intensive Work Search, coaches per claimant, the trend.

``ClaimantProgress`` is rebuilt with one ``INSERT … SELECT`` compiled from an ORM query (portable: PostgreSQL in
production, SQLite for the laptop demo); ``TeamRegimeMonth`` from one grouped query (a few thousand rows).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from claimants.models import Claimant, CoachAssignment, EarningsRecord, RegimeAssessment
from claimants.regimes.engine import Regime
from iwp.models import ClaimantProgress, TeamRegimeMonth

UP_FROM = Regime.INTENSIVE_WORK_SEARCH
UP_TO = (Regime.LIGHT_TOUCH, Regime.WORKING_ENOUGH)
# The AP starting k calendar months before another starts between these many days earlier (clamped AP days
# included); adjacent APs are at least 28 days apart, so each window holds exactly one AP start.
MONTHS_BACK_DAYS = {3: (89, 92), 6: (181, 184)}
MONEY = DecimalField(max_digits=12, decimal_places=2)


@dataclass(frozen=True)
class RefreshResult:
    claimants: int
    trend_rows: int
    seconds: float


def _earnings_at(months_back: int | None):
    rows = EarningsRecord.objects.filter(claimant=OuterRef("pk"), is_current=True)
    if months_back is None:
        rows = rows.filter(period_start=OuterRef("latest_start"))
    else:
        near, far = MONTHS_BACK_DAYS[months_back]
        rows = rows.filter(
            period_start__gte=OuterRef("latest_start") - timedelta(days=far),
            period_start__lte=OuterRef("latest_start") - timedelta(days=near),
        )
    total = rows.annotate(total=F("employed_earnings") + F("self_employed_earnings")).values("total")[:1]
    return Subquery(total, output_field=MONEY)


def progress_query(*, today: date, now=None):
    """One row per claimant, columns in ``ClaimantProgress`` order (see ``refresh_claimant_progress``)."""
    now = now or timezone.now()
    year_ago = today - timedelta(days=365)
    latest = (
        EarningsRecord.objects.filter(claimant=OuterRef("pk"), is_current=True)
        .order_by("-period_start")
        .values("period_start")[:1]
    )
    moved_up = (
        RegimeAssessment.objects.current()
        .filter(
            claimant=OuterRef("pk"),
            previous_regime=UP_FROM,
            regime__in=UP_TO,
            period_start__gte=year_ago,
        )
        .values("claimant")
        .annotate(last=Max("period_start"))
        .values("last")[:1]
    )
    coaches = (
        CoachAssignment.objects.filter(claimant=OuterRef("pk"))
        .filter(Q(unassigned_at__isnull=True) | Q(unassigned_at__gte=now - timedelta(days=365)))
        .values("claimant")
        .annotate(n=Count("coach_id", distinct=True))
        .values("n")[:1]
    )
    return (
        Claimant.objects.order_by()
        .annotate(latest_start=Subquery(latest))
        .annotate(e0=_earnings_at(None), e3=_earnings_at(3), e6=_earnings_at(6))
        .annotate(
            up3=Case(
                When(e0__gt=F("e3"), then=Value(True)), default=Value(False), output_field=BooleanField()
            ),
            up6=Case(
                When(e0__gt=F("e6"), then=Value(True)), default=Value(False), output_field=BooleanField()
            ),
            moved=Subquery(moved_up),
            n_coaches=Coalesce(Subquery(coaches, output_field=IntegerField()), Value(0)),
            at=Value(now),
        )
        .values_list("pk", "latest_start", "e0", "e3", "e6", "up3", "up6", "moved", "n_coaches", "at")
    )


PROGRESS_COLUMNS = (
    "claimant_id",
    "latest_period_start",
    "earnings_latest",
    "earnings_3_months_before",
    "earnings_6_months_before",
    "rose_3_months",
    "rose_6_months",
    "moved_up_on",
    "coaches_12_months",
    "refreshed_at",
)


def refresh_claimant_progress(*, today: date | None = None) -> int:
    """Rebuild ``ClaimantProgress`` for every claimant in one statement (inside the caller's transaction)."""
    today = today or timezone.localdate()
    sql, params = progress_query(today=today).query.sql_with_params()
    table = ClaimantProgress._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - table and columns are ours, values are params
        cursor.execute(f"INSERT INTO {table} ({', '.join(PROGRESS_COLUMNS)}) {sql}", params)
        return cursor.rowcount


def refresh_team_trend(*, today: date | None = None, months: int = 12) -> int:
    """Rebuild ``TeamRegimeMonth``: the latest regime of each AP in the last ``months`` months, by the claimant's
    current team, month and regime, with the moves up from Intensive Work Search."""
    today = today or timezone.localdate()
    first = (today.replace(day=1) - timedelta(days=31 * months)).replace(day=1)
    rows = (
        RegimeAssessment.objects.current()
        .filter(period_start__gte=first, claimant__coach__team__isnull=False)
        .annotate(month=TruncMonth("period_start"))
        .values("claimant__coach__team_id", "month", "regime")
        .annotate(
            n=Count("pk"),
            up=Count("pk", filter=Q(previous_regime=UP_FROM, regime__in=UP_TO)),
        )
        .order_by()
    )
    objects = [
        TeamRegimeMonth(
            team_id=row["claimant__coach__team_id"],
            month=row["month"].date() if hasattr(row["month"], "date") else row["month"],
            regime=row["regime"],
            claimants=row["n"],
            moved_up=row["up"],
        )
        for row in rows
    ]
    TeamRegimeMonth.objects.all().delete()
    TeamRegimeMonth.objects.bulk_create(objects, batch_size=5000)
    return len(objects)


def refresh_dashboard_summaries(*, today: date | None = None) -> RefreshResult:
    """Both summaries in one transaction: the dashboard never sees half of a refresh."""
    import time

    started = time.perf_counter()
    with transaction.atomic():
        claimants = refresh_claimant_progress(today=today)
        trend = refresh_team_trend(today=today)
    return RefreshResult(claimants=claimants, trend_rows=trend, seconds=time.perf_counter() - started)
