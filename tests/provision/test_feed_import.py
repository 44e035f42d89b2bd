"""Importing a realistic council feed (issue 12): lenient and strict, every fault reported, unknowns kept
unknown, the lead's work surviving re-import, withdrawn services listed, freshness from the source, the
``import_provision`` command's contract, the report's CSV download, and pages without raw markup."""

import csv
import datetime as dt
import io
import json
import time

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from iwp.models import District
from provision import importing, selectors, services
from provision.models import ImportRun, OfferStatus, ProvisionContact, ProvisionOffer
from tests.provision.feeds import as_bytes, by_id, council_feed, generated_feed, without

pytestmark = pytest.mark.django_db
STAFF_EMAIL = "jenny.bloggs@leeds.gov.uk"  # in the fixture's metadata: must never be stored


def _import(actor, district, feed, **kw):
    return importing.import_offers(actor=actor, district=district, content=as_bytes(feed), kind="oruk", **kw)


def _offer(ext_id: str) -> ProvisionOffer:
    return ProvisionOffer.objects.get(external_id=f"hsds:{ext_id}")


def test_council_feed_imports_the_good_services_and_reports_every_fault(progression_lead, district):
    result = _import(progression_lead, district, council_feed())
    assert result.ok and not result.strict
    assert (result.created, result.updated, result.unchanged, result.error_count) == (11, 0, 0, 2)
    assert result.rejected == [
        {"row": 6, "id": "svc-006", "name": "", "reasons": ["Name: Enter the offer's name"]},
        {
            "row": 10,
            "id": "svc-003",
            "name": "Online digital skills (copy)",
            "reasons": ["The same offer is already in Service 3 (svc-003): only the first is imported"],
        },
    ]
    # The first of the duplicate ids is the one imported.
    assert _offer("svc-003").name == "Online digital skills"
    # Services without an organisation: named from the feed's own fields, else "Unknown provider" — reported.
    assert _offer("svc-007").provider.name == "armleymensshed.example"
    assert _offer("svc-008").provider.name == "Leeds Community Transport"
    assert _offer("svc-009").provider.name == "Unknown provider"
    groups = {g["group"]: g["count"] for g in result.groups()}
    assert groups["Provider named from the feed"] == 2 and groups["Provider not in the feed"] == 1
    assert groups["Attending type not mapped"] == 1 and groups["Named person's contact (not published)"] == 1
    # Present in the file and not mapped: counted, never dropped silently.
    for name in ("organization.description", "target_audience", "languages", "locations after the first"):
        assert result.not_mapped[name] >= 1, name
    assert result.not_mapped["metadata (kept out: names staff by email)"] == 1
    assert result.not_mapped["taxonomy term “Complementary therapies” (esdServiceTypes)"] == 1
    assert any("have no weekly schedule" in w for w in result.warnings)
    assert _offer("svc-001").provider.website == "https://www.leeds.gov.uk/employment-and-skills"


def test_nothing_missing_becomes_a_confident_default(progression_lead, district):
    _import(progression_lead, district, council_feed())
    warm = _offer("svc-009")  # no location, schedule, ages, cost, attending type or taxonomy
    assert (warm.delivery_mode, warm.referral_route, warm.category) == ("unknown", "unknown", "unknown")
    assert warm.cost is None and warm.regimes is None and not warm.ages_known and not warm.sessions_known
    assert not warm.location_known and warm.last_reviewed_on is None
    hub = _offer("svc-001")
    assert (hub.min_age, hub.max_age, hub.cost, hub.delivery_mode, hub.referral_route) == (
        19,
        64,
        0,
        "in_person",
        "self",
    )
    assert [str(s) for s in hub.sessions.all()] == ["Tue 09:30–12:30", "Thu 09:30–12:30"]
    assert (_offer("svc-002").delivery_mode, _offer("svc-003").delivery_mode) == ("phone", "online")
    assert (_offer("svc-004").delivery_mode, _offer("svc-011").delivery_mode) == ("home_visit", "blended")
    assert _offer("svc-012").category == "esol" and _offer("svc-012").max_age is None
    assert _offer("svc-005").category == "unknown"  # "Reiki Training" is not skills training


