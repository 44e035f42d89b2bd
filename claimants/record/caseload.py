"""The caseload's filters, sort orders and extra columns, contributed by the apps that own the data.

The caseload page lives here, but "next appointment" and "overdue actions" belong to ``appointments``
and "referrals in limbo" to ``provision``; claimants must not import them. Each app registers what it
adds in its ``AppConfig.ready`` and the page applies them as SQL annotations and filters, so the list is
still one query per page however many columns are added (tested).

Dashboards link to this page with the same parameters (``?show=overdue_actions&coach=12``), so a number
on a dashboard always leads to the claimants behind it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import CharField, DateField, Exists, F, Field, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from claimants.models import Claimant, ClaimantCommitment, CommitmentStatus

Annotations = Callable[[date], dict[str, Any]]


def per_claimant(sql: str, params: tuple[Any, ...], output_field: Field) -> RawSQL:
    """A column's value for each row, as a correlated SQL subquery over ``{claimant}`` (the row's id).

    Why SQL text rather than ``Subquery(...)``: the caseload is the busiest page, and compiling its ORM
    subqueries cost more than running them (2.6 ms of CPU per page against well under 1 ms in PostgreSQL).
    The equivalence with the ORM rules is tested (tests/claimants/test_caseload_filters.py)."""
    table = Claimant._meta.db_table
    # The SQL text is fixed in code; every value is a bound parameter.
    return RawSQL(sql.format(claimant=f'"{table}"."id"'), params, output_field=output_field)  # noqa: S611


@dataclass(frozen=True)
class CaseloadFilter:
    """A "show only" filter: ``condition(today)`` is a ``Q`` or ``Exists`` over claimants (it may refer to
    its ``annotations``)."""

    key: str
    label: str
    condition: Callable[[date], Q | Exists]
    annotations: Annotations | None = None


@dataclass(frozen=True)
class CaseloadColumn:
    """A column of the caseload table that can also sort it.

    ``order_by`` names the annotation(s) to sort on, nulls last; ``cell(row, today)`` gives one cell's HTML
    (a function, not a template include: 25 rows a page, on the busiest page).
    """

    key: str
    heading: str
    annotations: Annotations
    order_by: tuple[str, ...]
    cell: Callable[[Any, date], str]
    descending: bool = False
    sort_label: str = ""
    position: int = 50  # left to right


@dataclass
class CaseloadRegistry:
    filters: dict[str, CaseloadFilter] = field(default_factory=dict)
    columns: dict[str, CaseloadColumn] = field(default_factory=dict)

    def add_filter(self, item: CaseloadFilter) -> None:
        self.filters[item.key] = item

    def add_column(self, item: CaseloadColumn) -> None:
        self.columns[item.key] = item
        self.columns = dict(sorted(self.columns.items(), key=lambda kv: kv[1].position))


registry = CaseloadRegistry()

# Sort orders every caseload has, before any column an app adds.
BASE_SORTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "name": ("Name", ("last_name", "first_name", "pk")),
    "regime": ("Regime", ("current_regime", "last_name", "first_name", "pk")),
    "regime_since": ("Longest in regime", ("regime_since", "last_name", "pk")),
}


def sort_choices() -> list[tuple[str, str]]:
    """(value, label) for the "Sort by" select, in display order."""
    choices = [(key, label) for key, (label, _) in BASE_SORTS.items()]
    choices += [(c.key, c.sort_label or c.heading) for c in registry.columns.values()]
    return choices


def sorts_by_name(sort: str) -> bool:
    """Whether ``apply`` orders by name for ``sort``: chosen, or an unknown value it falls back on."""
    return sort not in registry.columns and (sort == "name" or sort not in BASE_SORTS)


def apply(
    claimants: QuerySet, *, today: date, show: list[str] | tuple[str, ...] = (), sort: str = "name"
) -> QuerySet:
    """Annotate every registered column, apply the chosen filters and order the rows."""
    annotations: dict[str, Any] = {}
    for column in registry.columns.values():
        annotations.update(column.annotations(today))
    chosen = [registry.filters[key] for key in show if key in registry.filters]
    for item in chosen:
        if item.annotations:
            annotations.update(item.annotations(today))
    if annotations:
        claimants = claimants.annotate(**annotations)
    for item in chosen:
        claimants = claimants.filter(item.condition(today))
    if sort in registry.columns:
        column = registry.columns[sort]
        ordering = [
            F(name).desc(nulls_last=True) if column.descending else F(name).asc(nulls_last=True)
            for name in column.order_by
        ]
        return claimants.order_by(*ordering, "last_name", "first_name", "pk")
    _, ordering_names = BASE_SORTS.get(sort, BASE_SORTS["name"])
    return claimants.order_by(*ordering_names)


# --- what claimants itself contributes -------------------------------------------------------------

REVIEW_DUE_SOON = timedelta(days=14)  # "review due" includes reviews falling due in the next fortnight


def _commitment_annotations(today: date) -> dict[str, Any]:
    # The version in force (issued or accepted): at most one per claimant (a unique constraint).
    in_force = (
        "(SELECT {column} FROM claimants_claimantcommitment "
        "WHERE claimant_id = {claimant} AND status IN (%s, %s) LIMIT 1)"
    )
    statuses = (CommitmentStatus.ISSUED.value, CommitmentStatus.ACCEPTED.value)
    return {
        "commitment_review_due": per_claimant(
            in_force.replace("{column}", "review_due"), statuses, DateField()
        ),
        "commitment_status": per_claimant(in_force.replace("{column}", "status"), statuses, CharField()),
        "commitment_accept_by": per_claimant(
            in_force.replace("{column}", "accept_by"), statuses, DateField()
        ),
    }


def _review_due_cell(c: Any, today: date) -> str:
    """Commitment review date (red "Overdue" once passed), and whether the issued version is accepted."""
    review, status, accept_by = c.commitment_review_due, c.commitment_status, c.commitment_accept_by
    if review:
        html = format_html(
            "{}{}",
            mark_safe('<strong class="govuk-tag govuk-tag--red">Overdue</strong> ') if review < today else "",
            date_format(review, "j M Y"),
        )
    elif status:
        html = "–"
    else:
        html = mark_safe('<span class="govuk-body-s">No commitment</span>')
    if status == "issued":
        if accept_by and accept_by < today:
            html = format_html(
                '{}<br><strong class="govuk-tag govuk-tag--red">Not accepted</strong> '
                '<span class="govuk-body-s">was due {}</span>',
                html,
                date_format(accept_by, "j M"),
            )
        else:
            by = f" (by {date_format(accept_by, 'j M')})" if accept_by else ""
            html = format_html('{}<br><span class="govuk-body-s">Not yet accepted{}</span>', html, by)
    return html


def register_claimant_items() -> None:
    registry.add_filter(CaseloadFilter("cycling", "Regime cycling", lambda today: Q(regime_cycling=True)))
    registry.add_filter(
        CaseloadFilter(
            "review_due",
            "Commitment review due",
            lambda today: Q(commitment_review_due__lte=today + REVIEW_DUE_SOON),
            annotations=_commitment_annotations,
        )
    )
    registry.add_filter(
        CaseloadFilter(
            "awaiting_acceptance",
            "Commitment not yet accepted",
            lambda today: Exists(
                ClaimantCommitment.objects.filter(claimant=OuterRef("pk"), status=CommitmentStatus.ISSUED)
            ),
        )
    )
    registry.add_filter(
        CaseloadFilter(
            "acceptance_overdue",
            "Commitment acceptance overdue",
            lambda today: Exists(
                ClaimantCommitment.objects.filter(
                    claimant=OuterRef("pk"), status=CommitmentStatus.ISSUED, accept_by__lt=today
                )
            ),
        )
    )
    registry.add_column(
        CaseloadColumn(
            key="review_due",
            heading="Commitment review",
            annotations=_commitment_annotations,
            order_by=("commitment_review_due",),
            cell=_review_due_cell,
            sort_label="Commitment review due",
            position=30,
        )
    )
    registry.add_filter(CaseloadFilter("earnings_rose_3m", "Earnings rose over 3 months", _rose(3)))
    registry.add_filter(CaseloadFilter("earnings_rose_6m", "Earnings rose over 6 months", _rose(6)))
    registry.add_filter(
        CaseloadFilter("moved_up_3m", "Moved up from Intensive Work Search (3 months)", _moved_up(3))
    )
    registry.add_filter(
        CaseloadFilter("moved_up_6m", "Moved up from Intensive Work Search (6 months)", _moved_up(6))
    )
    registry.add_filter(
        CaseloadFilter("moved_up_12m", "Moved up from Intensive Work Search (12 months)", _moved_up(12))
    )
    registry.add_filter(CaseloadFilter("many_coaches", "3 or more coaches in 12 months", _many_coaches))


# --- Progression and continuity (issue #6), read from the nightly ``iwp.ClaimantProgress`` summary ---------


def _rose(months: int) -> Callable[[date], Q]:
    def condition(today: date) -> Q:
        return Q(**{f"progress__rose_{months}_months": True})

    return condition


def _moved_up(months: int) -> Callable[[date], Q]:
    def condition(today: date) -> Q:
        return Q(progress__moved_up_on__gte=today - timedelta(days=round(months * 30.44)))

    return condition


def _many_coaches(today: date) -> Q:
    return Q(progress__coaches_12_months__gte=3)
