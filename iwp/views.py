import redis
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseServerError,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from iwp.access import ALL_ROLES, has_role, role_required
from iwp.audit import audit_event
from iwp.audit_log import audit_events, csv_rows, target_type_choices
from iwp.background import outbox
from iwp.background.jobs import (
    ResumeRefused,
    job_can_resume,
    job_resume,
    job_resume_refusal,
    jobs_visible_to,
)
from iwp.csv_export import csv_streaming_response
from iwp.forms import AuditFilterForm, SignInForm
from iwp.middleware import TIMED_OUT, not_activity
from iwp.models import AuditVerb, BackgroundJob, BackgroundJobState, Role

START_PAGES = {
    Role.WORK_COACH: "claimants:caseload",
    Role.TEAM_LEADER: "iwp:team_dashboard",
    Role.PROGRESSION_LEAD: "provision:offer_list",
    Role.ADMINISTRATOR: "iwp:admin_home",
}


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # After a time-out (iwp.middleware.SessionTimeoutMiddleware) the page says why, once.
        reason = self.request.session.pop(TIMED_OUT, "")
        if reason == "idle":
            minutes = settings.IWP_IDLE_TIMEOUT_MINUTES
            context["timed_out"] = (
                f"You were signed out because you had not used the service for {minutes} minute"
                f"{'s' if minutes != 1 else ''}. This keeps claimants' information safe on a shared screen."
            )
        elif reason == "absolute":
            hours = settings.SESSION_COOKIE_AGE // 3600
            context["timed_out"] = (
                f"You were signed out because you had been signed in for {hours} hour{'s' if hours != 1 else ''}."
            )
        return context


@role_required(*ALL_ROLES)
def home(request: HttpRequest) -> HttpResponse:
    """Send each role to its own start page."""
    return redirect(START_PAGES[request.user.effective_role])


@role_required(Role.ADMINISTRATOR)
def admin_home(request: HttpRequest) -> HttpResponse:
    return render(request, "iwp/admin_home.html", {"title": "Service administration"})


AUDIT_PAGE_SIZE = 50


