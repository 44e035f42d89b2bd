"""Every write to provision: one transaction each, audited. Import and export live in ``provision.importing``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from appointments.models import ActionCategory, AgreedAction
from claimants.models import Claimant, PlanStep
from iwp.audit import audit_record
from iwp.bank_holidays import bank_holidays
from iwp.figures import figures_changed
from iwp.models import AuditVerb, District, StaffMember
from provision import matching
from provision.models import (
    OFFER_DESCRIPTION_FIELDS,
    OfferStatus,
    Provider,
    ProvisionContact,
    ProvisionOffer,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
    Session,
)
from provision.selectors import LIMBO_STATUSES, REVIEW_EVERY_DAYS, TRANSITIONS, local_today, stale_condition


class ProvisionError(ValueError):
    """A write the rules refuse (the message is for the user)."""


@dataclass(frozen=True)
class SessionInput:
    weekday: int
    starts_at: time
    ends_at: time
    valid_from: date | None = (
        None  # a course that runs for a term: its first and last dates (either may be unknown)
    )
    valid_to: date | None = None


def natural_key_for(*, external_id: str, provider_name: str, name: str) -> str:
    if external_id.strip():
        return f"id:{external_id.strip()}"
    return f"name:{' '.join(provider_name.split()).casefold()}|{' '.join(name.split()).casefold()}"


def provider_get_or_create(*, district: District, name: str) -> Provider:
    provider, _ = Provider.objects.get_or_create(district=district, name=" ".join(name.split()))
    return provider


OFFER_FIELDS = (
    *OFFER_DESCRIPTION_FIELDS,
    "review_by",
    "limbo_days",
    "external_id",
)


def session_problems(
    *,
    starts_at: time | None,
    ends_at: time | None,
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> dict[str, str]:
    """What is wrong with one weekly session (the offer page's rows and the API), as ``{field: message}``."""
    problems: dict[str, str] = {}
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        problems["ends_at"] = "The session must end after it starts"
    if valid_from is not None and valid_to is not None and valid_to < valid_from:
        problems["valid_to"] = "The last date must be on or after the first date"
    return problems


def offer_problems(
    *,
    self_paced: bool,
    has_sessions: bool,
    capacity: int | None,
    places_left: int | None,
    min_age: int | None,
    max_age: int | None,
    ages_known: bool,
    sessions_known: bool,
) -> dict[str, str]:
    """What does not hang together in an offer as a lead describes it (the offer page and the API), as
    ``{field: message}``; empty when it does."""
    problems: dict[str, str] = {}
    if self_paced and has_sessions:
        problems["self_paced"] = "A self-paced offer has no sessions: empty the sessions or untick self-paced"
    if capacity is not None and places_left is not None and places_left > capacity:
        problems["places_left"] = "Places left cannot be more than the capacity"
    if min_age is not None and max_age is not None and max_age < min_age:
        problems["max_age"] = "The maximum age must not be below the minimum age"
    if not ages_known and (min_age is not None or max_age is not None):
        problems["ages_known"] = (
            "The ages cannot be both given and not known: empty the ages, or say they are known"
        )
    if not sessions_known and has_sessions:
        problems["sessions_known"] = (
            "The sessions cannot be both given and not known: empty the sessions, or say they are known"
        )
    return problems


# Fields a lead changes together: changing one keeps the source from changing any of them on a re-import.
_OVERRIDE_TOGETHER = (
    frozenset({"min_age", "max_age", "ages_known"}),
    frozenset({"sessions", "sessions_known", "self_paced"}),
)


def lead_overrides_after(offer: ProvisionOffer, changed: Iterable[str]) -> list[str]:
    """The offer's lead overrides once the lead has changed ``changed``: every changed field the source gave a
    value for (in ``source_values``), with the fields that go with it."""
    source_fields = set(offer.source_values or {})
    out = set(offer.lead_overrides or ())
    for name in changed:
        group = next((g for g in _OVERRIDE_TOGETHER if name in g), frozenset({name}))
        out |= {g for g in group if g in source_fields}
    return sorted(out)


def _session_tuples(sessions: Iterable[Any]) -> list[tuple]:
    return sorted(
        (s.weekday, s.starts_at, s.ends_at, s.valid_from or date.min, s.valid_to or date.max)
        for s in sessions
    )


def _set_sessions(offer: ProvisionOffer, sessions: Iterable[SessionInput]) -> None:
    offer.sessions.all().delete()  # sessions are part of the offer's description, not history
    Session.objects.bulk_create(
        Session(
            offer=offer,
            weekday=s.weekday,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            valid_from=s.valid_from,
            valid_to=s.valid_to,
        )
        for s in sessions
    )


def offer_create(
    *,
    actor: StaffMember,
    district: District,
    provider_name: str,
    data: dict[str, Any],
    sessions: Iterable[SessionInput] = (),
) -> ProvisionOffer:
    with transaction.atomic():
        provider = provider_get_or_create(district=district, name=provider_name)
        offer = ProvisionOffer(
            district=district, provider=provider, owner=actor, last_reviewed_on=local_today()
        )
        for field in OFFER_FIELDS:
            if field in data:
                setattr(offer, field, data[field])
        if not offer.review_by or offer.review_by <= local_today():
            offer.review_by = local_today() + timedelta(days=REVIEW_EVERY_DAYS)
        offer.natural_key = natural_key_for(
            external_id=offer.external_id, provider_name=provider.name, name=offer.name
        )
        offer.save()
        _set_sessions(offer, sessions)
        audit_record(actor=actor, verb=AuditVerb.CREATED, target=offer, payload={"name": offer.name})
    return offer


def offer_update(
    *,
    actor: StaffMember,
    offer: ProvisionOffer,
    provider_name: str,
    data: dict[str, Any],
    sessions: Iterable[SessionInput] | None = None,
) -> ProvisionOffer:
    """Save the lead's edits. Editing an entry counts as reviewing it: it is fresh again from today. A field
    the lead changes from the source's value is remembered (``lead_overrides``): a re-import leaves it alone."""
    with transaction.atomic():
        provider = provider_get_or_create(district=offer.district, name=provider_name)
        changed = [f for f in OFFER_FIELDS if f in data and getattr(offer, f) != data[f]]
        if provider.pk != offer.provider_id:
            changed.append("provider")
        if sessions is not None:
            sessions = list(sessions)
            if _session_tuples(sessions) != _session_tuples(offer.sessions.all()):
                changed.append("sessions")
        offer.lead_overrides = lead_overrides_after(offer, changed)
        offer.provider = provider
        for field in OFFER_FIELDS:
            if field in data:
                setattr(offer, field, data[field])
        offer.natural_key = natural_key_for(
            external_id=offer.external_id, provider_name=offer.provider.name, name=offer.name
        )
        _mark_reviewed(offer, actor=actor, review_by=data.get("review_by"))
        offer.save()
        if sessions is not None:
            _set_sessions(offer, sessions)
        audit_record(actor=actor, verb=AuditVerb.UPDATED, target=offer, payload={"changed": changed})
    return offer


def _mark_reviewed(offer: ProvisionOffer, *, actor: StaffMember, review_by: date | None = None) -> None:
    today = local_today()
    offer.last_reviewed_on = today
    if review_by is None or review_by <= today:
        review_by = today + timedelta(days=REVIEW_EVERY_DAYS)
    offer.review_by = review_by
    offer.stale_since = None
    offer.owner = offer.owner or actor


def offer_mark_reviewed(*, actor: StaffMember, offer: ProvisionOffer) -> ProvisionOffer:
    """The lead checked the entry is still right: fresh again for six months."""
    with transaction.atomic():
        _mark_reviewed(offer, actor=actor)
        offer.save(update_fields=["last_reviewed_on", "review_by", "stale_since", "owner", "updated_at"])
        audit_record(
            actor=actor,
            verb=AuditVerb.UPDATED,
            target=offer,
            payload={"reviewed": True, "review_by": str(offer.review_by)},
        )
    return offer


def offer_set_status(
    *, actor: StaffMember, offer: ProvisionOffer, status: str, reason: str = ""
) -> ProvisionOffer:
    """Pause, reactivate or archive. Archiving needs a reason; nothing is ever deleted."""
    reason = reason.strip()
    if status == OfferStatus.ARCHIVED and not reason:
        raise ProvisionError("Enter why you are archiving this offer")
    if status not in OfferStatus.values:
        raise ProvisionError("Choose a valid status")
    with transaction.atomic():
        before = offer.status
        offer.status = status
        offer.archived_reason = reason if status == OfferStatus.ARCHIVED else ""
        offer.save(update_fields=["status", "archived_reason", "updated_at"])
        audit_record(
            actor=actor,
            verb=AuditVerb.UPDATED,
            target=offer,
            payload={"status": [before, status], **({"reason": reason} if reason else {})},
        )
    return offer


def contact_set_public(*, actor: StaffMember, contact: ProvisionContact, public: bool) -> ProvisionContact:
    """The lead decides whether a contact may be published in the district's Open Referral UK feed (a named
    person's contact is not, until the lead says so)."""
    with transaction.atomic():
        contact.public = public
        contact.save(update_fields=["public"])
        audit_record(
            actor=actor,
            verb=AuditVerb.UPDATED,
            target=contact.offer,
            payload={"contact": contact.pk, "public": public, "named_person": contact.named_person},
        )
    return contact


# --- Referrals ------------------------------------------------------------------------------------------


def referral_create(
    *,
    actor: StaffMember,
    claimant: Claimant,
    offer: ProvisionOffer,
    refer: bool,
    shared_summary: str = "",
    consent_to_share: bool = False,
    plan_step: PlanStep | None = None,
) -> Referral:
    """Record signposting (information given) or a referral with the summary the claimant agreed to share, and
    the step of the claimant's progression plan it serves, if any (issue #16)."""
    if offer.status != OfferStatus.ACTIVE:
        raise ProvisionError("This offer is not taking referrals")
    if offer.district_id != claimant.jobcentre.district_id:
        raise ProvisionError("This offer is not on the claimant's district list")
    shared_summary = shared_summary.strip()
    if shared_summary and not consent_to_share:
        raise ProvisionError("Confirm the claimant agreed to share this summary, or leave it empty")
    if plan_step is not None and plan_step.plan.claimant_id != claimant.pk:
        raise ProvisionError("That step is not in this claimant's progression plan")
    today = local_today()
    status = ReferralStatus.REFERRED if refer else ReferralStatus.SIGNPOSTED
    with transaction.atomic():
        referral = Referral.objects.create(
            claimant=claimant,
            offer=offer,
            status=status,
            shared_summary=shared_summary,
            consent_to_share=consent_to_share,
            created_by=actor,
            last_update_on=today,
            plan_step=plan_step,
        )
        ReferralStatusChange.objects.create(
            referral=referral, from_status="", to_status=status, on=today, by=actor
        )
        if refer and offer.places_left:
            # A referral takes a place (not given back automatically on a decline: the lead updates places left
            # from what the provider says, as the provider may have filled it).
            ProvisionOffer.objects.filter(pk=offer.pk, places_left__gt=0).update(
                places_left=F("places_left") - 1,
                updated_at=timezone.now(),  # updated_at: the search cache's key
            )
        audit_record(
            actor=actor,
            verb=AuditVerb.CREATED,
            target=referral,
            payload={
                "claimant": claimant.pk,
                "offer": offer.pk,
                "status": status,
                **({"plan_step": plan_step.pk} if plan_step is not None else {}),
            },
        )
        figures_changed(claimant_ids=[claimant.pk])
    return referral


def referral_change_status(
    *, actor: StaffMember, referral: Referral, to_status: str, note: str = "", on: date | None = None
) -> Referral:
    allowed = TRANSITIONS.get(referral.status, ())
    if to_status not in allowed:
        raise ProvisionError(
            f"A referral that is {referral.get_status_display().lower()} cannot become "
            f"{ReferralStatus(to_status).label.lower() if to_status in ReferralStatus.values else to_status}"
        )
    on = on or local_today()
    with transaction.atomic():
        before = referral.status
        referral.status = to_status
        referral.last_update_on = on
        referral.limbo_since = None  # an update ends the limbo; a later silence can start a new one
        chased = referral.follow_up_action_id
        referral.follow_up_action = None
        referral.save(update_fields=["status", "last_update_on", "limbo_since", "follow_up_action"])
        ReferralStatusChange.objects.create(
            referral=referral,
            from_status=before,
            to_status=to_status,
            on=on,
            by=actor,
            note=note.strip()[:300],
        )
        if chased:
            # The referral moved on, so the follow-up action has done its job.
            AgreedAction.objects.filter(pk=chased, status="open").update(status="done", completed_on=on)
        audit_record(
            actor=actor,
            verb=AuditVerb.UPDATED,
            target=referral,
            payload={"status": [before, to_status], "note": note},
        )
        # Ends a limbo (and closes its follow-up action): recounted once the change commits.
        figures_changed(claimant_ids=[referral.claimant_id])
    return referral


def referrals_link_step(
    *, step: PlanStep, referrals: Sequence[Referral], actor: StaffMember
) -> tuple[int, int]:
    """Make exactly ``referrals`` the referrals serving ``step`` of the claimant's progression plan: link the ones
    given (moving any from another step), unlink the step's others; each change audited. (linked, unlinked)."""
    with transaction.atomic():
        claimant_id = step.plan.claimant_id
        wanted = {r.pk for r in referrals}
        if Referral.objects.filter(pk__in=wanted).exclude(claimant_id=claimant_id).exists():
            raise ProvisionError("Choose referrals of this claimant")
        linked = unlinked = 0
        for referral in Referral.objects.select_for_update().filter(Q(pk__in=wanted) | Q(plan_step=step)):
            new = step.pk if referral.pk in wanted else None
            if referral.plan_step_id == new:
                continue
            before = referral.plan_step_id
            referral.plan_step_id = new
            referral.save(update_fields=["plan_step"])
            audit_record(
                actor=actor, verb=AuditVerb.UPDATED, target=referral, payload={"plan_step": [before, new]}
            )
            if new:
                linked += 1
            else:
                unlinked += 1
        return linked, unlinked


# --- Daily jobs (idempotent) ----------------------------------------------------------------------------


def flag_stale_offers(*, today: date | None = None) -> int:
    """Mark active entries past their review-by date, or last checked by their source more than six months ago.
    Running twice on a day changes nothing the second time."""
    today = today or local_today()
    with transaction.atomic():
        n = (
            ProvisionOffer.objects.filter(status=OfferStatus.ACTIVE, stale_since__isnull=True)
            .filter(stale_condition(today))
            .update(stale_since=today)
        )
        if n:
            audit_record(
                actor=None,
                verb=AuditVerb.UPDATED,
                target_type="provision.provisionoffer",
                payload={"flagged_stale": n, "on": str(today)},
            )
    return n


def flag_limbo_referrals(*, today: date | None = None, holidays: Iterable[date] = ()) -> int:
    """Flag referrals with no update for the offer's N working days and give the claimant's coach a follow-up
    action — exactly once per silence: rows are locked, and a referral with its action is skipped.

    Working days skip weekends and the bank holidays of the claimant's jobcentre's nation (so a referral made
    the week before Easter is not chased early in England, nor on St Andrew's Day in Scotland); ``holidays``
    adds further closed days (an office closure, say)."""
    today = today or local_today()
    extra = frozenset(holidays)
    flagged = 0
    with transaction.atomic():
        candidates = (
            Referral.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status__in=LIMBO_STATUSES, limbo_since__isnull=True)
            .select_related("offer", "claimant", "claimant__jobcentre")
            .order_by("pk")
        )
        for referral in candidates:
            # limbo_days is at most 60 working days: the start's year and the next hold every day counted.
            start = referral.last_update_on
            closed = extra | bank_holidays(referral.claimant.jobcentre.nation, start.year, start.year + 1)
            due = matching.add_working_days(start, referral.offer.limbo_days, closed)
            if today < due:
                continue
            referral.limbo_since = today
            if referral.follow_up_action_id is None:
                referral.follow_up_action = AgreedAction.objects.create(
                    claimant=referral.claimant,
                    category=ActionCategory.TRAINING,
                    description=(
                        f"Follow up the referral to {referral.offer.name}: no update since "
                        f"{referral.last_update_on.day} {referral.last_update_on:%B %Y}"
                    )[:300],
                    due_on=today,
                    created_by=referral.claimant.coach or referral.created_by,
                )
            referral.save(update_fields=["limbo_since", "follow_up_action"])
            audit_record(
                actor=None, verb=AuditVerb.UPDATED, target=referral, payload={"limbo_since": str(today)}
            )
            figures_changed(claimant_ids=[referral.claimant_id])  # collected: one recount for the run
            flagged += 1
    return flagged
