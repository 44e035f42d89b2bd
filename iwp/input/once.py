"""One-time form tokens (issue #11): a form page carries ``form_token``; a submission claims it inside the same
transaction as the change it makes. A second submission of the same page (Back and resubmit, a double click,
two tabs) finds the token claimed and is sent to what the first one made, instead of making it again. A refused
submission claims nothing (its transaction rolls back), so the corrected form can still be sent.

Not JavaScript: the database's primary key decides, so two submissions at the same moment make one record.
"""

from __future__ import annotations

import uuid

from django.db import IntegrityError, transaction
from django.http import HttpRequest

from iwp.models import FormSubmission

FIELD = "form_token"


class AlreadySubmitted(Exception):
    def __init__(self, outcome_url: str) -> None:
        super().__init__(outcome_url)
        self.outcome_url = outcome_url


def _posted(request: HttpRequest) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(request.POST.get(FIELD, ""))[:36])
    except ValueError:
        return None


def token_for(request: HttpRequest) -> str:
    """The token to put in the form: the one posted (a re-shown form is the same submission) or a new one."""
    return str(_posted(request) or uuid.uuid4())


def submitted(request: HttpRequest) -> FormSubmission | None:
    """The earlier submission of this very form, if it succeeded: checked before the form is validated (a
    repeat would otherwise meet "already exists" errors about the record it made itself)."""
    token = _posted(request)
    return FormSubmission.objects.filter(token=token).first() if token else None


def claim(request: HttpRequest) -> FormSubmission | None:
    """Claim the posted token inside the caller's transaction; AlreadySubmitted if it was used. No token (an old
    page, a script): nothing to claim, the submission goes ahead as before."""
    token = _posted(request)
    if token is None:
        return None
    used = FormSubmission.objects.filter(token=token).first()
    if used is not None:
        raise AlreadySubmitted(used.outcome_url)
    try:
        with transaction.atomic():  # a savepoint: a concurrent claim of the same token loses here
            return FormSubmission.objects.create(token=token, submitted_by=request.user)
    except IntegrityError:
        used = FormSubmission.objects.filter(token=token).first()
        raise AlreadySubmitted(used.outcome_url if used else "") from None


def record_outcome(submission: FormSubmission | None, url: str) -> None:
    """Where a repeat of this submission should be sent (the record it made)."""
    if submission is not None:
        submission.outcome_url = url[:300]
        submission.save(update_fields=["outcome_url"])
