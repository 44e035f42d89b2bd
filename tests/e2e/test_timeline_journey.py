"""A work coach reads a claimant's whole story on the timeline, filters it, mistypes a date, in a real browser;
axe checks the page and its error state. The screenshot is kept as test-artefacts/screens/timeline.png."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.claimants.timeline_story import Story
from tests.e2e.axe_crawl import Walk, check
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = Path(__file__).resolve().parents[2] / "test-artefacts" / "screens"


def test_work_coach_reads_and_filters_the_whole_timeline(live_server, page, sign_in, team, screenshot_dir):
    story = Story(team)
    sign_in(story.ben.username, TEST_PASSWORD)
    page.goto(f"{live_server.url}/claimants/{story.claimant.pk}/")
    card = page.get_by_test_id("timeline")
    expect(card.locator(".moj-timeline__item")).to_have_count(15)
    page.get_by_test_id("whole-timeline").click()

    expect(page.get_by_role("heading", name="Timeline", level=1)).to_be_visible()
    items = page.get_by_test_id("timeline").locator(".moj-timeline__item")
    expect(items).to_have_count(len(Story.EXPECTED))
    expect(items.first).to_contain_text("Cara Cole covered while Ben Baker was away")
    expect(items.last).to_contain_text("Ann Archer became the work coach")
    expect(page.get_by_test_id("timeline-restricted")).to_contain_text("Restricted information recorded")
    walk = Walk()
    check(page, walk)
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(SCREENS / "timeline.png"), full_page=True)
    page.screenshot(path=str(screenshot_dir / "timeline.png"), full_page=True)

    # Only case notes and referrals.
    page.get_by_label("Case notes").check()
    page.get_by_label("Referrals and signposting").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(items).to_have_count(3)
    expect(page.get_by_test_id("timeline-showing")).to_have_text(
        "Showing case notes, referrals and signposting."
    )
    expect(page.get_by_label("Case notes")).to_be_checked()

    # A date that does not exist: said at the top and beside the box; the kinds chosen are kept.
    page.locator("#id_date_from_0").fill("31")
    page.locator("#id_date_from_1").fill("2")
    page.locator("#id_date_from_2").fill("2025")
    page.get_by_role("button", name="Apply filters").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The date to show from must be a real date")
    expect(page).to_have_title("Error: Timeline: Jo Bloggs – IWP Casework")
    expect(page.get_by_label("Case notes")).to_be_checked()
    check(page, walk)
    page.screenshot(path=str(screenshot_dir / "timeline-error.png"), full_page=True)
    summary.get_by_role("link").first.click()
    expect(page.locator("#id_date_from_0")).to_be_focused()

    # Corrected: February only.
    page.locator("#id_date_from_0").fill("1")
    page.locator("#id_date_to_0").fill("28")
    page.locator("#id_date_to_1").fill("2")
    page.locator("#id_date_to_2").fill("2025")
    page.get_by_label("Case notes").uncheck()
    page.get_by_label("Referrals and signposting").uncheck()
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    expect(items).to_have_count(7)
    expect(page.get_by_test_id("timeline-showing")).to_have_text(
        "Showing everything from 1 February 2025 up to 28 February 2025."
    )
    page.get_by_role("link", name="Clear filters").click()
    expect(items).to_have_count(len(Story.EXPECTED))
    assert not walk.findings, "\n".join(str(f) for f in walk.findings)
