"""Pages per role: who may read, edit, import, search and refer; bad input gives GOV.UK errors, never a 500;
list and search run a constant number of queries as offers grow."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from provision.models import ProvisionOffer, Referral
from tests.claimants.factories import ClaimantFactory
from tests.factories import ProgressionLeadFactory, WorkCoachFactory
from tests.provision.factories import OfferFactory, ReferralFactory, SessionFactory
from tests.provision.test_importing import GOOD, big_csv

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.parametrize("role", ["work_coach", "team_leader", "progression_lead", "administrator"])
def test_every_role_reads_the_list(role_clients, offers, role):
    page = role_clients[role].get(reverse("provision:offer_list"))
    assert page.status_code == 200
    assert b"Evening forklift" in page.content
    assert (b"Add an offer" in page.content) == (role in ("progression_lead", "administrator"))


def test_other_districts_offers_are_not_listed_or_opened(coach_client, lead_client, offers):
    elsewhere = OfferFactory(name="Elsewhere course")
    assert b"Elsewhere course" not in coach_client.get(reverse("provision:offer_list")).content
    assert coach_client.get(reverse("provision:offer_detail", args=[elsewhere.pk])).status_code == 404
    assert lead_client.get(reverse("provision:offer_edit", args=[elsewhere.pk])).status_code == 404
    assert b"Elsewhere course" not in lead_client.get(reverse("provision:export")).content


@pytest.mark.parametrize(
    ("role", "status"),
    [("work_coach", 403), ("team_leader", 403), ("progression_lead", 200), ("administrator", 200)],
)
def test_only_leads_and_administrators_edit(role_clients, offers, role, status):
    c = role_clients[role]
    pk = offers["evening"].pk
    for name in ("provision:offer_edit", "provision:offer_archive"):
        assert c.get(reverse(name, args=[pk])).status_code == status
    assert c.get(reverse("provision:offer_create")).status_code == status
    assert c.get(reverse("provision:import")).status_code == status
    if status == 403:
        assert c.post(reverse("provision:offer_pause", args=[pk])).status_code == 403
        assert c.post(reverse("provision:offer_reviewed", args=[pk])).status_code == 403


def test_lead_of_another_district_gets_404(offers):
    other = client_for(ProgressionLeadFactory())
    assert other.get(reverse("provision:offer_edit", args=[offers["evening"].pk])).status_code == 404
    assert other.post(reverse("provision:offer_pause", args=[offers["evening"].pk])).status_code == 404


def test_lead_start_page_shows_stale_entries_and_referrals_in_limbo(
    lead_client, offers, shift_worker, work_coach
):
    offers["far"].review_by = dt.date(2025, 1, 1)
    offers["far"].stale_since = dt.date(2025, 1, 2)
    offers["far"].save()
    ReferralFactory(
        claimant=shift_worker, offer=offers["evening"], created_by=work_coach, limbo_since=dt.date(2026, 1, 1)
    )
    page = lead_client.get(reverse("home"), follow=True)
    text = page.content.decode()
    stale = text[text.index('data-testid="stale-list"') :]
    assert "Entries to review (1)" in stale and "Birmingham bootcamp" in stale
    assert "Referrals in limbo (1)" in text and "Shona Shift – Evening forklift" in text
    assert "Review overdue by" in text  # freshness shown on the list


def session_rows(*rows: tuple[str, str, str]) -> dict[str, str]:
    """The offer form's session rows as a browser posts them (day, start, end per row)."""
    data = {"sessions-TOTAL_FORMS": str(len(rows)), "sessions-INITIAL_FORMS": "0"}
    for i, (day, starts, ends) in enumerate(rows):
        data |= {
            f"sessions-{i}-weekday": day,
            f"sessions-{i}-starts_at": starts,
            f"sessions-{i}-ends_at": ends,
        }
    return data


