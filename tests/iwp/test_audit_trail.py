"""A complete, append-only audit trail (issue #15): sign-in, sign-out and failed sign-in; changes made in Django
admin (thresholds, staff); the audit page with its filters, access and audited CSV export; rows that can be
neither changed nor deleted, by the ORM or (on PostgreSQL) by SQL."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from claimants.models import AetParameter, WageRate
from iwp.audit import AuditOutsideTransaction, audit_event, audit_record
from iwp.models import AuditEvent, AuditIsAppendOnly, AuditVerb
from tests.claimants.factories import ClaimantFactory
from tests.factories import TEST_PASSWORD, WorkCoachFactory, admin_form_values, govuk_date

pytestmark = pytest.mark.django_db

AUDIT_URL = "/administration/audit/"
AUDIT_CSV_URL = "/administration/audit.csv"


def events(verb: str, **filters) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(verb=verb, **filters).order_by("pk"))


# --- Signing in and out ----------------------------------------------------------------------------------------


def test_sign_in_and_sign_out_are_audited(client, work_coach):
    response = client.post(reverse("login"), {"username": work_coach.username, "password": TEST_PASSWORD})
    assert response.status_code == 302
    [signed_in] = events(AuditVerb.LOGGED_IN)
    assert signed_in.actor == work_coach
    assert (signed_in.target_type, signed_in.target_id) == ("iwp.staffmember", str(work_coach.pk))
    assert signed_in.payload["address"] == "127.0.0.1"
    client.post(reverse("logout"))
    [signed_out] = events(AuditVerb.LOGGED_OUT)
    assert signed_out.actor == work_coach and signed_out.payload["reason"] == "signed out"
    # Signing out again, not signed in, records nothing.
    client.post(reverse("logout"))
    assert len(events(AuditVerb.LOGGED_OUT)) == 1


def test_a_failed_sign_in_is_audited_naming_only_a_real_account(client, work_coach):
    client.post(reverse("login"), {"username": work_coach.username, "password": "wrong"})
    [failed] = events(AuditVerb.LOGIN_FAILED)
    assert failed.actor is None
    assert (failed.target_type, failed.target_id) == ("iwp.staffmember", str(work_coach.pk))
    assert failed.payload["username"] == work_coach.username and failed.payload["locked_out"] is False
    # What was typed into the username box of a failed sign-in is often a password: never recorded.
    client.post(reverse("login"), {"username": "hunter2-my-password", "password": "x"})
    unknown = events(AuditVerb.LOGIN_FAILED)[-1]
    assert unknown.payload["account"] == "not known" and "username" not in unknown.payload
    assert "hunter2" not in str(unknown.payload) and unknown.target_id == ""
    assert not events(AuditVerb.LOGGED_IN)


def test_a_locked_out_attempt_is_audited_as_locked_out(client, work_coach, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": work_coach.username, "password": "wrong"})
    locked = client.post(reverse("login"), {"username": work_coach.username, "password": TEST_PASSWORD})
    assert locked.status_code == 429
    attempts = events(AuditVerb.LOGIN_FAILED)
    assert len(attempts) == settings.AXES_FAILURE_LIMIT + 1
    assert attempts[-1].payload["locked_out"] is True
    assert not events(AuditVerb.LOGGED_IN)


def test_django_admin_sign_in_is_audited_too(client, administrator):
    administrator.is_staff = True
    administrator.save()
    client.post("/django-admin/login/", {"username": administrator.username, "password": TEST_PASSWORD})
    assert [e.actor for e in events(AuditVerb.LOGGED_IN)] == [administrator]


@pytest.mark.django_db(transaction=True)
def test_sign_in_events_are_written_outside_any_transaction_by_the_deliberate_exception(work_coach):
    """The auth signals fire outside a transaction; their events are the one allowed exception, and only they (and
    exports) may be written that way."""
    assert not connection.in_atomic_block
    Client().post(reverse("login"), {"username": work_coach.username, "password": TEST_PASSWORD})
    assert AuditEvent.objects.filter(verb=AuditVerb.LOGGED_IN, actor=work_coach).count() == 1
    with pytest.raises(AuditOutsideTransaction):
        audit_event(actor=work_coach, verb=AuditVerb.UPDATED, target=work_coach)
    with pytest.raises(AuditOutsideTransaction):
        audit_record(actor=work_coach, verb=AuditVerb.LOGGED_IN, target=work_coach)
    assert AuditEvent.objects.filter(verb=AuditVerb.UPDATED).count() == 0


# --- Changes in Django admin ----------------------------------------------------------------------------------


def test_a_threshold_change_in_admin_is_audited_with_before_and_after(superuser_client):
    client, root = superuser_client
    rate = WageRate.objects.order_by("-effective_from", "-min_age").first()
    url = reverse("admin:claimants_wagerate_change", args=[rate.pk])
    data = admin_form_values(client, url)
    old = data["rate"]
    data["rate"] = str(Decimal(old) + Decimal("0.10"))
    response = client.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    [event] = events(AuditVerb.UPDATED, target_type="claimants.wagerate")
    assert event.actor == root and event.target_id == str(rate.pk)
    assert event.payload["via"] == "admin"
    assert event.payload["changed"] == {"rate": {"before": str(Decimal(old)), "after": data["rate"]}}


def test_adding_and_deleting_a_threshold_in_admin_are_audited(superuser_client):
    client, root = superuser_client
    latest = AetParameter.objects.order_by("-effective_from").first()
    url = reverse("admin:claimants_aetparameter_change", args=[latest.pk])
    data = admin_form_values(client, url)
    later = latest.effective_from + dt.timedelta(days=365)
    data["effective_from"] = later.isoformat()
    add = client.post(reverse("admin:claimants_aetparameter_add"), data)
    assert add.status_code == 302, add.content[:2000]
    added = AetParameter.objects.get(effective_from=later)
    [created] = events(AuditVerb.CREATED, target_type="claimants.aetparameter")
    assert (
        created.target_id == str(added.pk)
        and created.payload["values"]["effective_from"] == later.isoformat()
    )
    client.post(reverse("admin:claimants_aetparameter_delete", args=[added.pk]), {"post": "yes"})
    assert not AetParameter.objects.filter(pk=added.pk).exists()
    [deleted] = events(AuditVerb.DELETED, target_type="claimants.aetparameter")
    assert deleted.actor == root and deleted.payload["values"]["effective_from"] == later.isoformat()


def test_a_staff_change_and_a_new_password_in_admin_are_audited_without_the_password(superuser_client):
    client, _root = superuser_client
    coach = WorkCoachFactory(username="coach.changing")
    url = reverse("admin:iwp_staffmember_change", args=[coach.pk])
    data = admin_form_values(client, url)
    data["last_name"] = "Renamed"
    data.pop("is_active", None)  # deactivated
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    [changed] = events(AuditVerb.UPDATED, target_type="iwp.staffmember", target_id=str(coach.pk))
    assert changed.payload["changed"]["last_name"]["after"] == "Renamed"
    assert changed.payload["changed"]["is_active"] == {"before": True, "after": False}
    new_password = "a-brand-new-long-password-2026"
    password_url = f"/django-admin/iwp/staffmember/{coach.pk}/password/"
    response = client.post(
        password_url, {"password1": new_password, "password2": new_password, "usable_password": "true"}
    )
    assert response.status_code == 302, response.content[:3000]
    password_event = events(AuditVerb.UPDATED, target_type="iwp.staffmember", target_id=str(coach.pk))[-1]
    assert password_event.pk != changed.pk and password_event.payload["changed"] == {"password": "changed"}
    everything = str(list(AuditEvent.objects.values_list("payload", flat=True)))
    assert new_password not in everything and "pbkdf2" not in everything and "md5$" not in everything


# --- Append-only ----------------------------------------------------------------------------------------------


def _event(work_coach) -> AuditEvent:
    with transaction.atomic():
        return audit_record(actor=work_coach, verb=AuditVerb.UPDATED, target=work_coach, payload={"a": 1})


def test_the_orm_refuses_to_change_or_delete_an_audit_event(work_coach):
    event = _event(work_coach)
    for attempt in (
        lambda: AuditEvent.objects.filter(pk=event.pk).update(verb=AuditVerb.CREATED),
        lambda: AuditEvent.objects.filter(pk=event.pk).delete(),
        lambda: AuditEvent.objects.all().delete(),
        lambda: event.delete(),
        lambda: AuditEvent.objects.bulk_update([event], ["verb"]),
    ):
        with (
            pytest.raises(AuditIsAppendOnly),
            transaction.atomic(),
        ):  # bulk_update raises inside its own atomic
            attempt()
    event.payload = {"a": 2}
    with pytest.raises(AuditIsAppendOnly):
        event.save()
    event.refresh_from_db()
    assert (event.verb, event.payload) == (AuditVerb.UPDATED, {"a": 1})


def test_the_database_refuses_update_and_delete_on_postgresql(work_coach):
    event = _event(work_coach)
    assert connection.vendor == "postgresql"
    for sql in (
        "UPDATE iwp_auditevent SET verb = 'created' WHERE id = %s",
        "DELETE FROM iwp_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    event.refresh_from_db()
    assert event.verb == AuditVerb.UPDATED


def test_deleting_a_claimant_keeps_their_audit_history(work_coach):
    """The target is a type and an id, not a foreign key: nothing cascades into the audit trail."""
    claimant = ClaimantFactory()
    with transaction.atomic():
        audit_record(actor=work_coach, verb=AuditVerb.VIEWED_SENSITIVE, target=claimant)
    claimant_id = claimant.pk
    from claimants.models import ClaimantFacts

    ClaimantFacts.objects.filter(claimant=claimant).delete()
    claimant.delete()
    assert (
        AuditEvent.objects.filter(target_type="claimants.claimant", target_id=str(claimant_id)).count() == 1
    )


def test_a_member_of_staff_with_audit_events_cannot_be_deleted_only_deactivated(work_coach):
    from django.db.models import ProtectedError

    _event(work_coach)
    with pytest.raises(ProtectedError):
        work_coach.delete()


# --- The audit page -------------------------------------------------------------------------------------------


@pytest.fixture
def trail(work_coach, team_leader):
    """A few events to filter: the coach looked at one claimant's restricted information and changed another."""
    helen, other = ClaimantFactory(nino="JK123456C"), ClaimantFactory()
    with transaction.atomic():
        viewed = audit_record(actor=work_coach, verb=AuditVerb.VIEWED_SENSITIVE, target=helen)
        changed = audit_record(
            actor=team_leader, verb=AuditVerb.UPDATED, target=other, payload={"fields": ["x"]}
        )
    return {"helen": helen, "other": other, "viewed": viewed, "changed": changed}


