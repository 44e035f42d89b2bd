"""Provision in a real browser: a progression lead imports a CSV and fixes a stale entry; a work coach finds
provision that fits a shift worker's hours (seeing why the rest is left out), refers, and later sees the
referral in limbo. Screenshots are kept for people to look at."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from appointments.models import AgreedAction
from provision.models import ProvisionOffer, Referral
from provision.tasks import flag_limbo_referrals_task, flag_stale_offers_task
from tests.factories import TEST_PASSWORD
from tests.provision.factories import OfferFactory, SessionFactory, make_shift_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV = b"""provider,name,category,barriers,regimes,min_age,delivery_mode,sessions,postcode,capacity,places_left
Leeds City College,Evening ESOL for work,ESOL,esol,,16,in person,Mon 18:00-20:00; Wed 18:00-20:00,LS1 3EX,15,6
Leeds City College,Saturday digital skills,digital_skills,skills,,16,in person,Sat 10:00-13:00,LS2 7QT,12,12
DWP Yorkshire,Flexible Support Fund,fsf,transport;skills,intensive_work_search;light_touch,18,in person,,LS1 4HR,,
"""


def test_lead_imports_a_csv_and_fixes_a_stale_entry(
    live_server, page, sign_in, progression_lead, screenshot_dir, tmp_path
):
    district = progression_lead.jobcentre.district
    stale = OfferFactory(
        district=district,
        name="Forklift licence (counterbalance)",
        review_by=dt.date.today() - dt.timedelta(days=20),
        last_reviewed_on=dt.date.today() - dt.timedelta(days=200),
    )
    SessionFactory(offer=stale, weekday=1, starts_at=dt.time(10), ends_at=dt.time(15))
    flag_stale_offers_task.delay()

    sign_in(progression_lead.username, TEST_PASSWORD)
    expect(page.get_by_role("heading", name="Provision list", level=1)).to_be_visible()
    stale_card = page.get_by_test_id("stale-list")
    expect(stale_card).to_contain_text("Entries to review (1)")
    expect(stale_card).to_contain_text("Forklift licence (counterbalance)")
    expect(page.get_by_test_id("offer-list")).to_contain_text("Review overdue by 20 days")
    page.screenshot(path=screenshot_dir / "provision-lead-start.png", full_page=True)

    # --- Import a CSV: first a broken one (nothing imported, rows named), then the right one.
    page.get_by_role("link", name="Import", exact=True).click()
    expect(page.get_by_role("heading", name="Import provision", level=1)).to_be_visible()
    broken = tmp_path / "broken.csv"
    broken.write_bytes(CSV.replace(b"digital_skills", b"knitting"))
    page.get_by_label("File").set_input_files(broken)
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_test_id("import-errors")).to_contain_text("Row 3")
    expect(page.get_by_test_id("import-errors")).to_contain_text("“knitting” is not a category we know")
    page.screenshot(path=screenshot_dir / "provision-import-errors.png", full_page=True)
    assert ProvisionOffer.objects.count() == 1

    good = tmp_path / "leeds-provision.csv"
    good.write_bytes(CSV)
    page.get_by_label("File").set_input_files(good)
    page.get_by_role("button", name="Import").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Imported leeds-provision.csv: 3 new, 0 updated"
    )
    expect(page.get_by_test_id("offer-list")).to_contain_text("Evening ESOL for work")
    assert ProvisionOffer.objects.count() == 4

    # --- Fix the stale entry: new evening sessions; saving counts as a review.
    page.get_by_test_id("stale-list").get_by_role("link", name=re.compile("Change")).click()
    expect(page.get_by_role("heading", name=re.compile("Change Forklift licence"))).to_be_visible()
    for row, day in (("Session 1", "Tuesday"), ("Session 2", "Thursday")):
        session = page.get_by_role("group", name=row, exact=True)
        session.get_by_label("Day of the week").select_option(label=day)
        session.get_by_label("Starts").fill("18:00")
        session.get_by_label("Ends").fill("21:00")
    page.screenshot(path=screenshot_dir / "provision-edit.png", full_page=True)
    page.get_by_role("button", name="Save offer").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("marked as reviewed today")
    expect(page.get_by_test_id("offer-sessions")).to_contain_text("Tue 18:00–21:00")
    expect(page.get_by_test_id("offer-sessions")).to_contain_text("Evening")
    page.get_by_role("link", name="Back to the provision list").click()
    expect(page.get_by_test_id("stale-list")).to_contain_text("Entries to review (0)")
    page.screenshot(path=screenshot_dir / "provision-lead-after.png", full_page=True)
    stale.refresh_from_db()
    assert stale.stale_since is None and stale.review_by > dt.date.today()


def test_coach_finds_provision_that_fits_refers_and_sees_limbo(
    live_server, page, sign_in, work_coach, screenshot_dir
):
    district = work_coach.jobcentre.district
    claimant = make_shift_worker(work_coach, school_run=False)
    evening = OfferFactory(
        district=district,
        name="Evening forklift licence",
        postcode="LS1 3EX",
        barriers=["skills"],
        contact="0113 000 0000",
    )
    SessionFactory(offer=evening, weekday=1, starts_at=dt.time(18), ends_at=dt.time(21))
    daytime = OfferFactory(
        district=district, name="Daytime forklift licence", postcode="LS1 3EX", barriers=["skills"]
    )
    SessionFactory(offer=daytime, weekday=1, starts_at=dt.time(10), ends_at=dt.time(15))
    OfferFactory(
        district=district,
        name="Flexible Support Fund",
        category="fsf",
        regimes=["intensive_work_search", "light_touch"],
    )

    sign_in(work_coach.username, TEST_PASSWORD)
    page.goto(f"{live_server.url}/claimants/{claimant.pk}/")
    expect(page.get_by_test_id("claimant-referrals")).to_contain_text(
        "No provision signposted or referred yet"
    )
    page.get_by_test_id("find-provision").click()

    expect(page.get_by_role("heading", name="Find provision", level=1)).to_be_visible()
    expect(page.get_by_test_id("fits-heading")).to_have_text("1 offer fits Shona")
    expect(page.get_by_test_id("fit-offer")).to_contain_text("Evening forklift licence")
    summary = page.get_by_test_id("excluded-summary")
    expect(summary).to_contain_text(
        "Daytime forklift licence: Session Tue 10:00–15:00 clashes with work shift (Tesco) Tue 09:00–17:00"
    )
    expect(summary).to_contain_text("Flexible Support Fund: Not available to Working Enough")
    page.screenshot(path=screenshot_dir / "provision-find.png", full_page=True)

    page.get_by_label("Also show offers that do not fit, and why").check()
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("excluded-offer")).to_have_count(2)

    page.get_by_test_id("fit-offer").get_by_role("link", name=re.compile("Signpost or refer")).click()
    expect(page.get_by_role("heading", name="Evening forklift licence", level=1)).to_be_visible()
    page.get_by_label(re.compile("Refer – send")).check()
    page.get_by_label("Summary to share with the provider").fill(
        "Shona works Tuesday and Thursday day shifts at Tesco and wants a forklift licence to move into the warehouse."
    )
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Confirm the claimant agrees to share the summary"
    )
    page.get_by_label(re.compile("The claimant has read this summary")).check()
    page.screenshot(path=screenshot_dir / "provision-refer.png", full_page=True)
    page.get_by_role("button", name="Save").click()

    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Referred: Shona Shift to Evening forklift licence"
    )
    expect(page.get_by_test_id("claimant-referrals")).to_contain_text("Referred")
    referral = Referral.objects.get()

    # --- Three weeks later with no word from the provider: the daily job flags it and adds a follow-up action.
    later = referral.last_update_on + dt.timedelta(days=21)
    assert flag_limbo_referrals_task.delay(later.isoformat()).get() == {"flagged": 1}
    assert flag_limbo_referrals_task.delay(later.isoformat()).get() == {"flagged": 0}
    assert (
        AgreedAction.objects.filter(
            claimant=claimant, description__startswith="Follow up the referral"
        ).count()
        == 1
    )
    page.reload()
    expect(page.get_by_test_id("claimant-referrals").get_by_test_id("limbo-tag")).to_be_visible()
    page.screenshot(path=screenshot_dir / "provision-record-limbo.png", full_page=True)
    page.goto(f"{live_server.url}/provision/")
    expect(page.get_by_test_id("limbo-list")).to_contain_text("Shona Shift – Evening forklift licence")
    page.get_by_test_id("limbo-list").get_by_role("link").first.click()
    expect(page.get_by_test_id("limbo-note")).to_contain_text("0113 000 0000")
    page.get_by_label("Accepted").check()
    page.get_by_label("Note (optional)").fill("Provider rang: starts on the 14th")
    page.get_by_role("button", name="Update referral").click()
    expect(page.get_by_test_id("referral-history")).to_contain_text("Provider rang")
    expect(page.get_by_test_id("limbo-note")).to_have_count(0)
    page.screenshot(path=screenshot_dir / "provision-referral.png", full_page=True)
