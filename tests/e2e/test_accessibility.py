"""WCAG 2.2 AA across the service: axe-core on every page each role reaches from their start page (and every form
there in its error state), at 1280 px, and each role's main pages again at 375 px. Screenshots of every page are
kept as test artefacts (test-artefacts/screens/<role>/<width>/) for a person to look at.

The pages are found by following links, so a new page is checked as soon as something links to it; the URL conf
is then compared with the pages reached, so a page nothing reaches fails the test until it is reached or excused
below with a reason.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from tests.e2e.axe_crawl import Walk, check, screenshot, walk_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "demo-password-2026"
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts" / "screens"

# The demo's five kinds of user (manage.py demo_data prints the same list).
ROLES = ["coach1", "leader.birmingham.a", "leader.mercia", "lead.mercia", "admin"]
MAIN_PAGES = 8  # each role's first pages in the walk (start page, caseload, diary, dashboard…) again at 375 px

# Routes that are not pages a person reads, each with the reason. Anything else in the URL conf must be reached.
NOT_PAGES = {
    "logout": "signing out (POST); the walk would end",
    "healthz": "plain-text liveness check for the container",
    "readiness": "JSON readiness check",
    "iwp:job_progress": "JSON polled by the progress bar",
    "iwp:dashboard_export_figures": "CSV download",
    "iwp:dashboard_export_claimants": "CSV download",
}


def _route_names() -> set[str]:
    names: set[str] = set()

    def collect(patterns, namespace: str, prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if route.startswith(("api/", "django-admin/")):
                    continue  # the API has its own schema tests; Django's admin is not our markup
                ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                collect(pattern.url_patterns, ns, route)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(namespace + pattern.name)

    collect(get_resolver().url_patterns, "", "")
    return names


def _route_of(path: str) -> str:
    return resolve(urlsplit(path).path).view_name


def _sign_in(page, base: str, username: str) -> None:
    page.goto(base + "/sign-in/")
    page.get_by_label("Staff username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/sign-in/" not in url)


def test_every_page_each_role_reaches_passes_axe(live_server, browser):
    call_command("demo_data", verbosity=0)
    base = live_server.url
    reached: set[str] = set()
    findings = []

    # Before signing in: the sign-in page, its error state, the accessibility statement and a missing page.
    anonymous = browser.new_context(viewport={"width": 1280, "height": 900})
    page = anonymous.new_page()
    walk = Walk()
    for path in ["/sign-in/", "/accessibility/", "/no-such-page/"]:
        page.goto(base + path)
        check(page, walk)
        screenshot(page, ARTEFACTS / "signed-out" / "1280", len(walk.visited) + 1)
        walk.visited.append(path)
    page.goto(base + "/sign-in/")
    page.get_by_role("button", name="Sign in").click()
    assert page.locator(".govuk-error-summary").count() == 1
    check(page, walk)
    findings += walk.findings
    reached |= {"login", "accessibility"}
    anonymous.close()

    for username in ROLES:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        _sign_in(page, base, username)
        walk = walk_as(page, base, ["/"], shots=ARTEFACTS / username / "1280")
        assert len(walk.visited) >= 8, f"{username} reached only {walk.visited}"
        findings += walk.findings
        reached |= {_route_of(path) for path in walk.visited}

        # The same role's main pages on a phone-sized screen (reflow, WCAG 1.4.10).
        page.set_viewport_size({"width": 375, "height": 800})
        narrow = Walk()
        for index, path in enumerate(walk.visited[:MAIN_PAGES], start=1):
            page.goto(base + path)
            check(page, narrow)
            screenshot(page, ARTEFACTS / username / "375", index)
        findings += narrow.findings
        context.close()

    assert not findings, "axe found WCAG problems:\n" + "\n".join(map(str, findings))
    unreached = _route_names() - reached - set(NOT_PAGES)
    assert not unreached, f"pages no role reached (link to them, or excuse them in NOT_PAGES): {sorted(unreached)}"
