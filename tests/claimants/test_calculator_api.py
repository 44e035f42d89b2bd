"""POST /api/v1/regime-calculator/: the contract, the rulebook's vectors, every class of bad input, and who may call it."""

from __future__ import annotations

import copy
import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from iwp.api_tokens import token_issue
from tests import factories

URL = "/api/v1/regime-calculator/"

pytestmark = pytest.mark.django_db


def body(**claimant_overrides):
    return {
        "assessment_period_start": "2025-06-10",
        "claimant": {"date_of_birth": "1995-01-01", "employed_earnings": "952.38", **claimant_overrides},
    }


def post(client, payload, **extra):
    return client.post(URL, data=json.dumps(payload), content_type="application/json", **extra)


def test_url_name_resolves():
    assert reverse("regime-calculator") == URL


# --- Happy paths -------------------------------------------------------------------------------------------


def test_single_claimant_matches_the_contract_exactly(coach_client):
    payload = {
        "assessment_period_start": "2025-06-10",
        "claimant": {
            "date_of_birth": "1995-01-01",
            "employed_earnings": "952.38",
            "self_employed_earnings": "0.00",
            "expected_hours": 35,
            "conditionality_group": "all_work_related_requirements",
            "apprentice": False,
            "minimum_income_floor": False,
        },
        "partner": None,
    }
    response = post(coach_client, payload)
    assert response.status_code == 200, response.content
    data = response.json()
    assert set(data) == {"regime", "partner_regime", "thresholds", "explanation"}
    assert data["regime"] == "light_touch"
    assert data["partner_regime"] is None
    assert data["thresholds"] == {
        "aet_individual": "952.38",
        "aet_couple": None,
        "cet_individual": "1851.85",
        "cet_partner": None,
        "cet_household": None,
    }
    assert isinstance(data["explanation"], list) and len(data["explanation"]) >= 2
    assert all(isinstance(line, str) and line for line in data["explanation"])
    assert any("meet the single AET of £952.38" in line for line in data["explanation"])


def test_defaults_are_applied_when_only_required_fields_are_given(coach_client):
    minimal = post(coach_client, body())
    explicit = post(
        coach_client,
        {
            **body(
                self_employed_earnings="0.00",
                expected_hours=35,
                conditionality_group="all_work_related_requirements",
                apprentice=False,
                minimum_income_floor=False,
            ),
            "partner": None,
        },
    )
    assert minimal.status_code == explicit.status_code == 200
    assert minimal.json() == explicit.json()
    assert minimal.json()["thresholds"]["cet_individual"] == "1851.85"  # 35 expected hours by default


def test_couple_both_partners_get_a_regime(coach_client):
    payload = {
        **body(employed_earnings="900.00"),
        "partner": {"date_of_birth": "1995-01-01", "employed_earnings": "700.00"},
    }
    data = post(coach_client, payload).json()
    assert data["regime"] == "light_touch"
    assert data["partner_regime"] == "light_touch"  # vector 18: combined 1,600 ≥ couple AET
    assert data["thresholds"]["aet_couple"] == "1534.39"
    assert data["thresholds"]["cet_partner"] == "1851.85"
    assert data["thresholds"]["cet_household"] == "3703.70"


def test_partner_not_eligible_has_no_regime(coach_client):
    payload = {
        **body(employed_earnings="0"),
        "partner": {"date_of_birth": "1995-01-01", "employed_earnings": "1600.00", "eligible_for_uc": False},
    }
    data = post(coach_client, payload).json()
    assert data["partner_regime"] is None
    assert data["thresholds"]["cet_partner"] is None
    assert data["thresholds"]["cet_household"] == "3703.70"


def test_money_may_be_a_json_number(coach_client):
    response = post(coach_client, body(employed_earnings=952.38, expected_hours=35))
    assert response.status_code == 200
    assert response.json()["regime"] == "light_touch"


def test_fractional_expected_hours_are_accepted(coach_client):
    data = post(coach_client, body(employed_earnings="0", expected_hours="37.5")).json()
    assert data["thresholds"]["cet_individual"] == "1984.13"  # 37.5 × 12.21 × 52 / 12 = 1,984.125 → half-up


