from django.urls import path

from claimants import calculator_views, earnings_feed_urls, views

app_name = "claimants"

urlpatterns = [
    path("calculator/", calculator_views.calculator, name="calculator"),
    path("", views.caseload, name="caseload"),
    *earnings_feed_urls.urlpatterns,
    path("<int:pk>/regime/", views.claimant_regime, name="claimant_regime"),
    path("iwp-offer/", views.iwp_offer_list, name="iwp_offer_list"),
    path("iwp-offer/<int:pk>/invite/", views.iwp_offer_invite_view, name="iwp_offer_invite"),
]
