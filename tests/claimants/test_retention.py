"""Retention (issue #15 item 6): claimants whose claim closed six years ago are anonymised, the figures stay.

The realistic tests build the demo (every kind of record a coach writes, in every app), close some claims long
enough ago, and check: every dashboard figure and nightly summary is the same after anonymising; no text field of
any row of an anonymised claimant still holds what it held; the others are untouched; a dry run writes nothing; a
second run changes nothing; each claimant's audit event names ids and dates only.
"""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import models
from django.utils import timezone

from claimants.models import NINO_RE, Claimant
from claimants.retention import rules
from claimants.retention.registry import registry
from claimants.retention.selectors import claimants_due_for_anonymising
from claimants.retention.services import (
    LOCK_KEY,
    RUN_TARGET_TYPE,
    claimant_close_claim,
    retention_anonymise,
    retention_nightly,
)
from iwp.figures import DashboardPeriod
from iwp.figures import registry as figure_registry
from iwp.models import AuditEvent, AuditVerb, ClaimantProgress, StaffMember, TeamRegimeMonth
from tests.claimants.factories import ClaimantFactory
from tests.factories import WorkCoachFactory

TODAY = dt.date(2026, 3, 31)
LONG_AGO = dt.date(2019, 6, 30)  # more than six years before TODAY
RECENTLY = dt.date(2021, 6, 30)  # less than six years before TODAY


# --- The pure rules ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("closed_on", "due"),
    [
        (None, False),  # open, or its end not known: never
        (dt.date(2020, 3, 31), True),  # exactly six years: due
        (dt.date(2020, 4, 1), False),  # a day short
        (dt.date(2001, 1, 1), True),
    ],
)
def test_who_is_due(closed_on, due):
    assert rules.is_due(closed_on, today=TODAY, years=6) is due


def test_the_cutoff_of_29_february_and_the_period_must_be_a_year_or_more():
    assert rules.retention_cutoff(dt.date(2028, 2, 29), 6) == dt.date(2022, 2, 28)
    assert rules.retention_cutoff(dt.date(2028, 2, 29), 4) == dt.date(2024, 2, 29)
    with pytest.raises(ValueError):
        rules.retention_cutoff(TODAY, 0)


def test_the_anonymised_nino_is_unique_nine_characters_and_never_a_real_one():
    values = {rules.anonymised_nino(pk) for pk in [0, 1, 35, 36, 999_999, 10_000_000, 36**7 - 1]}
    assert len(values) == 7
    for value in values:
        assert len(value) == 9 and value.startswith("ZZ")
        assert not NINO_RE.match(value)  # validate_nino refuses it: it can never pass for a real one
    assert rules.anonymised_nino(35) == "ZZ000000Z"
    with pytest.raises(ValueError):
        rules.anonymised_nino(36**7)


def test_postcode_date_of_birth_and_words():
    assert rules.outward_code("LS1 4AP") == "LS1"
    assert rules.outward_code("sw1a2aa") == "SW1A"
    assert rules.outward_code("") == ""
    assert rules.year_only(dt.date(1990, 12, 25)) == dt.date(1990, 7, 1)
    assert rules.year_only(None) is None
    assert rules.anonymised_words("") == "" and rules.anonymised_words("x") == "Anonymised"
    assert rules.anonymised_list(["Call Jo", "CV"]) == ["Anonymised", "Anonymised"]
    assert rules.anonymised_messages([{"code": "c", "message": "school run"}]) == [
        {"code": "c", "message": "Anonymised"}
    ]


# --- Helpers -------------------------------------------------------------------------------------------------


def _text_fields(model: type[models.Model]) -> list[models.Field]:
    """Every field of a table that can hold words: char, text, email and JSON fields that are not a choice."""
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, (models.CharField, models.TextField, models.JSONField)) and not f.choices
    ]


def _texts(claimant_ids) -> dict[tuple[str, int, str], object]:
    """(table, row id, field) → value of every non-empty text field of every row belonging to these claimants,
    the fields the registry keeps (system words) left out."""
    found = {}
    for table in registry:
        names = [f.name for f in _text_fields(table.model) if f.name not in table.kept]
        rows = table.model._base_manager.filter(**{f"{table.claimant_path}__in": list(claimant_ids)})
        for row in rows.values("pk", *names):
            for name in names:
                if row[name] not in ("", None, [], {}):
                    found[(table.label, row["pk"], name)] = row[name]
    return found


