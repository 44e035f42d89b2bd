"""The feed's routes, mounted at ``/openreferral/`` (the profile's paths, without trailing slashes). The views
opt out of the login redirect: DRF authenticates the district key itself and answers 401."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from provision.openreferral.api import ServiceDetailView, ServiceListView

app_name = "openreferral"

urlpatterns = [
    path("services", login_not_required(ServiceListView.as_view()), name="services"),
    path("services/<str:service_id>", login_not_required(ServiceDetailView.as_view()), name="service"),
]
