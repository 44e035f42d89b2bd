from django.urls import path

from claimants import views

app_name = "claimants"

urlpatterns = [
    path("", views.caseload, name="caseload"),
]