def _everything(claimant_ids) -> dict:
    """Every column of every registered table's rows of these claimants (to prove nothing changed)."""
    snapshot = {}
    for table in registry:
        rows = table.model._base_manager.filter(**{f"{table.claimant_path}__in": list(claimant_ids)})
        exclude = {"updated_at"}
        fields = [f.attname for f in table.model._meta.concrete_fields if f.attname not in exclude]
        snapshot[table.label] = sorted(rows.values_list(*fields), key=lambda r: r[0])
    return snapshot


def _figures(today: dt.date) -> dict:
    """Every dashboard figure of every coach (each registered group's own count) and the nightly summaries."""
    from iwp.dashboards.summaries import refresh_dashboard_summaries

    coach_ids = list(StaffMember.objects.order_by("pk").values_list("pk", flat=True))
    now = timezone.make_aware(dt.datetime.combine(today, dt.time(12)))
    period = DashboardPeriod(today=today, now=now)
    counts = {group.key: group.counts(coach_ids, period) for group in figure_registry.active()}
    refresh_dashboard_summaries(today=today)
    progress = list(
        ClaimantProgress.objects.order_by("claimant_id").values_list(
            "claimant_id",
            "latest_period_start",
            "earnings_latest",
            "earnings_3_months_before",
            "earnings_6_months_before",
            "rose_3_months",
            "rose_6_months",
            "moved_up_on",
            "coaches_12_months",
        )
    )
    trend = sorted(TeamRegimeMonth.objects.values_list("team_id", "month", "regime", "claimants", "moved_up"))
    return {"counts": counts, "progress": progress, "trend": trend}


@pytest.fixture
def demo(db):
    """The demo's organisation and claimants, half of whose claims closed long ago (the rest: one recently, the
    others open)."""
    from iwp.demo import demo_build

    demo_build(seed=7, claimants_per_coach=(2, 3))
    ids = list(Claimant.objects.order_by("pk").values_list("pk", flat=True))
    old, recent = ids[::2], ids[1::4]
    Claimant.objects.filter(pk__in=old).update(claim_closed_on=LONG_AGO)
    Claimant.objects.filter(pk__in=recent).update(claim_closed_on=RECENTLY)
    for pk in (old[0], ids[1]):  # one due, one not: the words the demo does not write for everybody
        _words_everywhere(Claimant.objects.get(pk=pk))
    return {"old": old, "others": [pk for pk in ids if pk not in old], "recent": recent}


def _words_everywhere(claimant: Claimant) -> None:
    """A row with words in each table the demo may leave empty for a claimant."""
    from appointments.models import CaseNote, ContactAttempt, GoodReasonDecision, Reminder
    from claimants.models import Easement, PlanReview, ProgressionPlan
    from provision.models import ReferralStatusChange
    from tests.appointments.factories import AppointmentFactory
    from tests.provision.factories import ReferralFactory

    coach = claimant.coach or WorkCoachFactory(jobcentre=claimant.jobcentre)
    now = timezone.now()
    Easement.objects.create(
        claimant=claimant,
        kind="temporary",
        starts_on=LONG_AGO,
        ends_on=LONG_AGO,
        reason="Flat flooded at No 4",
    )
    appointment = AppointmentFactory(
        claimant=claimant,
        coach=coach,
        status="cancelled_by_claimant",
        cancelled_reason="Her son Tom was ill",
        clash_override_reason="Only slot before Tom's school run",
        overridden_warnings=[{"code": "caring_clash", "message": "Clashes with school run for Tom"}],
    )
    ContactAttempt.objects.create(
        appointment=appointment, at=now, method="phone", result="Spoke to Tom's dad", recorded_by=coach
    )
    GoodReasonDecision.objects.create(
        appointment=appointment, decision="accepted", reason="A&E with Tom", decided_by=coach, at=now
    )
    CaseNote.objects.create(claimant=claimant, author=coach, text="Wants nights at the Leeds depot")
    Reminder.objects.create(
        kind="appointment",
        target_id=appointment.pk,
        claimant=claimant,
        channel="email",
        due_at=now,
        subject=f"Your appointment, {claimant.first_name}",
        body=f"Dear {claimant.first_name} {claimant.last_name}",
        last_error=f"550 mailbox {claimant.email} unknown",
    )
    plan = ProgressionPlan.objects.filter(claimant=claimant).first() or ProgressionPlan.objects.create(
        claimant=claimant, goal="Be a nurse like my mum", route="career", career_in="nursing"
    )
    PlanReview.objects.create(
        plan=plan,
        reviewed_on=LONG_AGO,
        reviewed_by=coach,
        what_changed="Moved in with Sam",
        steps_done=["Call Sam"],
    )
    referral = ReferralFactory(
        claimant=claimant,
        created_by=coach,
        shared_summary="Needs help after the divorce",
        consent_to_share=True,
    )
    ReferralStatusChange.objects.create(
        referral=referral, to_status="referred", on=LONG_AGO, by=coach, note="Provider rang her mobile"
    )


