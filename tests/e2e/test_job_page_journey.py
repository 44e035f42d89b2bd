"""A background job's page in a real browser (Debian's Chromium): the progress poller (static/js/iwp.js) keeps the
page's figures and says a failed job's error once."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from iwp.models import BackgroundJob, BackgroundJobState
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_failed_jobs_page_says_its_error_once(live_server, page, sign_in, administrator, screenshot_dir):
    job = BackgroundJob.objects.create(
        kind="test.job",
        description="Import that lost its worker",
        state=BackgroundJobState.FAILED,
        total=345,
        done=120,
        error="No progress for 15 minutes",
        created_by=administrator,
    )
    sign_in(administrator.username, TEST_PASSWORD)
    page.goto(live_server.url + reverse("iwp:job_detail", args=[job.pk]))
    progress = page.locator(".iwp-job-progress")
    # The poller has fetched the job once and drawn it (it marks its root, then writes the progress text).
    expect(progress).to_have_attribute("data-iwp-job-progress-init", "")
    expect(page.locator("[data-iwp-job-progress-text]")).to_have_text("120 of 345 (34%)")
    expect(page.locator("[data-iwp-job-progress-live]")).to_have_text("Failed: No progress for 15 minutes")
    # Shown once, as an error message; the progress text above it (checked whole) no longer repeats it.
    expect(page.locator(".govuk-error-message")).to_have_count(1)
    expect(page.locator(".govuk-error-message")).to_have_text("No progress for 15 minutes")
    page.screenshot(path=screenshot_dir / "failed-job.png", full_page=True)