@require_GET
@role_required(Role.ADMINISTRATOR)
def audit_log(request: HttpRequest) -> HttpResponse:
    """Every audit event, newest first, filtered by who, what, which claimant or record and when (issue #15)."""
    form = AuditFilterForm(request.GET)
    page = None
    if form.is_valid():
        page = Paginator(audit_events(form.filters()), AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    kinds = dict(target_type_choices())
    return render(
        request,
        "iwp/audit_log.html",
        {
            "title": "Audit log",
            "form": form,
            "page": page,
            "rows": [(event, kinds.get(event.target_type, event.target_type)) for event in page or ()],
            "csv_query": query.urlencode(),
        },
    )


@require_GET
@role_required(Role.ADMINISTRATOR)
def audit_log_csv(request: HttpRequest) -> HttpResponse:
    """The events the filters choose, as CSV (streamed). The export is itself audited, before it is sent."""
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        lines = [f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()]
        return HttpResponseBadRequest("\n".join(["Bad filters", *lines]), content_type="text/plain")
    filters = form.filters()
    events = audit_events(filters)
    audit_event(
        actor=request.user,
        verb=AuditVerb.EXPORTED,
        target_type="iwp.auditevent",
        payload={
            "what": "audit_log",
            "rows": events.count(),
            "filters": {k: str(v) for k, v in vars(filters).items() if v not in ("", None)},
        },
    )
    return csv_streaming_response(csv_rows(events), filename="audit-log.csv")


def _job_for(request: HttpRequest, pk: int) -> BackgroundJob:
    # A job's progress is visible to whoever started it and to administrators; 404, not 403: don't confirm it
    # exists.
    return get_object_or_404(jobs_visible_to(request.user), pk=pk)


@role_required(*ALL_ROLES)
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    chunks = job.parameters.get("chunks") or []
    may_resume = (
        has_role(request.user, Role.ADMINISTRATOR)
        and job_can_resume(job)
        and (job.state == BackgroundJobState.FAILED or job.is_stalled)
    )
    # A resume its kind would refuse (an uprating whose thresholds changed since it started) is not offered: the
    # page says why, unless the job's error already does.
    refused = job_resume_refusal(job) if may_resume else None
    return render(
        request,
        "iwp/job_detail.html",
        {
            "title": job.description or job.kind,
            "job": job,
            "chunks_total": len(chunks),
            "chunks_done": len((job.result or {}).get("chunks_done", [])),
            "events": [
                {"at": parse_datetime(e.get("at", "")), "what": e.get("what", "")}
                for e in (job.result or {}).get("events", [])
            ],
            "can_resume": may_resume and not refused,
            "cannot_resume": bool(refused),
            "resume_refused": refused if refused and refused != job.error else "",
        },
    )


@require_POST
@role_required(Role.ADMINISTRATOR)
def job_resume_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Run the parts of a failed or stalled job that are not done (the button on the job's page)."""
    job = _job_for(request, pk)
    try:
        resumed = job_resume(job_id=job.pk, actor=request.user)
    except ResumeRefused as refused:
        messages.error(request, f"The job has not been resumed. {refused}")
        return redirect("iwp:job_detail", pk=job.pk)
    if resumed:
        messages.success(request, "The job has been resumed: the parts already done are kept.")
    else:
        messages.info(request, "This job cannot be resumed.")
    return redirect("iwp:job_detail", pk=job.pk)


@not_activity  # polled by the progress bar: a page left open does not keep the session alive
@never_cache
@require_GET
@role_required(*ALL_ROLES)
def job_progress(request: HttpRequest, pk: int) -> JsonResponse:
    job = _job_for(request, pk)
    return JsonResponse(
        {
            "state": job.state,
            "state_label": job.get_state_display(),
            "total": job.total,
            "done": job.done,
            "percent": job.percent,
            "error": job.error,
            "finished": job.finished,
            "url": reverse("iwp:job_detail", args=[job.pk]),
        }
    )


@login_not_required
@never_cache
@require_GET
def readiness(request: HttpRequest) -> JsonResponse:
    """Readiness for a load balancer (issue #14): 503 only when the database is unreachable, because every page
    needs it. Redis down or work waiting in the outbox still serves pages (changes are kept and sent later), so
    they make the answer "degraded", with the figures, not a 503. Reveals no data."""
    report: dict[str, object] = {"database": "ok", "redis": "not used", "waiting_tasks": 0}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        report["waiting_tasks"] = outbox.backlog()
    except DatabaseError:
        report["database"] = "down"
        return JsonResponse({**report, "status": "not ready"}, status=503)
    if settings.REDIS_URL:
        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
            report["redis"] = "ok"
        except redis.RedisError:
            report["redis"] = "down"
    degraded = report["redis"] == "down" or report["waiting_tasks"]
    return JsonResponse({**report, "status": "degraded" if degraded else "ready"})


def server_error(request: HttpRequest) -> HttpResponse:
    """The GOV.UK "Sorry, there is a problem" page with the service's name. Django's own handler renders with no
    context processors (they read the session and the database, which may be what failed); this adds only what
    comes from settings."""
    html = loader.get_template("500.html").render(
        {"service_name": settings.IWP_SERVICE_NAME, "service_phase": settings.IWP_PHASE}
    )
    return HttpResponseServerError(html)


@login_not_required
@require_GET
def accessibility_statement(request: HttpRequest) -> HttpResponse:
    """GOV.UK's model accessibility statement; open to anyone, so it can be read before signing in."""
    return render(request, "iwp/accessibility.html", {"title": "Accessibility statement"})


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness and database check for the container health check; reveals nothing (readiness: /healthz/ready/)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
