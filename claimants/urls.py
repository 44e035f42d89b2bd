from django.urls import path

from claimants import calculator_views, views

app_name = "claimants"

urlpatterns = [
    path("calculator/", calculator_views.calculator, name="calculator"),
    path("", views.caseload, name="caseload"),
    path("iwp-offer/", views.iwp_offer_list, name="iwp_offer_list"),
    path("iwp-offer/<int:pk>/invite/", views.iwp_offer_invite_view, name="iwp_offer_invite"),
]