# The rulebook's vectors (§8): AP starting 2025-06-10, claimant aged 30, all requirements, 35 expected hours.
VECTORS = [
    pytest.param(
        body(employed_earnings="952.38"),
        "light_touch",
        None,
        {
            "aet_individual": "952.38",
            "aet_couple": None,
            "cet_individual": "1851.85",
            "cet_partner": None,
            "cet_household": None,
        },
        id="vector-3",
    ),
    pytest.param(
        body(employed_earnings="1851.85"),
        "working_enough",
        None,
        {
            "aet_individual": "952.38",
            "aet_couple": None,
            "cet_individual": "1851.85",
            "cet_partner": None,
            "cet_household": None,
        },
        id="vector-6",
    ),
    pytest.param(
        body(employed_earnings="846.56", expected_hours=16),
        "working_enough",
        None,
        {
            "aet_individual": "952.38",
            "aet_couple": None,
            "cet_individual": "846.56",
            "cet_partner": None,
            "cet_household": None,
        },
        id="vector-10",
    ),
    pytest.param(
        {
            **body(employed_earnings="1851.85"),
            "partner": {"date_of_birth": "1995-01-01", "employed_earnings": "0"},
        },
        "working_enough",
        "light_touch",
        {
            "aet_individual": "952.38",
            "aet_couple": "1534.39",
            "cet_individual": "1851.85",
            "cet_partner": "1851.85",
            "cet_household": "3703.70",
        },
        id="vector-16",
    ),
    pytest.param(
        {
            **body(employed_earnings="0"),
            "partner": {"date_of_birth": "1995-01-01", "employed_earnings": "1600", "eligible_for_uc": False},
        },
        "light_touch",
        None,
        {
            "aet_individual": "952.38",
            "aet_couple": "1534.39",
            "cet_individual": "1851.85",
            "cet_partner": None,
            "cet_household": "3703.70",
        },
        id="vector-24",
    ),
]


@pytest.mark.parametrize(("payload", "regime", "partner_regime", "thresholds"), VECTORS)
def test_rulebook_vectors_through_the_api(coach_client, payload, regime, partner_regime, thresholds):
    response = post(coach_client, payload)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["regime"] == regime
    assert data["partner_regime"] == partner_regime
    assert data["thresholds"] == thresholds


# --- Bad input: always a 400 with the field named, never a 500 -----------------------------------------------


def with_claimant(**changes):
    payload = body()
    for key, value in changes.items():
        if value is _MISSING:
            del payload["claimant"][key]
        else:
            payload["claimant"][key] = value
    return payload


def with_partner(**changes):
    partner = {"date_of_birth": "1995-01-01", "employed_earnings": "100.00"}
    for key, value in changes.items():
        if value is _MISSING:
            del partner[key]
        else:
            partner[key] = value
    return {**body(), "partner": partner}


_MISSING = object()


def at(path: str):
    """("claimant", "employed_earnings") style path from "claimant.employed_earnings"."""
    return tuple(path.split("."))