def test_most_services_without_locations_warns_for_the_file(progression_lead, district):
    feed = [by_id(council_feed(), i) for i in ("svc-005", "svc-008", "svc-009", "svc-001")]
    result = _import(progression_lead, district, feed)
    assert any(w.startswith("3 of 4 services have no location") for w in result.warnings)


def test_html_is_stored_clean_and_staff_emails_are_kept_out(progression_lead, district):
    _result, run = importing.import_file(
        actor=progression_lead,
        district=district,
        content=as_bytes(council_feed()),
        kind="oruk",
        file_name="f.json",
    )
    for offer in ProvisionOffer.objects.all():
        for text in (offer.description, offer.name, offer.location, offer.contact):
            assert (
                "<" not in text and "&amp;" not in text and "&nbsp;" not in text and "data:image" not in text
            )
    hub = _offer("svc-001")
    assert hub.description.startswith("Help to find work, more hours or a better job & training. Drop in")
    assert "• CV and application help" in hub.description and "trackVisit" not in hub.description
    assert len(_offer("svc-011").description) > 100_000  # kept in full, shown with "show more"
    stored = json.dumps(list(ProvisionOffer.objects.values()), default=str)
    stored += json.dumps(list(ProvisionContact.objects.values()), default=str)
    assert STAFF_EMAIL not in stored and STAFF_EMAIL not in json.dumps(run.report)


def test_named_person_contacts_are_flagged_and_not_public(progression_lead, district):
    _import(progression_lead, district, council_feed())
    sarah = ProvisionContact.objects.get(name="Sarah Jones")
    line = ProvisionContact.objects.get(name="Advice line")
    assert (sarah.named_person, sarah.public) == (True, False) and (line.named_person, line.public) == (
        False,
        True,
    )
    assert "sarah.jones" not in _offer("svc-002").contact and "advice@" in _offer("svc-002").contact


def test_strict_mode_imports_nothing_when_one_service_is_wrong(progression_lead, district):
    result = _import(progression_lead, district, council_feed(), strict=True)
    assert result.blocked and not result.ok and result.error_count == 2
    assert not ProvisionOffer.objects.exists()


def test_reimport_keeps_the_leads_work_and_lists_what_the_source_changed(progression_lead, district):
    feed = council_feed()
    _import(progression_lead, district, feed)
    reiki, hub, debt, esol = _offer("svc-005"), _offer("svc-001"), _offer("svc-002"), _offer("svc-012")
    # The lead sets the category the feed could not give, and a postcode; pauses one entry, archives another.
    services.offer_update(
        actor=progression_lead,
        offer=reiki,
        provider_name=reiki.provider.name,
        data={"category": "confidence", "postcode": "LS7 3PD"},
    )
    assert set(reiki.lead_overrides) == {"category", "postcode"}
    services.offer_set_status(actor=progression_lead, offer=debt, status=OfferStatus.PAUSED)
    services.offer_set_status(
        actor=progression_lead, offer=esol, status=OfferStatus.ARCHIVED, reason="Funding ended"
    )
    # The source changes the reiki's category term, the hub's cost and description, and drops the warm space.
    changed = without(feed, "svc-009")
    by_id(changed, "svc-005")["service_taxonomys"] = [
        {"taxonomy": {"name": "Adult learning", "vocabulary": "esdServiceTypes"}}
    ]
    by_id(changed, "svc-001")["cost_options"] = [{"amount": 5}]
    by_id(changed, "svc-001")["description"] = "<p>Now on Fridays too.</p>"
    again = _import(progression_lead, district, changed)
    reiki.refresh_from_db(), hub.refresh_from_db(), debt.refresh_from_db(), esol.refresh_from_db()
    assert (reiki.category, reiki.postcode) == ("confidence", "LS7 3PD")  # the lead's, kept
    assert {
        "field": "Category",
        "before": "unknown",
        "after": "skills_training",
        "applied": False,
    } in reiki.source_changes
    assert hub.cost == 5 and hub.description == "Now on Fridays too."
    assert {c["field"] for c in hub.source_changes} == {"Cost", "Description"} and hub.source_changed_on
    assert debt.status == "paused" and (esol.status, esol.archived_reason) == ("archived", "Funding ended")
    still = [
        line for line in again.lines if line["group"] == "Paused or archived here, still listed by the source"
    ]
    assert {line["id"] for line in still} == {"svc-002", "svc-012"}
    # The warm space left the feed: flagged and listed, not deleted.
    warm = _offer("svc-009")
    assert again.withdrawn == 1 and warm.withdrawn_on == selectors.local_today() and warm.status == "active"
    assert list(selectors.withdrawn_offers(progression_lead)) == [warm]
    assert (again.created, again.updated) == (0, 2)
    # It comes back: no longer flagged, and the report says so.
    back = _import(progression_lead, district, feed)
    warm.refresh_from_db()
    assert warm.withdrawn_on is None and back.withdrawn == 0
    assert any(line["group"] == "Back in the source feed" for line in back.lines)


