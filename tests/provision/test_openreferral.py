"""The district's list as Open Referral UK: the export command and the read-only feed API, validated against
the vendored UK profile schema; the feed's access rule; and the export re-imported into an empty district."""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from provision import importing
from provision.models import ProvisionContact, ProvisionOffer
from provision.openreferral import serialise
from provision.openreferral.keys import key_issue, key_revoke
from tests.factories import DistrictFactory
from tests.provision.factories import OfferFactory, ProviderFactory, ReferralFactory, SessionFactory
from tests.provision.oruk_schema import page_errors, service_errors

T = dt.time


@pytest.fixture
def listing(district, work_coach, shift_worker):
    """Three active offers (in person, online, blended), one paused, one archived; and another district's."""
    forklift_co = ProviderFactory(district=district, name="Leeds College", website="www.leedscollege.example")
    forklift = OfferFactory(
        district=district,
        provider=forklift_co,
        name="Evening forklift licence",
        description="Counterbalance forklift, five evenings.",
        category="skills_training",
        postcode="LS1 3EX",
        location="Leeds College, Park Lane",
        min_age=18,
        max_age=64,
        cost=Decimal("0.00"),
        contact="Sam Patel (tutor) 0113 496 0001",
    )
    SessionFactory(
        offer=forklift,
        weekday=1,
        starts_at=T(18),
        ends_at=T(21),
        valid_from=dt.date(2026, 9, 1),
        valid_to=dt.date(2026, 12, 18),
    )
    SessionFactory(offer=forklift, weekday=3, starts_at=T(18), ends_at=T(21))
    digital = OfferFactory(
        district=district,
        name="Digital skills online",
        category="digital_skills",
        delivery_mode="online",
        postcode="",
        cost=Decimal("25.50"),
        contact="Jane Smith, jane.smith@provider.example, 07700 900123",
    )
    SessionFactory(offer=digital, weekday=5, starts_at=T(10), ends_at=T(12, 30))
    money = OfferFactory(
        district=district,
        name="Money advice drop-in",
        category="money",
        delivery_mode="blended",
        postcode="LS2 7EW",
        min_age=25,
        contact="referrals@moneyadvice.example (ask for Sam)",
        last_reviewed_on=None,
    )
    SessionFactory(offer=money, weekday=0, starts_at=T(9, 30), ends_at=T(12))
    paused = OfferFactory(district=district, name="Paused bootcamp", status="paused")
    archived = OfferFactory(
        district=district, name="Archived course", status="archived", archived_reason="Funding ended"
    )
    elsewhere = OfferFactory(district=DistrictFactory(name="Elsewhere"), name="Another district's course")
    # Casework that must never reach the feed: a referral with what the claimant agreed to share.
    ReferralFactory(
        claimant=shift_worker,
        offer=forklift,
        created_by=work_coach,
        shared_summary="Shona cares for her mother on Mondays",
        consent_to_share=True,
    )
    return SimpleNamespace(
        district=district,
        forklift=forklift,
        digital=digital,
        money=money,
        paused=paused,
        archived=archived,
        elsewhere=elsewhere,
    )


def export(*args: str) -> list[dict]:
    out = io.StringIO()
    call_command("export_provision", *args, stdout=out)
    return json.loads(out.getvalue())


# --- The export command ---------------------------------------------------------------------------------


def test_the_export_validates_against_the_uk_profile_schema(listing):
    services = export("--district", listing.district.name, "--format", "oruk")
    # Active and paused entries; archived only when asked; never another district's.
    assert sorted(s["name"] for s in services) == [
        "Digital skills online",
        "Evening forklift licence",
        "Money advice drop-in",
        "Paused bootcamp",
    ]
    for service in services:
        assert service_errors(service) == [], service["name"]
    by_name = {s["name"]: s for s in services}
    assert by_name["Paused bootcamp"]["status"] == "temporarily closed"
    assert {by_name[n]["status"] for n in ("Evening forklift licence", "Money advice drop-in")} == {"active"}