BAD = [
    # money
    pytest.param(with_claimant(employed_earnings="-1.00"), "claimant.employed_earnings", id="negative-money"),
    pytest.param(with_claimant(employed_earnings=-5), "claimant.employed_earnings", id="negative-number"),
    pytest.param(with_claimant(employed_earnings="lots"), "claimant.employed_earnings", id="non-numeric"),
    pytest.param(with_claimant(employed_earnings="£952.38"), "claimant.employed_earnings", id="pound-sign"),
    pytest.param(with_claimant(employed_earnings="952.385"), "claimant.employed_earnings", id="three-dp"),
    pytest.param(with_claimant(employed_earnings="1e400"), "claimant.employed_earnings", id="huge-exponent"),
    pytest.param(with_claimant(employed_earnings="9" * 40), "claimant.employed_earnings", id="huge-string"),
    pytest.param(with_claimant(employed_earnings=10**30), "claimant.employed_earnings", id="huge-int"),
    pytest.param(with_claimant(employed_earnings="NaN"), "claimant.employed_earnings", id="nan"),
    pytest.param(with_claimant(employed_earnings="Infinity"), "claimant.employed_earnings", id="infinity"),
    pytest.param(with_claimant(employed_earnings=True), "claimant.employed_earnings", id="bool-money"),
    pytest.param(with_claimant(employed_earnings=[1]), "claimant.employed_earnings", id="list-money"),
    pytest.param(with_claimant(employed_earnings=None), "claimant.employed_earnings", id="null-money"),
    pytest.param(
        with_claimant(self_employed_earnings="-0.01"), "claimant.self_employed_earnings", id="neg-self"
    ),
    pytest.param(
        with_claimant(self_employed_earnings="1.001"), "claimant.self_employed_earnings", id="self-3dp"
    ),
    # hours
    pytest.param(with_claimant(expected_hours=-1), "claimant.expected_hours", id="hours-negative"),
    pytest.param(with_claimant(expected_hours=169), "claimant.expected_hours", id="hours-over-168"),
    pytest.param(with_claimant(expected_hours="168.01"), "claimant.expected_hours", id="hours-just-over"),
    pytest.param(with_claimant(expected_hours=10**20), "claimant.expected_hours", id="hours-huge"),
    pytest.param(with_claimant(expected_hours="thirty"), "claimant.expected_hours", id="hours-text"),
    # group and flags
    pytest.param(
        with_claimant(conditionality_group="light_touch"), "claimant.conditionality_group", id="group"
    ),
    pytest.param(with_claimant(conditionality_group=["x"]), "claimant.conditionality_group", id="group-list"),
    pytest.param(with_claimant(apprentice="yes"), "claimant.apprentice", id="apprentice-text"),
    pytest.param(with_claimant(minimum_income_floor=1), "claimant.minimum_income_floor", id="mif-int"),
    # dates
    pytest.param(
        {**body(), "assessment_period_start": "2025-02-30"}, "assessment_period_start", id="impossible"
    ),
    pytest.param(
        {**body(), "assessment_period_start": "10/06/2025"}, "assessment_period_start", id="uk-format"
    ),
    pytest.param(
        {**body(), "assessment_period_start": 20250610}, "assessment_period_start", id="date-number"
    ),
    pytest.param(
        {**body(), "assessment_period_start": "9999-12-31"}, "assessment_period_start", id="year-9999"
    ),
    pytest.param(
        {**body(), "assessment_period_start": "2022-03-31"}, "assessment_period_start", id="no-thresholds"
    ),
    pytest.param(
        {**body(), "assessment_period_start": "1900-01-01"}, "assessment_period_start", id="long-ago"
    ),
    pytest.param(with_claimant(date_of_birth="1995-02-29"), "claimant.date_of_birth", id="dob-impossible"),
    pytest.param(with_claimant(date_of_birth="2025-07-10"), "claimant.date_of_birth", id="dob-after-period"),
    pytest.param(with_claimant(date_of_birth="2015-01-01"), "claimant.date_of_birth", id="dob-under-16"),
    # missing required fields
    pytest.param({"claimant": body()["claimant"]}, "assessment_period_start", id="missing-period"),
    pytest.param({"assessment_period_start": "2025-06-10"}, "claimant", id="missing-claimant"),
    pytest.param(with_claimant(date_of_birth=_MISSING), "claimant.date_of_birth", id="missing-dob"),
    pytest.param(
        with_claimant(employed_earnings=_MISSING), "claimant.employed_earnings", id="missing-earnings"
    ),
    # wrong JSON types
    pytest.param({**body(), "claimant": ["1995-01-01", "952.38"]}, "claimant", id="claimant-list"),
    pytest.param({**body(), "claimant": "me"}, "claimant", id="claimant-string"),
    pytest.param({**body(), "claimant": None}, "claimant", id="claimant-null"),
    pytest.param({**body(), "partner": "yes"}, "partner", id="partner-string"),
    pytest.param({**body(), "partner": []}, "partner", id="partner-list"),
    pytest.param(["2025-06-10"], "non_field_errors", id="body-list"),
    pytest.param("hello", "non_field_errors", id="body-string"),
    pytest.param(42, "non_field_errors", id="body-number"),
    # the partner's fields are named as the partner's
    pytest.param(with_partner(date_of_birth="2026-01-01"), "partner.date_of_birth", id="partner-dob-future"),
    pytest.param(with_partner(date_of_birth=_MISSING), "partner.date_of_birth", id="partner-missing-dob"),
    pytest.param(with_partner(employed_earnings="-3"), "partner.employed_earnings", id="partner-negative"),
    pytest.param(with_partner(eligible_for_uc="no"), "partner.eligible_for_uc", id="partner-eligible-text"),
    pytest.param(with_partner(expected_hours=200), "partner.expected_hours", id="partner-hours"),
]


@pytest.mark.parametrize(("payload", "field"), BAD)
def test_bad_input_is_a_400_naming_the_field(coach_client, payload, field):
    response = post(coach_client, copy.deepcopy(payload))
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    node = errors
    for key in at(field):
        assert isinstance(node, dict) and key in node, (field, errors)
        node = node[key]
    # A list of messages, or (for a nested object of the wrong type) a dict holding one.
    messages = node if isinstance(node, list) else node.get("non_field_errors")
    assert messages and all(isinstance(m, str) and m for m in messages), errors


def test_engine_messages_are_plain_english(coach_client):
    response = post(coach_client, with_claimant(date_of_birth="2025-07-10"))
    message = response.json()["errors"]["claimant"]["date_of_birth"][0]
    assert "after the end of the assessment period" in message


