from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from iwp.access import ALL_ROLES, has_role, role_required
from iwp.forms import SignInForm
from iwp.models import BackgroundJob, Role

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


@role_required(*ALL_ROLES)
def home(request: HttpRequest) -> HttpResponse:
    """Send each role to its own start page."""
    return redirect(START_PAGES[request.user.effective_role])


@role_required(Role.ADMINISTRATOR)
def admin_home(request: HttpRequest) -> HttpResponse:
    return render(request, "iwp/admin_home.html", {"title": "Service administration"})


def _job_for(request: HttpRequest, pk: int) -> BackgroundJob:
    job = get_object_or_404(BackgroundJob, pk=pk)
    # A job's progress is visible to whoever started it and to administrators.
    if job.created_by_id != request.user.pk and not has_role(request.user, Role.ADMINISTRATOR):
        raise Http404("No such job")  # 404, not 403: don't confirm it exists
    return job


@role_required(*ALL_ROLES)
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    return render(request, "iwp/job_detail.html", {"title": job.description or job.kind, "job": job})


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
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness and database check for the container health check; reveals nothing."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
