from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required, login_required
from django.urls import include, path

from iwp import views
from iwp.api import ApiDocsView
from iwp.dashboards import views as dashboard_views

iwp_patterns = [
    path("dashboard/", dashboard_views.team_dashboard, name="team_dashboard"),
    path("dashboard/figures.csv", dashboard_views.export_figures, name="dashboard_export_figures"),
    path("dashboard/claimants.csv", dashboard_views.export_claimants, name="dashboard_export_claimants"),
    path("dashboard/reassign/", dashboard_views.reassign, name="reassign"),
    path("dashboard/teams/<int:pk>/", dashboard_views.team_page, name="team_page"),
    path("dashboard/coaches/<int:pk>/absence/", dashboard_views.record_absence, name="record_absence"),
    path("administration/", views.admin_home, name="admin_home"),
    path("administration/audit/", views.audit_log, name="audit_log"),
    path("administration/audit.csv", views.audit_log_csv, name="audit_log_csv"),
    path("jobs/<int:pk>/", views.job_detail, name="job_detail"),
    path("jobs/<int:pk>/progress/", views.job_progress, name="job_progress"),
    path("jobs/<int:pk>/resume/", views.job_resume_view, name="job_resume"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", login_not_required(views.SignInView.as_view()), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("accessibility/", views.accessibility_statement, name="accessibility"),
    path("healthz/", views.healthz, name="healthz"),
    path("healthz/ready/", views.readiness, name="readiness"),
    path("", include((iwp_patterns, "iwp"))),
    path("claimants/", include("claimants.urls")),
    path("appointments/", include("appointments.urls")),
    path("provision/", include("provision.urls")),
    # The REST API's documentation (Swagger UI), a page for signed-in staff; the API itself answers under /api/v1/.
    path("api/docs/", login_required(ApiDocsView.as_view(url_name="api-schema")), name="api_docs"),
    path("api/v1/", include("iwp.api_urls")),
    # The Open Referral UK feed for other services (a district key, not a staff login): JSON, not pages.
    path("openreferral/", include("provision.openreferral.urls")),
    path("django-admin/", admin.site.urls),
]

handler500 = "iwp.views.server_error"
