"""The regime calculator page: the browser face of ``POST /api/v1/regime-calculator/``.

Thin: the form reads the boxes, ``claimants.api.assess_payload`` validates the facts and runs the engine (the one
validation path the API uses too), ``claimants.taper`` does the better-off arithmetic. GET, so a result can be
bookmarked and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from rest_framework.exceptions import ValidationError

from claimants.api import assess_payload
from claimants.forms import RegimeCalculatorForm, api_error_messages
from claimants.regimes import Assessment, format_date, format_money, monthly_amount, quantize_money
from claimants.selectors import rate_tables
from claimants.taper import NoWorkAllowanceInForce, TaperEffect, WorkAllowanceKind, taper_effect
from iwp.access import ALL_ROLES, role_required


@dataclass(frozen=True)
class Comparison:
    """The "what if" side: the regime at the new earnings and what the taper does to the award."""

    description: str
    employed_before: Decimal
    employed_after: Decimal
    before: Assessment
    assessment: Assessment
    taper: TaperEffect

    @property
    def regime_changes(self) -> bool:
        return self.assessment.regime != self.before.regime

    @property
    def partner_regime_changes(self) -> bool:
        return self.assessment.partner_regime != self.before.partner_regime

    @property
    def employed_now(self) -> str:
        return format_money(self.employed_before)

    @property
    def employed_would_be(self) -> str:
        return format_money(self.employed_after)

    @property
    def extra_earnings(self) -> str:
        extra = self.taper.extra_earnings
        return f"{format_money(abs(extra))} {'more' if extra >= 0 else 'less'} a month"

    @property
    def uc_change(self) -> str:
        change = self.taper.uc_change
        if change == 0:
            return "No change"
        return f"Goes {'down' if change > 0 else 'up'} by {format_money(abs(change))} a month"

    @property
    def headline(self) -> str:
        """E.g. "You would be £190.46 a month better off"."""
        gain = self.taper.better_off
        if gain == 0:
            return "You would be no better or worse off"
        return f"You would be {format_money(abs(gain))} a month {'better' if gain > 0 else 'worse'} off"

    @property
    def headline_detail(self) -> str:
        """How the headline figure is made up."""
        taper = self.taper
        earned = f"You would earn {self.extra_earnings}"
        if taper.uc_change == 0:
            return f"{earned}, and your Universal Credit would not change."
        direction = "go down" if taper.uc_change > 0 else "go up"
        return (
            f"{earned}, and your Universal Credit would {direction} by {format_money(abs(taper.uc_change))} "
            f"({taper.pence_per_pound}p for each £1 above the work allowance)."
        )


def _money(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


def _household_earnings(payload: dict[str, Any]) -> Decimal:
    people = [payload["claimant"]] + ([payload["partner"]] if payload.get("partner") else [])
    return sum(
        (_money(p.get("employed_earnings")) + _money(p.get("self_employed_earnings")) for p in people),
        Decimal(0),
    )


def _threshold_rows(assessment: Assessment) -> list[tuple[str, str]]:
    money = assessment.thresholds.as_money()
    rows = [
        ("Administrative Earnings Threshold (AET)", money["aet_individual"]),
        ("AET for a couple", money["aet_couple"]),
        ("Conditionality Earnings Threshold (CET)", money["cet_individual"]),
        ("Partner's CET", money["cet_partner"]),
        ("Household CET", money["cet_household"]),
    ]
    return [(label, f"{format_money(value)} a month") for label, value in rows if value is not None]


def _compare(
    form: RegimeCalculatorForm, before: Assessment, payload: dict, tables: tuple
) -> Comparison | None:
    employed_before = _money(payload["claimant"].get("employed_earnings"))
    if form.what_if_amount is not None:
        employed_after = form.what_if_amount
        description = f"If your employed earnings this assessment period were {format_money(employed_after)}"
        field = "what_if_earnings"
    else:
        hours, rate = form.what_if_hours, form.what_if_rate
        extra = quantize_money(monthly_amount(rate, hours))  # hours a week × rate × 52 ÷ 12, to the penny
        employed_after = employed_before + extra
        description = (
            f"If you worked {hours.normalize():f} extra hours a week at {format_money(rate)} an hour "
            f"({format_money(extra)} a month more)"
        )
        field = "extra_hours"
    try:
        after = assess_payload(form.payload(employed_earnings=employed_after), tables=tables)
    except ValidationError as exc:
        messages = [message for _, message in api_error_messages(exc.detail)]
        form.add_error(
            field, messages[0].removesuffix(".") if messages else "These earnings cannot be compared"
        )
        return None
    household_before = _household_earnings(payload)
    try:
        taper = taper_effect(
            on=before.period_start,
            earnings_before=household_before,
            earnings_after=household_before - employed_before + employed_after,
            kind=WorkAllowanceKind(form.cleaned_data["work_allowance"]),
        )
    except NoWorkAllowanceInForce:
        form.add_error("work_allowance", "There are no work allowance figures for this assessment period")
        return None
    return Comparison(
        description=description,
        employed_before=employed_before,
        employed_after=employed_after,
        before=before,
        assessment=after,
        taper=taper,
    )


@require_GET
@role_required(*ALL_ROLES)
def calculator(request: HttpRequest) -> HttpResponse:
    form = RegimeCalculatorForm(request.GET or None)
    context: dict[str, Any] = {"title": "Regime calculator", "form": form}
    if form.is_bound:
        # The page's own checks first (dates, the "what if" boxes), then the API's validation of the facts even
        # if some boxes failed, so every problem is listed at once.
        form.is_valid()
        tables = rate_tables()
        payload = form.payload()
        try:
            assessment = assess_payload(payload, tables=tables)
        except ValidationError as exc:
            form.add_api_errors(exc.detail)
        else:
            comparison = None
            if form.wants_comparison and not form.errors:
                comparison = _compare(form, assessment, payload, tables)
            if not form.errors:
                context.update(
                    assessment=assessment,
                    period=f"{format_date(assessment.period_start)} to {format_date(assessment.period_end)}",
                    threshold_rows=_threshold_rows(assessment),
                    comparison=comparison,
                )
    if form.errors:
        context["error_links"] = form.error_links()
    return render(request, "claimants/calculator.html", context)
