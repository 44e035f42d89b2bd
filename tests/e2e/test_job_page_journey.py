"""A background job's page in a real browser (Debian's Chromium): the progress poller (static/js/iwp.js) keeps the
page's state, figures and error in step with the job, and says a failed job's error once."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from iwp.background.jobs import job_fail
from iwp.models import BackgroundJob, BackgroundJobState
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_job_that_fails_while_watched_says_so_once(
    live_server, page, sign_in, administrator, screenshot_dir
):
    job = BackgroundJob.objects.create(
        kind="test.job",
        description="Import that loses its worker",
        state=BackgroundJobState.RUNNING,
        total=345,
        done=120,
        created_by=administrator,
    )
    sign_in(administrator.username, TEST_PASSWORD)
    page.goto(live_server.url + reverse("iwp:job_detail", args=[job.pk]))
    state = page.locator("[data-iwp-job-progress-state]")
    expect(state).to_have_text("Running")
    expect(page.locator("[data-iwp-job-progress-text]")).to_have_text("120 of 345 (34%)")
    expect(page.locator(".govuk-error-message")).to_have_count(0)

    job_fail(job_id=job.pk, error="No progress for 15 minutes")
    # The poller (every 1.5 s) redraws the tag, the text and the error from the job.
    expect(state).to_have_text("Failed")
    expect(state).to_have_class(re.compile(r"\bgovuk-tag--red\b"))
    expect(page.locator("[data-iwp-job-progress-live]")).to_have_text("Failed: No progress for 15 minutes")
    # Said once, as an error message (with GOV.UK's hidden "Error:" for screen readers); the progress text above it,
    # checked whole, does not repeat it.
    expect(page.locator(".govuk-error-message")).to_have_count(1)
    expect(page.locator(".govuk-error-message")).to_have_text("Error: No progress for 15 minutes")
    expect(page.locator("[data-iwp-job-progress-text]")).to_have_text("120 of 345 (34%)")
    page.screenshot(path=screenshot_dir / "failed-job.png", full_page=True)

    # Drawn by the server on the next visit: the same, once.
    page.reload()
    expect(page.locator("[data-iwp-job-progress-live]")).to_have_text("Failed: No progress for 15 minutes")
    expect(page.locator(".govuk-error-message")).to_have_count(1)
    expect(page.locator(".govuk-error-message")).to_have_text("Error: No progress for 15 minutes")
