"""Writes for the Flexible Support Fund (issue #16): request, approve, refuse, withdraw, mark as paid, and the
nightly outcome refresh. Each is keyword-only, checks who may do it, runs in one transaction, moves the status only
as ``rules.TRANSITIONS`` allows (the award's row locked, so two people acting at once get one result and a clear
message) and writes its audit event. A refusal raises ``AwardError`` (or PermissionDenied) before anything is
written.

Approval checks the remaining budget with the budget's row locked (``SELECT … FOR UPDATE``): two leaders approving
at the same moment queue on that lock, and the second sees the first's award in the sums, so the budget can never
be overspent by approvals.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from claimants.models import (
    Claimant,
    EarningsRecord,
    RegimeAssessment,
    SupportFundAward,
    SupportFundBudget,
)
from claimants.support_fund import selectors
from claimants.support_fund.rules import (
    MAX_AWARD,
    AwardError,
    Eligible,
    Status,
    award_outcome,
    financial_year,
    financial_year_label,
    money,
    transition_problem,
)
from iwp.audit import audit_record
from iwp.figures import figures_changed
from iwp.models import AuditVerb, StaffMember

UNKNOWN_NEEDS_CONFIRMATION = (
    "Eligibility is not known: confirm you have checked the claimant's regime on the date of the request"
)


def _locked(award: SupportFundAward, to: Status) -> SupportFundAward:
    """The award's row, locked for the rest of the transaction, in a state that may move to ``to``."""
    locked = SupportFundAward.objects.select_for_update().select_related("claimant").get(pk=award.pk)
    problem = transition_problem(locked.status, to)
    if problem:
        raise AwardError(problem)
    return locked


def _audit(award: SupportFundAward, actor: StaffMember, verb: AuditVerb, **payload) -> None:
    audit_record(
        actor=actor,
        verb=verb,
        target=award,
        payload={
            "claimant": award.claimant_id,
            "status": award.status,
            "amount": str(award.amount),
            "purpose": award.purpose,
            **payload,
        },
    )


def support_fund_request(
    *,
    claimant: Claimant,
    actor: StaffMember,
    purpose: str,
    amount: Decimal,
    supplier: str,
    details: str = "",
    today: date | None = None,
) -> SupportFundAward:
    """Ask for an award. Eligibility is checked against the regime in force on the date of the request: not
    eligible (or above the rule's maximum) is refused with the rule's reason; not known (no regime decided for
    that date, or no rule) is allowed and shown to the team leader, who must confirm they checked."""
    if not selectors.may_request(actor, claimant):
        raise PermissionDenied("You can ask for an award only for a claimant on your caseload.")
    if amount <= 0 or amount > MAX_AWARD:
        raise AwardError(f"The amount must be between £0.01 and {money(MAX_AWARD)}", "amount")
    supplier = supplier.strip()
    if not supplier:
        raise AwardError("Enter who will be paid (the supplier)", "supplier")
    now = timezone.now()
    on = today or timezone.localdate(now)
    with transaction.atomic():
        eligibility = selectors.eligibility_for(claimant, purpose=purpose, amount=amount, on=on)
        if eligibility.refused:
            raise AwardError(eligibility.reason, eligibility.field or "purpose")
        award = SupportFundAward.objects.create(
            claimant=claimant,
            purpose=purpose,
            amount=amount,
            supplier=supplier,
            details=details.strip(),
            status=Status.REQUESTED,
            requested_by=actor,
            requested_at=now,
            requested_on=on,
            regime_on_request=eligibility.regime or "",
            eligibility=eligibility.status,
            eligibility_reason=eligibility.reason[:300],
        )
        _audit(award, actor, AuditVerb.CREATED, eligibility=eligibility.status, supplier=supplier)
        figures_changed(claimant_ids=[claimant.pk])
    return award


