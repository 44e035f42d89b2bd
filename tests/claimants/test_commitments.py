"""The claimant commitment: versions (a draft beside the version in force), the 7-day accept-by, overdue,
acceptance, optimistic locking, hours feeding the regime, validation, access and the restricted easement."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from claimants.commitments.rules import (
    CONFLICT_MESSAGE,
    CommitmentConflict,
    CommitmentDraftExists,
    CommitmentNotEditable,
    ItemChange,
    add_months,
    pack_reason,
    unpack_reason,
)
from claimants.commitments.selectors import (
    commitment_version,
    commitments_annotated,
    commitments_overdue,
    commitments_review_due,
    current_commitment,
    is_overdue,
)
from claimants.commitments.services import (
    commitment_discard_draft,
    commitment_issue,
    commitment_record_acceptance,
    commitment_save_draft,
    commitment_start_draft,
)
from claimants.facts.selectors import FIRST_TO_LATEST, current_period_start
from claimants.models import (
    ClaimantCommitment,
    CommitmentItem,
    CommitmentStatus,
    Easement,
    EasementKind,
    ExpectedHoursReason,
    RegimeAssessment,
)
from claimants.regimes.engine import Cause
from claimants.regimes.recalculation import claimant_recalculate
from claimants.services import claimant_record_earnings
from iwp.models import AuditEvent, AuditVerb
from tests.claimants.factories import ClaimantFactory
from tests.factories import JobcentreFactory, TeamFactory, WorkCoachFactory

pytestmark = pytest.mark.django_db
D = Decimal
DAY = dt.date(2025, 6, 10)
CLAIMANT_SIDE = CommitmentItem.Side.CLAIMANT_ACTION
JOBCENTRE_SIDE = CommitmentItem.Side.SUPPORT_PLAN


@pytest.fixture
def claimant(work_coach):
    return ClaimantFactory(jobcentre=work_coach.jobcentre, coach=work_coach)


def save(commitment, actor, *, lock_version=None, items=(), today=DAY, **terms):
    values = {
        "expected_hours": D(35),
        "reason_code": "",
        "reason_detail": "",
        "work_search_hours": D(10),
        "requirements": "Look for warehouse work with more hours.",
        "easements_note": "",
        "review_due": None,
    }
    values.update(terms)
    return commitment_save_draft(
        commitment=commitment,
        lock_version=commitment.lock_version if lock_version is None else lock_version,
        actor=actor,
        items=list(items),
        today=today,
        **values,
    )


def issued(claimant, actor, *, today=DAY, items=(), **terms):
    draft = commitment_start_draft(claimant=claimant, actor=actor)
    draft = save(draft, actor, items=items, today=today, **terms)
    return commitment_issue(commitment=draft, lock_version=draft.lock_version, actor=actor, today=today)


def day_parts(day: dt.date | None) -> tuple[str, str, str]:
    return (str(day.day), str(day.month), str(day.year)) if day else ("", "", "")


def edit_payload(commitment, *, claimant_lines=(), jobcentre_lines=(), **fields) -> dict[str, str]:
    """What the editor posts: the terms, then both formsets (existing lines first, then one blank row)."""
    data = {
        "lock_version": str(commitment.lock_version),
        "expected_hours": "35",
        "expected_hours_reason": "",
        "expected_hours_detail": "",
        "work_search_hours": "10",
        "requirements": "Look for warehouse work with more hours.",
        "easements_note": "",
        "review_due": None,
        "then": "view",
    }
    data.update(fields)
    review = data.pop("review_due")
    for i, part in enumerate(day_parts(review)):
        data[f"review_due_{i}"] = part
    for prefix, lines in (("claimant", claimant_lines), ("jobcentre", jobcentre_lines)):
        existing = [
            i
            for i in commitment.items.all()
            if i.side == (CLAIMANT_SIDE if prefix == "claimant" else JOBCENTRE_SIDE)
        ]
        rows = [{"item_id": str(i.pk), "text": i.text, "by_date": i.by_date} for i in existing] + list(lines)
        rows.append({"text": "", "by_date": None})
        data[f"{prefix}-TOTAL_FORMS"] = str(len(rows))
        data[f"{prefix}-INITIAL_FORMS"] = str(len(existing))
        data[f"{prefix}-MIN_NUM_FORMS"] = "0"
        data[f"{prefix}-MAX_NUM_FORMS"] = "40"
        for n, row in enumerate(rows):
            data[f"{prefix}-{n}-item_id"] = row.get("item_id", "")
            data[f"{prefix}-{n}-text"] = row["text"]
            for i, part in enumerate(day_parts(row.get("by_date"))):
                data[f"{prefix}-{n}-by_date_{i}"] = part
            if row.get("remove"):
                data[f"{prefix}-{n}-remove"] = "on"
    return data


# --- Services and selectors --------------------------------------------------------------------------------


def test_reason_round_trip_and_months():
    assert pack_reason("caring", " two children ") == "caring: two children"
    assert unpack_reason("caring: two children") == ("caring", "two children")
    assert unpack_reason("school_hours") == ("school_hours", "")
    assert unpack_reason("free text only") == ("", "free text only")
    assert add_months(dt.date(2025, 11, 30), 3) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2025, 6, 10), 3) == dt.date(2025, 9, 10)


def test_first_draft_is_prefilled_from_the_claimants_hours(work_coach):
    claimant = ClaimantFactory(
        jobcentre=work_coach.jobcentre, expected_hours=D(20), expected_hours_reason=ExpectedHoursReason.CARING
    )
    draft = commitment_start_draft(claimant=claimant, actor=work_coach)
    assert (draft.version, draft.status, draft.expected_hours) == (1, CommitmentStatus.DRAFT, D(20))
    assert unpack_reason(draft.expected_hours_reason) == ("caring", "")
    assert AuditEvent.objects.filter(verb=AuditVerb.CREATED, target_id=str(draft.pk)).exists()
    # Starting again while a draft exists refuses with a message and names that draft; no second one.
    with pytest.raises(CommitmentDraftExists) as raised:
        commitment_start_draft(claimant=claimant, actor=work_coach)
    assert raised.value.draft.pk == draft.pk
    assert "version 1" in raised.value.message and "already in progress" in raised.value.message
    assert ClaimantCommitment.objects.filter(claimant=claimant).count() == 1


def test_issuing_gives_seven_days_to_accept_and_a_review_in_three_months(claimant, work_coach):
    commitment = issued(claimant, work_coach)
    assert commitment.status == CommitmentStatus.ISSUED
    assert commitment.issued_at is not None
    assert commitment.accept_by == dt.date(2025, 6, 17)
    assert commitment.review_due == dt.date(2025, 9, 10)
    event = AuditEvent.objects.filter(target_id=str(commitment.pk), payload__action="issued").get()
    assert event.payload["accept_by"] == "2025-06-17"


def test_a_review_date_set_on_the_draft_is_kept(claimant, work_coach):
    commitment = issued(claimant, work_coach, review_due=dt.date(2025, 7, 1))
    assert commitment.review_due == dt.date(2025, 7, 1)


def test_overdue_is_derived_from_accept_by_not_stored(claimant, work_coach):
    commitment = issued(claimant, work_coach)  # accept by 17 June
    on = {
        day: commitments_annotated(today=dt.date(2025, 6, day)).get(pk=commitment.pk).is_overdue
        for day in (17, 18)
    }
    assert on == {17: False, 18: True}
    assert is_overdue(commitment, today=dt.date(2025, 6, 18))
    assert current_commitment(claimant, today=dt.date(2025, 6, 18)).is_overdue
    assert list(commitments_overdue(work_coach, today=dt.date(2025, 6, 18))) == [commitment]
    assert list(commitments_overdue(work_coach, today=dt.date(2025, 6, 17))) == []

    commitment_record_acceptance(
        commitment=commitment, lock_version=commitment.lock_version, actor=work_coach
    )
    assert not commitments_annotated(today=dt.date(2025, 6, 18)).get(pk=commitment.pk).is_overdue


def test_recording_acceptance(claimant, work_coach):
    commitment = issued(claimant, work_coach)
    commitment_record_acceptance(
        commitment=commitment, lock_version=commitment.lock_version, actor=work_coach
    )
    assert commitment.status == CommitmentStatus.ACCEPTED
    assert commitment.accepted_at is not None
    with pytest.raises(CommitmentNotEditable, match="already been recorded"):
        commitment_record_acceptance(
            commitment=commitment, lock_version=commitment.lock_version, actor=work_coach
        )


def test_a_new_version_replaces_the_old_when_issued_and_the_old_stays_readable_and_unchanged(
    claimant, work_coach
):
    v1 = issued(
        claimant,
        work_coach,
        items=[
            ItemChange(side=CLAIMANT_SIDE, text="Ask employer for more hours", by_date=dt.date(2025, 7, 1)),
            ItemChange(side=JOBCENTRE_SIDE, text="Book a skills bootcamp place"),
        ],
    )
    commitment_record_acceptance(commitment=v1, lock_version=v1.lock_version, actor=work_coach)
    CommitmentItem.objects.filter(commitment=v1, side=JOBCENTRE_SIDE).update(done_on=dt.date(2025, 6, 20))
    before = ClaimantCommitment.objects.filter(pk=v1.pk).values(
        "requirements", "expected_hours", "issued_at", "accept_by", "accepted_at", "review_due"
    )[0]
    lines_before = list(
        CommitmentItem.objects.filter(commitment=v1).values_list("text", "by_date", "done_on")
    )

    v2 = commitment_start_draft(claimant=claimant, actor=work_coach)
    assert v2.version == 2
    v1.refresh_from_db()
    assert v1.status == CommitmentStatus.ACCEPTED  # still in force while the draft is prepared
    assert current_commitment(claimant).pk == v1.pk
    # Open lines carry over; done ones stay in the old version's history.
    assert [(i.side, i.text) for i in v2.items.all()] == [(CLAIMANT_SIDE, "Ask employer for more hours")]
    assert v2.requirements == v1.requirements

    save(
        v2,
        work_coach,
        requirements="New requirements",
        items=[ItemChange(side=JOBCENTRE_SIDE, text="Mock interview")],
    )
    assert current_commitment(claimant).pk == v1.pk
    commitment_issue(commitment=v2, lock_version=v2.lock_version, actor=work_coach, today=DAY)

    old = commitment_version(claimant, 1)
    assert old.status == CommitmentStatus.SUPERSEDED
    assert ClaimantCommitment.objects.filter(pk=v1.pk).values(*before)[0] == before
    assert (
        list(CommitmentItem.objects.filter(commitment=v1).values_list("text", "by_date", "done_on"))
        == lines_before
    )
    assert current_commitment(claimant).pk == v2.pk
    # An issued or superseded version can never be edited again.
    with pytest.raises(CommitmentNotEditable):
        save(old, work_coach, requirements="Rewriting history")
    with pytest.raises(CommitmentNotEditable):
        save(v2, work_coach, requirements="Rewriting history")


def _row(commitment):
    """Every stored field of one version, and its lines: to show a version was not touched at all."""
    return (
        ClaimantCommitment.objects.filter(pk=commitment.pk).values()[0],
        list(CommitmentItem.objects.filter(commitment_id=commitment.pk).order_by("pk").values()),
    )


def test_discarding_a_draft_deletes_it_and_leaves_the_version_in_force_untouched(claimant, work_coach):
    v1 = issued(claimant, work_coach, items=[ItemChange(side=CLAIMANT_SIDE, text="Ask for more hours")])
    commitment_record_acceptance(commitment=v1, lock_version=v1.lock_version, actor=work_coach)
    before = _row(v1)
    assert before[0]["status"] == CommitmentStatus.ACCEPTED

    v2 = commitment_start_draft(claimant=claimant, actor=work_coach)
    v2 = save(
        v2, work_coach, requirements="Changed words", items=[ItemChange(side=JOBCENTRE_SIDE, text="More")]
    )
    assert _row(v1) == before  # starting and editing the draft never touches the version in force
    assert commitment_discard_draft(commitment=v2, lock_version=v2.lock_version, actor=work_coach) is None

    after = _row(v1)
    for field, value in before[0].items():
        assert after[0][field] == value, field
    assert after[1] == before[1]
    assert not ClaimantCommitment.objects.filter(pk=v2.pk).exists()
    assert not CommitmentItem.objects.filter(commitment_id=v2.pk).exists()
    assert current_commitment(claimant).pk == v1.pk
    event = AuditEvent.objects.filter(payload__action="draft_discarded").get()
    assert event.payload == {"action": "draft_discarded", "version": 2}
    # A new draft can be started afterwards, again beside version 1.
    assert commitment_start_draft(claimant=claimant, actor=work_coach).version == 2


def test_discarding_a_first_draft_leaves_nothing(claimant, work_coach):
    draft = commitment_start_draft(claimant=claimant, actor=work_coach)
    commitment_discard_draft(commitment=draft, lock_version=draft.lock_version, actor=work_coach)
    assert current_commitment(claimant) is None
    with pytest.raises(CommitmentNotEditable, match="discarded"):
        commitment_issue(commitment=draft, lock_version=draft.lock_version, actor=work_coach, today=DAY)


def test_a_draft_beside_the_version_in_force_keeps_its_overdue_flag(claimant, work_coach):
    v1 = issued(claimant, work_coach)  # accept by 17 June
    before = _row(v1)
    draft = commitment_start_draft(claimant=claimant, actor=work_coach)
    assert (draft.version, draft.status) == (2, CommitmentStatus.DRAFT)
    assert _row(v1) == before

    late = dt.date(2025, 6, 18)
    current = current_commitment(claimant, today=late)
    assert (current.pk, current.status, current.is_overdue, current.draft_version) == (
        v1.pk,
        CommitmentStatus.ISSUED,
        True,
        2,
    )
    assert list(commitments_overdue(work_coach, today=late)) == [v1]
    assert [c.pk for c in commitments_review_due(work_coach, within_days=120, today=late)] == [v1.pk]
    html = render_to_string(
        "claimants/commitment_summary_card.html", {"claimant": claimant, "commitment": current}
    )
    assert "(version 1)" in html and "Not accepted – overdue" in html
    assert "Draft in progress (version 2)" in html
    # The claimant can still accept the version in force while the draft is prepared.
    commitment_record_acceptance(commitment=v1, lock_version=v1.lock_version, actor=work_coach)
    assert not current_commitment(claimant, today=late).is_overdue
    draft.refresh_from_db()
    assert (draft.status, draft.lock_version) == (CommitmentStatus.DRAFT, 0)


def test_current_commitment_is_the_draft_only_while_nothing_is_in_force(claimant, work_coach):
    assert current_commitment(claimant) is None
    draft = commitment_start_draft(claimant=claimant, actor=work_coach)
    first = current_commitment(claimant)
    assert (first.pk, first.draft_version) == (draft.pk, 1)
    saved = save(draft, work_coach)
    v1 = commitment_issue(commitment=saved, lock_version=saved.lock_version, actor=work_coach, today=DAY)
    v2 = commitment_start_draft(claimant=claimant, actor=work_coach)
    assert current_commitment(claimant).pk == v1.pk  # the higher-numbered draft does not win
    assert current_commitment(claimant).draft_version == v2.version


def test_issuing_supersedes_the_version_in_force_in_the_same_transaction(claimant, work_coach, monkeypatch):
    v1 = issued(claimant, work_coach)
    commitment_record_acceptance(commitment=v1, lock_version=v1.lock_version, actor=work_coach)
    v2 = save(
        commitment_start_draft(claimant=claimant, actor=work_coach),
        work_coach,
        expected_hours=D(30),
        reason_code=ExpectedHoursReason.CARING,
    )
    before_v1, before_v2 = _row(v1), _row(v2)

    # A failure after the old version was superseded rolls the whole issue back.
    def fail(**kwargs):
        raise RuntimeError("regime service down")

    monkeypatch.setattr("claimants.commitments.services.claimant_update_facts", fail)
    with pytest.raises(RuntimeError):
        commitment_issue(commitment=v2, lock_version=v2.lock_version, actor=work_coach, today=DAY)
    assert (_row(v1), _row(v2)) == (before_v1, before_v2)
    monkeypatch.undo()

    # So does a refusal (a stale lock version), before anything is written.
    with pytest.raises(CommitmentConflict):
        commitment_issue(commitment=v2, lock_version=v2.lock_version - 1, actor=work_coach, today=DAY)
    assert (_row(v1), _row(v2)) == (before_v1, before_v2)

    with CaptureQueriesContext(connection) as ctx:
        commitment_issue(commitment=v2, lock_version=v2.lock_version, actor=work_coach, today=DAY)
    table = ClaimantCommitment._meta.db_table
    assert any("FOR UPDATE" in q["sql"] and f'FROM "{table}"' in q["sql"] for q in ctx.captured_queries), (
        "the claimant's versions are locked while issuing"
    )
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.status, v1.lock_version) == (CommitmentStatus.SUPERSEDED, before_v1[0]["lock_version"] + 1)
    assert (v1.accepted_at, v1.accept_by) == (before_v1[0]["accepted_at"], before_v1[0]["accept_by"])
    assert v2.status == CommitmentStatus.ISSUED
    assert list(
        ClaimantCommitment.objects.filter(
            claimant=claimant, status__in=[CommitmentStatus.ISSUED, CommitmentStatus.ACCEPTED]
        )
    ) == [v2]
    assert current_commitment(claimant).pk == v2.pk
    issue_event = AuditEvent.objects.filter(target_id=str(v2.pk), payload__action="issued").get()
    assert issue_event.payload["supersedes_version"] == 1
    assert AuditEvent.objects.filter(target_id=str(v1.pk), payload__action="superseded").exists()
    # Someone who loaded version 1 earlier can no longer record acceptance of it.
    with pytest.raises(CommitmentNotEditable, match="replaced by a newer version"):
        commitment_record_acceptance(commitment=v1, lock_version=v1.lock_version, actor=work_coach)


def test_two_drafts_or_two_versions_in_force_cannot_exist(claimant, work_coach):
    v1 = issued(claimant, work_coach)
    commitment_start_draft(claimant=claimant, actor=work_coach)
    for version, status in ((3, CommitmentStatus.DRAFT), (3, CommitmentStatus.ACCEPTED)):
        with pytest.raises(IntegrityError), transaction.atomic():
            ClaimantCommitment.objects.create(
                claimant=claimant, version=version, status=status, expected_hours=D(35)
            )
    # Superseded versions are not limited.
    ClaimantCommitment.objects.create(
        claimant=claimant, version=3, status=CommitmentStatus.SUPERSEDED, expected_hours=D(35)
    )
    with pytest.raises(
        CommitmentDraftExists, match=r"draft of the claimant commitment \(version 2\) is already"
    ):
        commitment_start_draft(claimant=claimant, actor=work_coach)
    assert ClaimantCommitment.objects.filter(claimant=claimant, status=CommitmentStatus.DRAFT).count() == 1
    v1.refresh_from_db()
    assert v1.status == CommitmentStatus.ISSUED


def test_the_migration_puts_a_version_superseded_by_an_open_draft_back_in_force(claimant, work_coach):
    migration = importlib.import_module("claimants.migrations.0005_commitment_draft_beside_live")
    v1 = issued(claimant, work_coach)
    commitment_record_acceptance(commitment=v1, lock_version=v1.lock_version, actor=work_coach)
    draft = commitment_start_draft(claimant=claimant, actor=work_coach)
    # How the old rule left it: the accepted version superseded as soon as the draft was started.
    ClaimantCommitment.objects.filter(pk=v1.pk).update(status=CommitmentStatus.SUPERSEDED)
    older = ClaimantCommitment.objects.create(
        claimant=claimant, version=0, status=CommitmentStatus.SUPERSEDED, expected_hours=D(35)
    )
    migration.put_back_in_force(apps, None)
    v1.refresh_from_db()
    older.refresh_from_db()
    assert (v1.status, older.status) == (CommitmentStatus.ACCEPTED, CommitmentStatus.SUPERSEDED)
    migration.supersede_beside_draft(apps, None)
    v1.refresh_from_db()
    draft.refresh_from_db()
    assert (v1.status, draft.status) == (CommitmentStatus.SUPERSEDED, CommitmentStatus.DRAFT)


def test_a_stale_lock_version_saves_nothing(claimant, work_coach, team_leader):
    draft = commitment_start_draft(claimant=claimant, actor=work_coach)
    loaded_by_coach = draft.lock_version
    # The team leader saves first ...
    save(ClaimantCommitment.objects.get(pk=draft.pk), team_leader, requirements="Leader's words")
    # ... so the coach's save, made from the page they loaded earlier, is refused whole.
    with pytest.raises(CommitmentConflict) as raised:
        save(
            draft,
            work_coach,
            lock_version=loaded_by_coach,
            requirements="Coach's words",
            items=[ItemChange(side=CLAIMANT_SIDE, text="Coach's action")],
        )
    assert raised.value.message == CONFLICT_MESSAGE
    draft.refresh_from_db()
    assert draft.requirements == "Leader's words"
    assert not draft.items.exists()
    with pytest.raises(CommitmentConflict):
        commitment_issue(commitment=draft, lock_version=loaded_by_coach, actor=work_coach, today=DAY)


def test_service_refuses_bad_terms_and_keeps_nothing(claimant, work_coach):
    draft = commitment_start_draft(claimant=claimant, actor=work_coach)
    with pytest.raises(ValidationError) as raised:
        save(
            draft,
            work_coach,
            expected_hours=D(16),
            work_search_hours=D(20),
            review_due=dt.date(2025, 6, 1),
            items=[ItemChange(side=CLAIMANT_SIDE, text="Too late", by_date=dt.date(2025, 6, 9))],
        )
    errors = raised.value.message_dict
    assert set(errors) == {"expected_hours_reason", "work_search_hours", "review_due", "items.0"}
    draft.refresh_from_db()
    assert (draft.lock_version, draft.expected_hours, draft.items.count()) == (0, D(35), 0)


def test_hours_change_updates_the_claimant_and_recalculates_the_regime(
    claimant, coach_client, django_capture_on_commit_callbacks
):
    # Last year's period and the current one: below the CET for 35 hours in each (and above the AET).
    current = current_period_start(claimant.assessment_day, timezone.localdate())
    for start in (DAY, current):
        claimant_record_earnings(
            claimant=claimant, period_start=start, employed_earnings=D("1000"), recalculate=False
        )
    claimant_recalculate(claimant_id=claimant.pk, cause=Cause.EARNINGS)
    claimant.refresh_from_db()
    assert claimant.current_regime == "light_touch"

    coach_client.post(reverse("claimants:commitment_start", args=[claimant.pk]))
    draft = ClaimantCommitment.objects.get(claimant=claimant, status=CommitmentStatus.DRAFT)
    response = coach_client.post(
        reverse("claimants:commitment_edit", args=[claimant.pk]),
        edit_payload(
            draft,
            expected_hours="16",
            expected_hours_reason=ExpectedHoursReason.SCHOOL_HOURS,
            expected_hours_detail="Youngest starts school in September",
            work_search_hours="6",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    claimant.refresh_from_db()
    assert claimant.expected_hours == D(35)  # nothing changes until the commitment is issued

    draft.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = coach_client.post(
            reverse("claimants:commitment_issue", args=[claimant.pk]), {"lock_version": draft.lock_version}
        )
    assert response.status_code == 302
    assert callbacks, "the recalculation is enqueued on commit"
    claimant.refresh_from_db()
    assert claimant.expected_hours == D(16)
    assert claimant.expected_hours_reason == ExpectedHoursReason.SCHOOL_HOURS
    assert claimant.current_regime == "working_enough"  # above the CET for 16 hours in the current period
    latest = RegimeAssessment.objects.current().get(claimant=claimant, period_start=current)
    assert latest.cause == "circumstance"
    # The hours change from the start of the current period (issue #16): last year's period keeps the 35
    # hours it was decided with, and its history row is not rewritten.
    last_year = RegimeAssessment.objects.get(claimant=claimant, period_start=DAY)
    assert last_year.regime == "light_touch"
    assert RegimeAssessment.objects.current().filter(pk=last_year.pk).exists()
    versions = list(
        claimant.fact_versions.order_by(FIRST_TO_LATEST).values_list("effective_from", "expected_hours")
    )
    assert versions == [(None, D(35)), (current, D(16))]


def test_issuing_without_an_hours_change_enqueues_nothing(
    claimant, work_coach, django_capture_on_commit_callbacks
):
    draft = commitment_start_draft(claimant=claimant, actor=work_coach)
    draft = save(draft, work_coach)
    with django_capture_on_commit_callbacks() as callbacks:
        commitment_issue(commitment=draft, lock_version=draft.lock_version, actor=work_coach, today=DAY)
    # No recalculation; only the dashboard figures are recounted (the claimant now waits for acceptance).
    assert [c.__qualname__ for c in callbacks] == ["_Pending.flush"]


def test_review_due_list(claimant, work_coach):
    soon = issued(claimant, work_coach, review_due=dt.date(2025, 6, 20))
    later_claimant = ClaimantFactory(jobcentre=work_coach.jobcentre, coach=work_coach)
    issued(later_claimant, work_coach, review_due=dt.date(2025, 12, 1))
    someone_elses = ClaimantFactory(
        jobcentre=work_coach.jobcentre, coach=WorkCoachFactory(team=work_coach.team)
    )
    issued(someone_elses, work_coach, review_due=dt.date(2025, 6, 15))
    assert list(commitments_review_due(work_coach, today=DAY)) == [soon]


# --- Pages ---------------------------------------------------------------------------------------------------


def test_coach_creates_edits_and_issues_through_the_pages(claimant, coach_client):
    page = coach_client.get(reverse("claimants:commitment", args=[claimant.pk]))
    assert page.status_code == 200
    assert b"has no claimant commitment yet" in page.content

    response = coach_client.post(reverse("claimants:commitment_start", args=[claimant.pk]))
    assert response["Location"] == reverse("claimants:commitment_edit", args=[claimant.pk])
    editor = coach_client.get(response["Location"])
    assert editor.status_code == 200
    html = editor.content.decode()
    assert 'name="lock_version"' in html and 'value="0"' in html
    assert "---------" not in html  # the reason radios have no blank choice

    draft = ClaimantCommitment.objects.get(claimant=claimant)
    today = timezone.localdate()
    by = today + dt.timedelta(days=14)
    response = coach_client.post(
        reverse("claimants:commitment_edit", args=[claimant.pk]),
        edit_payload(
            draft,
            claimant_lines=[{"text": "Ask employer for more hours", "by_date": by}],
            jobcentre_lines=[{"text": "Book a skills bootcamp place", "by_date": None}],
        ),
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.lock_version == 1
    assert sorted(draft.items.values_list("side", "text", "by_date")) == [
        ("claimant", "Ask employer for more hours", by),
        ("jobcentre", "Book a skills bootcamp place", None),
    ]

    detail = coach_client.get(reverse("claimants:commitment", args=[claimant.pk])).content.decode()
    assert "Draft – not issued" in detail and "Ask employer for more hours" in detail

    coach_client.post(reverse("claimants:commitment_issue", args=[claimant.pk]), {"lock_version": 1})
    draft.refresh_from_db()
    assert draft.status == CommitmentStatus.ISSUED
    assert draft.accept_by == today + dt.timedelta(days=7)
    detail = coach_client.get(reverse("claimants:commitment", args=[claimant.pk])).content.decode()
    assert "Waiting for acceptance" in detail
    assert f"{draft.accept_by:%B %Y}" in detail

    coach_client.post(
        reverse("claimants:commitment_accept", args=[claimant.pk]), {"lock_version": draft.lock_version}
    )
    draft.refresh_from_db()
    assert draft.status == CommitmentStatus.ACCEPTED


def test_editing_an_existing_line_and_removing_one(claimant, coach_client, work_coach):
    draft = commitment_start_draft(claimant=claimant, actor=work_coach)
    draft = save(
        draft,
        work_coach,
        today=timezone.localdate(),
        items=[
            ItemChange(side=CLAIMANT_SIDE, text="Keep me"),
            ItemChange(side=CLAIMANT_SIDE, text="Remove me"),
        ],
    )
    keep, remove = sorted(draft.items.all(), key=lambda i: i.text)
    data = edit_payload(draft)
    for n in (0, 1):
        if data[f"claimant-{n}-item_id"] == str(keep.pk):
            data[f"claimant-{n}-text"] = "Kept and reworded"
        else:
            data[f"claimant-{n}-remove"] = "on"
    response = coach_client.post(reverse("claimants:commitment_edit", args=[claimant.pk]), data)
    assert response.status_code == 302
    assert list(draft.items.values_list("pk", "text")) == [(keep.pk, "Kept and reworded")]
    assert not CommitmentItem.objects.filter(pk=remove.pk).exists()


def test_stale_edit_shows_the_conflict_message_and_saves_nothing(claimant, coach_client, leader_client):
    coach_client.post(reverse("claimants:commitment_start", args=[claimant.pk]))
    draft = ClaimantCommitment.objects.get(claimant=claimant)
    loaded = edit_payload(draft, requirements="Coach's version")  # the coach's page, loaded at lock 0
    # The team leader saves first.
    response = leader_client.post(
        reverse("claimants:commitment_edit", args=[claimant.pk]),
        edit_payload(draft, requirements="Leader's version"),
    )
    assert response.status_code == 302

    response = coach_client.post(reverse("claimants:commitment_edit", args=[claimant.pk]), loaded)
    assert response.status_code == 409
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert (
        "Someone else changed this commitment while you were editing. Your changes have not been saved; reload to see theirs."
        in html.replace("&#x27;", "'")
    )
    assert "Coach&#x27;s version" in html  # what they typed is still on the page
    draft.refresh_from_db()
    assert (draft.requirements, draft.lock_version) == ("Leader's version", 1)


def test_stale_issue_is_refused_with_a_message(claimant, coach_client, work_coach):
    draft = commitment_start_draft(claimant=claimant, actor=work_coach)
    save(draft, work_coach, today=timezone.localdate())
    response = coach_client.post(
        reverse("claimants:commitment_issue", args=[claimant.pk]), {"lock_version": 0}
    )
    assert response.status_code == 409
    assert b"Someone else changed this commitment" in response.content
    draft.refresh_from_db()
    assert draft.status == CommitmentStatus.DRAFT


@pytest.mark.parametrize(
    ("fields", "lines", "messages"),
    [
        ({"review_due": "yesterday"}, [], ["The review date must be in the future"]),
        ({}, [{"text": "Do it", "by_date": "yesterday"}], ["The date must be today or in the future"]),
        (
            {"work_search_hours": "40"},
            [],
            ["Work search hours cannot be more than the expected hours of work (35)"],
        ),
        (
            {"expected_hours": "200", "work_search_hours": "-1"},
            [],
            [
                "The expected hours of work must be between 0 and 168 a week",
                "The work search hours must be between 0 and 168 a week",
            ],
        ),
        ({"expected_hours": "many"}, [], ["The expected hours of work must be a number, like 35"]),
        ({"expected_hours": "16"}, [], ["Select why the claimant is expected to work fewer than 35 hours"]),
        (
            {"expected_hours": "16", "expected_hours_reason": "other"},
            [],
            ["Say what the other reason for fewer hours is"],
        ),
        ({"requirements": ""}, [], ["Enter the claimant&#x27;s requirements"]),
        ({}, [{"text": "", "by_date": "tomorrow"}], ["Enter what the claimant will do"]),
        ({"review_due": "31-2"}, [], ["The review date must be a real date"]),
    ],
)
def test_bad_input_gets_an_error_summary_and_saves_nothing(claimant, coach_client, fields, lines, messages):
    coach_client.post(reverse("claimants:commitment_start", args=[claimant.pk]))
    draft = ClaimantCommitment.objects.get(claimant=claimant)
    today = timezone.localdate()
    words = {"yesterday": today - dt.timedelta(days=1), "tomorrow": today + dt.timedelta(days=1)}
    fields = {k: words.get(v, v) for k, v in fields.items()}
    lines = [{**line, "by_date": words.get(line["by_date"])} for line in lines]
    review = fields.get("review_due")
    if review == "31-2":
        fields["review_due"] = None
    data = edit_payload(draft, claimant_lines=lines, **fields)
    if review == "31-2":
        data.update({"review_due_0": "31", "review_due_1": "2", "review_due_2": str(today.year + 1)})
    response = coach_client.post(reverse("claimants:commitment_edit", args=[claimant.pk]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html and "<title>Error: " in html
    for message in messages:
        assert html.count(message) >= 2, message  # in the summary and beside the box
    draft.refresh_from_db()
    assert (draft.lock_version, draft.items.count(), draft.expected_hours) == (0, 0, D(35))


def test_a_copied_line_with_a_past_date_can_be_kept(claimant, coach_client, work_coach):
    v1 = issued(
        claimant,
        work_coach,
        today=dt.date(2024, 1, 1),
        items=[ItemChange(side=CLAIMANT_SIDE, text="Old action", by_date=dt.date(2024, 2, 1))],
    )
    assert v1.status == CommitmentStatus.ISSUED
    draft = commitment_start_draft(claimant=claimant, actor=work_coach)
    response = coach_client.post(
        reverse("claimants:commitment_edit", args=[claimant.pk]), edit_payload(draft)
    )
    assert response.status_code == 302


def test_old_version_page_is_read_only(claimant, coach_client, work_coach):
    v1 = issued(claimant, work_coach, requirements="Version one words")
    v2 = save(commitment_start_draft(claimant=claimant, actor=work_coach), work_coach)
    # While version 2 is only a draft, version 1 is in force: not "replaced".
    html = coach_client.get(reverse("claimants:commitment_version", args=[claimant.pk, 1])).content.decode()
    assert "Version one words" in html and "Replaced" not in html and "replaced by" not in html
    commitment_issue(commitment=v2, lock_version=v2.lock_version, actor=work_coach, today=DAY)
    commitment_start_draft(claimant=claimant, actor=work_coach)  # version 3, a draft: not what replaced v1
    page = coach_client.get(reverse("claimants:commitment_version", args=[claimant.pk, v1.version]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Version one words" in html and "Replaced" in html and "replaced by" in html
    assert "version 2</a>" in html
    assert reverse("claimants:commitment_edit", args=[claimant.pk]) not in html
    assert "Issue commitment" not in html and "Discard draft" not in html
    detail = coach_client.get(reverse("claimants:commitment", args=[claimant.pk])).content.decode()
    assert reverse("claimants:commitment_version", args=[claimant.pk, 1]) in detail
    assert coach_client.get(reverse("claimants:commitment_version", args=[claimant.pk, 9])).status_code == 404


def test_the_page_shows_the_version_in_force_and_the_draft_in_progress(claimant, coach_client, work_coach):
    past = timezone.localdate() - dt.timedelta(days=10)
    v1 = issued(claimant, work_coach, today=past, requirements="Version one words")  # now overdue
    before = _row(v1)
    detail_url = reverse("claimants:commitment", args=[claimant.pk])
    edit_url = reverse("claimants:commitment_edit", args=[claimant.pk])
    start_url = reverse("claimants:commitment_start", args=[claimant.pk])

    assert coach_client.post(start_url)["Location"] == edit_url
    draft = ClaimantCommitment.objects.get(claimant=claimant, status=CommitmentStatus.DRAFT)
    # Starting again (a stale page) opens the same draft and says why.
    again = coach_client.post(start_url, follow=True)
    assert again.redirect_chain == [(edit_url, 302)]
    assert "(version 2) is already in progress" in again.content.decode()
    assert ClaimantCommitment.objects.filter(claimant=claimant).count() == 2

    html = coach_client.get(detail_url).content.decode()
    assert 'data-testid="version">Version 1<' in html
    assert "Version one words" in html
    assert 'data-testid="overdue-warning"' in html and "Not accepted – overdue" in html
    assert "Draft in progress (version 2)" in html
    assert edit_url in html and reverse("claimants:commitment_version", args=[claimant.pk, 2]) in html
    assert reverse("claimants:commitment_discard", args=[claimant.pk]) in html
    assert "Change the commitment (new version)" not in html
    assert 'data-testid="old-versions"' not in html  # nothing has been replaced yet

    # Saving the draft leads to its own page, where it is checked and issued.
    response = coach_client.post(edit_url, edit_payload(draft, requirements="Version two words"))
    assert response["Location"] == reverse("claimants:commitment_version", args=[claimant.pk, 2])
    html = coach_client.get(response["Location"]).content.decode()
    assert "Version two words" in html and "Version 1 stays in force until you issue it" in html
    assert "Issue commitment" in html and "Discard draft" in html and f"{edit_url}#id_expected_hours" in html
    assert _row(v1) == before

    # Discard from the main page: the draft goes, version 1 is exactly as it was.
    draft.refresh_from_db()
    response = coach_client.post(
        reverse("claimants:commitment_discard", args=[claimant.pk]),
        {"lock_version": draft.lock_version},
        follow=True,
    )
    assert (
        "Draft version 2 discarded. Version 1 is still the current commitment." in response.content.decode()
    )
    assert _row(v1) == before
    assert not ClaimantCommitment.objects.filter(pk=draft.pk).exists()

    # Start again and issue: version 2 is in force, version 1 is listed as replaced.
    coach_client.post(start_url)
    draft = ClaimantCommitment.objects.get(claimant=claimant, status=CommitmentStatus.DRAFT)
    coach_client.post(edit_url, edit_payload(draft))
    draft.refresh_from_db()
    response = coach_client.post(
        reverse("claimants:commitment_issue", args=[claimant.pk]), {"lock_version": draft.lock_version}
    )
    assert response["Location"] == detail_url
    html = coach_client.get(detail_url).content.decode()
    assert 'data-testid="version">Version 2<' in html and "Draft in progress" not in html
    assert 'data-testid="old-versions"' in html and "Replaced" in html
    assert "Change the commitment (new version)" in html
    v1.refresh_from_db()
    assert v1.status == CommitmentStatus.SUPERSEDED


def test_editor_without_a_draft_sends_you_back(claimant, coach_client):
    response = coach_client.get(reverse("claimants:commitment_edit", args=[claimant.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("claimants:commitment", args=[claimant.pk])


def _urls(claimant):
    return {
        "get": [
            reverse("claimants:commitment", args=[claimant.pk]),
            reverse("claimants:commitment_version", args=[claimant.pk, 1]),
            reverse("claimants:commitment_edit", args=[claimant.pk]),
        ],
        "post": [
            reverse("claimants:commitment_start", args=[claimant.pk]),
            reverse("claimants:commitment_edit", args=[claimant.pk]),
            reverse("claimants:commitment_issue", args=[claimant.pk]),
            reverse("claimants:commitment_accept", args=[claimant.pk]),
            reverse("claimants:commitment_discard", args=[claimant.pk]),
        ],
    }


def test_access_by_role_and_scope(claimant, work_coach, client, role_clients):
    commitment_start_draft(claimant=claimant, actor=work_coach)
    urls = _urls(claimant)
    for url in urls["get"]:
        assert client.get(url).status_code == 302  # anonymous: to sign in
        assert role_clients["progression_lead"].get(url).status_code == 403
        assert role_clients["work_coach"].get(url).status_code == 200
        assert role_clients["team_leader"].get(url).status_code == 200
        assert role_clients["administrator"].get(url).status_code == 200
    for url in urls["post"]:
        assert client.post(url).status_code == 302
        assert role_clients["progression_lead"].post(url).status_code == 403

    other = ClaimantFactory(jobcentre=JobcentreFactory())
    other_urls = _urls(other)
    for url in other_urls["get"]:
        assert role_clients["work_coach"].get(url).status_code == 404
        assert role_clients["team_leader"].get(url).status_code == 404
    for url in other_urls["post"]:
        assert role_clients["work_coach"].post(url).status_code == 404
    assert not ClaimantCommitment.objects.filter(claimant=other).exists()


def test_restricted_easement_kind_only_for_coach_leader_admin_and_audited(claimant, role_clients, work_coach):
    commitment_start_draft(claimant=claimant, actor=work_coach)
    today = timezone.localdate()
    abuse = Easement.objects.create(
        claimant=claimant,
        kind=EasementKind.DOMESTIC_ABUSE,
        starts_on=today,
        ends_on=today + dt.timedelta(weeks=13),
    )
    Easement.objects.create(
        claimant=claimant,
        kind=EasementKind.HOMELESSNESS,
        starts_on=today,
        ends_on=today + dt.timedelta(weeks=4),
    )
    url = reverse("claimants:commitment", args=[claimant.pk])
    until = f"until {abuse.ends_on.day} {abuse.ends_on:%B %Y}"

    def views():
        return AuditEvent.objects.filter(verb=AuditVerb.VIEWED_SENSITIVE, target_id=str(abuse.pk)).count()

    # Another work coach in the same jobcentre: the easement, its end date, but not its kind; nothing to audit.
    colleague = WorkCoachFactory(team=TeamFactory(jobcentre=claimant.jobcentre))
    colleague_client = Client()
    colleague_client.force_login(colleague)
    html = colleague_client.get(url).content.decode()
    assert f"Easement in place {until}" in html
    assert "Domestic abuse" not in html
    assert "Homelessness easement" in html  # not restricted
    assert views() == 0

    for n, role in enumerate(("work_coach", "team_leader", "administrator"), start=1):
        html = role_clients[role].get(url).content.decode()
        assert f"Domestic abuse easement {until}" in html, role
        assert views() == n, role
    event = AuditEvent.objects.filter(verb=AuditVerb.VIEWED_SENSITIVE).latest("id")
    assert event.payload["claimant"] == claimant.pk and event.payload["kind"] == "domestic_abuse"


def test_summary_card_renders_with_and_without_a_commitment(claimant, work_coach):
    html = render_to_string(
        "claimants/commitment_summary_card.html", {"claimant": claimant, "commitment": None}
    )
    assert "No claimant commitment yet" in html and "govuk-summary-card" in html

    today = timezone.localdate()
    Easement.objects.create(
        claimant=claimant,
        kind=EasementKind.DOMESTIC_ABUSE,
        starts_on=today,
        ends_on=today + dt.timedelta(weeks=13),
    )
    issued(
        claimant,
        work_coach,
        today=today,
        items=[
            ItemChange(side=CLAIMANT_SIDE, text="Ask employer for more hours", by_date=today),
            ItemChange(side=JOBCENTRE_SIDE, text="Book a skills bootcamp place"),
        ],
    )
    with CaptureQueriesContext(connection) as ctx:
        commitment = current_commitment(claimant)
        html = render_to_string(
            "claimants/commitment_summary_card.html", {"claimant": claimant, "commitment": commitment}
        )
    assert len(ctx.captured_queries) == 3  # the version, its lines, the easements
    assert "Waiting for acceptance" in html
    assert "Ask employer for more hours" in html and "Book a skills bootcamp place" in html
    assert "Easement in place until" in html and "Domestic abuse" not in html


def test_commitment_page_queries_do_not_grow_with_lines_or_versions(claimant, coach_client, work_coach):
    url = reverse("claimants:commitment", args=[claimant.pk])
    issued(claimant, work_coach, items=[ItemChange(side=CLAIMANT_SIDE, text="One")])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert coach_client.get(url).status_code == 200
        return len(ctx.captured_queries)

    small = count()
    for n in range(3):
        draft = commitment_start_draft(claimant=claimant, actor=work_coach)
        draft = save(
            draft,
            work_coach,
            items=[ItemChange(side=JOBCENTRE_SIDE, text=f"Support {n}-{i}") for i in range(3)],
        )
        commitment_issue(commitment=draft, lock_version=draft.lock_version, actor=work_coach, today=DAY)
    assert count() == small


def test_tampered_or_missing_fields_never_cause_a_server_error(claimant, coach_client, work_coach):
    coach_client.post(reverse("claimants:commitment_start", args=[claimant.pk]))
    draft = ClaimantCommitment.objects.get(claimant=claimant)
    edit = reverse("claimants:commitment_edit", args=[claimant.pk])
    assert coach_client.post(edit, {}).status_code == 409  # no lock version: treated as stale
    assert coach_client.post(edit, {**edit_payload(draft), "lock_version": "x"}).status_code == 409
    no_management = {k: v for k, v in edit_payload(draft).items() if "FORMS" not in k}
    response = coach_client.post(edit, no_management)
    assert response.status_code == 200 and b"govuk-error-summary" in response.content
    tampered = edit_payload(draft, claimant_lines=[{"text": "New", "by_date": None}])
    tampered["claimant-0-item_id"] = "999999"  # a line id is never taken from the browser
    assert coach_client.post(edit, tampered).status_code == 302
    assert list(draft.items.values_list("text", flat=True)) == ["New"]
    for action in ("commitment_issue", "commitment_accept", "commitment_discard"):
        response = coach_client.post(
            reverse(f"claimants:{action}", args=[claimant.pk]), {"lock_version": "x"}
        )
        assert response.status_code == 409, action
    draft.refresh_from_db()
    assert draft.status == CommitmentStatus.DRAFT
