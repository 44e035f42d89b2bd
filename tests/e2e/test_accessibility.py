"""WCAG 2.2 AA across the service: axe-core on every page each role reaches from their start page (and every form
there in its error state), at 1280 px, and each role's main pages again at 375 px. Screenshots of every page are
kept as test artefacts (test-artefacts/screens/<role>/<width>/) for a person to look at.

The pages are found by following links, so a new page is checked as soon as something links to it; the URL conf
is then compared with the pages reached, so a page nothing reaches fails the test until it is reached or excused
below with a reason.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from claimants.commitments.services import commitment_issue, commitment_start_draft
from claimants.models import Claimant, ClaimantCommitment, CommitmentStatus
from claimants.regimes.uprating import UPRATING_JOB_KIND, uprating_run_inline
from iwp.models import BackgroundJob, BackgroundJobState, StaffMember
from provision import importing
from provision.jobs import import_job_run, import_job_start
from provision.models import ProvisionOffer
from tests.e2e.axe_crawl import Walk, check, screenshot, walk_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "demo-password-2026"
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts" / "screens"

# The demo's five kinds of user (manage.py demo_data prints the same list).
ROLES = ["coach1", "leader.birmingham.a", "leader.mercia", "lead.mercia", "admin"]
MAIN_PAGES = (
    8  # each role's first pages in the walk (start page, caseload, diary, dashboard…) again at 375 px
)

# Routes that are not pages a person reads, each with the reason. Anything else in the URL conf must be reached.
NOT_PAGES = {
    "logout": "signing out (POST); the walk would end",
    "healthz": "plain-text liveness check for the container",
    "readiness": "JSON readiness check",
    "iwp:job_progress": "JSON polled by the progress bar",
    "iwp:dashboard_export_figures": "CSV download",
    "iwp:dashboard_export_claimants": "CSV download",
    "provision:export": "CSV download",
    "iwp:audit_log_csv": "CSV download (the audit log's filtered events)",
    "openreferral:services": "JSON API for other services",
    "openreferral:service": "JSON API for other services",
    "provision:import_report_csv": "CSV download (the import report's lines)",
    "provision:contact_public": "POST from the offer page's contacts table; redirects back to the offer",
    "api_docs": "Swagger UI for the REST API (drf-spectacular's markup, like Django's admin, not ours); linked from "
    "the administration page; the walk skips /api/",
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


def _coach_starts() -> list[str]:
    """The coach's records in the states whose pages and actions only some claimants show: restricted
    information to reveal, a commitment waiting for acceptance, a draft to issue and another to discard."""
    coach = StaffMember.objects.get(username="coach1")
    mine = Claimant.objects.filter(coach=coach).order_by("pk")
    restricted = mine.filter(circumstances__sensitive=True).first()
    waiting = ClaimantCommitment.objects.filter(claimant__in=mine, status=CommitmentStatus.ISSUED).first()
    accepted = list(mine.filter(commitments__status=CommitmentStatus.ACCEPTED).distinct()[:3])
    to_issue, to_discard = (commitment_start_draft(claimant=c, actor=coach) for c in accepted[:2])
    if (
        waiting is None
    ):  # the demo's random draws depend on today's date: some days none of coach1's is waiting
        draft = commitment_start_draft(claimant=accepted[2], actor=coach)
        waiting = commitment_issue(commitment=draft, lock_version=draft.lock_version, actor=coach)
    # A progression plan with steps still to do: its page links each step to the actions and referrals pages.
    planned = mine.filter(progression_plan__steps__status="to_do").distinct().first()
    return [
        reverse("claimants:progression", args=[planned.pk]),
        reverse("claimants:record", args=[restricted.pk]),
        reverse("claimants:commitment_version", args=[waiting.claimant_id, waiting.version]),
        reverse("claimants:commitment_version", args=[to_issue.claimant_id, to_issue.version]),
        reverse("claimants:commitment", args=[to_discard.claimant_id]),
    ]


def _extra_starts() -> dict[str, list[str]]:
    """Pages reached only in some states or after a POST the walk does not make (starting an uprating or an
    import needs a date and a file): the coach's records above, a finished uprating, a failed one an
    administrator can resume, and a lead's finished import."""
    admin = StaffMember.objects.get(username="admin")
    lead = StaffMember.objects.get(username="lead.mercia")
    uprating_run_inline(timezone.localdate(), "Accessibility walk", admin, workers=1)
    failed = BackgroundJob.objects.create(
        kind=UPRATING_JOB_KIND,
        description="Uprating that lost its worker",
        state=BackgroundJobState.FAILED,
        error="No progress for 15 minutes",
        created_by=admin,
        parameters={"effective_from": timezone.localdate().isoformat(), "reason": "walk", "chunk_size": 1000},
    )
    offers = ProvisionOffer.objects.filter(district=lead.district).prefetch_related("sessions")
    content = importing.export_csv(offers).encode()
    job = import_job_start(actor=lead, district=lead.district, content=content, kind="csv", name="offers.csv")
    import_job_run(job_id=job.pk)
    return {
        "coach1": _coach_starts(),
        "admin": [reverse("iwp:job_detail", args=[failed.pk])],
        "lead.mercia": [reverse("provision:import_job", args=[job.pk])],
    }


@pytest.mark.slow
@pytest.mark.timeout(900)  # five roles' walks in one test (about 3–4 minutes here), so the demo loads once
def test_every_page_each_role_reaches_passes_axe(live_server, browser):
    shutil.rmtree(ARTEFACTS, ignore_errors=True)  # only this run's screenshots
    call_command("demo_data", verbosity=0)
    starts = _extra_starts()
    base = live_server.url
    reached: set[str] = set()
    findings = []
    summary = []
    wide: list[str] = []

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
        walk = walk_as(page, base, [*starts.get(username, []), "/"], shots=ARTEFACTS / username / "1280")
        assert len(walk.visited) >= 8, f"{username} reached only {walk.visited}"
        findings += walk.findings
        reached |= {_route_of(path) for path in walk.visited + walk.pressed}

        # The same role's main pages on a phone-sized screen (reflow, WCAG 1.4.10).
        page.set_viewport_size({"width": 375, "height": 800})
        narrow = Walk()
        for index, path in enumerate(walk.visited[:MAIN_PAGES], start=1):
            page.goto(base + path)
            check(page, narrow)
            screenshot(page, ARTEFACTS / username / "375", index)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 375:  # WCAG 1.4.10 reflow: only a wide table may scroll, inside its own region
                wide.append(f"{username} {path}: the page is {width} px wide at 375 px")
        findings += narrow.findings
        context.close()
        summary.append(
            f"{username}: {len(walk.visited)} pages, {len(walk.error_states)} error states, {len(walk.pressed)} "
            f"actions at 1280 px; {min(len(walk.visited), MAIN_PAGES)} pages at 375 px"
        )

    (ARTEFACTS / "walk.txt").write_text("\n".join(summary) + f"\nroutes reached: {len(reached)}\n")
    assert not wide, "pages that scroll sideways on a phone:\n" + "\n".join(wide)
    assert not findings, "axe found WCAG problems:\n" + "\n".join(map(str, findings))
    unreached = _route_names() - reached - set(NOT_PAGES)
    assert not unreached, (
        f"pages no role reached (link to them, or excuse them in NOT_PAGES): {sorted(unreached)}"
    )
