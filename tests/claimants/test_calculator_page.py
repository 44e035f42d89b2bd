"""The regime calculator page (/claimants/calculator/): who may open it, results, the what-if taper, and errors."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

URL = "/claimants/calculator/"

pytestmark = pytest.mark.django_db


def query(**changes):
    """A valid single-claimant query (vector 3: £952.38 → Light Touch) with changes; None removes a key."""
    base = {
        "period_start_0": "10",
        "period_start_1": "6",
        "period_start_2": "2025",
        "date_of_birth_0": "1",
        "date_of_birth_1": "1",
        "date_of_birth_2": "1995",
        "employed_earnings": "952.38",
        "expected_hours": "35",
        "conditionality_group": "all_work_related_requirements",
        "has_partner": "no",
    }
    base.update(changes)
    return {key: value for key, value in base.items() if value is not None}


def text_of(response) -> str:
    """The page's visible text, whitespace collapsed."""
    body = response.content.decode()
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def error_summary(response) -> list[str]:
    body = response.content.decode()
    match = re.search(r'<div class="govuk-error-summary".*?</ul>', body, flags=re.S)
    if not match:
        return []
    return [html.unescape(m).strip() for m in re.findall(r"<li><a [^>]*>(.*?)</a></li>", match.group(0))]


def test_url_name():
    assert reverse("claimants:calculator") == URL


# --- Access -----------------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client):
    response = client.post(URL, query())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ["work_coach", "team_leader", "progression_lead", "administrator"])
def test_every_role_can_open_it_and_sees_it_in_the_menu(role_clients, role):
    response = role_clients[role].get(URL)
    assert response.status_code == 200
    page = text_of(response)
    assert "Regime calculator" in page
    assert "When does the assessment period start?" in page
    assert f'href="{URL}" aria-current="page"' in response.content.decode()


@pytest.mark.parametrize("role", ["work_coach", "team_leader", "progression_lead", "administrator"])
def test_every_role_gets_a_result(role_clients, role):
    response = role_clients[role].post(URL, query())
    assert response.status_code == 200
    assert "Light Touch" in text_of(response)


