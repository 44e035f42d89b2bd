import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from tests.claimants.factories import ClaimantFactory, claimant_with_earnings
from tests.factories import JobcentreFactory

pytestmark = pytest.mark.django_db


def _cycling_claimant(coach):
    return claimant_with_earnings(
        ["700", "1000", "650", "1100", "900", "1200"], jobcentre=coach.jobcentre, coach=coach
    )


def test_regime_page_shows_explanation_chart_history_and_cycling(coach_client, work_coach):
    c = _cycling_claimant(work_coach)
    page = coach_client.get(reverse("claimants:claimant_regime", args=[c.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Working Enough" in html or "Light Touch" in html
    assert "Regime cycling" in html and "crossed" in html
    assert "<svg" in html and "iwp-chart-bar" in html
    assert html.count('class="govuk-table__row"') >= 7  # header + 6 periods
    # The coach is reading about the claimant: the engine's "you are in…" is said of them by name.
    assert f"{escape(c.first_name)} is in the" in html
    assert "you are in" not in html.lower() and "your cet" not in html.lower()
    record = coach_client.get(reverse("claimants:record", args=[c.pk])).content.decode()
    assert f"{escape(c.first_name)} is in the" in record and "you are in" not in record.lower()


def test_regime_page_scoped_to_the_jobcentre(coach_client):
    other = ClaimantFactory(jobcentre=JobcentreFactory())
    assert coach_client.get(reverse("claimants:claimant_regime", args=[other.pk])).status_code == 404


def test_caseload_lists_my_claimants_with_filters(coach_client, work_coach):
    c = _cycling_claimant(work_coach)
    steady = ClaimantFactory(jobcentre=work_coach.jobcentre, coach=work_coach, last_name="Zephaniah")
    page = coach_client.get(reverse("claimants:caseload"), {"show": "cycling"})
    assert escape(c.full_name) in page.content.decode()
    assert escape(steady.full_name) not in page.content.decode()
    by_nino = coach_client.get(reverse("claimants:caseload"), {"q": c.nino_display})
    assert escape(c.full_name) in by_nino.content.decode()


def test_caseload_and_regime_page_run_constant_queries(coach_client, work_coach):
    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert coach_client.get(url).status_code == 200
        return len(ctx.captured_queries)

    first = _cycling_claimant(work_coach)
    small = count(reverse("claimants:caseload"))
    small_record = count(reverse("claimants:claimant_regime", args=[first.pk]))
    for _ in range(6):
        _cycling_claimant(work_coach)
    assert count(reverse("claimants:caseload")) == small
    assert count(reverse("claimants:claimant_regime", args=[first.pk])) == small_record


def test_conclusion_picks_the_outcome_sentences():
    row = claimant_with_earnings(["880"]).assessments.get()
    # The outcome and, for the engine's one-sentence Intensive Work Search case, the reason said just before it.
    reason, outcome = row.conclusion
    assert reason.startswith("£880.00 is below the single AET of £")
    assert reason in row.explanation
    assert outcome.startswith("So ") and "Intensive Work Search" in outcome
    assert row.explanation.index(outcome) == row.explanation.index(reason) + 1
    assert len(row.conclusion) < len(row.explanation)


def test_conclusion_keeps_a_one_sentence_outcome_alone():
    row = claimant_with_earnings(["3000"]).assessments.get()
    # "… meet your CET of …, so you are in the Working Enough regime." carries its own reason.
    (line,) = row.conclusion
    assert "Working Enough" in line and "meet" in line and "CET of £" in line
