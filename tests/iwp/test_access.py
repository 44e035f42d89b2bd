"""Every page requires login; each role lands on its own start page; wrong roles get 403."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from iwp.views import START_PAGES

# The only views anyone may open without signing in.
PUBLIC = {
    "login",
    "healthz",
    "readiness",
    "accessibility",
}  # health checks and the accessibility statement reveal no data


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            if str(p.pattern).startswith("django-admin"):
                continue  # Django admin has its own login; checked separately below
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def _concrete(route: str) -> str:
    route = re.sub(r"<int:[^>]+>", "1", route)
    route = re.sub(r"<uuid:[^>]+>", "00000000-0000-0000-0000-000000000001", route)
    route = re.sub(r"<(?:str|slug|path)?:?[^>]+>", "x", route)
    return "/" + route.lstrip("^").rstrip("$").replace("\\", "")


ALL_URLS = list(_walk(get_resolver().url_patterns))


def test_the_walk_finds_the_urls():
    names = {p.name for _, p in ALL_URLS}
    assert {"home", "login", "healthz", "job_detail", "job_progress"} <= names


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "pattern"), ALL_URLS, ids=[r for r, _ in ALL_URLS])
def test_every_url_requires_login(client, route, pattern):
    url = _concrete(route)
    response = client.get(url)
    if pattern.name in PUBLIC:
        assert response.status_code == 200
        return
    if url.startswith("/api/v1/"):
        assert response.status_code in (401, 403), url
    elif url.startswith("/openreferral/"):
        # The Open Referral UK feed for other services: a district key, never a login page (and never open).
        assert response.status_code == 401, url
    else:
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


@pytest.mark.django_db
def test_django_admin_requires_login(client):
    response = client.get("/django-admin/")
    assert response.status_code == 302
    assert "/django-admin/login/" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(START_PAGES))
def test_home_sends_each_role_to_its_start_page(role_clients, role):
    response = role_clients[role].get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse(START_PAGES[role])
    page = role_clients[role].get(response["Location"])
    assert page.status_code == 200


@pytest.mark.django_db
def test_superuser_without_role_is_an_administrator(client, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@dwp.example", "x" * 16)
    client.force_login(root)
    assert client.get("/")["Location"] == reverse("iwp:admin_home")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "url_name", "status"),
    [
        ("work_coach", "iwp:admin_home", 403),
        ("work_coach", "iwp:team_dashboard", 403),
        ("progression_lead", "iwp:team_dashboard", 403),
        ("team_leader", "iwp:admin_home", 403),
        ("team_leader", "iwp:team_dashboard", 200),
        ("administrator", "iwp:admin_home", 200),
    ],
)
def test_pages_refuse_the_wrong_role(role_clients, role, url_name, status):
    assert role_clients[role].get(reverse(url_name)).status_code == status


@pytest.mark.django_db
def test_inactive_staff_cannot_use_the_service(work_coach, client):
    client.force_login(work_coach)
    work_coach.is_active = False
    work_coach.save()
    assert client.get(reverse("claimants:caseload")).status_code in (302, 403)


@pytest.mark.django_db
def test_pages_carry_csp_with_nonce_and_no_inline_script_without_it(coach_client):
    response = coach_client.get(reverse("claimants:caseload"))
    csp = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert "script-src 'self' 'nonce-" in csp
    assert "frame-ancestors 'none'" in csp
    scripts = re.findall(rb"<script[^>]*>", response.content)
    assert scripts, "the base template loads scripts"
    for tag in scripts:
        assert f'nonce="{nonce}"'.encode() in tag
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_error_pages_are_govuk_styled(coach_client):
    forbidden = coach_client.get(reverse("iwp:admin_home"))
    assert forbidden.status_code == 403
    assert b"You cannot open this page" in forbidden.content
    missing = coach_client.get("/claimants/999999/")
    assert missing.status_code == 404
    assert b"Page not found" in missing.content