# --- Anonymising the demo ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_figures_stay_the_same(demo):
    before = _figures(TODAY)
    assert (
        sum(n for group in before["counts"].values() for coach in group.values() for n in coach.values()) > 50
    )
    assert before["progress"] and before["trend"]

    result = retention_anonymise(today=TODAY, dry_run=False, batch_size=7)

    assert result.anonymised == len(demo["old"]) > 10
    assert result.batches == -(-len(demo["old"]) // 7)
    assert _figures(TODAY) == before


@pytest.mark.django_db
def test_no_personal_field_of_an_anonymised_claimant_still_holds_its_value(demo):
    people = {
        pk: (nino, first, last, born, postcode, email, phone)
        for pk, nino, first, last, born, postcode, email, phone in Claimant.objects.filter(
            pk__in=demo["old"]
        ).values_list("pk", "nino", "first_name", "last_name", "date_of_birth", "postcode", "email", "phone")
    }
    originals = _texts(demo["old"])
    tables = {label for label, _, _ in originals}
    # The demo writes words in most of the registered tables: the check below has something to check.
    assert tables == set(registry.tables) - {"claimants.RegimeAssessment"}, sorted(tables)
    others_before = _everything(demo["others"])

    retention_anonymise(today=TODAY, dry_run=False)

    after = _texts(demo["old"])
    for key, value in originals.items():
        assert after.get(key) != value, key
        if isinstance(value, str):
            assert after.get(key) in (None, "Anonymised") or key[2] in ("postcode", "nino"), (
                key,
                after.get(key),
            )
    # Nothing anywhere still holds a name, a NINO or an email address of theirs.
    every_word = repr(_texts(demo["old"]))
    for pk, (nino, first, last, born, postcode, email, phone) in people.items():
        claimant = Claimant.objects.get(pk=pk)
        assert claimant.anonymised_at is not None
        assert claimant.nino == rules.anonymised_nino(pk)
        assert (claimant.first_name, claimant.last_name) == ("Anonymised", "Anonymised")
        assert claimant.search_name == "anonymised anonymised"
        assert claimant.date_of_birth == dt.date(born.year, 7, 1)
        assert claimant.postcode == rules.outward_code(postcode) and len(claimant.postcode) <= 4
        assert claimant.email == "" and claimant.phone == ""
        for secret in (nino, email, phone, f"{first} {last}"):
            if secret:
                assert secret not in every_word, secret
    # Everybody else is exactly as they were.
    assert _everything(demo["others"]) == others_before


@pytest.mark.django_db
def test_every_text_field_of_a_claimants_table_is_replaced_or_kept_with_a_reason():
    """A text field added later to any table that belongs to a claimant fails here until it is classified."""
    claimant_tables = {Claimant}
    for _ in range(3):  # the claimant's tables, the tables of those tables (commitment items, plan steps...)
        for model in apps.get_models():
            if model._meta.app_label not in ("claimants", "appointments", "provision", "iwp"):
                continue
            for f in model._meta.concrete_fields:
                if f.is_relation and f.related_model in claimant_tables and f.name != "partner":
                    claimant_tables.add(model)
    problems = []
    for model in claimant_tables:
        table = registry.tables.get(model._meta.label)
        for f in _text_fields(model):
            if table is None or (f.name not in table.covers() and f.name not in table.kept):
                problems.append(f"{model._meta.label}.{f.name}")
        if table is not None:
            for name in table.kept:
                assert table.kept[name], f"{model._meta.label}.{name} is kept without a reason"
    assert not problems, f"text fields neither anonymised nor kept with a reason: {sorted(problems)}"


@pytest.mark.django_db
def test_a_dry_run_lists_who_and_writes_nothing(demo):
    before = _everything(demo["old"] + demo["others"])
    events = AuditEvent.objects.count()

    result = retention_anonymise(today=TODAY, dry_run=True)

    assert [pk for pk, _ in result.due] == sorted(demo["old"])
    assert {closed for _, closed in result.due} == {LONG_AGO}
    assert result.anonymised == 0
    assert _everything(demo["old"] + demo["others"]) == before
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_a_second_run_changes_nothing(demo):
    retention_anonymise(today=TODAY, dry_run=False)
    after_first = _everything(demo["old"] + demo["others"])
    events = AuditEvent.objects.count()

    again = retention_anonymise(today=TODAY, dry_run=False)

    assert again.anonymised == 0 and again.batches == 0
    assert _everything(demo["old"] + demo["others"]) == after_first
    assert AuditEvent.objects.count() == events
    assert not claimants_due_for_anonymising(today=TODAY).exists()


@pytest.mark.django_db
def test_each_anonymised_claimant_has_an_audit_event_with_ids_and_dates_only(demo):
    actor = StaffMember.objects.get(username="admin")
    result = retention_anonymise(today=TODAY, dry_run=False, actor=actor)

    events = AuditEvent.objects.filter(verb=AuditVerb.ANONYMISED, target_type="claimants.claimant")
    assert sorted(int(e.target_id) for e in events) == sorted(demo["old"]) and result.anonymised == len(
        events
    )
    for event in events:
        assert event.actor == actor
        assert event.payload == {
            "claim_closed_on": "2019-06-30",
            "retention_years": 6,
            "cutoff": "2020-03-31",
        }


# --- Small cases ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_open_unknown_and_recent_claims_are_untouched():
    open_claim = ClaimantFactory(postcode="LS1 4AP")
    recent = ClaimantFactory(claim_closed_on=dt.date(2020, 4, 1))  # six years tomorrow
    due = ClaimantFactory(claim_closed_on=dt.date(2020, 3, 31), postcode="LS1 4AP")  # six years today

    result = retention_anonymise(today=TODAY, dry_run=False)

    assert result.anonymised == 1
    for claimant in (open_claim, recent):
        fresh = Claimant.objects.get(pk=claimant.pk)
        assert (fresh.nino, fresh.first_name, fresh.email, fresh.anonymised_at) == (
            claimant.nino,
            claimant.first_name,
            claimant.email,
            None,
        )
    due.refresh_from_db()
    assert due.anonymised_at is not None and due.postcode == "LS1" and due.postcode_compact == "LS1"


@pytest.mark.django_db
def test_the_period_comes_from_the_settings(settings):
    claimant = ClaimantFactory(claim_closed_on=dt.date(2023, 3, 31))
    assert retention_anonymise(today=TODAY, dry_run=True).due == []
    settings.IWP_RETENTION_YEARS = 3
    assert retention_anonymise(today=TODAY, dry_run=True).due == [(claimant.pk, dt.date(2023, 3, 31))]


def test_six_years_by_default_and_scheduled_nightly():
    assert settings.IWP_RETENTION_YEARS == 6  # tests run without IWP_RETENTION_YEARS set
    entry = settings.CELERY_BEAT_SCHEDULE["retention-anonymise-nightly"]
    assert entry["task"] == "claimants.retention_anonymise"
    from iwp.celery import app

    app.loader.import_default_modules()
    assert "claimants.retention_anonymise" in app.tasks


@pytest.mark.django_db
def test_closing_a_claim_is_audited_and_checked():
    coach = WorkCoachFactory()
    claimant = ClaimantFactory(jobcentre=coach.jobcentre, coach=coach)

    claimant_close_claim(claimant=claimant, closed_on=dt.date(2019, 1, 31), actor=coach)

    claimant.refresh_from_db()
    assert claimant.claim_closed_on == dt.date(2019, 1, 31)
    event = AuditEvent.objects.get(verb=AuditVerb.CLAIM_CLOSED)
    assert (event.actor, event.target_id) == (coach, str(claimant.pk))
    assert event.payload == {
        "fields": ["claim_closed_on"],
        "claim_closed_on": "2019-01-31",
        "previously": None,
    }
    with pytest.raises(ValidationError):
        claimant_close_claim(
            claimant=claimant, closed_on=timezone.localdate() + dt.timedelta(days=1), actor=coach
        )
    claimant_close_claim(claimant=claimant, closed_on=None, actor=coach)  # reopened: no longer due
    assert Claimant.objects.get(pk=claimant.pk).claim_closed_on is None
    assert AuditEvent.objects.filter(verb=AuditVerb.UPDATED, target_id=str(claimant.pk)).count() == 1

    claimant_close_claim(claimant=claimant, closed_on=dt.date(2019, 1, 31), actor=coach)
    retention_anonymise(today=TODAY, dry_run=False)
    with pytest.raises(ValidationError):
        claimant_close_claim(claimant=claimant, closed_on=None, actor=coach)


@pytest.mark.django_db
def test_the_nightly_run_is_locked_and_done_once_a_day(django_capture_on_commit_callbacks):
    cache.delete(LOCK_KEY)
    first = ClaimantFactory(claim_closed_on=LONG_AGO)

    cache.add(LOCK_KEY, "another worker", timeout=60)
    assert retention_nightly(today=TODAY).skipped == "locked"
    assert Claimant.objects.get(pk=first.pk).anonymised_at is None
    cache.delete(LOCK_KEY)

    done = retention_nightly(today=TODAY)
    assert (done.skipped, done.anonymised) == ("", 1)
    marker = AuditEvent.objects.get(target_type=RUN_TARGET_TYPE, target_id=TODAY.isoformat())
    assert marker.payload["claimants"] == 1 and marker.payload["cutoff"] == "2020-03-31"
    assert cache.get(LOCK_KEY) is None

    later = ClaimantFactory(claim_closed_on=LONG_AGO)  # closed (back-dated) after tonight's run
    assert retention_nightly(today=TODAY).skipped == "already done"
    assert Claimant.objects.get(pk=later.pk).anonymised_at is None
    assert retention_nightly(today=TODAY + dt.timedelta(days=1)).anonymised == 1


# --- The command ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_dry_run_prints_ids_and_dates_not_names():
    due = ClaimantFactory(claim_closed_on=LONG_AGO)
    ClaimantFactory(claim_closed_on=RECENTLY)
    out = StringIO()

    call_command("retention_anonymise", "--dry-run", "--today", "2026-03-31", stdout=out)

    text = out.getvalue()
    assert "Dry run: nothing written. 1 claimants would be anonymised" in text
    assert "claims closed on or before 2020-03-31 (6 years before 2026-03-31)" in text
    assert f"{due.pk}\t2019-06-30" in text
    assert due.last_name not in text and due.nino not in text
    assert Claimant.objects.get(pk=due.pk).anonymised_at is None


@pytest.mark.django_db
def test_the_command_anonymises_and_prints_the_counts():
    due = ClaimantFactory(claim_closed_on=LONG_AGO)
    out = StringIO()

    call_command("retention_anonymise", "--today", "2026-03-31", stdout=out)

    text = out.getvalue()
    assert "Anonymised 1 claimants in 1 batches" in text and "Reversible only from a backup" in text
    assert "claimants.Claimant: 1 rows" in text
    assert Claimant.objects.get(pk=due.pk).anonymised_at is not None
    out = StringIO()
    call_command("retention_anonymise", "--today", "2026-03-31", stdout=out)
    assert "Anonymised 0 claimants in 0 batches" in out.getvalue()


@pytest.mark.django_db
def test_the_command_refuses_a_bad_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--today must be a date"):
        call_command("retention_anonymise", "--today", "31/03/2026")
