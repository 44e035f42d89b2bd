from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path

from iwp import views

iwp_patterns = [
    path("dashboard/", views.team_dashboard, name="team_dashboard"),
    path("administration/", views.admin_home, name="admin_home"),
    path("jobs/<int:pk>/", views.job_detail, name="job_detail"),
    path("jobs/<int:pk>/progress/", views.job_progress, name="job_progress"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", login_not_required(views.SignInView.as_view()), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz/", views.healthz, name="healthz"),
    path("", include((iwp_patterns, "iwp"))),
    path("claimants/", include("claimants.urls")),
    path("appointments/", include("appointments.urls")),
    path("provision/", include("provision.urls")),
    path("api/v1/", include("iwp.api_urls")),
    path("django-admin/", admin.site.urls),
]