def test_the_export_carries_what_the_list_knows(listing, settings):
    settings.OPENREFERRAL_BASE_URL = "https://iwp.example"
    forklift = next(s for s in export("--district", listing.district.name) if s["name"].startswith("Evening"))
    assert forklift["id"] == serialise.service_id(listing.forklift)
    assert forklift["organization"]["name"] == "Leeds College"
    assert forklift["organization"]["website"] == "https://www.leedscollege.example"
    assert forklift["url"] == "https://www.leedscollege.example"
    assert forklift["minimum_age"] == 18 and forklift["maximum_age"] == 64
    assert forklift["assured_date"] == listing.forklift.last_reviewed_on.isoformat()
    assert forklift["cost_options"][0]["amount"] == 0
    assert forklift["attending_type"] == "venue"
    place = forklift["service_at_locations"][0]["location"]
    assert place["name"] == "Leeds College, Park Lane"
    assert place["addresses"][0]["postal_code"] == "LS1 3EX"
    assert [(s["byday"], s["opens_at"], s["closes_at"]) for s in forklift["schedules"]] == [
        ("TU", "18:00", "21:00"),
        ("TH", "18:00", "21:00"),
    ]
    assert forklift["schedules"][0]["valid_from"] == "2026-09-01"
    assert forklift["schedules"][0]["valid_to"] == "2026-12-18"
    assert "valid_from" not in forklift["schedules"][1]
    assert forklift["attributes"][0]["taxonomy_term"]["code"] == "skills_training"


def test_unknown_values_are_left_out_not_invented(listing, settings):
    settings.OPENREFERRAL_BASE_URL = "https://iwp.example"
    by_name = {s["name"]: s for s in export("--district", listing.district.name)}
    digital, money = by_name["Digital skills online"], by_name["Money advice drop-in"]
    assert "minimum_age" not in digital and "maximum_age" not in digital
    assert digital["service_at_locations"] == []  # online, no place: no invented address
    assert digital["url"] == f"https://iwp.example/openreferral/services/{digital['id']}"  # no website known
    assert "minimum_age" in money and "maximum_age" not in money
    assert "assured_date" not in money  # never reviewed: no date
    assert "website" not in money["organization"]


def test_named_people_are_not_exported_but_a_shared_mailbox_is(listing):
    text = json.dumps(export("--district", listing.district.name))
    for personal in ("Jane Smith", "jane.smith@", "07700 900123", "Sam Patel", "0113 496 0001"):
        assert personal not in text
    by_name = {s["name"]: s for s in json.loads(text)}
    assert by_name["Money advice drop-in"]["email"] == "referrals@moneyadvice.example"
    assert all(s["contacts"] == [] for s in by_name.values())


def test_export_by_code_with_archived_and_csv(listing):
    services = export("--district", str(listing.district.pk), "--include-archived")
    archived = next(s for s in services if s["name"] == "Archived course")
    assert archived["status"] == "inactive" and "Funding ended" not in json.dumps(archived)
    assert service_errors(archived) == []
    out = io.StringIO()
    call_command(
        "export_provision", "--district", listing.district.name.upper(), "--format", "csv", stdout=out
    )
    assert out.getvalue().startswith("external_id,provider,name")
    with pytest.raises(CommandError, match="No district called"):
        export("--district", "Atlantis")


def test_only_contacts_that_are_not_named_people_or_that_the_lead_made_public_are_exported(listing):
    for name, email, named, public in [
        ("Reception", "info@x.example", False, True),
        ("Jane Smith", "jane.smith@x.example", True, False),  # as the import leaves a named person
        ("Ali Khan", "ali.khan@x.example", True, True),  # the lead pressed "Publish"
    ]:
        ProvisionContact.objects.create(
            offer=listing.money, name=name, email=email, named_person=named, public=public
        )
    money = next(
        s for s in export("--district", listing.district.name) if s["name"] == "Money advice drop-in"
    )
    assert [c["name"] for c in money["contacts"]] == ["Reception", "Ali Khan"]
    assert "jane.smith@" not in json.dumps(money)
    assert service_errors(money) == []


def test_what_the_list_does_not_know_is_not_exported(listing):
    """Not known (as the import leaves it) is left out of the feed: no attending type, no cost option, no ages,
    no category term — never 'venue', 'free', 'any age' or 'other'."""
    unknown = OfferFactory(
        district=listing.district,
        name="Council course with gaps",
        delivery_mode="unknown",
        cost=None,
        ages_known=False,
        min_age=None,
        max_age=None,
        category="unknown",
        sessions_known=False,
    )
    item = next(s for s in export("--district", listing.district.name) if s["name"] == unknown.name)
    for missing in ("attending_type", "minimum_age", "maximum_age"):
        assert missing not in item
    assert item["cost_options"] == [] and item["attributes"] == [] and item["schedules"] == []
    assert service_errors(item) == []


# --- The feed API ---------------------------------------------------------------------------------------


@pytest.fixture
def feed(listing):
    _, raw = key_issue(district=listing.district, holder="Leeds City Council")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    client.raw_key = raw
    return client


def test_the_feed_needs_a_district_key(client, lead_client, listing, feed):
    response = client.get("/openreferral/services")
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
    assert client.get(f"/openreferral/services/{serialise.service_id(listing.forklift)}").status_code == 401
    assert Client(HTTP_AUTHORIZATION="Bearer not-a-key").get("/openreferral/services").status_code == 401
    assert Client(HTTP_AUTHORIZATION="Bearer").get("/openreferral/services").status_code == 401
    assert lead_client.get("/openreferral/services").status_code == 401  # staff sessions do not open it
    assert feed.get("/openreferral/services").status_code == 200
    key_revoke(key=listing.district.openreferral_keys.get())
    assert feed.get("/openreferral/services").status_code == 401