def _listed(response) -> list[int]:
    page = response.context["page"]
    return [e.pk for e in page] if page is not None else []


def test_only_administrators_may_open_the_audit_page_or_its_csv(role_clients, client):
    for role, c in role_clients.items():
        expected = 200 if role == "administrator" else 403
        assert c.get(AUDIT_URL).status_code == expected, role
        assert c.get(AUDIT_CSV_URL).status_code == expected, role
    assert client.get(AUDIT_URL).status_code == 302  # anonymous: sign in first
    assert client.get(AUDIT_CSV_URL).status_code == 302


def test_the_administration_page_links_to_the_audit_page(admin_client_iwp):
    assert AUDIT_URL.encode() in admin_client_iwp.get(reverse("iwp:admin_home")).content


def test_the_audit_page_filters_by_who_what_claimant_record_and_when(admin_client_iwp, trail, work_coach):
    everything = _listed(admin_client_iwp.get(AUDIT_URL))
    assert {trail["viewed"].pk, trail["changed"].pk} <= set(everything)
    assert everything == sorted(everything, reverse=True)  # newest first
    assert _listed(admin_client_iwp.get(AUDIT_URL, {"who": "COACH.test"})) == [trail["viewed"].pk]
    assert _listed(admin_client_iwp.get(AUDIT_URL, {"verb": "viewed_sensitive"})) == [trail["viewed"].pk]
    # A claimant by National Insurance number (typed with spaces) or by number.
    by_nino = admin_client_iwp.get(AUDIT_URL, {"claimant": "jk 12 34 56 c"})
    assert _listed(by_nino) == [trail["viewed"].pk]
    assert _listed(admin_client_iwp.get(AUDIT_URL, {"claimant": str(trail["other"].pk)})) == [
        trail["changed"].pk
    ]
    record = {"target_type": "claimants.claimant", "target_id": str(trail["other"].pk)}
    assert _listed(admin_client_iwp.get(AUDIT_URL, record)) == [trail["changed"].pk]
    today = timezone.localdate()
    within = {**govuk_date("from_date", today.isoformat()), **govuk_date("to_date", today.isoformat())}
    assert {trail["viewed"].pk, trail["changed"].pk} <= set(_listed(admin_client_iwp.get(AUDIT_URL, within)))
    yesterday = today - dt.timedelta(days=1)
    before = govuk_date("to_date", yesterday.isoformat())
    assert _listed(admin_client_iwp.get(AUDIT_URL, before)) == []
    page = admin_client_iwp.get(AUDIT_URL, {"who": "coach.test"}).content.decode()
    assert "Viewed sensitive information" in page and "Claimant" in page


