"""Claimants' REST endpoints, included under /api/v1/ by ``iwp.api_urls``."""

from claimants.regimes.api import RegimeCalculatorView
from iwp.api import api_path

urlpatterns = [
    api_path("regime-calculator/", RegimeCalculatorView.as_view(), name="regime-calculator"),
]