def test_lead_edited_sessions_survive_and_unchanged_feed_changes_nothing(progression_lead, district):
    feed = council_feed()
    _import(progression_lead, district, feed)
    hub = _offer("svc-001")
    services.offer_update(
        actor=progression_lead,
        offer=hub,
        provider_name=hub.provider.name,
        data={},
        sessions=[services.SessionInput(4, dt.time(13), dt.time(15))],
    )
    before = hub.updated_at
    again = _import(progression_lead, district, feed)
    hub.refresh_from_db()
    assert [str(s) for s in hub.sessions.all()] == ["Fri 13:00–15:00"]
    assert (again.created, again.updated, again.unchanged) == (0, 0, 11) and hub.updated_at == before


def test_freshness_comes_from_the_assured_date_and_the_leads_review_stays_separate(
    progression_lead, district
):
    _import(progression_lead, district, council_feed())
    today = selectors.local_today()
    old, fresh = _offer("svc-002"), _offer("svc-001")
    assert old.source_checked_on == dt.date(2020, 6, 15) and old.last_reviewed_on is None
    assert (
        selectors.source_freshness(old, today)["stale"]
        and not selectors.source_freshness(fresh, today)["stale"]
    )
    assert selectors.freshness(fresh, today)["text"] == "Not reviewed by the lead yet"
    stale_ids = set(
        selectors.stale_offers(progression_lead, today=today).values_list("external_id", flat=True)
    )
    assert {"hsds:svc-002", "hsds:svc-003", "hsds:svc-004", "hsds:svc-005", "hsds:svc-008"} <= stale_ids
    assert "hsds:svc-001" not in stale_ids
    assert services.flag_stale_offers(today=today) >= 5
    services.offer_mark_reviewed(actor=progression_lead, offer=old)
    assert old.pk not in set(
        selectors.stale_offers(progression_lead, today=today).values_list("pk", flat=True)
    )
    assert old.source_checked_on == dt.date(2020, 6, 15)  # the source's date is not the lead's


# --- The command ------------------------------------------------------------------------------------------


