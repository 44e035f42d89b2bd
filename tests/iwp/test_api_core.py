"""The REST API's cross-cutting promises (issue #15): token authentication (401 with ``WWW-Authenticate``), the
token command (a key shown once, only its hash kept), one error format for every error, bounded pagination and
bodies (413), throttling (429), CSRF for browser sessions, and the schema and its documentation page."""

from __future__ import annotations

import hashlib
import io
import json
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from iwp.api_tokens import token_issue, token_revoke
from iwp.models import ApiToken, AuditEvent
from tests.claimants.factories import ClaimantFactory
from tests.factories import TeamFactory, WorkCoachFactory

pytestmark = pytest.mark.django_db

CLAIMANTS = "/api/v1/claimants/"


def assert_error(response, status: int, code: str | None = None) -> dict:
    """Every error has the one format: detail (text), code (text), errors (an object)."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["code"], str) and body["code"]
    assert isinstance(body["errors"], dict)
    if code is not None:
        assert body["code"] == code, body
    return body


# --- Who is calling -----------------------------------------------------------------------------------------


def test_no_token_is_a_401_naming_the_scheme():
    response = APIClient().get(CLAIMANTS)
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize(
    "header",
    [
        "Bearer not-a-real-token",
        "Token not-a-real-token",
        "Bearer",
        "Bearer two words",
        "bearer ÿÿÿ",
    ],
)
def test_a_bad_token_is_a_401_naming_the_scheme(header):
    response = APIClient().get(CLAIMANTS, HTTP_AUTHORIZATION=header.encode("latin-1").decode("latin-1"))
    assert_error(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_token_acts_as_its_member_of_staff(work_coach, api_for):
    mine = ClaimantFactory(jobcentre=work_coach.jobcentre, coach=work_coach)
    response = api_for(work_coach).get(CLAIMANTS)
    assert response.status_code == 200, response.content
    assert [row["id"] for row in response.json()["results"]] == [mine.pk]


def test_a_revoked_token_or_a_deactivated_user_is_a_401(work_coach):
    token, key = token_issue(user=work_coach)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get(CLAIMANTS).status_code == 200
    token_revoke(token=token)
    assert_error(client.get(CLAIMANTS), 401)
    _, key = token_issue(user=work_coach)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(CLAIMANTS).status_code == 200
    work_coach.is_active = False
    work_coach.save()
    assert_error(client.get(CLAIMANTS), 401)


def test_only_the_hash_of_a_token_is_kept_and_its_use_is_noted(work_coach):
    token, key = token_issue(user=work_coach, name="nightly report")
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in json.dumps(list(ApiToken.objects.values()), default=str)
    assert len(key) >= 40 and token.prefix == key[:8]
    assert AuditEvent.objects.filter(
        target_type="iwp.apitoken", target_id=str(token.pk), verb="created"
    ).exists()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    client.get(CLAIMANTS)
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_the_command_prints_a_token_once_and_revokes_it(work_coach):
    out = io.StringIO()
    call_command("api_token", "issue", work_coach.username, "--name", "reports", stdout=out)
    key = re.search(r"^([A-Za-z0-9_-]{40,})$", out.getvalue(), re.MULTILINE).group(1)
    token = ApiToken.objects.get(user=work_coach)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest() and token.name == "reports"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get(CLAIMANTS).status_code == 200
    listed = io.StringIO()
    call_command("api_token", "list", work_coach.username, stdout=listed)
    assert token.prefix in listed.getvalue() and key not in listed.getvalue()
    call_command("api_token", "revoke", work_coach.username, stdout=io.StringIO())
    assert client.get(CLAIMANTS).status_code == 401
    with pytest.raises(CommandError):
        call_command("api_token", "revoke", work_coach.username, stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("api_token", "issue", "nobody-of-that-name", stdout=io.StringIO())


def test_drf_tokens_issued_before_carry_over(work_coach):
    """The migration moved DRF's plain tokens' hashes here; the lookup finds a key by its hash alone."""
    key = "0123456789abcdef0123456789abcdef01234567"
    ApiToken.objects.create(
        user=work_coach, key_hash=hashlib.sha256(key.encode()).hexdigest(), prefix=key[:8]
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(CLAIMANTS).status_code == 200


def test_a_role_that_may_not_is_a_403(progression_lead, api_for):
    assert_error(api_for(progression_lead).get(CLAIMANTS), 403, "permission_denied")


# --- Browser sessions --------------------------------------------------------------------------------------


def test_a_session_may_read_and_must_send_the_csrf_token_to_write(work_coach):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(work_coach)
    assert client.get(CLAIMANTS).status_code == 200
    body = {"nino": "JK123456A", "first_name": "Amira", "last_name": "Khan", "date_of_birth": "1990-03-27"}
    refused = client.post(CLAIMANTS, body, format="json")
    assert_error(refused, 403, "permission_denied")
    assert "CSRF" in refused.json()["detail"]
    client.get("/api/docs/")  # any page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    assert client.post(CLAIMANTS, body, format="json", HTTP_X_CSRFTOKEN=token).status_code == 201


# --- One error format --------------------------------------------------------------------------------------


def test_400_names_the_fields(work_coach, api_for):
    response = api_for(work_coach).post(CLAIMANTS, {"nino": "nope", "first_name": ""}, format="json")
    body = assert_error(response, 400, "invalid")
    assert {"nino", "first_name", "last_name", "date_of_birth"} <= set(body["errors"])
    assert all(isinstance(m, str) for m in body["errors"]["nino"])


def test_400_for_a_body_that_is_not_json(work_coach, api_for):
    response = api_for(work_coach).post(CLAIMANTS, b"{not json", content_type="application/json")
    assert_error(response, 400, "parse_error")


def test_400_for_a_query_parameter_out_of_range(work_coach, api_for):
    client = api_for(work_coach)
    for query in (
        "page=0",
        "page=x",
        "page_size=201",
        "page_size=0",
        "regime=nonsense",
        "regime_cycling=maybe",
        "coach=1.5",
    ):
        response = client.get(f"{CLAIMANTS}?{query}")
        assert response.status_code == 400, query
        body = assert_error(response, 400, "invalid")
        assert query.split("=")[0] in body["errors"], query


def test_404_for_another_office_a_missing_record_a_page_past_the_end_and_an_unknown_address(
    work_coach, api_for
):
    client = api_for(work_coach)
    elsewhere = ClaimantFactory(jobcentre=TeamFactory().jobcentre)
    assert_error(client.get(f"{CLAIMANTS}{elsewhere.pk}/"), 404, "not_found")
    assert_error(client.get(f"{CLAIMANTS}999999999/"), 404, "not_found")
    assert_error(client.get(f"{CLAIMANTS}99999999999999999999999/"), 404, "not_found")
    assert_error(client.get(f"{CLAIMANTS}?page=9"), 404, "not_found")
    assert_error(client.get("/api/v1/no-such-thing/"), 404, "not_found")
    assert_error(client.get(f"{CLAIMANTS}abc/"), 404, "not_found")


def test_405_lists_what_is_allowed(work_coach, api_for):
    response = api_for(work_coach).delete(CLAIMANTS)
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"] and "POST" in response["Allow"]


def test_409_when_the_state_is_not_right(work_coach, api_for):
    claimant = ClaimantFactory(jobcentre=work_coach.jobcentre, coach=work_coach)
    client = api_for(work_coach)
    url = f"{CLAIMANTS}{claimant.pk}/commitments/"
    assert client.post(url).status_code == 201
    assert_error(client.post(url), 409, "draft_exists")


def test_413_for_a_body_over_the_limit(work_coach, api_for, settings):
    settings.IWP_API_MAX_BODY_BYTES = 2048
    client = api_for(work_coach)
    huge = {"nino": "JK123456A", "first_name": "x" * 5000}
    body = assert_error(client.post(CLAIMANTS, huge, format="json"), 413, "too_large")
    assert "2048" in body["detail"]
    assert not ClaimantFactory._meta.model.objects.filter(nino="JK123456A").exists()


def test_413_for_a_bulk_reassignment_too_large_to_read(team_leader, api_for, settings):
    settings.IWP_API_MAX_BODY_BYTES = 4096
    body = {"claimants": list(range(1, 3000)), "to_coach": 1}
    assert_error(api_for(team_leader).post("/api/v1/reassignments/", body, format="json"), 413, "too_large")


def test_415_for_a_body_that_is_not_json(work_coach, api_for):
    response = api_for(work_coach).post(CLAIMANTS, "nino=JK123456A", content_type="text/plain")
    assert_error(response, 415, "unsupported_media_type")


def test_429_when_a_token_calls_too_often(work_coach, api_for, settings):
    settings.IWP_API_TOKEN_RATE = "3/minute"
    client = api_for(work_coach)
    for _ in range(3):
        assert client.get(CLAIMANTS).status_code == 200
    response = client.get(CLAIMANTS)
    assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0
    # Another token (another system) is counted on its own.
    assert api_for(work_coach).get(CLAIMANTS).status_code == 200


def test_browser_sessions_are_not_throttled(work_coach, settings):
    settings.IWP_API_TOKEN_RATE = "1/minute"
    client = APIClient()
    client.force_login(work_coach)
    assert [client.get(CLAIMANTS).status_code for _ in range(3)] == [200, 200, 200]


# --- Pagination --------------------------------------------------------------------------------------------


def test_lists_are_paginated_and_bounded(work_coach, api_for):
    ClaimantFactory.create_batch(5, jobcentre=work_coach.jobcentre)
    client = api_for(work_coach)
    first = client.get(f"{CLAIMANTS}?page_size=2").json()
    assert first["count"] == 5 and len(first["results"]) == 2 and first["previous"] is None
    assert "page=2" in first["next"]
    last = client.get(f"{CLAIMANTS}?page_size=2&page=3").json()
    assert len(last["results"]) == 1 and last["next"] is None
    assert client.get(f"{CLAIMANTS}?page_size=200").status_code == 200


# --- The schema and its documentation -----------------------------------------------------------------------


def test_the_schema_describes_every_operation_with_its_errors(work_coach, api_for):
    response = api_for(work_coach).get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert all(path.startswith("/api/v1/") for path in schema["paths"])
    assert schema["components"]["securitySchemes"]["tokenAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A token from `manage.py api_token issue <username>`: it acts as that member of staff.",
    }
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"401", "403", "429"} <= codes, (method, path)
            assert "WWW-Authenticate" in operation["responses"]["401"]["headers"]
            if method in ("post", "put", "patch") and "requestBody" in operation:
                assert {"400", "413", "415"} <= codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)
    error = schema["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"detail", "code", "errors"}


def test_the_docs_page_is_for_signed_in_staff_and_keeps_the_csp(client, work_coach):
    anonymous = client.get("/api/docs/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/sign-in/")
    client.force_login(work_coach)
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<style>" not in html and "<script>" not in html  # nothing inline for the CSP to refuse
    assert re.search(r'<script src="[^"]*swagger-ui-bundle[^"]*\.js"', html)
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and "/api/v1/schema/" in script.content.decode()
    assert "script-src 'self'" in page["Content-Security-Policy"]


def test_the_administration_page_links_the_docs(admin_client_iwp):
    assert b'href="/api/docs/"' in admin_client_iwp.get("/administration/").content


def test_a_coach_and_a_claimant_elsewhere(work_coach):
    """Fixture sanity: another office's coach is not in this one."""
    other = WorkCoachFactory(team=TeamFactory())
    assert other.jobcentre_id != work_coach.jobcentre_id


def test_the_earnings_feed_answers_in_the_format_and_has_its_own_limit(administrator, api_for, settings):
    client = api_for(administrator)
    unreadable = client.post("/api/v1/earnings-feed/", "nino,employed_gross\n", content_type="text/csv")
    body = assert_error(unreadable, 400, "unreadable_file")
    assert "rows_read" in body  # the report's keys beside the format's
    assert (
        "mode"
        in assert_error(
            client.post("/api/v1/earnings-feed/?mode=sometimes", {"records": []}, format="json"), 400
        )["errors"]
    )
    settings.IWP_EARNINGS_FEED_MAX_BYTES = 100
    big = "nino,period_start,employed_gross\n" + "AB123456C,2025-06-10,1.00\n" * 20
    assert_error(client.post("/api/v1/earnings-feed/", big, content_type="text/csv"), 413, "too_large")
