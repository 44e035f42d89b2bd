"""Writes: offers, status, referrals and their history, the daily stale and limbo jobs (idempotent), and the
booking rules seeing provision sessions."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from appointments.models import AgreedAction, Appointment
from appointments.rules import Interval
from appointments.selectors import provision_sessions_for
from iwp.models import AuditEvent
from provision import selectors, services
from provision.models import OfferStatus, ReferralStatus
from tests.appointments.test_pages import booking_data, summary
from tests.provision.factories import OfferFactory, ReferralFactory, SessionFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def test_search_fits_and_excludes_with_reasons(shift_worker, offers):
    fits, _, excluded, _ = selectors.find_provision(claimant=shift_worker, today=dt.date(2026, 11, 22))
    assert [r.name for r in fits] == ["Evening forklift"]
    reasons = {r.name: r.reasons for r in excluded}
    assert reasons["Daytime forklift"] == [
        "Session Tue 10:00–15:00 clashes with work shift (Tesco) Tue 09:00–17:00"
    ]
    assert reasons["Flexible Support Fund"] == ["Not available to Working Enough"]
    assert reasons["Birmingham bootcamp"][0].startswith("Not within reach")


def test_search_filters_by_category_and_barrier(shift_worker, offers):
    offers["evening"].barriers = ["skills"]
    offers["evening"].save()
    fits, _, excluded, _ = selectors.find_provision(claimant=shift_worker, category="fsf")
    assert not fits and [r.name for r in excluded] == ["Flexible Support Fund"]
    fits, _, excluded, _ = selectors.find_provision(claimant=shift_worker, barrier="skills")
    assert [r.name for r in fits] == ["Evening forklift"] and not excluded


def test_paused_and_other_district_offers_are_not_searched(shift_worker, offers):
    OfferFactory(name="Other district")
    services.offer_set_status(actor=shift_worker.coach, offer=offers["evening"], status=OfferStatus.PAUSED)
    fits, _, excluded, _ = selectors.find_provision(claimant=shift_worker)
    names = {r.name for r in (*fits, *excluded)}
    assert "Other district" not in names and "Evening forklift" not in names


def test_archive_needs_a_reason_and_is_audited(progression_lead, offers):
    with pytest.raises(services.ProvisionError):
        services.offer_set_status(
            actor=progression_lead, offer=offers["far"], status=OfferStatus.ARCHIVED, reason=" "
        )
    services.offer_set_status(
        actor=progression_lead, offer=offers["far"], status=OfferStatus.ARCHIVED, reason="Funding ended"
    )
    offers["far"].refresh_from_db()
    assert offers["far"].status == "archived" and offers["far"].archived_reason == "Funding ended"
    assert AuditEvent.objects.filter(
        target_type="provision.provisionoffer", payload__reason="Funding ended"
    ).exists()


def test_referral_history_through_to_completed(work_coach, shift_worker, offers):
    offer = offers["evening"]
    offer.capacity, offer.places_left = 10, 3
    offer.save()
    r = services.referral_create(
        actor=work_coach,
        claimant=shift_worker,
        offer=offer,
        refer=True,
        shared_summary="Works Tue/Thu days; wants a forklift licence",
        consent_to_share=True,
    )
    offer.refresh_from_db()
    assert offer.places_left == 2
    for step in ("accepted", "started", "completed"):
        services.referral_change_status(actor=work_coach, referral=r, to_status=step, note=f"now {step}")
    assert [(h.from_status, h.to_status) for h in r.history.all()] == [
        ("", "referred"),
        ("referred", "accepted"),
        ("accepted", "started"),
        ("started", "completed"),
    ]
    assert all(h.by == work_coach for h in r.history.all())
    with pytest.raises(services.ProvisionError):
        services.referral_change_status(actor=work_coach, referral=r, to_status="declined")


def test_summary_needs_consent_and_offer_must_be_active(work_coach, shift_worker, offers):
    with pytest.raises(services.ProvisionError, match="agreed to share"):
        services.referral_create(
            actor=work_coach, claimant=shift_worker, offer=offers["evening"], refer=True, shared_summary="x"
        )
    services.offer_set_status(actor=work_coach, offer=offers["daytime"], status=OfferStatus.PAUSED)
    with pytest.raises(services.ProvisionError, match="not taking referrals"):
        services.referral_create(
            actor=work_coach, claimant=shift_worker, offer=offers["daytime"], refer=False
        )


def test_signposting_is_recorded_but_never_in_limbo(work_coach, shift_worker, offers):
    r = services.referral_create(
        actor=work_coach, claimant=shift_worker, offer=offers["evening"], refer=False
    )
    assert r.status == ReferralStatus.SIGNPOSTED
    r.last_update_on = dt.date(2026, 1, 1)
    r.save()
    assert services.flag_limbo_referrals(today=dt.date(2026, 11, 1)) == 0


def test_limbo_after_n_working_days_once_with_one_follow_up_action(work_coach, shift_worker, offers):
    friday = dt.date(2026, 11, 20)
    r = ReferralFactory(
        claimant=shift_worker, offer=offers["evening"], created_by=work_coach, last_update_on=friday
    )
    # 10 working days after Friday 20 November is Friday 4 December.
    assert services.flag_limbo_referrals(today=dt.date(2026, 12, 3)) == 0
    assert services.flag_limbo_referrals(today=dt.date(2026, 12, 4)) == 1
    assert services.flag_limbo_referrals(today=dt.date(2026, 12, 4)) == 0  # twice on a day: nothing more
    assert services.flag_limbo_referrals(today=dt.date(2026, 12, 9)) == 0  # later days: still one action
    r.refresh_from_db()
    assert r.limbo_since == dt.date(2026, 12, 4)
    action = AgreedAction.objects.get(claimant=shift_worker)
    assert r.follow_up_action == action and action.created_by == work_coach and action.status == "open"
    assert "Follow up the referral to Evening forklift" in action.description
    assert list(selectors.referrals_in_limbo(work_coach)) == [r]
    # An update ends the limbo and closes the follow-up action.
    services.referral_change_status(
        actor=work_coach, referral=r, to_status="accepted", on=dt.date(2026, 12, 10)
    )
    r.refresh_from_db()
    action.refresh_from_db()
    assert r.limbo_since is None and action.status == "done"
    assert not selectors.referrals_in_limbo(work_coach).exists()


def test_limbo_days_per_offer(work_coach, shift_worker, offers):
    offers["evening"].limbo_days = 2
    offers["evening"].save()
    ReferralFactory(
        claimant=shift_worker,
        offer=offers["evening"],
        created_by=work_coach,
        last_update_on=dt.date(2026, 11, 20),
    )
    assert services.flag_limbo_referrals(today=dt.date(2026, 11, 23)) == 0
    assert services.flag_limbo_referrals(today=dt.date(2026, 11, 24)) == 1


def test_stale_flag_is_idempotent_and_review_clears_it(progression_lead, district):
    old = OfferFactory(district=district, review_by=dt.date(2026, 1, 1))
    OfferFactory(district=district, review_by=dt.date(2026, 1, 1), status="paused")
    assert services.flag_stale_offers(today=dt.date(2026, 2, 1)) == 1
    assert services.flag_stale_offers(today=dt.date(2026, 2, 2)) == 0
    old.refresh_from_db()
    assert old.stale_since == dt.date(2026, 2, 1)
    assert list(selectors.stale_offers(progression_lead, today=dt.date(2026, 2, 2))) == [old]
    services.offer_mark_reviewed(actor=progression_lead, offer=old)
    old.refresh_from_db()
    assert old.stale_since is None and old.review_by > dt.date.today()


def test_daily_tasks_run_and_are_in_the_beat_schedule(settings, district):
    from provision.tasks import flag_limbo_referrals_task, flag_stale_offers_task

    OfferFactory(district=district, review_by=dt.date(2026, 1, 1))
    assert flag_stale_offers_task.delay("2026-02-01").get() == {"flagged": 1}
    assert flag_limbo_referrals_task.delay("2026-02-01").get() == {"flagged": 0}
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"provision.flag_stale_offers", "provision.flag_limbo_referrals"} <= tasks


def test_booking_rules_see_sessions_of_accepted_or_started_provision(work_coach, shift_worker, offers):
    course = OfferFactory(district=offers["evening"].district, name="Wednesday course")
    SessionFactory(offer=course, weekday=2, starts_at=dt.time(10), ends_at=dt.time(12))
    r = ReferralFactory(claimant=shift_worker, offer=course, created_by=work_coach, status="referred")
    week = Interval(dt.datetime(2026, 11, 23, tzinfo=LONDON), dt.datetime(2026, 11, 30, tzinfo=LONDON))
    assert provision_sessions_for(shift_worker, week) == ()
    services.referral_change_status(actor=work_coach, referral=r, to_status="accepted")
    (session,) = provision_sessions_for(shift_worker, week)
    assert session.interval.start == dt.datetime(2026, 11, 25, 10, tzinfo=LONDON)
    assert "Wednesday course" in session.label


def test_search_cache_sees_every_change(work_coach, shift_worker, offers, progression_lead):
    def fitting() -> list[str]:
        return [r.name for r in selectors.find_provision(claimant=shift_worker)[0]]

    assert fitting() == ["Evening forklift"]
    assert fitting() == ["Evening forklift"]  # from the cache
    late = OfferFactory(
        district=offers["evening"].district, name="Another evening course", postcode="LS1 3EX"
    )
    assert fitting() == ["Another evening course", "Evening forklift"]
    services.offer_set_status(actor=progression_lead, offer=late, status=OfferStatus.PAUSED)
    assert fitting() == ["Evening forklift"]
    evening = offers["evening"]
    evening.capacity, evening.places_left = 5, 1
    evening.save()
    services.referral_create(actor=work_coach, claimant=shift_worker, offer=evening, refer=True)
    _, _, excluded, _ = selectors.find_provision(claimant=shift_worker)
    assert "No places left" in next(r.reasons for r in excluded if r.name == "Evening forklift")
    services.offer_update(
        actor=progression_lead,
        offer=evening,
        provider_name=evening.provider.name,
        data={"places_left": 3},
        sessions=[services.SessionInput(1, dt.time(10), dt.time(12))],
    )
    _, _, excluded, _ = selectors.find_provision(claimant=shift_worker)
    assert next(r.reasons for r in excluded if r.name == "Evening forklift")[0].startswith(
        "Session Tue 10:00–12:00"
    )


def test_booking_page_warns_about_a_course_the_claimant_attends(
    coach_client, work_coach, shift_worker, offers
):
    """Issue #4's booking rule, end to end: an appointment during an accepted course is warned about."""
    course = OfferFactory(district=offers["evening"].district, name="Friday maths course")
    SessionFactory(offer=course, weekday=4, starts_at=dt.time(10), ends_at=dt.time(12))
    r = ReferralFactory(claimant=shift_worker, offer=course, created_by=work_coach, status="referred")
    services.referral_change_status(actor=work_coach, referral=r, to_status="accepted")
    today = dt.datetime.now(LONDON).date()
    friday = today + dt.timedelta(days=(4 - today.weekday()) % 7 + 7)  # a Friday at least a week away
    when = dt.datetime.combine(friday, dt.time(11), tzinfo=LONDON)
    response = coach_client.post(
        reverse("appointments:book", args=[shift_worker.pk]), booking_data(when, work_coach)
    )
    assert response.status_code == 200
    assert "Check the warnings" in summary(response)
    assert "Friday maths course" in response.content.decode()
    assert not Appointment.objects.filter(claimant=shift_worker).exists()
    # An hour after the course ends, there is nothing to warn about and it books.
    later = booking_data(when + dt.timedelta(hours=2), work_coach)
    assert coach_client.post(reverse("appointments:book", args=[shift_worker.pk]), later).status_code == 302
    assert Appointment.objects.filter(claimant=shift_worker).count() == 1