def test_lead_creates_an_offer_and_bad_input_gets_the_error_summary(lead_client, district):
    url = reverse("provision:offer_create")
    bad = lead_client.post(
        url,
        {
            "name": "",
            "provider_name": "X",
            "category": "nope",
            **session_rows(("1", "18:00", "17:00"), ("", "25:00", "")),
        },
    )
    assert bad.status_code == 200
    html = bad.content.decode()
    assert "govuk-error-summary" in html
    assert "Session 1: The session must end after it starts" in html
    assert "Session 2: Enter a valid time." in html and "Choose the day of the session" not in html
    assert not ProvisionOffer.objects.exists()
    good = lead_client.post(
        url,
        {
            "name": "Evening ESOL",
            "provider_name": "Leeds College",
            "category": "esol",
            "barriers": ["esol"],
            "delivery_mode": "in_person",
            **session_rows(("0", "18:00", "20:00"), ("2", "18.00", "2000"), ("", "", "")),
            "postcode": "ls1 3ex",
            "cost": "0",
            "referral_route": "direct",
            "review_by": "2027-06-01",
            "limbo_days": "10",
        },
    )
    offer = ProvisionOffer.objects.get(name="Evening ESOL")
    assert good.status_code == 302 and good["Location"] == reverse("provision:offer_detail", args=[offer.pk])
    assert offer.district == district and offer.postcode == "LS1 3EX"
    assert [(x.weekday, f"{x.starts_at:%H:%M}", f"{x.ends_at:%H:%M}") for x in offer.sessions.all()] == [
        (0, "18:00", "20:00"),
        (2, "18:00", "20:00"),
    ]
    assert offer.owner.username == "lead.test"


def test_edit_marks_reviewed_and_duplicate_name_is_a_form_error(lead_client, offers):
    offer = offers["far"]
    offer.review_by, offer.stale_since = dt.date(2025, 1, 1), dt.date(2025, 1, 1)
    offer.save()
    data = {
        "name": "Birmingham bootcamp",
        "provider_name": offer.provider.name,
        "category": "skills_bootcamp",
        "delivery_mode": "online",
        "cost": "0",
        "referral_route": "direct",
        "review_by": "",
        "limbo_days": "10",
    }
    response = lead_client.post(reverse("provision:offer_edit", args=[offer.pk]), data)
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.stale_since is None and offer.review_by > dt.date.today() and offer.delivery_mode == "online"
    dup = {**data, "name": offers["evening"].name, "provider_name": offers["evening"].provider.name}
    response = lead_client.post(reverse("provision:offer_edit", args=[offer.pk]), dup)
    assert response.status_code == 200 and b"already has an offer with this name" in response.content


def test_archive_needs_a_reason_then_pause_and_reactivate(lead_client, offers):
    pk = offers["far"].pk
    response = lead_client.post(reverse("provision:offer_archive", args=[pk]), {"reason": ""})
    assert response.status_code == 200 and b"Enter why you are archiving" in response.content
    lead_client.post(reverse("provision:offer_archive", args=[pk]), {"reason": "Provider closed"})
    assert ProvisionOffer.objects.get(pk=pk).status == "archived"
    lead_client.get(reverse("provision:offer_list"))  # shows (and uses up) the "archived" message
    assert b"Birmingham bootcamp" not in lead_client.get(reverse("provision:offer_list")).content
    assert (
        b"Birmingham bootcamp"
        in lead_client.get(reverse("provision:offer_list") + "?status=archived").content
    )
    lead_client.post(reverse("provision:offer_pause", args=[pk]))
    assert ProvisionOffer.objects.get(pk=pk).status == "active"


def test_no_delete_anywhere(admin_client_iwp, offers):
    assert admin_client_iwp.get(
        f"/django-admin/provision/provisionoffer/{offers['far'].pk}/delete/"
    ).status_code in (
        302,
        403,
    )
    assert ProvisionOffer.objects.filter(pk=offers["far"].pk).exists()


