from django.urls import path

from claimants.commitments import views as commitments
from claimants.earnings import urls as earnings
from claimants.progression import views as progression
from claimants.record import views as record
from claimants.regimes import views as regimes
from claimants.support_fund import views as support_fund

app_name = "claimants"

urlpatterns = [
    path("calculator/", regimes.calculator, name="calculator"),
    path("", record.caseload, name="caseload"),
    *earnings.urlpatterns,
    path("new/", record.create, name="create"),
    path("<int:pk>/", record.record, name="record"),
    path("<int:pk>/details/", record.edit_details, name="edit_details"),
    path("<int:pk>/regime-facts/", record.edit_regime_facts, name="edit_regime_facts"),
    path("<int:pk>/earnings/", record.record_earnings, name="record_earnings"),
    path("<int:pk>/employment/", record.edit_employment, name="add_employment"),
    path("<int:pk>/employment/<int:employment_id>/", record.edit_employment, name="edit_employment"),
    path("<int:pk>/circumstances/new/", record.add_circumstance, name="add_circumstance"),
    path("<int:pk>/timeline/", record.claimant_timeline, name="timeline"),
    path("<int:pk>/restricted/", record.reveal_sensitive, name="reveal_sensitive"),
    path("<int:pk>/reassign/", record.reassign, name="reassign"),
    path("<int:pk>/regime/", regimes.claimant_regime, name="claimant_regime"),
    path("uprating/", regimes.uprating_start_page, name="uprating"),
    path("uprating/<int:pk>/", regimes.uprating_job_page, name="uprating_job"),
    path("iwp-offer/", regimes.iwp_offer_list, name="iwp_offer_list"),
    path("iwp-offer/<int:pk>/invite/", regimes.iwp_offer_invite_view, name="iwp_offer_invite"),
    # Claimant commitment (issue #9)
    path("<int:pk>/commitment/", commitments.commitment_detail, name="commitment"),
    path("<int:pk>/commitment/new/", commitments.commitment_start, name="commitment_start"),
    path("<int:pk>/commitment/edit/", commitments.commitment_edit, name="commitment_edit"),
    path("<int:pk>/commitment/issue/", commitments.commitment_issue_view, name="commitment_issue"),
    path("<int:pk>/commitment/accept/", commitments.commitment_accept_view, name="commitment_accept"),
    path("<int:pk>/commitment/discard/", commitments.commitment_discard_view, name="commitment_discard"),
    path(
        "<int:pk>/commitment/<int:version>/",
        commitments.commitment_version_detail,
        name="commitment_version",
    ),
    # Flexible Support Fund (issue #16)
    path("<int:pk>/support-fund/new/", support_fund.request_award, name="support_fund_request"),
    path("support-fund/awards/<int:award_id>/", support_fund.award_detail, name="support_fund_award"),
    path(
        "support-fund/awards/<int:award_id>/withdraw/",
        support_fund.award_withdraw,
        name="support_fund_withdraw",
    ),
    path("support-fund/waiting/", support_fund.waiting, name="support_fund_waiting"),
    path("support-fund/budget/", support_fund.budget, name="support_fund_budget"),
    # Progression plan and distance travelled (issue #16)
    path("<int:pk>/progression/", progression.progression, name="progression"),
    path("<int:pk>/progression/plan/", progression.plan_edit, name="progression_plan_edit"),
    path(
        "<int:pk>/progression/self-assessment/", progression.self_assessment_new, name="self_assessment_new"
    ),
]
