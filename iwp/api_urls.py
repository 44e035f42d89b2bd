"""Version 1 of the REST API. Views opt out of the login middleware's redirect because DRF authenticates
them itself (session or token) and answers 401/403 — the default permission still requires staff."""

from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from claimants.earnings.api import EarningsFeedView


def api_path(route: str, view, name: str):
    return path(route, login_not_required(view), name=name)


urlpatterns: list = [
    api_path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    api_path("earnings-feed/", EarningsFeedView.as_view(), name="earnings-feed"),
    path("", include("claimants.api_urls")),
]