def support_fund_approve(
    *,
    award: SupportFundAward,
    actor: StaffMember,
    note: str = "",
    confirm_unknown_eligibility: bool = False,
    today: date | None = None,
) -> SupportFundAward:
    """Approve a request: commits its amount against the claimant's jobcentre's budget for the financial year of
    the approval. Eligibility is checked again for the date of the request (a regime decided since, or a rule
    changed, counts); over the remaining budget is refused with how much is left."""
    if not selectors.may_decide(actor, award):
        raise PermissionDenied(_not_yours(actor, award))
    now = timezone.now()
    on = today or timezone.localdate(now)
    with transaction.atomic():
        locked = _locked(award, Status.APPROVED)
        claimant = locked.claimant
        eligibility = selectors.eligibility_for(
            claimant, purpose=locked.purpose, amount=locked.amount, on=locked.requested_on
        )
        if eligibility.refused:
            raise AwardError(f"This award cannot be approved: {eligibility.reason}")
        if eligibility.status == Eligible.UNKNOWN and not confirm_unknown_eligibility:
            raise AwardError(UNKNOWN_NEEDS_CONFIRMATION, "confirm_unknown_eligibility")
        year = financial_year(on)
        budget = (
            SupportFundBudget.objects.select_for_update()
            .filter(jobcentre_id=claimant.jobcentre_id, financial_year=year)
            .first()
        )
        if budget is None:
            raise AwardError(
                f"{claimant.jobcentre.name} has no Flexible Support Fund budget for {financial_year_label(year)}: "
                "an administrator sets the budget"
            )
        used = SupportFundAward.objects.filter(
            budget=budget, status__in=[Status.APPROVED, Status.PAID]
        ).aggregate(total=Sum("amount"))["total"] or Decimal(0)
        remaining = budget.amount - used
        if locked.amount > remaining:
            raise AwardError(
                f"Approving {money(locked.amount)} would overspend the budget: {money(max(remaining, Decimal(0)))} "
                f"is left of {money(budget.amount)} for {financial_year_label(year)}"
            )
        locked.status = Status.APPROVED
        locked.decided_by = actor
        locked.decided_at = now
        locked.awarded_on = on
        locked.decision_reason = note.strip()
        locked.budget = budget
        locked.regime_on_request = eligibility.regime or ""
        locked.eligibility = eligibility.status
        locked.eligibility_reason = eligibility.reason[:300]
        result = award_outcome(
            awarded_on=on, today=on, anchor_day=claimant.assessment_day, earnings={}, regimes={}
        )
        locked.outcome = result.outcome
        locked.outcome_detail = result.lines
        locked.outcome_checked_at = now
        locked.save()
        _audit(
            locked,
            actor,
            AuditVerb.APPROVED,
            budget=budget.pk,
            remaining_after=str(remaining - locked.amount),
            eligibility=eligibility.status,
            confirmed_unknown_eligibility=eligibility.status == Eligible.UNKNOWN,
        )
        figures_changed(claimant_ids=[claimant.pk])
    return locked


def support_fund_refuse(*, award: SupportFundAward, actor: StaffMember, reason: str) -> SupportFundAward:
    if not selectors.may_decide(actor, award):
        raise PermissionDenied(_not_yours(actor, award))
    reason = reason.strip()
    if not reason:
        raise AwardError("Enter the reason for refusing the award", "reason")
    with transaction.atomic():
        locked = _locked(award, Status.REFUSED)
        locked.status = Status.REFUSED
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.decision_reason = reason
        locked.save()
        _audit(locked, actor, AuditVerb.REFUSED, reason=reason)
        figures_changed(claimant_ids=[locked.claimant_id])
    return locked


def support_fund_withdraw(*, award: SupportFundAward, actor: StaffMember) -> SupportFundAward:
    """The request is no longer needed (the claimant found the money, the course was cancelled)."""
    if not selectors.may_withdraw(actor, award):
        raise PermissionDenied("You can withdraw only requests for your claimants.")
    with transaction.atomic():
        locked = _locked(award, Status.WITHDRAWN)
        locked.status = Status.WITHDRAWN
        locked.withdrawn_by = actor
        locked.withdrawn_at = timezone.now()
        locked.save()
        _audit(locked, actor, AuditVerb.WITHDRAWN)
        figures_changed(claimant_ids=[locked.claimant_id])
    return locked


