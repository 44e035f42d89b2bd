"""One claimant's story with every kind of timeline entry at a known time (issue #16), for the timeline's page
tests and its browser journey."""

import datetime as dt
from decimal import Decimal

from appointments.models import AgreedAction, CaseNote, ContactAttempt, GoodReasonDecision
from claimants.models import (
    Circumstance,
    ClaimantCommitment,
    CoachAssignment,
    EarningsRecord,
    Easement,
    RegimeAssessment,
)
from iwp.models import CoachAbsence
from provision.models import Referral, ReferralStatusChange
from tests.appointments.factories import AppointmentFactory, london
from tests.claimants.factories import ClaimantFactory
from tests.factories import WorkCoachFactory
from tests.provision.factories import OfferFactory, ProviderFactory


def _at(model, pk, **fields):
    """Set fields Django fills itself (``auto_now_add``) to the time the story needs."""
    model.objects.filter(pk=pk).update(**fields)


class Story:
    def __init__(self, team):
        self.ann = WorkCoachFactory(team=team, first_name="Ann", last_name="Archer", username="ann")
        self.ben = WorkCoachFactory(team=team, first_name="Ben", last_name="Baker", username="ben")
        self.cara = WorkCoachFactory(team=team, first_name="Cara", last_name="Cole", username="cara")
        self.claimant = c = ClaimantFactory(
            jobcentre=team.jobcentre, coach=self.ben, first_name="Jo", last_name="Bloggs"
        )
        # Ann was the first work coach; Ben took over with a handover summary.
        CoachAssignment.objects.create(
            claimant=c,
            coach=self.ann,
            assigned_at=london(2025, 1, 6, 9),
            unassigned_at=london(2025, 2, 3, 9),
            reason="New claimant",
        )
        CoachAssignment.objects.create(
            claimant=c,
            coach=self.ben,
            assigned_at=london(2025, 2, 3, 9),
            assigned_by=self.ann,
            reason="Caseload rebalancing",
            handover_summary="Prefers phone calls; working towards 30 hours at the bakery.",
        )
        attended = AppointmentFactory(
            claimant=c, coach=self.ann, starts_at=london(2025, 1, 10, 10), status="attended"
        )
        note = CaseNote.objects.create(
            claimant=c, appointment=attended, author=self.ann, text="Wants more hours at the bakery."
        )
        _at(CaseNote, note.pk, created_at=london(2025, 1, 10, 10, 20))
        action = AgreedAction.objects.create(
            claimant=c,
            origin_appointment=attended,
            category="more_hours",
            description="Ask the manager for 4 more hours a week",
            due_on=dt.date(2025, 1, 31),
            status="done",
            completed_on=dt.date(2025, 1, 28),
            created_by=self.ann,
        )
        _at(AgreedAction, action.pk, created_at=london(2025, 1, 10, 10, 25))
        ClaimantCommitment.objects.create(
            claimant=c,
            version=1,
            status="accepted",
            expected_hours=Decimal(35),
            requirements="Look for 5 more hours a week.",
            easements_note="Not before 10am: hospital visits",
            issued_at=london(2025, 1, 15, 12),
            accept_by=dt.date(2025, 1, 22),
            accepted_at=london(2025, 1, 16, 14),
            review_due=dt.date(2025, 4, 16),
        )
        missed = AppointmentFactory(
            claimant=c, coach=self.ben, starts_at=london(2025, 2, 10, 10), status="failed_to_attend"
        )
        ContactAttempt.objects.create(
            appointment=missed,
            at=london(2025, 2, 10, 10, 30),
            method="phone",
            result="No answer; left a voicemail",
            recorded_by=self.ben,
        )
        GoodReasonDecision.objects.create(
            appointment=missed,
            decision="accepted",
            reason="Her shift was changed at short notice",
            decided_by=self.ben,
            at=london(2025, 2, 11, 9),
        )
        childcare = Circumstance.objects.create(
            claimant=c, kind="childcare", detail="Nursery closes at 5", recorded_by=self.ben
        )
        _at(Circumstance, childcare.pk, recorded_at=london(2025, 2, 12, 11))
        abuse = Circumstance.objects.create(
            claimant=c, kind="domestic_abuse", detail="Do not phone after 6pm", sensitive=True
        )
        _at(Circumstance, abuse.pk, recorded_at=london(2025, 2, 12, 11, 5))
        easement = Easement.objects.create(
            claimant=c,
            kind="domestic_abuse",
            starts_on=dt.date(2025, 2, 12),
            ends_on=dt.date(2025, 5, 12),
            reason="Moving to a refuge",
        )
        _at(Easement, easement.pk, recorded_at=london(2025, 2, 12, 11, 10))
        offer = OfferFactory(
            district=team.jobcentre.district,
            provider=ProviderFactory(district=team.jobcentre.district, name="Leeds College"),
            name="Bakery skills bootcamp",
        )
        referral = Referral.objects.create(
            claimant=c,
            offer=offer,
            status="accepted",
            created_by=self.ben,
            last_update_on=dt.date(2025, 3, 7),
        )
        self.referral = referral
        made = ReferralStatusChange.objects.create(
            referral=referral, to_status="referred", on=dt.date(2025, 3, 3), by=self.ben
        )
        _at(ReferralStatusChange, made.pk, at=london(2025, 3, 3, 11))
        accepted = ReferralStatusChange.objects.create(
            referral=referral,
            from_status="referred",
            to_status="accepted",
            on=dt.date(2025, 3, 7),
            by=self.ben,
            note="Starts in April",
        )
        _at(ReferralStatusChange, accepted.pk, at=london(2025, 3, 10, 15))
        RegimeAssessment.objects.create(
            claimant=c,
            period_start=dt.date(2025, 3, 10),
            period_end=dt.date(2025, 4, 9),
            regime="light_touch",
            previous_regime="intensive_work_search",
            cause="earnings",
            employed_earnings=Decimal("900"),
            self_employed_earnings=Decimal(0),
            aet_individual=Decimal("892.00"),
            cet_individual=Decimal("1600.00"),
            explanation=["You earned £900.00, so you are in the Light Touch regime."],
        )
        EarningsRecord.objects.create(
            claimant=c,
            period_start=dt.date(2025, 2, 10),
            employed_earnings=Decimal("900"),
            source="rti",
            received_at=london(2025, 3, 12, 8),
        )
        absence = CoachAbsence.objects.create(
            coach=self.ben,
            kind="sickness",
            starts_on=dt.date(2025, 3, 17),
            ends_on=dt.date(2025, 3, 21),
            covered_by=self.cara,
            note="Flu",
            recorded_by=self.ann,
        )
        self.absence = absence

    # Newest first: what the timeline must say, and in this order.
    EXPECTED = [
        ("handovers", "Cara Cole covered while Ben Baker was away"),
        ("earnings", "Earnings recorded"),
        ("referrals", "Referral to Bakery skills bootcamp: accepted"),
        ("regime", "Regime change: Intensive Work Search → Light Touch"),
        ("referrals", "Referred to Bakery skills bootcamp"),
        ("circumstances", "Restricted information recorded"),  # the domestic-abuse easement
        ("circumstances", "Restricted information recorded"),  # the domestic-abuse circumstance
        ("circumstances", "Circumstance recorded: Childcare"),
        ("contact", "Good reason accepted"),
        ("contact", "Contact attempt: phone call"),
        ("appointments", "Appointment: Progression review"),
        ("handovers", "Handed over from Ann Archer to Ben Baker"),
        ("actions", "Action done: Ask employer for more hours"),
        ("commitments", "Claimant commitment version 1 accepted"),
        ("commitments", "Claimant commitment version 1 issued"),
        ("actions", "Action agreed: Ask employer for more hours"),
        ("notes", "Note by Ann Archer"),
        ("appointments", "Appointment: Progression review"),
        ("handovers", "Ann Archer became the work coach"),
    ]