def test_a_claimants_filter_finds_events_about_their_appointments_and_referrals(
    admin_client_iwp, trail, work_coach
):
    from tests.appointments.factories import AppointmentFactory

    appointment = AppointmentFactory(claimant=trail["helen"], coach=work_coach)
    with transaction.atomic():
        booked = audit_record(actor=work_coach, verb=AuditVerb.CREATED, target=appointment)
    listed = _listed(admin_client_iwp.get(AUDIT_URL, {"claimant": "JK123456C"}))
    assert listed == [booked.pk, trail["viewed"].pk]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (govuk_date("from_date", "2026-02-31"), "The first day must be a real date"),
        (
            {"from_date_0": "1", "from_date_1": "", "from_date_2": "2026"},
            "The first day must include a month",
        ),
        (govuk_date("to_date", "99999-01-01"), "The last day must be a real date"),
        (
            {**govuk_date("from_date", "2026-03-02"), **govuk_date("to_date", "2026-03-01")},
            "The last day must be the same as or after the first day",
        ),
        ({"claimant": "ZZ 99 99 99 Z"}, "No claimant has that National Insurance number or number"),
        ({"verb": "hacked"}, "Choose what they did from the list"),
    ],
)
def test_bad_filters_get_a_message_never_a_500(admin_client_iwp, trail, params, message):
    response = admin_client_iwp.get(AUDIT_URL, params)
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page and message in page
    assert response.context["page"] is None
    assert admin_client_iwp.get(AUDIT_CSV_URL, params).status_code == 400


