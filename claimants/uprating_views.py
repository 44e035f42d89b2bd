"""Administrators' uprating pages: choose the change, preview who would move, run it as a tracked job with a
progress bar, then list who moved. The work itself is in ``claimants.uprating`` (set-based on PostgreSQL)."""

from __future__ import annotations

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout, Size
from django import forms
from django.core.paginator import Paginator
from django.db.models import F, OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from claimants import uprating
from claimants.models import AetParameter, RegimeAssessment, WageRate
from claimants.regimes import Regime
from claimants.uprating import UPRATING_JOB_KIND
from iwp.access import role_required
from iwp.models import BackgroundJob, Role


class UpratingForm(forms.Form):
    effective_from = forms.DateField(
        label="Recalculate assessment periods starting on or after",
        help_text="Usually the date the new threshold or rate takes effect. For example, 2026-04-06",
        widget=forms.DateInput(attrs={"type": "date"}),
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
            Field.text("effective_from", field_width=10),
            Field.text("reason"),
            Button("action", "Preview who would move"),
        )
        self.helper.form_tag = False
        self.fields["effective_from"].label_size = Size.SMALL


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
            "moves": moves,
            "to_intensive": sum(m["count"] for m in raw["moves"] if m["to"] == Regime.INTENSIVE_WORK_SEARCH),
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
    # A mover is a period whose regime differs from the row this job's row replaced (not from the period before).
    # Ids, not timestamps, order the history: rows written in SQL carry their transaction's start time.
    replaced = (
        RegimeAssessment.objects.filter(
            claimant=OuterRef("claimant"), period_start=OuterRef("period_start"), pk__lt=OuterRef("pk")
        )
        .order_by("-pk")
        .values("regime")[:1]
    )
    movers = (
        RegimeAssessment.objects.filter(background_job=job)
        .annotate(replaced_regime=Subquery(replaced))
        .filter(replaced_regime__isnull=False)
        .exclude(regime=F("replaced_regime"))
        .select_related("claimant__jobcentre")
        .order_by("claimant__last_name", "claimant__first_name", "period_start")
    )
    page = Paginator(movers, 50).get_page(request.GET.get("page")) if job.finished else None
    for row in page or []:
        row.replaced_label = _label(row.replaced_regime)
    return render(
        request,
        "claimants/uprating_job.html",
        {
            "title": job.description or "Uprating",
            "job": job,
            "movers_page": page,
            "moves": [
                {**m, "from": _label(m["from"]), "to": _label(m["to"])} for m in job.result.get("moves", [])
            ],
        },
    )