def test_a_page_validates_and_holds_only_active_offers_of_the_keys_district(listing, feed):
    page = feed.get("/openreferral/services").json()
    assert page_errors(page) == []
    assert page["total_items"] == 3 and page["number_of_elements"] == 3
    assert [s["name"] for s in page["contents"]] == [
        "Digital skills online",
        "Evening forklift licence",
        "Money advice drop-in",
    ]
    assert page["content"] == page["contents"]
    assert {s["status"] for s in page["contents"]} == {"active"}


def test_paging(listing, feed):
    first = feed.get("/openreferral/services", {"per_page": 2}).json()
    assert page_errors(first) == []
    assert (first["total_items"], first["total_pages"], first["page_number"], first["size"]) == (3, 2, 1, 2)
    assert first["first_page"] and not first["last_page"] and not first["empty"]
    second = feed.get("/openreferral/services", {"per_page": 2, "page": 2}).json()
    assert page_errors(second) == []
    assert (second["page_number"], second["size"], second["number_of_elements"]) == (2, 1, 1)
    assert not second["first_page"] and second["last_page"]
    assert [s["name"] for s in first["contents"] + second["contents"]] == [
        "Digital skills online",
        "Evening forklift licence",
        "Money advice drop-in",
    ]
    beyond = feed.get("/openreferral/services", {"per_page": 2, "page": 3}).json()
    assert beyond["empty"] and beyond["contents"] == [] and page_errors(beyond) == []
    for bad in ({"page": 0}, {"page": "x"}, {"per_page": 500}):
        response = feed.get("/openreferral/services", bad)
        assert response.status_code == 400 and set(response.json()) == set(bad)


def names(feed, **params) -> list[str]:
    response = feed.get("/openreferral/services", params)
    assert response.status_code == 200, response.content
    assert page_errors(response.json()) == []
    return [s["name"] for s in response.json()["contents"]]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"text": "forklift"}, ["Evening forklift licence"]),
        ({"text": "LEEDS COLLEGE"}, ["Evening forklift licence"]),  # the provider's name
        ({"text": "five evenings"}, ["Evening forklift licence"]),  # the description
        ({"search": "money"}, ["Money advice drop-in"]),  # the profile's own name for it
        ({"taxonomy_term_id": serialise.category_term_id("money")}, ["Money advice drop-in"]),
        ({"taxonomy_term_id": "digital_skills"}, ["Digital skills online"]),
        ({"taxonomy_term_id": str(uuid.uuid4())}, []),
        ({"minimum_age": 18}, ["Evening forklift licence", "Money advice drop-in"]),
        ({"minimum_age": 21}, ["Money advice drop-in"]),
        ({"maximum_age": 64}, ["Evening forklift licence"]),
        ({"maximum_age": 60}, []),
        ({"day": "TU"}, ["Evening forklift licence"]),
        ({"day": "saturday"}, ["Digital skills online"]),
        ({"day": "su"}, []),
        ({"start_time": "10:00"}, ["Digital skills online", "Evening forklift licence"]),
        ({"end_time": "12:00"}, ["Money advice drop-in"]),
        ({"end_time": "12:30:00"}, ["Digital skills online", "Money advice drop-in"]),
        ({"day": "MO", "start_time": "10:00"}, []),  # one session must match all three
        ({"day": "TH", "start_time": "17:00", "end_time": "21:00"}, ["Evening forklift licence"]),
    ],
)
def test_each_filter(listing, feed, params, expected):
    assert names(feed, **params) == expected


def test_bad_filters_are_400s_naming_the_parameter(listing, feed):
    for bad in ({"day": "funday"}, {"start_time": "25:00"}, {"minimum_age": "old"}, {"maximum_age": -1}):
        response = feed.get("/openreferral/services", bad)
        assert response.status_code == 400 and set(response.json()) == set(bad)


def test_one_service(listing, feed):
    response = feed.get(f"/openreferral/services/{serialise.service_id(listing.forklift)}")
    assert response.status_code == 200
    assert service_errors(response.json()) == []
    assert response.json()["name"] == "Evening forklift licence"
    assert response.json()["schedules"][0]["byday"] == "TU"


@pytest.mark.parametrize("which", ["paused", "archived", "elsewhere"])
def test_paused_archived_and_other_districts_offers_are_404(listing, feed, which):
    response = feed.get(f"/openreferral/services/{serialise.service_id(getattr(listing, which))}")
    assert response.status_code == 404
    assert feed.get(f"/openreferral/services/{uuid.uuid4()}").status_code == 404
    assert feed.get("/openreferral/services/not-a-uuid").status_code == 404


