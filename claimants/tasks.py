"""Celery autodiscovery imports ``<app>.tasks`` only; the claimants' tasks live beside their services."""

from claimants.earnings import tasks as earnings_tasks  # noqa: F401
from claimants.regimes import tasks as regimes_tasks  # noqa: F401
from claimants.retention import tasks as retention_tasks  # noqa: F401
from claimants.support_fund import tasks as support_fund_tasks  # noqa: F401
