"""Distance travelled on the team dashboard and the caseload (issue #16).

For each window of the last 3 and 6 months (``rules.window_start``), per claimant, three SQL subqueries over
their self-assessments of the current question set dated in the window: how many there are, the total of the
earliest and the total of the latest (ties on a day broken by the order they were recorded). A claimant *counts*
with two or more; they *improved* when the latest total is strictly higher than the earliest
(``rules.distance`` is the same rule in Python, and the tests hold the two equal).

The dashboard figure and the caseload filter it links to use the same annotations and conditions, so the number
always equals the length of the list.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from claimants.models import Claimant, SelfAssessment
from claimants.progression.rules import QUESTION_SET, WINDOWS, window_start
from claimants.record.caseload import CaseloadFilter, CaseloadRegistry
from iwp.figures import Counts, DashboardPeriod, Figure, FigureGroup, FigureRegistry


def _in_window(today: date, months: int):
    return SelfAssessment.objects.filter(
        claimant=OuterRef("pk"),
        question_set=QUESTION_SET,
        assessed_on__gte=window_start(today, months),
        assessed_on__lte=today,
    )


def distance_annotations(today: date, months: int) -> dict[str, Any]:
    """``dt_n_<m>``, ``dt_first_<m>``, ``dt_last_<m>`` for each claimant row (the module docstring)."""
    inside = _in_window(today, months)
    count = inside.order_by().values("claimant").annotate(n=Count("pk")).values("n")
    return {
        f"dt_n_{months}": Coalesce(Subquery(count, output_field=IntegerField()), Value(0)),
        f"dt_first_{months}": Subquery(inside.order_by("assessed_on", "pk").values("total")[:1]),
        f"dt_last_{months}": Subquery(inside.order_by("-assessed_on", "-pk").values("total")[:1]),
    }


def counted(months: int) -> Q:
    return Q(**{f"dt_n_{months}__gte": 2})


def improved(months: int) -> Q:
    return counted(months) & Q(**{f"dt_last_{months}__gt": F(f"dt_first_{months}")})


def distance_counts(coach_ids: Sequence[int], period: DashboardPeriod) -> Counts:
    """ONE aggregate query, grouped by the claimant's coach: for 3 and 6 months, claimants with two or more
    self-assessments in the window, and those of them whose total improved."""
    annotations: dict[str, Any] = {}
    figures: dict[str, Any] = {}
    for months in WINDOWS:
        annotations.update(distance_annotations(period.today, months))
        figures[f"distance_assessed_{months}m"] = Count("pk", filter=counted(months))
        figures[f"distance_improved_{months}m"] = Count("pk", filter=improved(months))
    rows = (
        Claimant.objects.filter(coach_id__in=coach_ids)
        .filter(Exists(SelfAssessment.objects.filter(claimant=OuterRef("pk"))))
        .annotate(**annotations)
        .values("coach_id")
        .annotate(**figures)
        .order_by()
    )
    return {row.pop("coach_id"): row for row in rows}


def _filter(months: int, condition: Callable[[int], Q]) -> Callable[[date], Q]:
    def build(today: date) -> Q:
        return condition(months)

    return build


def _annotations(months: int) -> Callable[[date], dict[str, Any]]:
    def build(today: date) -> dict[str, Any]:
        return distance_annotations(today, months)

    return build


def register(figures: FigureRegistry, caseload: CaseloadRegistry) -> None:
    for months in WINDOWS:
        caseload.add_filter(
            CaseloadFilter(
                f"assessed_twice_{months}m",
                f"Two or more self-assessments in {months} months",
                _filter(months, counted),
                annotations=_annotations(months),
            )
        )
        caseload.add_filter(
            CaseloadFilter(
                f"distance_improved_{months}m",
                f"Self-assessment improved over {months} months",
                _filter(months, improved),
                annotations=_annotations(months),
            )
        )
    figures.add_group(
        FigureGroup(
            key="distance",
            title="Distance travelled",
            position=45,
            counts=distance_counts,
            figures=tuple(
                figure
                for months in WINDOWS
                for figure in (
                    Figure(
                        f"distance_assessed_{months}m",
                        f"Self-assessed twice or more in the last {months} months",
                        link={"show": f"assessed_twice_{months}m"},
                        hint="Claimants with two or more self-assessments in the period",
                    ),
                    Figure(
                        f"distance_improved_{months}m",
                        f"Of those, self-assessment total improved over {months} months",
                        link={"show": f"distance_improved_{months}m"},
                        of=f"distance_assessed_{months}m",
                    ),
                )
            ),
        )
    )
