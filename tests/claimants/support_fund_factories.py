"""Shared set-up for the Flexible Support Fund tests: a regime decided for a period, a budget, earnings."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

from django.apps import apps
from django.utils import timezone

from claimants.models import EarningsRecord, RegimeAssessment, SupportFundBudget, SupportFundRule
from claimants.regimes.engine import assessment_period_end
from claimants.support_fund.rules import financial_year, period_start_containing


def default_rules() -> None:
    """The seeded rules (a transactional test's flush removes the migration's rows)."""
    if not SupportFundRule.objects.exists():
        importlib.import_module("claimants.migrations.0011_flexible_support_fund").load(apps, None)


def assess(claimant, on: dt.date, regime: str) -> RegimeAssessment:
    """The claimant's regime decided for the assessment period containing ``on``."""
    start = period_start_containing(on, claimant.assessment_day)
    return RegimeAssessment.objects.create(
        claimant=claimant,
        period_start=start,
        period_end=assessment_period_end(start, claimant.assessment_day),
        regime=regime,
        cause="earnings",
        employed_earnings=Decimal("900"),
        self_employed_earnings=Decimal(0),
        aet_individual=Decimal("900"),
        cet_individual=Decimal("2000"),
    )


def budget(jobcentre, amount: str = "1000.00", *, year: int | None = None) -> SupportFundBudget:
    return SupportFundBudget.objects.create(
        jobcentre=jobcentre,
        financial_year=year if year is not None else financial_year(timezone.localdate()),
        amount=Decimal(amount),
    )


def pay(claimant, start: dt.date, pounds: str) -> EarningsRecord:
    return EarningsRecord.objects.create(
        claimant=claimant,
        period_start=start,
        employed_earnings=Decimal(pounds),
        received_at=timezone.now(),
    )