def test_a_superuser_can_use_it(client, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@dwp.example", "x" * 16)
    client.force_login(root)
    response = client.post(URL, query())
    assert response.status_code == 200
    assert "Light Touch" in text_of(response)


def test_facts_in_a_url_are_not_used(coach_client):
    # The calculator is posted (issue #11): a date of birth or earnings typed into a URL is never worked on, so
    # no link, history or server log carries them as a result.
    response = coach_client.get(URL, query())
    assert response.status_code == 200
    assert not response.context["form"].is_bound
    assert "How this was worked out" not in text_of(response)
    assert coach_client.put(URL).status_code == 405


# --- Results ----------------------------------------------------------------------------------------------


def test_blank_page_has_the_form_and_no_result(coach_client):
    response = coach_client.get(URL)
    page = text_of(response)
    assert response.context["form"].is_bound is False
    assert "There is a problem" not in page
    assert "How this was worked out" not in page
    assert 'value="35"' in response.content.decode()  # expected hours start at the usual 35


def test_result_shows_regime_thresholds_and_explanation(coach_client):
    response = coach_client.post(URL, query())
    assert response.status_code == 200
    body = response.content.decode()
    page = text_of(response)
    assert re.search(r'data-testid="regime">\s*<h2 class="govuk-panel__title">Light Touch</h2>', body)
    assert "Regime for the assessment period 10 June 2025 to 9 July 2025" in page
    assert "Administrative Earnings Threshold (AET) £952.38 a month" in page
    assert "Conditionality Earnings Threshold (CET) £1,851.85 a month" in page
    assert "AET for a couple" not in page  # single: no couple rows
    for sentence in response.context["assessment"].explanation:
        assert html.escape(sentence, quote=False).replace("'", "&#x27;") in body or sentence in page
    assert "meet the single AET of £952.38" in page
    assert "<title>Light Touch – Regime calculator" in body


def test_what_if_extra_hours_shows_the_taper(coach_client):
    response = coach_client.post(
        URL,
        query(what_if="hours", extra_hours="8", extra_hourly_rate="12.21", work_allowance="no_housing_costs"),
    )
    page = text_of(response)
    # 8 h × £12.21 × 52 ÷ 12 = £423.28 more; all above the £684 allowance, so UC falls by 55% = £232.80.
    assert "If you worked 8 extra hours a week at £12.21 an hour (£423.28 a month more)" in page
    assert "You would be £190.48 a month better off" in page
    assert "Goes down by £232.80 a month" in page
    assert "Employed earnings £1,375.66 (now £952.38)" in page
    assert "Regime Light Touch (no change)" in page
    assert "does not take off tax, National Insurance" in page


def test_what_if_crossing_the_cet_names_the_new_regime(coach_client):
    response = coach_client.post(
        URL, query(what_if="amount", what_if_earnings="1,851.85", work_allowance="housing_costs")
    )
    page = text_of(response)
    assert "If your employed earnings this assessment period were £1,851.85" in page
    assert "Regime Working Enough (now Light Touch)" in page
    # £899.47 more, all above the £411 allowance: UC down £494.71, so £404.76 better off.
    assert "Goes down by £494.71 a month" in page
    assert "You would be £404.76 a month better off" in page


def test_what_if_inside_the_work_allowance_keeps_every_pound(coach_client):
    response = coach_client.post(
        URL,
        query(
            employed_earnings="300",
            what_if="hours",
            extra_hours="5",
            extra_hourly_rate="12",
            work_allowance="no_housing_costs",
        ),
    )
    page = text_of(response)
    assert "You would be £260.00 a month better off" in page  # 5 × 12 × 52 ÷ 12 = £260, under £684
    assert "Universal Credit No change" in page


def test_no_work_allowance_tapers_from_the_first_pound(coach_client):
    response = coach_client.post(
        URL, query(employed_earnings="0", what_if="amount", what_if_earnings="100", work_allowance="none")
    )
    assert "You would be £45.00 a month better off" in text_of(response)


def test_earning_less_says_worse_off(coach_client):
    response = coach_client.post(
        URL, query(what_if="amount", what_if_earnings="852.38", work_allowance="no_housing_costs")
    )
    page = text_of(response)
    assert "You would be £45.00 a month worse off" in page
    assert "Goes up by £55.00 a month" in page
    assert "Intensive Work Search (now Light Touch)" in page


def test_no_comparison_shows_no_taper(coach_client):
    page = text_of(coach_client.post(URL, query(what_if="none")))
    assert "Light Touch" in page
    assert "better off" not in page


def test_couple_shows_both_regimes_and_counts_the_partners_earnings_in_the_taper(coach_client):
    response = coach_client.post(
        URL,
        query(
            employed_earnings="900",
            has_partner="yes",
            partner_date_of_birth_0="1",
            partner_date_of_birth_1="1",
            partner_date_of_birth_2="1995",
            partner_employed_earnings="700",
            partner_eligible="yes",
            what_if="amount",
            what_if_earnings="1000",
            work_allowance="no_housing_costs",
        ),
    )
    page = text_of(response)
    assert "Partner: Light Touch" in page
    assert "Household CET £3,703.70 a month" in page
    assert "AET for a couple £1,534.39 a month" in page
    # Household £1,600 → £1,700: all above £684, so UC falls £55.00.
    assert "£1,600.00 becomes £1,700.00" in page
    assert "You would be £45.00 a month better off" in page


def test_partner_not_eligible_has_no_regime(coach_client):
    response = coach_client.post(
        URL,
        query(
            employed_earnings="0",
            has_partner="yes",
            partner_date_of_birth_0="1",
            partner_date_of_birth_1="1",
            partner_date_of_birth_2="1995",
            partner_employed_earnings="1600",
            partner_eligible="no",
        ),
    )
    assert response.context["assessment"].partner_regime is None
    page = text_of(response)
    assert "Partner:" not in page
    assert "Light Touch" in page  # vector 24: couple limb


def test_partner_answers_are_ignored_without_a_partner(coach_client):
    response = coach_client.post(URL, query(has_partner="no", partner_employed_earnings="-5"))
    assert "There is a problem" not in text_of(response)
    assert response.context["assessment"].partner_regime is None


def test_money_may_be_typed_with_a_pound_sign_and_commas(coach_client):
    response = coach_client.post(URL, query(employed_earnings="£1,851.85"))
    assert response.context["assessment"].regime == "working_enough"


def test_circumstances_reach_the_engine(coach_client):
    response = coach_client.post(URL, query(employed_earnings="0", circumstances="minimum_income_floor"))
    assert response.context["assessment"].regime == "working_enough"
    response = coach_client.post(URL, query(employed_earnings="0", conditionality_group="work_preparation"))
    assert response.context["assessment"].regime == "work_preparation"


def test_answers_are_kept_in_the_form(coach_client):
    body = coach_client.post(URL, query(employed_earnings="1234.56")).content.decode()
    assert 'value="1234.56"' in body
    assert re.search(r'value="all_work_related_requirements"\s+checked', body)


# --- Errors: a 200 with an error summary, never a 500 --------------------------------------------------------


BAD = [
    pytest.param(
        query(period_start_0="30", period_start_1="2"),
        "period_start",
        "The date the assessment period starts must be a real date",
        id="impossible-date",
    ),
    pytest.param(
        query(period_start_2=None),
        "period_start",
        "The date the assessment period starts must include a year",
        id="missing-year",
    ),
    pytest.param(
        query(period_start_2="25"),
        "period_start",
        "The date the assessment period starts must include a year with 4 numbers, like 2025",
        id="two-digit-year",
    ),
    pytest.param(
        query(period_start_0="x"),
        "period_start",
        "The date the assessment period starts must be a real date",
        id="letters-in-date",
    ),
    pytest.param(
        query(period_start_2="2022", period_start_1="3", period_start_0="31"),
        "period_start",
        "There are no thresholds in force on 31 March 2022. Enter a start date on or after 1 April 2022",
        id="before-thresholds",
    ),
    pytest.param(
        query(period_start_0=None, period_start_1=None, period_start_2=None),
        "period_start",
        "Enter the start date of the assessment period",
        id="missing-period",
    ),
    pytest.param(query(date_of_birth_2="2026"), "date_of_birth", None, id="dob-after-period"),
    pytest.param(
        query(employed_earnings=None),
        "employed_earnings",
        "Enter the claimant's employed earnings for the assessment period",
        id="missing-earnings",
    ),
    pytest.param(
        query(employed_earnings="-1"),
        "employed_earnings",
        "The claimant's employed earnings cannot be negative",
        id="negative",
    ),
    pytest.param(
        query(employed_earnings="lots"),
        "employed_earnings",
        "Enter the claimant's employed earnings as an amount in pounds and pence, like 952.38",
        id="non-numeric",
    ),
    pytest.param(
        query(employed_earnings="952.385"),
        "employed_earnings",
        "Enter the claimant's employed earnings in pounds and pence, with no more than 2 decimal places",
        id="three-dp",
    ),
    pytest.param(
        query(employed_earnings="9" * 30),
        "employed_earnings",
        "The claimant's employed earnings must be less than £100,000,000",
        id="huge",
    ),
    pytest.param(
        query(self_employed_earnings="-3"),
        "self_employed_earnings",
        "The claimant's self-employed earnings cannot be negative",
        id="negative-self",
    ),
    pytest.param(
        query(expected_hours="200"),
        "expected_hours",
        "The claimant's expected hours must be between 0 and 168 a week",
        id="hours",
    ),
    pytest.param(
        query(conditionality_group="light_touch"),
        "conditionality_group",
        "Select the claimant's conditionality group",
        id="unknown-group",
    ),
    pytest.param(
        query(has_partner="yes"),
        "partner_date_of_birth",
        "Enter the partner's date of birth",
        id="partner-missing",
    ),
    pytest.param(
        query(what_if="hours", work_allowance="housing_costs"),
        "extra_hours",
        "Enter the extra hours a week",
        id="what-if-no-hours",
    ),
    pytest.param(
        query(what_if="hours", extra_hours="8", extra_hourly_rate="-2", work_allowance="none"),
        "extra_hourly_rate",
        "The pay for each extra hour must be between 0 and 1,000",
        id="neg-rate",
    ),
    pytest.param(
        query(what_if="hours", extra_hours="eight", extra_hourly_rate="12", work_allowance="none"),
        "extra_hours",
        "The extra hours a week must be a number, like 12.21",
        id="hours-text",
    ),
    pytest.param(
        query(what_if="amount", what_if_earnings="1.234", work_allowance="none"),
        "what_if_earnings",
        "The employed earnings to compare with must have no more than 2 decimal places",
        id="what-if-3dp",
    ),
    pytest.param(
        query(what_if="amount", what_if_earnings="1000"),
        "work_allowance",
        "Select whether the claim includes housing costs",
        id="no-allowance",
    ),
    pytest.param(
        query(
            employed_earnings="99999999.99",
            what_if="hours",
            extra_hours="168",
            extra_hourly_rate="1000",
            work_allowance="none",
        ),
        "extra_hours",
        "The claimant's employed earnings must be less than £100,000,000",
        id="what-if-too-big",
    ),
]


@pytest.mark.parametrize(("params", "field", "message"), BAD)
def test_bad_input_gets_an_error_summary_not_a_500(coach_client, params, field, message):
    response = coach_client.post(URL, params)
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors, form.errors
    summary = error_summary(response)
    assert summary, "no error summary"
    if message is not None:
        assert message in form.errors[field]
        assert message in summary
    assert not any(m.endswith(".") for m in summary), summary  # GOV.UK: no full stop on error messages
    page = text_of(response)
    assert "How this was worked out" not in page  # no result beside errors
    assert response.content.decode().count("govuk-error-message") >= 1
    assert "<title>Error: Regime calculator" in response.content.decode()


def test_every_problem_is_listed_at_once(coach_client):
    response = coach_client.post(
        URL, query(period_start_0="31", period_start_1="2", employed_earnings="-1", expected_hours="999")
    )
    assert set(response.context["form"].errors) == {"period_start", "employed_earnings", "expected_hours"}
    assert len(error_summary(response)) == 3


def test_error_summary_links_go_to_boxes_on_the_page(coach_client):
    response = coach_client.post(
        URL,
        query(
            period_start_2=None,
            employed_earnings="x",
            conditionality_group="nope",
            has_partner="yes",
            what_if="amount",
        ),
    )
    body = response.content.decode()
    targets = re.findall(r'<li><a href="#([^"]+)">', body)
    assert len(targets) >= 5
    for target in targets:
        assert f'id="{target}"' in body, target
    assert "id_period_start_2" in targets  # the missing year box itself


def test_date_of_birth_after_the_period_uses_the_engines_words(coach_client):
    response = coach_client.post(URL, query(date_of_birth_2="2026"))
    (message,) = response.context["form"].errors["date_of_birth"]
    assert "after the end of the assessment period" in message
