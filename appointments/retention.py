"""Appointments' tables in the retention registry (``claimants.retention``): the words people typed are replaced;
the rows, dates, statuses and outcomes stay, so appointment counts and every figure stay the same."""

from __future__ import annotations

from appointments.models import (
    AgreedAction,
    Appointment,
    CaseNote,
    ContactAttempt,
    GoodReasonDecision,
    Reminder,
)
from claimants.retention.registry import RetentionRegistry, RetentionTable
from claimants.retention.rules import anonymised_messages


def register(registry: RetentionRegistry) -> None:
    registry.add(
        RetentionTable(
            Appointment,
            "claimant_id",
            words=("cancelled_reason", "clash_override_reason"),
            # A warning can quote the claimant's busy time ("school run for ..."): codes kept, words replaced.
            rewritten={"overridden_warnings": anonymised_messages},
        )
    )
    registry.add(RetentionTable(ContactAttempt, "appointment__claimant_id", words=("result",)))
    registry.add(RetentionTable(GoodReasonDecision, "appointment__claimant_id", words=("reason",)))
    registry.add(RetentionTable(AgreedAction, "claimant_id", words=("description",)))
    registry.add(RetentionTable(CaseNote, "claimant_id", words=("text",)))
    # A reminder's subject and body name the claimant; a sending error can quote their address.
    registry.add(RetentionTable(Reminder, "claimant_id", words=("subject", "body", "last_error")))
