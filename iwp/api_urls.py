"""Version 1 of the REST API (issue #15): every business object, on the same services and selectors as the pages.

Views opt out of the login middleware's redirect because DRF authenticates them itself (a token or the browser's
session) and answers 401/403 in the API's error format — the default permission still requires staff. Each app
keeps its serializers and viewsets in its own ``api.py``; this module only wires them.
"""

from django.contrib.auth.decorators import login_not_required
from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from appointments.api import AgreedActionViewSet, AppointmentViewSet, CaseNoteViewSet
from claimants.commitments.api import CommitmentViewSet
from claimants.earnings.api import ClaimantEarningsViewSet, EarningsFeedView
from claimants.record.api import CircumstanceViewSet, ClaimantViewSet, EmploymentViewSet
from iwp.api import ApiNotFound, ApiSchemaView, api_path
from iwp.background.api import JobViewSet
from iwp.dashboards.api import AbsenceViewSet, ReassignmentView, TeamViewSet
from provision.api import OfferViewSet, ReferralViewSet


class Router(SimpleRouter):
    """A router whose views skip the login middleware's redirect (DRF answers 401 itself)."""

    def get_urls(self):
        urls = super().get_urls()
        for url in urls:
            url.callback = login_not_required(url.callback)
        return urls


CLAIMANT = r"claimants/(?P<claimant_id>[0-9]+)"

router = Router()
router.register("claimants", ClaimantViewSet, basename="api-claimant")
router.register(f"{CLAIMANT}/circumstances", CircumstanceViewSet, basename="api-circumstance")
router.register(f"{CLAIMANT}/employments", EmploymentViewSet, basename="api-employment")
router.register(f"{CLAIMANT}/earnings", ClaimantEarningsViewSet, basename="api-earnings")
router.register(f"{CLAIMANT}/commitments", CommitmentViewSet, basename="api-commitment")
router.register("appointments", AppointmentViewSet, basename="api-appointment")
router.register("agreed-actions", AgreedActionViewSet, basename="api-agreed-action")
router.register("case-notes", CaseNoteViewSet, basename="api-case-note")
router.register("provision/offers", OfferViewSet, basename="api-offer")
router.register("referrals", ReferralViewSet, basename="api-referral")
router.register("teams", TeamViewSet, basename="api-team")
router.register("absences", AbsenceViewSet, basename="api-absence")
router.register("jobs", JobViewSet, basename="api-job")

urlpatterns: list = [
    api_path("schema/", ApiSchemaView.as_view(), name="api-schema"),
    api_path("earnings-feed/", EarningsFeedView.as_view(), name="earnings-feed"),
    path("", include("claimants.api_urls")),
    api_path("reassignments/", ReassignmentView.as_view(), name="api-reassignments"),
    *router.urls,
    # Any other address under /api/v1/: the API's 404 (in its error format), not the pages' HTML one.
    re_path(r"^[\s\S]*\Z", login_not_required(ApiNotFound.as_view()), name="api-not-found"),
]
