"""The Flexible Support Fund's nightly task: work out again what followed each award (rules.award_outcome). Safe to
run twice: it recomputes from what is recorded and writes only outcomes that changed."""

from __future__ import annotations

from celery import shared_task

from claimants.support_fund.services import support_fund_outcomes_refresh


@shared_task(name="claimants.support_fund_outcomes")
def support_fund_outcomes() -> dict:
    return {"changed": support_fund_outcomes_refresh()}