def test_import_page_small_file_errors_and_large_file_job(
    lead_client, district, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("provision:import")
    bad = lead_client.post(
        url, {"kind": "csv", "file": SimpleUploadedFile("bad.csv", b"provider,name,category\nX,,nope\n")}
    )
    assert bad.status_code == 200
    assert b"Nothing was imported" in bad.content and b"Row 2" in bad.content
    assert not ProvisionOffer.objects.exists()
    ok = lead_client.post(url, {"kind": "csv", "file": SimpleUploadedFile("good.csv", GOOD)})
    assert ok.status_code == 302 and ProvisionOffer.objects.count() == 3
    missing = lead_client.post(url, {"kind": "csv"})
    assert b"Choose a file to import" in missing.content
    with django_capture_on_commit_callbacks(execute=True):
        big = lead_client.post(url, {"kind": "csv", "file": SimpleUploadedFile("big.csv", big_csv(1500))})
    assert big.status_code == 302 and "/provision/import/" in big["Location"]
    job_page = lead_client.get(big["Location"])
    assert b"1500 rows: 1500 new, 0 updated" in job_page.content


def test_admin_chooses_the_district_to_import_into(admin_client_iwp, district):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("provision:import")
    assert b'name="district"' in admin_client_iwp.get(url).content
    admin_client_iwp.post(
        url, {"kind": "csv", "district": district.pk, "file": SimpleUploadedFile("g.csv", GOOD)}
    )
    assert ProvisionOffer.objects.filter(district=district).count() == 3


# --- Coaches ------------------------------------------------------------------------------------------------


def test_find_provision_shows_fits_and_reasons(coach_client, shift_worker, offers):
    page = coach_client.get(reverse("provision:find", args=[shift_worker.pk]) + "?show=all")
    text = page.content.decode()
    assert "1 offer fits Shona" in text
    assert "Session Tue 10:00–15:00 clashes with work shift (Tesco) Tue 09:00–17:00" in text
    assert "Not available to Working Enough" in text
    assert "3 offers left out" in text


@pytest.mark.parametrize(
    ("role", "status"), [("progression_lead", 403), ("administrator", 403), ("team_leader", 200)]
)
def test_find_is_for_coaches_and_team_leaders(role_clients, shift_worker, offers, role, status):
    assert role_clients[role].get(reverse("provision:find", args=[shift_worker.pk])).status_code == status


def test_coach_cannot_search_or_refer_for_another_jobcentres_claimant(coach_client, offers):
    stranger = ClaimantFactory()
    assert coach_client.get(reverse("provision:find", args=[stranger.pk])).status_code == 404
    url = reverse("provision:refer", args=[stranger.pk, offers["evening"].pk])
    assert coach_client.post(url, {"action": "refer"}).status_code == 404


def test_refer_with_summary_needs_consent_then_shows_on_the_record(coach_client, shift_worker, offers):
    url = reverse("provision:refer", args=[shift_worker.pk, offers["evening"].pk])
    page = coach_client.post(url, {"action": "refer", "shared_summary": "Works days; wants a licence"})
    assert page.status_code == 200 and b"Confirm the claimant agrees" in page.content
    done = coach_client.post(
        url, {"action": "refer", "shared_summary": "Works days; wants a licence", "consent_to_share": "on"}
    )
    assert done.status_code == 302 and done["Location"] == reverse("claimants:record", args=[shift_worker.pk])
    referral = Referral.objects.get()
    assert referral.status == "referred" and referral.consent_to_share
    record = coach_client.get(done["Location"]).content.decode()
    assert "Provision and referrals" in record and "Evening forklift" in record and "Find provision" in record


def test_refer_to_an_excluded_offer_warns(coach_client, shift_worker, offers):
    page = coach_client.get(reverse("provision:refer", args=[shift_worker.pk, offers["fsf"].pk]))
    assert b"This offer may not fit: Not available to Working Enough" in page.content


def test_referral_status_update_and_guarded_transitions(
    coach_client, lead_client, shift_worker, offers, work_coach
):
    referral = ReferralFactory(claimant=shift_worker, offer=offers["evening"], created_by=work_coach)
    url = reverse("provision:referral_detail", args=[referral.pk])
    bad = coach_client.post(url, {"to_status": "completed"})
    assert bad.status_code == 200 and b"govuk-error-summary" in bad.content
    coach_client.post(url, {"to_status": "accepted", "note": "Provider called"})
    referral.refresh_from_db()
    assert referral.status == "accepted"
    # The district's lead can record provider feedback too.
    assert lead_client.post(url, {"to_status": "started"}).status_code == 302
    page = coach_client.get(url).content.decode()
    assert "Provider called" in page and "Started" in page
    other_coach = client_for(WorkCoachFactory())
    assert other_coach.get(url).status_code == 404


# --- Query counts ------------------------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def _grow(district, n, shift_worker, work_coach):
    for i in range(n):
        offer = OfferFactory(district=district, barriers=["skills"])
        SessionFactory(offer=offer, weekday=i % 7)
        if i % 3 == 0:
            ReferralFactory(claimant=shift_worker, offer=offer, created_by=work_coach)


def test_list_and_search_queries_do_not_grow_with_offers(
    lead_client, coach_client, district, shift_worker, work_coach
):
    list_url = reverse("provision:offer_list")
    find_url = reverse("provision:find", args=[shift_worker.pk]) + "?show=all"
    _grow(district, 5, shift_worker, work_coach)
    small = (_queries(lead_client, list_url), _queries(coach_client, find_url))
    _grow(district, 45, shift_worker, work_coach)
    large = (_queries(lead_client, list_url), _queries(coach_client, find_url))
    assert small == large, (small, large)


def test_still_right_from_the_start_page_goes_back_to_the_list(lead_client, offers):
    offer = offers["far"]
    offer.review_by, offer.stale_since = dt.date(2025, 1, 1), dt.date(2025, 1, 1)
    offer.save()
    url = reverse("provision:offer_reviewed", args=[offer.pk])
    assert lead_client.post(url, {"next": "list"})["Location"] == reverse("provision:offer_list")
    assert lead_client.post(url)["Location"] == reverse("provision:offer_detail", args=[offer.pk])
    offer.refresh_from_db()
    assert offer.stale_since is None and offer.last_reviewed_on == dt.date.today()


def test_refer_page_drafts_a_summary_without_sensitive_circumstances(
    coach_client, shift_worker, offers, work_coach
):
    from claimants.models import Circumstance, Employment

    Employment.objects.create(
        claimant=shift_worker, employer="Tesco", contract_type="permanent", hours_per_week=16
    )
    Circumstance.objects.create(
        claimant=shift_worker, kind="childcare", detail="Two children at primary school"
    )
    Circumstance.objects.create(claimant=shift_worker, kind="health", detail="Private detail", sensitive=True)
    page = coach_client.get(
        reverse("provision:refer", args=[shift_worker.pk, offers["evening"].pk])
    ).content.decode()
    assert "Works: Tesco (permanent, 16 hours a week)." in page
    assert "work shift (Tesco) Tue 09:00–17:00" in page
    assert "Childcare: Two children at primary school" in page
    assert "Private detail" not in page
    # Signposting shares nothing, so the draft needs no consent.
    url = reverse("provision:refer", args=[shift_worker.pk, offers["evening"].pk])
    assert coach_client.post(url, {"action": "signpost", "shared_summary": "Works: Tesco"}).status_code == 302
    assert Referral.objects.get().shared_summary == ""


def offer_unchanged(offer) -> dict[str, str]:
    """The offer form's fields as a lead saves it without changing them (no session rows)."""
    return {
        "name": offer.name,
        "provider_name": offer.provider.name,
        "category": offer.category,
        "delivery_mode": offer.delivery_mode,
        "cost": "0",
        "referral_route": "direct",
        "review_by": "",
        "limbo_days": "10",
    }


def test_the_edit_page_shows_each_session_as_a_row_and_rows_not_sent_leave_them(lead_client, offers):
    offer = offers["evening"]
    known = [(x.weekday, x.starts_at, x.ends_at) for x in offer.sessions.all()]
    assert known  # the fixture's evening offer has sessions
    page = lead_client.get(reverse("provision:offer_edit", args=[offer.pk])).content.decode()
    first = known[0]
    assert (
        f'name="sessions-0-starts_at" type="text" inputmode="numeric" spellcheck="false" value="{first[1]:%H:%M}"'
        in page
    )
    assert f'<option value="{first[0]}" selected>' in page
    assert f'name="sessions-{len(known) + 1}-weekday"' in page  # two blank rows for more
    data = offer_unchanged(offer)
    assert lead_client.post(reverse("provision:offer_edit", args=[offer.pk]), data).status_code == 302
    assert [(x.weekday, x.starts_at, x.ends_at) for x in offer.sessions.all()] == known


def test_a_session_row_can_give_the_dates_a_course_runs_and_they_are_checked(lead_client, offers):
    offer = offers["evening"]
    url = reverse("provision:offer_edit", args=[offer.pk])
    data = {
        **offer_unchanged(offer),
        **session_rows(("1", "18:00", "20:00")),
        "sessions-0-valid_from_0": "7",
        "sessions-0-valid_from_1": "9",
        "sessions-0-valid_from_2": "2027",
        "sessions-0-valid_to_0": "1",
        "sessions-0-valid_to_1": "9",
        "sessions-0-valid_to_2": "2027",
    }
    bad = lead_client.post(url, data)
    assert "Session 1: The last date must be on or after the first date" in bad.content.decode()
    good = lead_client.post(url, {**data, "sessions-0-valid_to_1": "12", "sessions-0-valid_to_0": "17"})
    assert good.status_code == 302
    session = offer.sessions.get()
    assert (session.weekday, session.valid_from, session.valid_to) == (
        1,
        dt.date(2027, 9, 7),
        dt.date(2027, 12, 17),
    )
    page = lead_client.get(url).content.decode()
    assert (
        'name="sessions-0-valid_from_0" value="7"' in page
        or 'value="7" name="sessions-0-valid_from_0"' in page
    )
