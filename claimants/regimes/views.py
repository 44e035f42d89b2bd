"""The regime engine's pages: the calculator, a claimant's regime history, the IWP-offer list and the uprating.

The calculator is the browser face of ``POST /api/v1/regime-calculator/``. Thin: the form reads the boxes,
``claimants.regimes.api.assess_payload`` validates the facts and runs the engine (the one validation path the API
uses too), ``claimants.regimes.taper`` does the better-off arithmetic. It is posted and answers on the same page,
so nothing personal goes in a URL, and nothing is written.

The uprating pages (administrators) choose the change, preview who would move, run it as a tracked job with a
progress bar, then list who moved; the work itself is ``claimants.regimes.uprating`` (set-based on PostgreSQL).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout, Size
from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework.exceptions import ValidationError

from claimants.facts.selectors import fact_versions
from claimants.models import AetParameter, IwpOfferStatus, WageRate
from claimants.record.charts import earnings_chart
from claimants.regimes import uprating
from claimants.regimes.api import assess_payload
from claimants.regimes.engine import (
    Assessment,
    Regime,
    format_date,
    format_money,
    monthly_amount,
    quantize_money,
)
from claimants.regimes.forms import RegimeCalculatorForm, api_error_messages
from claimants.regimes.iwp_offer import iwp_offer_invite
from claimants.regimes.selectors import rate_tables, uprating_movers
from claimants.regimes.taper import NoWorkAllowanceInForce, TaperEffect, WorkAllowanceKind, taper_effect
from claimants.regimes.uprating import UPRATING_JOB_KIND
from claimants.selectors import (
    claimant_to_edit,
    claimants_visible_to,
    regime_changes,
    regime_history,
)
from iwp.access import ALL_ROLES, role_required
from iwp.input import dates
from iwp.input.fields import GovukDateField
from iwp.models import BackgroundJob, Role


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


@require_http_methods(["GET", "POST"])
@role_required(*ALL_ROLES)
def calculator(request: HttpRequest) -> HttpResponse:
    # Posted, results on the same page: a date of birth and earnings never go in a URL, a history or a log.
    form = RegimeCalculatorForm(request.POST if request.method == "POST" else None)
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


class UpratingForm(forms.Form):
    effective_from = GovukDateField(
        what="the date to recalculate from",
        date_range=dates.UPRATING_FROM,
        label="Recalculate assessment periods starting on or after",
        help_text="Usually the date the new threshold or rate takes effect, for example 6 4 2026",
    )
    reason = forms.CharField(
        label="Reason",
        max_length=200,
        help_text="For the audit log, for example ‘April 2026 uprating of the AET’",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field("effective_from", context={"legend_size": Size.for_legend(Size.SMALL)}),
            Field.text("reason"),
            Button("action", "Preview who would move"),
        )
        self.helper.form_tag = False

    def clean_effective_from(self) -> date:
        """Refuse a date that would skip a threshold row added, changed or removed since the last uprating that
        included its date (uprating.uprating_thresholds_not_applied): the job trusts the history before its own
        date, so the periods between would keep the old figures. The preview is refused too: it would forecast that
        job."""
        effective_from = self.cleaned_data["effective_from"]
        skipped = uprating.uprating_thresholds_not_applied(effective_from)
        if skipped:
            earliest = skipped[0][1]
            rows, plural = uprating.threshold_rows_named(skipped)
            raise forms.ValidationError(
                f"Recalculate from {format_date(earliest)} or earlier. No uprating has included {rows} since "
                f"{'they were' if plural else 'it was'} added, changed or removed, so an uprating from "
                f"{format_date(effective_from)} would leave the periods in between with the old figures."
            )
        return effective_from


def _label(value: str | None) -> str:
    return Regime(value).label if value else "No regime yet"


@role_required(Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def uprating_start_page(request: HttpRequest) -> HttpResponse:
    form = UpratingForm(request.POST or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        effective_from, reason = form.cleaned_data["effective_from"], form.cleaned_data["reason"]
        if request.POST.get("action") == "run":
            job = uprating.uprating_start(actor=request.user, effective_from=effective_from, reason=reason)
            return redirect("claimants:uprating_job", pk=job.pk)
        raw = uprating.uprating_preview(effective_from=effective_from)
        moves = [
            {
                "from": _label(m["from"]),
                "to": _label(m["to"]),
                "count": m["count"],
                "to_more_conditional": m["to"] == Regime.INTENSIVE_WORK_SEARCH,
            }
            for m in raw["moves"]
        ]
        preview = {
            **raw,
            "effective_from": effective_from,
            "moves": moves,
            # Moves only, as the figure above it counts them (a first decision is not a move).
            "to_intensive": sum(
                m["count"] for m in raw["moves"] if m["from"] and m["to"] == Regime.INTENSIVE_WORK_SEARCH
            ),
        }
    return render(
        request,
        "claimants/uprating_start.html",
        {
            "title": "Uprating: recalculate regimes after a threshold change",
            "form": form,
            "preview": preview,
            "aet_rows": AetParameter.objects.order_by("-effective_from")[:4],
            "wage_rows": WageRate.objects.filter(band="adult").order_by("-effective_from")[:4],
            "recent_jobs": BackgroundJob.objects.filter(kind=UPRATING_JOB_KIND).order_by("-created_at")[:5],
        },
    )


@role_required(Role.ADMINISTRATOR)
def uprating_job_page(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(BackgroundJob, pk=pk, kind=UPRATING_JOB_KIND)
    page = (
        Paginator(uprating_movers(job_id=job.pk), 50).get_page(request.GET.get("page"))
        if job.finished
        else None
    )
    return render(
        request,
        "claimants/uprating_job.html",
        {
            "title": job.description or "Uprating",
            "job": job,
            "movers_page": page,
            # Jobs finished before who moved was kept (claimants.0019) have counts but no list.
            "movers_kept": page is None or page.paginator.count or not job.result.get("moved"),
            "moves": [
                {**m, "from": _label(m["from"]), "to": _label(m["to"])} for m in job.result.get("moves", [])
            ],
        },
    )


def _offer_list_scope(user):
    claimants = claimants_visible_to(user)
    if user.effective_role == Role.WORK_COACH:
        return claimants.filter(coach=user)
    if user.effective_role == Role.TEAM_LEADER:
        return claimants.filter(coach__team_id=user.team_id)
    return claimants


@role_required(Role.WORK_COACH, Role.TEAM_LEADER, Role.ADMINISTRATOR)
def iwp_offer_list(request: HttpRequest) -> HttpResponse:
    """The onboarding list the nightly job keeps: claimants eligible for the IWP offer and not yet invited."""
    eligible = (
        _offer_list_scope(request.user)
        .filter(iwp_offer_status=IwpOfferStatus.ELIGIBLE)
        .select_related("coach", "jobcentre")
        .order_by("iwp_offer_eligible_since", "last_name", "first_name")
    )
    page = Paginator(eligible, 50).get_page(request.GET.get("page"))
    return render(
        request, "claimants/iwp_offer_list.html", {"title": "IWP offer: who to invite", "page": page}
    )


@require_POST
@role_required(Role.WORK_COACH, Role.TEAM_LEADER, Role.ADMINISTRATOR)
def iwp_offer_invite_view(request: HttpRequest, pk: int) -> HttpResponse:
    # Inviting changes the claimant: the one write rule (404 outside what one may read, 403 unless one may edit).
    claimant = claimant_to_edit(request.user, pk)
    if iwp_offer_invite(claimant=claimant, actor=request.user):
        messages.success(request, f"{claimant.full_name} has been invited to the in-work progression offer.")
    else:
        messages.info(request, f"{claimant.full_name} was not waiting for an invitation.")
    return redirect("claimants:iwp_offer_list")


@role_required(Role.WORK_COACH, Role.TEAM_LEADER, Role.ADMINISTRATOR)
def claimant_regime(request: HttpRequest, pk: int) -> HttpResponse:
    """The claimant's regime, why, the last 12 periods of earnings against the thresholds, and cycling flags."""
    claimant = get_object_or_404(
        claimants_visible_to(request.user).select_related("coach", "jobcentre", "partner"), pk=pk
    )
    versions = fact_versions(claimant)
    history = regime_history(claimant, versions=versions)
    return render(
        request,
        "claimants/claimant_regime.html",
        {
            "title": f"{claimant.full_name}: regime",
            "claimant": claimant,
            "latest": history[-1] if history else None,
            "history": history,
            "chart": earnings_chart(history),
            "changes": regime_changes(claimant),
            "versions": versions,
        },
    )
