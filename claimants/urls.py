from django.urls import path

from claimants import (
    calculator_views,
    commitment_views,
    earnings_feed_urls,
    record_views,
    uprating_views,
    views,
)

app_name = "claimants"

urlpatterns = [
    path("calculator/", calculator_views.calculator, name="calculator"),
    path("", views.caseload, name="caseload"),
    *earnings_feed_urls.urlpatterns,
    path("new/", record_views.create, name="create"),
    path("<int:pk>/", record_views.record, name="record"),
    path("<int:pk>/details/", record_views.edit_details, name="edit_details"),
    path("<int:pk>/regime-facts/", record_views.edit_regime_facts, name="edit_regime_facts"),
    path("<int:pk>/earnings/", record_views.record_earnings, name="record_earnings"),
    path("<int:pk>/employment/", record_views.edit_employment, name="add_employment"),
    path("<int:pk>/employment/<int:employment_id>/", record_views.edit_employment, name="edit_employment"),
    path("<int:pk>/circumstances/new/", record_views.add_circumstance, name="add_circumstance"),
    path("<int:pk>/restricted/", record_views.reveal_sensitive, name="reveal_sensitive"),
    path("<int:pk>/reassign/", record_views.reassign, name="reassign"),
    path("<int:pk>/regime/", views.claimant_regime, name="claimant_regime"),
    path("uprating/", uprating_views.uprating_start_page, name="uprating"),
    path("uprating/<int:pk>/", uprating_views.uprating_job_page, name="uprating_job"),
    path("iwp-offer/", views.iwp_offer_list, name="iwp_offer_list"),
    path("iwp-offer/<int:pk>/invite/", views.iwp_offer_invite_view, name="iwp_offer_invite"),
    # Claimant commitment (issue #9)
    path("<int:pk>/commitment/", commitment_views.commitment_detail, name="commitment"),
    path("<int:pk>/commitment/new/", commitment_views.commitment_start, name="commitment_start"),
    path("<int:pk>/commitment/edit/", commitment_views.commitment_edit, name="commitment_edit"),
    path("<int:pk>/commitment/issue/", commitment_views.commitment_issue_view, name="commitment_issue"),
    path("<int:pk>/commitment/accept/", commitment_views.commitment_accept_view, name="commitment_accept"),
    path("<int:pk>/commitment/discard/", commitment_views.commitment_discard_view, name="commitment_discard"),
    path(
        "<int:pk>/commitment/<int:version>/",
        commitment_views.commitment_version_detail,
        name="commitment_version",
    ),
]