def _write(tmp_path, name, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def test_command_prints_one_json_object_with_the_contract(tmp_path, district, capsys):
    path = _write(tmp_path, "feed.json", as_bytes(council_feed()))
    out = io.StringIO()
    call_command("import_provision", path, "--district", district.name, "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert list(report) == [
        "created",
        "updated",
        "unchanged",
        "rejected",
        "withdrawn",
        "not_mapped",
        "warnings",
    ]
    assert (report["created"], report["updated"], report["unchanged"], report["withdrawn"]) == (11, 0, 0, 0)
    assert report["rejected"][0] == {
        "row": 6,
        "id": "svc-006",
        "name": "",
        "reasons": ["Name: Enter the offer's name"],
    }
    assert {"field": "target_audience", "count": 1} in report["not_mapped"]
    assert all(isinstance(w, str) for w in report["warnings"])
    # The district's code (its id) works as well as its name; the same file again is all unchanged: exit 0.
    out = io.StringIO()
    call_command("import_provision", path, "--district", str(district.pk), "--json", stdout=out)
    assert json.loads(out.getvalue())["unchanged"] == 11
    assert ImportRun.objects.filter(district=district, actor=None).count() == 2


def test_command_exits_1_when_nothing_was_imported(tmp_path, district):
    path = _write(tmp_path, "feed.json", as_bytes(council_feed()))
    with pytest.raises(SystemExit) as exit_info:
        call_command(
            "import_provision", path, "--district", district.name, "--strict", "--json", stdout=io.StringIO()
        )
    assert exit_info.value.code == 1 and not ProvisionOffer.objects.exists()
    bad = _write(tmp_path, "bad.csv", b"provider,name,category\nX,,nope\n")
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_provision", bad, "--district", district.name, "--json", stdout=out)
    assert exit_info.value.code == 1 and json.loads(out.getvalue())["rejected"][0]["row"] == 2


def test_command_format_from_extension_and_bad_district(tmp_path, district):
    csv_path = _write(
        tmp_path, "list.txt", b"provider,name,category\nLeeds College,Forklift,skills_training\n"
    )
    out = io.StringIO()
    call_command("import_provision", csv_path, "--district", district.name, "--format", "csv", stdout=out)
    assert "1 new, 0 updated" in out.getvalue()
    with pytest.raises(CommandError, match="No district called"):
        call_command("import_provision", csv_path, "--district", "Atlantis")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_provision", str(tmp_path / "missing.json"), "--district", district.name)


# --- Pages ------------------------------------------------------------------------------------------------


def _upload(client, feed, **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("provision:import"),
        {"kind": "oruk", "file": SimpleUploadedFile("council.json", as_bytes(feed)), **extra},
    )


def test_page_import_shows_the_report_and_its_csv_has_every_line(lead_client, district):
    response = _upload(lead_client, council_feed())
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "provision:import_report", args=[run.pk]
    )
    page = lead_client.get(response["Location"]).content.decode()
    assert "11 new, 0 updated, 0 unchanged, 2 rejected" in page
    assert (
        "Online digital skills (copy)" in page
        and "svc-006" in page
        and "Provider not in the feed (1)" in page
    )
    download = lead_client.get(reverse("provision:import_report_csv", args=[run.pk]))
    assert download["Content-Type"].startswith("text/csv") and "attachment" in download["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    report = run.report
    expected = 1 + len(report["rejected"]) + sum(g["count"] for g in report["groups"])
    expected += len(report["not_mapped"]) + len(report["warnings"])
    assert rows[0] == ["group", "row", "id", "name", "message"] and len(rows) == expected
    assert ["Rejected", "6", "svc-006", "", "Name: Enter the offer's name"] in rows


def test_report_is_the_districts_own(lead_client, district, progression_lead):
    _, run = importing.import_file(
        actor=progression_lead, district=District.objects.create(name="Elsewhere"), content=b"[]", kind="oruk"
    )
    assert lead_client.get(reverse("provision:import_report", args=[run.pk])).status_code == 404
    assert lead_client.get(reverse("provision:import_report_csv", args=[run.pk])).status_code == 404


def test_strict_page_import_shows_nothing_imported(lead_client, district):
    response = _upload(lead_client, council_feed(), mode="strict")
    assert response.status_code == 200 and b"Nothing was imported: 2 rows need fixing" in response.content
    assert not ProvisionOffer.objects.exists()


def test_offer_page_never_shows_raw_markup_and_long_text_folds(lead_client, district, progression_lead):
    _import(progression_lead, district, council_feed())
    for ext_id in ("svc-001", "svc-002", "svc-011"):
        page = lead_client.get(reverse("provision:offer_detail", args=[_offer(ext_id).pk])).content.decode()
        assert (
            "&lt;p" not in page
            and "&amp;nbsp;" not in page
            and "data:image" not in page
            and "style=&quot;" not in page
        )
    long_page = lead_client.get(
        reverse("provision:offer_detail", args=[_offer("svc-011").pk])
    ).content.decode()
    assert "Show the full description" in long_page and "iwp-wrap" in long_page
    hub_page = lead_client.get(
        reverse("provision:offer_detail", args=[_offer("svc-002").pk])
    ).content.decode()
    assert "Source last checked 15 June 2020" in hub_page and "Named person" in hub_page


def test_offer_page_lists_what_the_source_changed_and_list_shows_withdrawn(
    lead_client, district, progression_lead
):
    feed = council_feed()
    _import(progression_lead, district, feed)
    changed = without(feed, "svc-009")
    by_id(changed, "svc-001")["cost_options"] = [{"amount": 5}]
    _import(progression_lead, district, changed)
    page = lead_client.get(reverse("provision:offer_detail", args=[_offer("svc-001").pk])).content.decode()
    assert "What the source changed" in page and "0.00 → 5.00" not in page  # shown as a table row
    assert ">0.00<" in page and ">5.00<" in page
    listing = lead_client.get(reverse("provision:offer_list")).content.decode()
    assert "No longer in the source feed (1)" in listing and "Warm space" in listing


def test_find_provision_lists_might_fit_with_the_reasons(
    coach_client, shift_worker, progression_lead, district
):
    _import(progression_lead, district, council_feed())
    fits, check, _excluded, _ = selectors.find_provision(claimant=shift_worker)
    checks = {row.name: row.checks for row in check}
    assert "Location not known" in checks["Reiki Training"]
    assert "Cost not known" in checks["Reiki Training"] and "Age limits not known" in checks["Reiki Training"]
    assert not fits  # nothing imported knows its regimes: nothing is presented as a sure fit
    page = coach_client.get(reverse("provision:find", args=[shift_worker.pk])).content.decode()
    assert "might fit — check" in page and "Location not known" in page and "0 offers fit Shona" in page
    assert "&lt;p" not in page and "data:image" not in page


def test_one_thousand_service_feed_timing(progression_lead, district, capsys):
    feed = as_bytes(generated_feed(1000))
    started = time.perf_counter()
    first = importing.import_offers(actor=progression_lead, district=district, content=feed, kind="oruk")
    first_s = time.perf_counter() - started
    started = time.perf_counter()
    again = importing.import_offers(actor=progression_lead, district=district, content=feed, kind="oruk")
    again_s = time.perf_counter() - started
    assert (first.created, first.error_count) == (1000, 0) and again.unchanged == 1000
    with capsys.disabled():
        print(
            f"\n1,000-service Open Referral UK feed ({len(feed):,} bytes): {first_s:.2f} s first import "
            f"({first.created} new, {sum(g['count'] for g in first.groups())} report lines, "
            f"{len(first.not_mapped)} not-mapped fields); {again_s:.2f} s re-import ({again.unchanged} unchanged)"
        )
    assert first_s < 30 and again_s < 30  # generous for slow CI; the figures above are what we report


def test_lead_marks_a_named_persons_contact_public(lead_client, coach_client, district, progression_lead):
    _import(progression_lead, district, council_feed())
    sarah = ProvisionContact.objects.get(name="Sarah Jones")
    url = reverse("provision:contact_public", args=[sarah.offer_id, sarah.pk])
    assert coach_client.post(url, {"public": "yes"}).status_code == 403
    assert lead_client.get(url).status_code == 405
    response = lead_client.post(url, {"public": "yes"})
    sarah.refresh_from_db()
    assert response.status_code == 302 and sarah.public and sarah.named_person
    # A re-import keeps the lead's choice.
    _import(progression_lead, district, council_feed())
    assert ProvisionContact.objects.get(name="Sarah Jones").public


def test_the_embedded_default_write_path_imports_and_reimports_the_same(
    progression_lead, district, monkeypatch
):
    """`make demo` runs on SQLite, which takes the ORM writes instead of PostgreSQL's COPY and upsert: the same
    feed gives the same offers, sessions and counts, and a re-import updates in place."""
    monkeypatch.setattr(importing, "_write_postgresql", importing._write_orm)
    first = _import(progression_lead, district, council_feed())
    assert (first.created, first.updated, first.error_count) == (11, 0, 2)
    assert _offer("svc-001").provider.website == "https://www.leeds.gov.uk/employment-and-skills"
    sessions_before = {o.external_id: o.sessions.count() for o in ProvisionOffer.objects.all()}
    again = _import(progression_lead, district, council_feed())
    assert (again.created, again.unchanged) == (0, 11)
    assert {o.external_id: o.sessions.count() for o in ProvisionOffer.objects.all()} == sessions_before
    assert ProvisionOffer.objects.count() == 11