def test_the_feed_publishes_no_named_people_and_no_casework(listing, feed):
    text = feed.get("/openreferral/services").content.decode()
    text += feed.get(f"/openreferral/services/{serialise.service_id(listing.forklift)}").content.decode()
    for private in (
        "Jane Smith",
        "jane.smith@",
        "07700 900123",
        "Sam Patel",
        "Shona",
        "cares for her mother",
    ):
        assert private not in text
    assert "referrals@moneyadvice.example" in text


def test_a_page_costs_the_same_queries_however_many_offers(listing, feed, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        feed.get("/openreferral/services")
    for n in range(20):
        offer = OfferFactory(district=listing.district, name=f"More {n}")
        SessionFactory(offer=offer)
    with django_assert_max_num_queries(6):
        page = feed.get("/openreferral/services").json()
    assert page["total_items"] == 23


def test_the_key_command_issues_a_working_key_and_revokes_it(listing):
    out = io.StringIO()
    call_command(
        "openreferral_key",
        "issue",
        "--district",
        listing.district.name,
        "--holder",
        "Leeds Council",
        stdout=out,
    )
    raw = out.getvalue().strip().splitlines()[-1]
    reader = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert reader.get("/openreferral/services").status_code == 200
    assert raw not in json.dumps(list(listing.district.openreferral_keys.values()), default=str)  # hash only
    call_command("openreferral_key", "revoke", raw[:8], stdout=io.StringIO())
    assert reader.get("/openreferral/services").status_code == 401


def test_no_key_starts_with_a_dash_so_its_prefix_can_be_typed_to_revoke_it(listing, monkeypatch):
    """A CI run drew a key starting "-sY1hxar", which the command line took for an option: such a key is drawn
    again, for the feed's keys and the API's tokens alike (iwp.api_tokens.new_key)."""
    import secrets

    drawn = iter(["-sY1hxar" + "a" * 35, "Bk2" + "b" * 40])
    monkeypatch.setattr(secrets, "token_urlsafe", lambda nbytes: next(drawn))
    out = io.StringIO()
    call_command(
        "openreferral_key", "issue", "--district", listing.district.name, "--holder", "Leeds", stdout=out
    )
    raw = out.getvalue().strip().splitlines()[-1]
    assert raw == "Bk2" + "b" * 40
    call_command("openreferral_key", "revoke", raw[:8], stdout=io.StringIO())
    assert not listing.district.openreferral_keys.filter(revoked_at__isnull=True).exists()
    # What the command line does with a prefix that starts with a dash: refused as an unknown option.
    with pytest.raises(CommandError, match="unrecognized arguments"):
        call_command("openreferral_key", "revoke", "-sY1hxar", stdout=io.StringIO())


# --- Round trip -----------------------------------------------------------------------------------------


def _as_list(district) -> list[tuple]:
    offers = (
        ProvisionOffer.objects.filter(district=district)
        .exclude(status="archived")
        .select_related("provider")
        .prefetch_related("sessions")
        .order_by("name")
    )
    return [
        (
            o.name,
            o.provider.name,
            o.description,
            o.postcode,
            o.location,
            [(s.weekday, s.starts_at, s.ends_at) for s in o.sessions.all()],
            o.min_age,
            o.max_age,
            o.cost,
            o.delivery_mode,
            o.status,
        )
        for o in offers
    ]


def test_the_export_reimports_into_an_empty_district_as_the_same_list(listing, progression_lead):
    document = json.dumps(export("--district", listing.district.name))
    empty = DistrictFactory(name="Empty district")
    # The service the import page uses (provision.views.import_offers → importing.import_offers).
    result = importing.import_offers(actor=progression_lead, district=empty, content=document, kind="hsds")
    assert result.ok and result.created == 4, result.as_dict()
    assert len(_as_list(listing.district)) == 4
    assert _as_list(empty) == _as_list(listing.district)
    # The re-imported list exports again, valid, with the same sessions and ages (its ids are the new rows').
    again = {s["name"]: s for s in export("--district", empty.name)}
    for service in json.loads(document):
        twin = again[service["name"]]
        assert service_errors(twin) == []
        assert [(x["byday"], x["opens_at"], x["closes_at"]) for x in twin["schedules"]] == [
            (x["byday"], x["opens_at"], x["closes_at"]) for x in service["schedules"]
        ]
        assert (twin.get("minimum_age"), twin.get("maximum_age"), twin["status"]) == (
            service.get("minimum_age"),
            service.get("maximum_age"),
            service["status"],
        )