def test_period_before_thresholds_says_when_they_start(coach_client):
    response = post(coach_client, {**body(), "assessment_period_start": "2022-03-31"})
    message = response.json()["errors"]["assessment_period_start"][0]
    assert "1 April 2022" in message


def test_several_errors_come_back_together(coach_client):
    payload = {
        "assessment_period_start": "2025-02-30",
        "claimant": {"date_of_birth": "x", "employed_earnings": "-1"},
    }
    errors = post(coach_client, payload).json()["errors"]
    assert set(errors) == {"assessment_period_start", "claimant"}
    assert set(errors["claimant"]) == {"date_of_birth", "employed_earnings"}


def test_friendly_money_messages(coach_client):
    errors = post(coach_client, with_claimant(employed_earnings="952.385")).json()["errors"]
    assert errors["claimant"]["employed_earnings"] == [
        "Enter the claimant's employed earnings in pounds and pence, with no more than 2 decimal places."
    ]
    errors = post(coach_client, with_partner(employed_earnings="-3")).json()["errors"]
    assert errors["partner"]["employed_earnings"] == ["The partner's employed earnings cannot be negative."]


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"{not json", id="malformed"),
        pytest.param(b"", id="empty"),
        pytest.param(
            b'{"assessment_period_start": "2025-06-10", "claimant": {"date_of_birth": "1995-01-01", '
            b'"employed_earnings": ' + b"9" * 5000 + b"}}",
            id="5000-digit-number",
        ),
        pytest.param(b'{"assessment_period_start": NaN}', id="nan-literal"),
    ],
)
def test_unparseable_bodies_are_400(coach_client, raw):
    response = coach_client.post(URL, data=raw, content_type="application/json")
    assert response.status_code == 400


def test_form_encoded_bodies_are_refused(coach_client):
    response = coach_client.post(URL, data={"assessment_period_start": "2025-06-10"})
    assert response.status_code == 415


def test_get_is_not_allowed(coach_client):
    assert coach_client.get(URL).status_code == 405


# --- Who may call it --------------------------------------------------------------------------------------


def test_anonymous_is_refused(client):
    response = post(client, body())
    assert response.status_code in (401, 403)
    assert "regime" not in response.json()


@pytest.mark.parametrize("role", ["work_coach", "team_leader", "progression_lead", "administrator"])
def test_every_role_may_use_it(role_clients, role):
    response = post(role_clients[role], body())
    assert response.status_code == 200
    assert response.json()["regime"] == "light_touch"


def test_a_superuser_may_use_it(client, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@dwp.example", "x" * 16)
    client.force_login(root)
    assert post(client, body()).status_code == 200


def test_inactive_staff_are_refused(client, work_coach):
    client.force_login(work_coach)
    work_coach.is_active = False
    work_coach.save()
    assert post(client, body()).status_code in (401, 403)


def test_token_authentication_works(work_coach):
    _, key = token_issue(user=work_coach)
    api = APIClient()
    response = api.post(URL, body(), format="json", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    assert response.json()["regime"] == "light_touch"


def test_a_wrong_token_is_refused():
    api = APIClient()
    response = api.post(URL, body(), format="json", HTTP_AUTHORIZATION="Token not-a-real-token")
    assert response.status_code in (401, 403)


def test_session_auth_needs_a_csrf_token(work_coach):
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(work_coach)
    assert api.post(URL, body(), format="json").status_code == 403


def test_token_for_an_inactive_user_is_refused(db):
    user = factories.WorkCoachFactory(is_active=False)
    _, key = token_issue(user=user)
    api = APIClient()
    response = api.post(URL, body(), format="json", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code in (401, 403)


# --- The schema documents it ------------------------------------------------------------------------------


def test_schema_documents_request_and_response(coach_client):
    response = coach_client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    operation = schema["paths"][URL]["post"]
    request_ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    response_ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    components = schema["components"]["schemas"]
    request_schema = components[request_ref.rsplit("/", 1)[1]]
    response_schema = components[response_ref.rsplit("/", 1)[1]]
    assert set(request_schema["required"]) == {"assessment_period_start", "claimant"}
    assert {"regime", "partner_regime", "thresholds", "explanation"} <= set(response_schema["properties"])
    claimant_ref = request_schema["properties"]["claimant"]["$ref"]
    claimant_schema = components[claimant_ref.rsplit("/", 1)[1]]
    assert set(claimant_schema["required"]) == {"date_of_birth", "employed_earnings"}
    assert "400" in operation["responses"]
