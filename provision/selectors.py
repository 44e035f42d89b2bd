"""Reads for provision: the district's list, the search for one claimant, referrals, stale entries and limbo.

Scoping (one rule for lists and single records): progression leads read and edit their district's list; work
coaches and team leaders read their district's list and refer the claimants of their jobcentre; administrators
read and edit every list.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from claimants.models import BusyTime, Claimant
from claimants.selectors import claimants_editable_by, may_edit
from iwp.access import has_role, jobcentre_scope
from iwp.models import Role, StaffMember
from provision import matching
from provision.models import (
    ImportRun,
    OfferStatus,
    ProvisionOffer,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
    Session,
)

LONDON = ZoneInfo("Europe/London")
EDIT_ROLES = (Role.PROGRESSION_LEAD, Role.ADMINISTRATOR)
READ_ROLES = (Role.WORK_COACH, Role.TEAM_LEADER, Role.PROGRESSION_LEAD, Role.ADMINISTRATOR)
REFER_ROLES = (Role.WORK_COACH, Role.TEAM_LEADER)
# Statuses still waiting on someone; "limbo" is one of these with no update for the offer's limbo_days.
OPEN_STATUSES = (ReferralStatus.REFERRED, ReferralStatus.ACCEPTED, ReferralStatus.STARTED)
LIMBO_STATUSES = (ReferralStatus.REFERRED, ReferralStatus.ACCEPTED)
ATTENDING_STATUSES = (ReferralStatus.ACCEPTED, ReferralStatus.STARTED)
# Guarded transitions (DESIGN §6.5): where a referral may go from each status.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    ReferralStatus.SIGNPOSTED: (ReferralStatus.REFERRED,),
    ReferralStatus.REFERRED: (ReferralStatus.ACCEPTED, ReferralStatus.DECLINED, ReferralStatus.DID_NOT_START),
    ReferralStatus.ACCEPTED: (ReferralStatus.STARTED, ReferralStatus.DECLINED, ReferralStatus.DID_NOT_START),
    ReferralStatus.STARTED: (ReferralStatus.COMPLETED,),
}
FRESH_DAYS_WARNING = 30
# A reviewed entry is due again in about six months; an entry its source last checked longer ago than this is
# stale too (the same period: issue 12).
REVIEW_EVERY_DAYS = 182


def local_today() -> date:
    return timezone.now().astimezone(LONDON).date()


def district_id_of(user: StaffMember) -> int | None:
    return user.jobcentre.district_id if user.jobcentre_id else None


# --- Offers ---------------------------------------------------------------------------------------------


def offers_visible_to(user: StaffMember) -> QuerySet[ProvisionOffer]:
    """Offers the user may read: their district's (any status), or every district's for administrators."""
    qs = ProvisionOffer.objects.select_related("provider", "owner", "district")
    if not has_role(user, *READ_ROLES):
        return qs.none()
    if user.effective_role == Role.ADMINISTRATOR:
        return qs
    district_id = district_id_of(user)
    return qs.filter(district_id=district_id) if district_id else qs.none()


def offers_editable_by(user: StaffMember) -> QuerySet[ProvisionOffer]:
    if not has_role(user, *EDIT_ROLES):
        return ProvisionOffer.objects.none()
    return offers_visible_to(user)


def can_edit(user: StaffMember, offer: ProvisionOffer) -> bool:
    if not has_role(user, *EDIT_ROLES):
        return False
    return user.effective_role == Role.ADMINISTRATOR or offer.district_id == district_id_of(user)


def offer_list(
    user: StaffMember, *, status: str = "", category: str = "", query: str = "", stale_only: bool = False
) -> QuerySet[ProvisionOffer]:
    """The district list with uptake counts per offer (one query; sessions prefetched in one more)."""
    qs = offers_visible_to(user)
    # Archived entries stay on record but leave the everyday list unless asked for.
    qs = qs.filter(status=status) if status else qs.exclude(status=OfferStatus.ARCHIVED)
    if category:
        qs = qs.filter(category=category)
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(provider__name__icontains=query))
    if stale_only:
        qs = qs.filter(stale_since__isnull=False)
    return (
        qs.annotate(**uptake_annotations()).prefetch_related("sessions").order_by("review_by", "name", "pk")
    )


def uptake_annotations() -> dict[str, Count]:
    def n(*statuses: str) -> Count:
        return Count("referrals", filter=Q(referrals__status__in=statuses), distinct=True)

    return {
        "n_referred": Count(
            "referrals", filter=~Q(referrals__status=ReferralStatus.SIGNPOSTED), distinct=True
        ),
        "n_signposted": n(ReferralStatus.SIGNPOSTED),
        "n_started": n(ReferralStatus.STARTED, ReferralStatus.COMPLETED),
        "n_completed": n(ReferralStatus.COMPLETED),
        "n_declined": n(ReferralStatus.DECLINED, ReferralStatus.DID_NOT_START),
        "n_limbo": Count(
            "referrals",
            filter=Q(referrals__limbo_since__isnull=False, referrals__status__in=LIMBO_STATUSES),
            distinct=True,
        ),
    }


def offer_detail(user: StaffMember, pk: int) -> ProvisionOffer | None:
    return (
        offers_visible_to(user)
        .annotate(**uptake_annotations())
        .prefetch_related("sessions")
        .filter(pk=pk)
        .first()
    )


def stale_condition(today: date) -> Q:
    """Past the lead's review-by date, flagged by the daily job, or last checked by its source too long ago —
    unless the lead has reviewed it within that period themselves (their check stands for the source's)."""
    cutoff = today - timedelta(days=REVIEW_EVERY_DAYS)
    return (
        Q(stale_since__isnull=False)
        | Q(review_by__lt=today)
        | (
            Q(source_checked_on__lt=cutoff)
            & (Q(last_reviewed_on__isnull=True) | Q(last_reviewed_on__lt=cutoff))
        )
    )


def stale_offers(user: StaffMember, *, today: date | None = None) -> QuerySet[ProvisionOffer]:
    """Active entries past their review-by date (flagged by the daily job, or already due today), or whose
    source last checked them more than six months ago."""
    today = today or local_today()
    return (
        offers_visible_to(user)
        .filter(status=OfferStatus.ACTIVE)
        .filter(stale_condition(today))
        .order_by("review_by", "pk")
    )


def withdrawn_offers(user: StaffMember) -> QuerySet[ProvisionOffer]:
    """Entries the source feed no longer lists (not archived yet): for the lead to decide about."""
    return (
        offers_visible_to(user)
        .filter(withdrawn_on__isnull=False)
        .exclude(status=OfferStatus.ARCHIVED)
        .order_by("withdrawn_on", "name", "pk")
    )


def last_import(user: StaffMember) -> ImportRun | None:
    """The latest import into the lead's district, for a link to its report from the list."""
    district_id = district_id_of(user)
    if district_id is None:
        return None
    return ImportRun.objects.filter(district_id=district_id).order_by("-at", "-pk").first()


def source_freshness(offer: ProvisionOffer, today: date) -> dict[str, Any] | None:
    """When the source last checked the entry (Open Referral UK assured_date), apart from the lead's review."""
    checked = offer.source_checked_on
    if checked is None:
        return None
    stale = checked < today - timedelta(days=REVIEW_EVERY_DAYS)
    return {
        "text": f"Source last checked {checked.day} {checked:%B %Y}",
        "colour": "red" if stale else "grey",
        "stale": stale,
    }


def freshness(offer: ProvisionOffer, today: date) -> dict[str, Any]:
    """How fresh an entry is, for the list: words and a tag colour (the lead's review; the source's check is
    ``source_freshness``)."""
    if offer.last_reviewed_on is None and offer.source:
        return {"text": "Not reviewed by the lead yet", "colour": "yellow", "stale": offer.review_by < today}
    if offer.review_by < today:
        days = (today - offer.review_by).days
        return {
            "text": f"Review overdue by {days} day{'s' if days != 1 else ''}",
            "colour": "red",
            "stale": True,
        }
    left = (offer.review_by - today).days
    if left <= FRESH_DAYS_WARNING:
        return {
            "text": f"Review due in {left} day{'s' if left != 1 else ''}",
            "colour": "yellow",
            "stale": False,
        }
    return {"text": "Up to date", "colour": "green", "stale": False}


# --- Search for one claimant ------------------------------------------------------------------------------


@dataclass
class SearchRow:
    """One offer in a search: its id and name, the reasons it is excluded (none: it fits), and — only for the
    rows a page shows — the offer itself (``attach_offers``)."""

    offer_id: int
    name: str
    reasons: list[str]
    offer: ProvisionOffer | None = None
    checks: list[str] = field(default_factory=list)  # what is not known: "might fit — check"

    @property
    def fits(self) -> bool:
        return not self.reasons and not self.checks

    @property
    def might_fit(self) -> bool:
        return not self.reasons and bool(self.checks)


class Candidate(NamedTuple):
    offer_id: int
    name: str
    category: str
    barriers: tuple[str, ...]
    facts: matching.OfferFacts


def _json_lists() -> Callable[[Any], tuple[str, ...]]:
    """A decoder for the JSON lists (barriers, regimes) of one search, memoised: thousands of offers share a
    few dozen distinct lists, and decoding each row's text again was the search's biggest cost."""
    seen: dict[str, tuple[str, ...]] = {}

    def decode(value: Any) -> tuple[str, ...]:
        # Django's PostgreSQL backend loads jsonb as text (JSONField decodes it); SQLite returns text too.
        if not isinstance(value, str):
            return tuple(value or ())
        found = seen.get(value)
        if found is None:
            found = seen[value] = tuple(json.loads(value) or ())
        return found

    return decode


def _time(value: Any) -> time:
    return value if isinstance(value, time) else time.fromisoformat(value)


SEARCH_SESSIONS_SQL = """
    SELECT s.offer_id, s.weekday, s.starts_at, s.ends_at
    FROM provision_session s JOIN provision_provisionoffer o ON o.id = s.offer_id
    WHERE o.district_id = %s AND o.status = %s
    ORDER BY s.offer_id, s.weekday, s.starts_at
"""
SEARCH_OFFERS_SQL = """
    SELECT id, name, category, barriers, regimes, min_age, max_age, delivery_mode, self_paced, postcode, places_left,
           ages_known, cost IS NOT NULL, sessions_known
    FROM provision_provisionoffer
    WHERE district_id = %s AND status = %s
    ORDER BY name, id
"""


# district id → (version, candidates). Per process; every search checks the version first (one indexed
# aggregate), so a change anywhere is seen by the next search in every process.
_SEARCH_CACHE: dict[int, tuple[tuple[int, Any], list[Candidate]]] = {}


def search_list_version(district_id: int) -> tuple[int, Any]:
    """(active offers, latest updated_at): changes whenever an offer is added, edited, imported, paused,
    archived or takes a place. Sessions change only together with their offer (services and import save the
    offer in the same transaction), so they are covered too."""
    row = ProvisionOffer.objects.filter(district_id=district_id, status=OfferStatus.ACTIVE).aggregate(
        n=Count("id"), last=Max("updated_at")
    )
    return row["n"], row["last"]


def offers_for_search(district_id: int, *, use_cache: bool = True) -> list[Candidate]:
    """The district's active offers as plain matcher facts, from the per-process cache when the list has not
    changed (one query), else loaded by ``load_search_candidates`` (two)."""
    if not use_cache:
        return load_search_candidates(district_id)
    version = search_list_version(district_id)
    cached = _SEARCH_CACHE.get(district_id)
    if cached is not None and cached[0] == version:
        return cached[1]
    candidates = load_search_candidates(district_id)
    _SEARCH_CACHE[district_id] = (version, candidates)
    return candidates


def load_search_candidates(district_id: int) -> list[Candidate]:
    """The district's active offers as plain matcher facts: two plain SQL queries (offers, their sessions)
    however many offers there are, and no model instances. Building 5,000 ORM objects with their prefetched
    sessions cost more than the whole 200 ms budget; tuples from the cursor cost a few milliseconds."""
    sessions: dict[int, list[matching.Slot]] = {}
    with connection.cursor() as cursor:
        cursor.execute(SEARCH_SESSIONS_SQL, [district_id, OfferStatus.ACTIVE])
        for offer_id, weekday, starts_at, ends_at in cursor.fetchall():
            sessions.setdefault(offer_id, []).append(matching.Slot(weekday, _time(starts_at), _time(ends_at)))
        cursor.execute(SEARCH_OFFERS_SQL, [district_id, OfferStatus.ACTIVE])
        rows = cursor.fetchall()
    lists = _json_lists()
    return [
        Candidate(
            pk,
            name,
            category,
            lists(barriers),
            matching.OfferFacts(
                frozenset(lists(regimes)),
                min_age,
                max_age,
                mode,
                bool(self_paced),
                tuple(sessions.get(pk, ())),
                postcode,
                places_left,
                regimes is not None and regimes != "null",  # SQL NULL, or a JSON null, is "not known"
                bool(ages_known),
                bool(cost_known),
                bool(sessions_known),
            ),
        )
        for (
            pk,
            name,
            category,
            barriers,
            regimes,
            min_age,
            max_age,
            mode,
            self_paced,
            postcode,
            places_left,
            ages_known,
            cost_known,
            sessions_known,
        ) in rows
    ]


def attach_offers(rows: list[SearchRow]) -> list[SearchRow]:
    """Load the offers (provider, sessions) for the rows a page shows: two queries for any number of rows."""
    by_id = (
        ProvisionOffer.objects.filter(pk__in=[r.offer_id for r in rows])
        .select_related("provider")
        .prefetch_related("sessions")
        .in_bulk()
    )
    for row in rows:
        row.offer = by_id.get(row.offer_id)
    return rows


def claimant_facts(claimant: Claimant, *, today: date) -> matching.ClaimantFacts:
    """The claimant as the matcher sees them: regime, age, weekly shifts and caring times, postcode."""
    rows = (
        BusyTime.objects.filter(claimant=claimant)
        .filter(
            Q(employment__isnull=True)
            | Q(employment__ended_on__isnull=True)
            | Q(employment__ended_on__gte=today)
        )
        .select_related("employment")
    )
    busy = tuple(
        matching.Slot(
            weekday=row.weekday,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            label=(
                f"work shift{' (' + (row.description or row.employment.employer) + ')' if (row.description or row.employment_id) else ''}"
                if row.kind == BusyTime.Kind.WORK
                else f"caring{' (' + row.description + ')' if row.description else ''}"
            ),
        )
        for row in rows
    )
    return matching.ClaimantFacts(
        regime=claimant.current_regime,
        regime_label=claimant.get_current_regime_display() if claimant.current_regime else "",
        age=matching.age_on(claimant.date_of_birth, today),
        busy=busy,
        postcode=claimant.postcode,
    )


def offer_facts(offer: ProvisionOffer) -> matching.OfferFacts:
    return matching.OfferFacts(
        regimes=frozenset(offer.regimes or ()),
        min_age=offer.min_age,
        max_age=offer.max_age,
        delivery_mode=offer.delivery_mode,
        self_paced=offer.self_paced,
        sessions=tuple(matching.Slot(s.weekday, s.starts_at, s.ends_at) for s in offer.sessions.all()),
        postcode=offer.postcode,
        places_left=offer.places_left,
        regimes_known=offer.regimes is not None,
        ages_known=offer.ages_known,
        cost_known=offer.cost is not None,
        sessions_known=offer.sessions_known,
    )


def find_provision(
    *,
    claimant: Claimant,
    category: str = "",
    barrier: str = "",
    today: date | None = None,
    use_cache: bool = True,
) -> tuple[list[SearchRow], list[SearchRow], list[SearchRow], matching.ClaimantFacts]:
    """(offers that fit, offers that might fit — with what to check, offers excluded with reasons, the
    claimant's facts) for the claimant's district. An offer missing a fact that decides the fit (location,
    ages, cost, regimes, times) is never counted as fitting: it might, and the coach checks.

    A constant number of queries: the claimant's busy times, the offers, their sessions. The filters by
    category and barrier are applied in Python so the same two lists serve every choice of filter.
    """
    today = today or local_today()
    facts = claimant_facts(claimant, today=today)
    fits: list[SearchRow] = []
    check: list[SearchRow] = []
    excluded: list[SearchRow] = []
    matcher = matching.ClaimantMatcher(facts)
    for c in offers_for_search(claimant.jobcentre.district_id, use_cache=use_cache):
        if category and c.category != category:
            continue
        if barrier and barrier not in c.barriers:
            continue
        reasons = matcher.reasons(c.facts)
        if reasons:
            excluded.append(SearchRow(c.offer_id, c.name, reasons))
            continue
        checks = matcher.checks(c.facts)
        (check if checks else fits).append(SearchRow(c.offer_id, c.name, [], checks=checks))
    return fits, check, excluded, facts


def referral_summary_draft(claimant: Claimant, *, today: date | None = None) -> str:
    """A first draft of the summary to share, for the coach to edit with the claimant: work, hours, and the
    circumstances that are *not* sensitive (health and domestic abuse are never put in a draft)."""
    today = today or local_today()
    lines = []
    jobs = [e for e in claimant.employments.all() if e.ended_on is None or e.ended_on >= today]
    if jobs:
        lines.append(
            "Works: "
            + "; ".join(
                f"{e.employer} ({e.get_contract_type_display().lower()}"
                + (f", {e.hours_per_week.normalize():f} hours a week" if e.hours_per_week else "")
                + ")"
                for e in jobs
            )
            + "."
        )
    busy = claimant_facts(claimant, today=today).busy
    if busy:
        lines.append("Not available: " + "; ".join(f"{b.label} {b.text}" for b in busy) + ".")
    open_barriers = [
        c.get_kind_display() + (f": {c.detail}" if c.detail else "")
        for c in claimant.circumstances.filter(sensitive=False, resolved_on__isnull=True)
    ]
    if open_barriers:
        lines.append("Circumstances: " + "; ".join(open_barriers) + ".")
    lines.append("Goals: ")
    return "\n".join(lines)


def claimants_referable_by(user: StaffMember) -> QuerySet[Claimant]:
    """Claimants ``user`` may signpost or refer: work coaches and team leaders, for the claimants whose casework
    they may change (``claimants.selectors.may_edit``)."""
    if not has_role(user, *REFER_ROLES):
        return Claimant.objects.none()
    return claimants_editable_by(user).select_related("jobcentre", "coach")


# --- Referrals ------------------------------------------------------------------------------------------


def referrals_visible_to(user: StaffMember) -> QuerySet[Referral]:
    qs = Referral.objects.select_related("offer", "offer__provider", "claimant", "created_by")
    if not has_role(user, *READ_ROLES):
        return qs.none()
    return qs.filter(jobcentre_scope(user, "claimant__jobcentre"))


def can_update_referral(user: StaffMember, referral: Referral) -> bool:
    """Change a referral's status: whoever may change the claimant's casework (``may_edit``), and the progression
    leads of the district (they pass on the provider's feedback). Others who may read it: 403."""
    if not referrals_visible_to(user).filter(pk=referral.pk).exists():
        return False
    return has_role(user, Role.PROGRESSION_LEAD) or may_edit(user, referral.claimant)


def referral_history(referral: Referral) -> QuerySet[ReferralStatusChange]:
    return referral.history.select_related("by")


def claimant_referrals(claimant: Claimant) -> list[Referral]:
    return list(
        Referral.objects.filter(claimant=claimant)
        .select_related("offer", "offer__provider", "created_by")
        .order_by("-created_at", "-pk")
    )


def referrals_in_limbo(user: StaffMember) -> QuerySet[Referral]:
    """Referrals flagged as in limbo that the user should chase: a coach's own caseload (or the ones they made),
    a team leader's jobcentre, a progression lead's district."""
    qs = referrals_visible_to(user).filter(limbo_since__isnull=False, status__in=LIMBO_STATUSES)
    if user.effective_role == Role.WORK_COACH:
        qs = qs.filter(Q(claimant__coach=user) | Q(created_by=user))
    return qs.order_by("limbo_since", "pk")


def sessions_attended(
    claimant_id: int, start: datetime, end: datetime
) -> list[tuple[datetime, datetime, str]]:
    """Dated sessions (start, end, label) of offers the claimant has been accepted on or started, in [start, end).

    The booking rules in ``appointments`` ask for these so an appointment does not clash with a course.
    """
    sessions = list(
        Session.objects.filter(
            offer__referrals__claimant_id=claimant_id, offer__referrals__status__in=ATTENDING_STATUSES
        )
        .select_related("offer")
        .distinct()
    )
    out: list[tuple[datetime, datetime, str]] = []
    if not sessions:
        return out
    day = start.astimezone(LONDON).date()
    last = end.astimezone(LONDON).date()
    while day <= last:
        for s in sessions:
            if s.weekday == day.weekday():
                s_start = datetime.combine(day, s.starts_at, tzinfo=LONDON)
                s_end = datetime.combine(day, s.ends_at, tzinfo=LONDON)
                if s_start < end and s_end > start:
                    out.append((s_start, s_end, f"{s.offer.name} ({s})"))
        day += timedelta(days=1)
    return out


# --- The progression plan (issue #16): referrals serving its steps -----------------------------------------------


def referrals_for_steps(step_ids: list[int] | tuple[int, ...]) -> list[Referral]:
    """The referrals and signposting linked to these plan steps, newest first (one query)."""
    return list(
        Referral.objects.filter(plan_step_id__in=list(step_ids))
        .select_related("offer")
        .order_by("-created_at", "-pk")
    )