def test_the_audit_page_is_paginated_with_a_constant_number_of_queries(
    admin_client_iwp, work_coach, django_assert_max_num_queries
):
    with transaction.atomic():
        for _ in range(120):
            audit_record(actor=work_coach, verb=AuditVerb.UPDATED, target=work_coach)
    first = admin_client_iwp.get(AUDIT_URL)
    page = first.context["page"]
    assert len(page.object_list) == 50 and page.paginator.num_pages >= 3
    third = admin_client_iwp.get(AUDIT_URL, {"page": "3"})
    assert third.context["page"].number == 3
    with django_assert_max_num_queries(8):
        admin_client_iwp.get(AUDIT_URL, {"page": "2"})


def test_the_csv_export_is_filtered_neutralised_and_itself_audited(admin_client_iwp, administrator, trail):
    with transaction.atomic():
        audit_record(
            actor=None,
            verb=AuditVerb.UPDATED,
            target=trail["helen"],
            payload={"note": '=HYPERLINK("http://evil.example","x")'},
        )
    response = admin_client_iwp.get(AUDIT_CSV_URL, {"claimant": "JK123456C"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="audit-log.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["When (UK time)", "Who", "Username", "What"]
    assert [r[3] for r in rows[1:]] == ["Updated", "Viewed sensitive information"]
    assert rows[1][1] == "The service" and rows[2][2] == "coach.test"
    # The details column is JSON text, starting with "{": nothing in it can start a formula.
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    [export] = events(AuditVerb.EXPORTED, target_type="iwp.auditevent")
    assert export.actor == administrator
    assert export.payload["what"] == "audit_log" and export.payload["rows"] == 2
    assert export.payload["filters"]["claimant_id"] == str(trail["helen"].pk)
