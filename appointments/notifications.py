"""Pluggable delivery of reminders to claimants.

The setting ``IWP_NOTIFICATION_BACKEND`` names a class by dotted path (default
``appointments.notifications.DefaultNotificationBackend``). A backend has one method,
``deliver(reminder) -> Delivery``; it may raise on a delivery error (the reminder is then retried on a later run).

The default backend follows the claimant's contact preference: email and the online journal are sent now
through Django's email backend (``EMAIL_BACKEND``); SMS, phone and letter are recorded as "to send" for staff,
because the service has no SMS gateway or print room yet.

Email goes to the claimant's own address. Journal messages go to the journal gateway address made from
``IWP_JOURNAL_EMAIL_ADDRESS`` (default ``journal+{nino}@uc.dwp.example``), which is where the UC journal takes
messages in by email. A claimant who prefers email but has no address on the record is recorded as "to send"
with that reason, rather than guessed at.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from appointments.models import ReminderStatus
from claimants.models import ContactPreference

if TYPE_CHECKING:
    from appointments.models import Reminder

DEFAULT_BACKEND = "appointments.notifications.DefaultNotificationBackend"
SEND_NOW = (ContactPreference.EMAIL, ContactPreference.JOURNAL)
PHONE_CHANNELS = (ContactPreference.SMS, ContactPreference.PHONE)


@dataclass(frozen=True)
class Delivery:
    status: ReminderStatus  # SENT or TO_SEND
    detail: str = ""


class NotificationBackend(Protocol):
    def deliver(self, reminder: Reminder) -> Delivery: ...


def claimant_address(reminder: Reminder) -> str:
    """Where an emailed reminder goes: the claimant's own address, or the journal's gateway."""
    if reminder.channel == ContactPreference.EMAIL:
        return reminder.claimant.email
    pattern = getattr(settings, "IWP_JOURNAL_EMAIL_ADDRESS", "journal+{nino}@uc.dwp.example")
    return pattern.format(nino=reminder.claimant.nino.lower())


class DefaultNotificationBackend:
    def deliver(self, reminder: Reminder) -> Delivery:
        if reminder.channel in SEND_NOW:
            address = claimant_address(reminder)
            if not address:
                return Delivery(ReminderStatus.TO_SEND, "No email address on the record: contact another way")
            send_mail(
                reminder.subject, reminder.body, settings.DEFAULT_FROM_EMAIL, [address], fail_silently=False
            )
            return Delivery(ReminderStatus.SENT)
        how = ContactPreference(reminder.channel).label.lower()
        to = (
            f" ({reminder.claimant.phone})"
            if reminder.channel in PHONE_CHANNELS and reminder.claimant.phone
            else ""
        )
        return Delivery(ReminderStatus.TO_SEND, f"Send by {how}{to}: the claimant's contact preference")


@cache
def _backend_class(path: str) -> type:
    return import_string(path)


def get_backend() -> NotificationBackend:
    return _backend_class(getattr(settings, "IWP_NOTIFICATION_BACKEND", DEFAULT_BACKEND))()