def support_fund_mark_paid(
    *, award: SupportFundAward, actor: StaffMember, reference: str = ""
) -> SupportFundAward:
    """The supplier has been paid: the amount moves from committed to spent on the same budget. A team leader of
    the claimant's jobcentre records it (the person who asked for it may not)."""
    if not selectors.may_decide(actor, award):
        raise PermissionDenied(_not_yours(actor, award))
    with transaction.atomic():
        locked = _locked(award, Status.PAID)
        locked.status = Status.PAID
        locked.paid_by = actor
        locked.paid_at = timezone.now()
        locked.payment_reference = reference.strip()
        locked.save()
        _audit(locked, actor, AuditVerb.PAID, reference=locked.payment_reference)
        figures_changed(claimant_ids=[locked.claimant_id])
    return locked


def _not_yours(actor: StaffMember, award: SupportFundAward) -> str:
    if award.requested_by_id == actor.pk:
        return "You asked for this award, so another team leader must decide it."
    return "Only a team leader of the claimant's jobcentre can decide or pay an award."


# --- Outcomes six months on (nightly) ---------------------------------------------------------------------------


def support_fund_outcomes_refresh(
    *, today: date | None = None, award_ids: Iterable[int] | None = None
) -> int:
    """Work out again the outcome of every approved or paid award (or of ``award_ids``) from the earnings and
    regime decisions recorded now: late RTI and recalculations count. Three queries whatever the number of
    awards; one UPDATE per award whose outcome changed. Returns how many changed."""
    today = today or timezone.localdate()
    awards = SupportFundAward.objects.filter(
        status__in=[Status.APPROVED, Status.PAID], awarded_on__isnull=False
    )
    if award_ids is not None:
        awards = awards.filter(pk__in=list(award_ids))
    rows = list(
        awards.select_related("claimant").only("pk", "awarded_on", "outcome", "outcome_detail", "claimant")
    )
    if not rows:
        return 0
    claimant_ids = {a.claimant_id for a in rows}
    earliest = min(a.awarded_on for a in rows)
    earnings: dict[int, dict[date, Decimal]] = defaultdict(dict)
    for claimant_id, start, employed, self_employed in EarningsRecord.objects.filter(
        claimant_id__in=claimant_ids,
        is_current=True,
        period_start__gte=earliest - timezone.timedelta(days=100),
    ).values_list("claimant_id", "period_start", "employed_earnings", "self_employed_earnings"):
        earnings[claimant_id][start] = employed + self_employed
    regimes: dict[int, dict[date, str]] = defaultdict(dict)
    for claimant_id, start, regime in (
        RegimeAssessment.objects.current()
        .filter(claimant_id__in=claimant_ids, period_start__gte=earliest - timezone.timedelta(days=40))
        .values_list("claimant_id", "period_start", "regime")
    ):
        regimes[claimant_id][start] = regime
    now = timezone.now()
    changed = 0
    touched: set[int] = set()
    with transaction.atomic():
        for award in rows:
            result = award_outcome(
                awarded_on=award.awarded_on,
                today=today,
                anchor_day=award.claimant.assessment_day,
                earnings=earnings[award.claimant_id],
                regimes=regimes[award.claimant_id],
            )
            if result.outcome == award.outcome and result.lines == award.outcome_detail:
                continue
            SupportFundAward.objects.filter(pk=award.pk).update(
                outcome=result.outcome, outcome_detail=result.lines, outcome_checked_at=now
            )
            changed += 1
            touched.add(award.claimant_id)
            if award.outcome and award.outcome != result.outcome:
                audit_record(
                    actor=None,
                    verb=AuditVerb.UPDATED,
                    target=award,
                    payload={"outcome": result.outcome, "was": award.outcome, "claimant": award.claimant_id},
                )
        figures_changed(claimant_ids=touched)
    return changed
