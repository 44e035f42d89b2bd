"""The caseload's filters, sort orders and columns (claimants/caseload.py + appointments/caseload.py)."""

import datetime as dt
import re
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from appointments.models import GoodReasonDecision
from claimants.models import ClaimantCommitment, CommitmentStatus
from tests.appointments.factories import AgreedActionFactory, AppointmentFactory
from tests.claimants.factories import ClaimantFactory
from tests.clock import OFFICE_HOURS
from tests.factories import WorkCoachFactory

# "Booked for later today" and "this week" need a clock in office hours (tests/clock.py).
pytestmark = [pytest.mark.django_db, pytest.mark.office_hours]

TODAY = OFFICE_HOURS.date()
NOW = OFFICE_HOURS


def _names(response) -> list[str]:
    """Claimant names in table order (the link text of the first cell)."""
    assert response.status_code == 200
    html = response.content.decode()
    table = html[html.index('data-testid="caseload"') :]
    return re.findall(r'href="/claimants/\d+/">([^<]+)</a>', table)


def _claimant(coach, last_name: str, **kwargs):
    return ClaimantFactory(
        jobcentre=coach.jobcentre, coach=coach, first_name="Sam", last_name=last_name, **kwargs
    )


def _commitment(claimant, status, **kwargs):
    return ClaimantCommitment.objects.create(
        claimant=claimant, version=1, status=status, expected_hours=D(35), **kwargs
    )


def _fta(claimant, coach, *, decided: bool):
    appointment = AppointmentFactory(
        coach=coach, claimant=claimant, starts_at=NOW - dt.timedelta(days=2), status="failed_to_attend"
    )
    GoodReasonDecision.objects.create(
        appointment=appointment,
        decision="not_accepted" if decided else "not_yet_decided",
        reason="No reason given when phoned" if decided else "",
        decided_by=coach,
        at=NOW,
    )


@pytest.fixture
def caseload(work_coach):
    """One claimant matching each filter, plus one matching none ("Plain")."""
    c = {
        name: _claimant(work_coach, name)
        for name in (
            "Plain",
            "Cycler",
            "Reviewdue",
            "Awaiting",
            "Lateaccept",
            "Overdue",
            "Booked",
            "Unrecorded",
            "Fta",
            "Ftadecided",
        )
    }
    c["Cycler"].regime_cycling = True
    c["Cycler"].save(update_fields=["regime_cycling"])
    _commitment(c["Reviewdue"], CommitmentStatus.ACCEPTED, review_due=TODAY + dt.timedelta(days=3))
    _commitment(c["Plain"], CommitmentStatus.ACCEPTED, review_due=TODAY + dt.timedelta(days=60))
    _commitment(c["Awaiting"], CommitmentStatus.ISSUED, accept_by=TODAY + dt.timedelta(days=5))
    _commitment(c["Lateaccept"], CommitmentStatus.ISSUED, accept_by=TODAY - dt.timedelta(days=1))
    AgreedActionFactory(claimant=c["Overdue"], due_on=TODAY - dt.timedelta(days=2), created_by=work_coach)
    AgreedActionFactory(claimant=c["Plain"], due_on=TODAY + dt.timedelta(days=2), created_by=work_coach)
    # Booked for later today (this week, and "next appointment"); everyone else has nothing ahead.
    AppointmentFactory(coach=work_coach, claimant=c["Booked"], starts_at=NOW + dt.timedelta(minutes=30))
    AppointmentFactory(coach=work_coach, claimant=c["Unrecorded"], starts_at=NOW - dt.timedelta(hours=2))
    _fta(c["Fta"], work_coach, decided=False)
    _fta(c["Ftadecided"], work_coach, decided=True)
    return c


@pytest.mark.parametrize(
    ("show", "expected"),
    [
        ("cycling", {"Cycler"}),
        ("review_due", {"Reviewdue"}),
        ("awaiting_acceptance", {"Awaiting", "Lateaccept"}),
        ("acceptance_overdue", {"Lateaccept"}),
        ("overdue_actions", {"Overdue"}),
        ("unrecorded_outcomes", {"Unrecorded"}),
        ("fta_awaiting_decision", {"Fta"}),
    ],
)
def test_each_show_only_filter_picks_exactly_its_claimants(coach_client, caseload, show, expected):
    names = _names(coach_client.get(reverse("claimants:caseload"), {"show": show}))
    assert {n.split()[-1] for n in names} == expected


def test_no_appointment_and_this_week_filters(coach_client, caseload):
    none_booked = _names(coach_client.get(reverse("claimants:caseload"), {"show": "no_appointment"}))
    assert "Sam Booked" not in none_booked and len(none_booked) == len(caseload) - 1
    this_week = _names(coach_client.get(reverse("claimants:caseload"), {"show": "appointment_this_week"}))
    # Appointments earlier this week count too, so only those dated in this Monday–Sunday week appear.
    monday = TODAY - dt.timedelta(days=TODAY.weekday())
    expected = {"Sam Booked"}
    for name in ("Unrecorded", "Fta", "Ftadecided"):
        appointment = caseload[name].appointments.get()
        if timezone.localdate(appointment.starts_at) >= monday:
            expected.add(f"Sam {name}")
    assert set(this_week) == expected


def test_filters_combine(coach_client, caseload):
    both = coach_client.get(reverse("claimants:caseload"), {"show": ["overdue_actions", "cycling"]})
    assert _names(both) == []
    caseload["Overdue"].regime_cycling = True
    caseload["Overdue"].save(update_fields=["regime_cycling"])
    both = coach_client.get(reverse("claimants:caseload"), {"show": ["overdue_actions", "cycling"]})
    assert _names(both) == ["Sam Overdue"]


def test_sort_by_next_appointment_soonest_first_and_none_last(coach_client, work_coach):
    later = _claimant(work_coach, "Aardvark")
    sooner = _claimant(work_coach, "Zebra")
    nothing = _claimant(work_coach, "Abbott")
    AppointmentFactory(coach=work_coach, claimant=later, starts_at=NOW + dt.timedelta(days=9))
    AppointmentFactory(coach=work_coach, claimant=sooner, starts_at=NOW + dt.timedelta(days=3))
    # A past and a cancelled appointment are not "next".
    AppointmentFactory(coach=work_coach, claimant=nothing, starts_at=NOW - dt.timedelta(days=3))
    AppointmentFactory(
        coach=work_coach,
        claimant=nothing,
        starts_at=NOW + dt.timedelta(days=1),
        status="cancelled_by_claimant",
        cancelled_reason="Working",
    )
    names = _names(coach_client.get(reverse("claimants:caseload"), {"sort": "next_appointment"}))
    assert names == [sooner.full_name, later.full_name, nothing.full_name]
    by_name = _names(coach_client.get(reverse("claimants:caseload")))
    assert by_name == [later.full_name, nothing.full_name, sooner.full_name]


def test_sort_by_overdue_actions_most_first(coach_client, work_coach):
    one, three, none = (_claimant(work_coach, n) for n in ("One", "Three", "Alpha"))
    for claimant, n in ((one, 1), (three, 3)):
        for _ in range(n):
            AgreedActionFactory(claimant=claimant, due_on=TODAY - dt.timedelta(days=1), created_by=work_coach)
    AgreedActionFactory(claimant=none, due_on=TODAY + dt.timedelta(days=5), created_by=work_coach)
    response = coach_client.get(reverse("claimants:caseload"), {"sort": "overdue_actions"})
    assert _names(response) == [three.full_name, one.full_name, none.full_name]
    assert "3 overdue" in response.content.decode()


def test_sort_by_commitment_review_due_nulls_last(coach_client, work_coach):
    late, soon, never = (_claimant(work_coach, n) for n in ("Late", "Soon", "Aaron"))
    _commitment(late, CommitmentStatus.ACCEPTED, review_due=TODAY + dt.timedelta(days=40))
    _commitment(soon, CommitmentStatus.ACCEPTED, review_due=TODAY - dt.timedelta(days=1))
    response = coach_client.get(reverse("claimants:caseload"), {"sort": "review_due"})
    assert _names(response) == [soon.full_name, late.full_name, never.full_name]
    assert "Overdue" in response.content.decode()


def test_iwp_status_filter(coach_client, work_coach):
    invited = _claimant(work_coach, "Invited", iwp_offer_status="invited")
    _claimant(work_coach, "Eligible", iwp_offer_status="eligible")
    assert _names(coach_client.get(reverse("claimants:caseload"), {"iwp": "invited"})) == [invited.full_name]


def test_team_leader_narrows_to_a_coach_and_a_coach_cannot(leader_client, coach_client, work_coach):
    colleague = WorkCoachFactory(team=work_coach.team)
    mine = _claimant(work_coach, "Mine")
    theirs = _claimant(colleague, "Theirs")
    leader_view = leader_client.get(reverse("claimants:caseload"), {"coach": colleague.pk})
    assert _names(leader_view) == [theirs.full_name]
    assert f"Caseload of {escape(colleague.get_full_name())}" in leader_view.content.decode()  # "O'Connor"
    by_team = leader_client.get(reverse("claimants:caseload"), {"team": work_coach.team_id})
    assert set(_names(by_team)) == {mine.full_name, theirs.full_name}
    assert f"Caseload of {escape(work_coach.team.name)}" in by_team.content.decode()
    assert ">Caseloads</h1>" in leader_client.get(reverse("claimants:caseload")).content.decode()
    # A work coach always sees only their own caseload, whatever the URL says.
    assert _names(coach_client.get(reverse("claimants:caseload"), {"coach": colleague.pk})) == [
        mine.full_name
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"show": "no-such-filter"},
        {"sort": "drop table"},
        {"coach": "abc"},
        {"iwp": "bogus", "regime": "bogus"},
        {"page": "999"},
    ],
)
def test_malformed_parameters_still_show_the_list(leader_client, work_coach, params):
    _claimant(work_coach, "Steady")
    assert _names(leader_client.get(reverse("claimants:caseload"), params)) == ["Sam Steady"]


def test_pagination_keeps_every_filter(coach_client, work_coach):
    for i in range(30):
        claimant = _claimant(work_coach, f"Over{i:02d}")
        AgreedActionFactory(claimant=claimant, due_on=TODAY - dt.timedelta(days=1), created_by=work_coach)
    _claimant(work_coach, "Fine")
    response = coach_client.get(
        reverse("claimants:caseload"), {"show": ["overdue_actions", "cycling"], "sort": "overdue_actions"}
    )
    assert _names(response) == []  # nobody is cycling
    response = coach_client.get(
        reverse("claimants:caseload"), {"show": "overdue_actions", "sort": "overdue_actions"}
    )
    html = response.content.decode()
    assert "30 claimants" in html
    assert "?show=overdue_actions&amp;sort=overdue_actions&amp;page=2" in html
    second = coach_client.get(
        reverse("claimants:caseload"), {"show": "overdue_actions", "sort": "overdue_actions", "page": 2}
    )
    assert len(_names(second)) == 5 and "Sam Fine" not in _names(second)


def test_every_filter_and_sort_at_once_runs_constant_queries(coach_client, work_coach):
    params = {
        "show": ["overdue_actions", "review_due", "no_appointment", "unrecorded_outcomes"],
        "sort": "next_appointment",
    }

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert coach_client.get(reverse("claimants:caseload"), params).status_code == 200
        return len(ctx.captured_queries)

    def grow(n):
        for i in range(n):
            claimant = _claimant(work_coach, f"Grow{i}")
            AgreedActionFactory(claimant=claimant, due_on=TODAY - dt.timedelta(days=1), created_by=work_coach)
            AppointmentFactory(coach=work_coach, claimant=claimant, starts_at=NOW - dt.timedelta(hours=3))
            _commitment(claimant, CommitmentStatus.ACCEPTED, review_due=TODAY)

    grow(1)
    small = count()
    grow(12)
    assert count() == small


def test_the_commitment_cell_says_when_acceptance_is_overdue(coach_client, caseload):
    html = coach_client.get(reverse("claimants:caseload"), {"show": "awaiting_acceptance"}).content.decode()
    late = (TODAY - dt.timedelta(days=1)).strftime("%-d %b")
    on_time = (TODAY + dt.timedelta(days=5)).strftime("%-d %b")
    assert f'Not accepted</strong> <span class="govuk-body-s">was due {late}' in html
    assert f"Not yet accepted (by {on_time})" in html


def test_the_sql_columns_equal_the_orm_rules(caseload, work_coach):
    # The caseload's columns are correlated SQL for speed (claimants/record/caseload.py: per_claimant); each
    # must give, for every claimant, what the ORM reading of the same rule gives.
    from django.db.models import Count, OuterRef, Subquery

    from appointments.models import AgreedAction, Appointment
    from claimants.models import Claimant
    from claimants.record import caseload as registry_module

    extra = caseload["Overdue"]
    AgreedActionFactory(claimant=extra, due_on=TODAY - dt.timedelta(days=9), created_by=work_coach)
    AgreedActionFactory(
        claimant=extra,
        due_on=TODAY - dt.timedelta(days=1),
        status="done",
        completed_on=TODAY,
        created_by=work_coach,
    )
    AppointmentFactory(coach=work_coach, claimant=caseload["Booked"], starts_at=NOW + dt.timedelta(days=3))
    AppointmentFactory(
        coach=work_coach,
        claimant=caseload["Booked"],
        starts_at=NOW + dt.timedelta(hours=1),
        status="cancelled_by_claimant",
        cancelled_reason="Claimant asked",
    )

    annotations: dict = {}
    for column in registry_module.registry.columns.values():
        annotations.update(column.annotations(TODAY))
    got = {c.pk: c for c in Claimant.objects.filter(coach=work_coach).annotate(**annotations)}

    in_force = ClaimantCommitment.objects.filter(
        claimant=OuterRef("pk"), status__in=[CommitmentStatus.ISSUED, CommitmentStatus.ACCEPTED]
    )
    overdue = (
        AgreedAction.objects.filter(claimant=OuterRef("pk"), status="open", due_on__lt=TODAY)
        .values("claimant")
        .annotate(n=Count("pk"))
        .values("n")
    )
    upcoming = Appointment.objects.filter(
        claimant=OuterRef("pk"), status="booked", starts_at__gte=timezone.now()
    ).order_by("starts_at")
    expected = Claimant.objects.filter(coach=work_coach).annotate(
        review_due=Subquery(in_force.values("review_due")[:1]),
        status=Subquery(in_force.values("status")[:1]),
        accept_by=Subquery(in_force.values("accept_by")[:1]),
        overdue=Subquery(overdue[:1]),
        next_at=Subquery(upcoming.values("starts_at")[:1]),
    )
    assert len(got) == len(caseload)
    for row in expected:
        mine = got[row.pk]
        assert (mine.commitment_review_due, mine.commitment_status, mine.commitment_accept_by) == (
            row.review_due,
            row.status,
            row.accept_by,
        )
        assert mine.overdue_actions == (row.overdue or 0)
        assert mine.next_appointment_at == row.next_at
    assert got[extra.pk].overdue_actions == 2
    assert got[caseload["Booked"].pk].next_appointment_at > NOW
    assert {c.commitment_status for c in got.values()} == {"accepted", "issued", None}


def test_each_cell_says_what_its_row_holds(coach_client, caseload, work_coach):
    _commitment(caseload["Cycler"], CommitmentStatus.ACCEPTED, review_due=TODAY - dt.timedelta(days=4))
    html = coach_client.get(reverse("claimants:caseload")).content.decode()
    html = html[
        html.index('data-testid="caseload"') :
    ]  # the table (names also link from today's appointments)
    rows = {
        name: html[html.index(f">{name}</a>") :].split("</tr>")[0]
        for name in ("Sam Plain", "Sam Booked", "Sam Overdue", "Sam Cycler")
    }
    booked_at = timezone.localtime(NOW + dt.timedelta(minutes=30))
    assert f"{booked_at:%a} {booked_at.day} {booked_at:%b, %H:%M}" in rows["Sam Booked"]
    assert "None booked</strong>" in rows["Sam Plain"] and "None booked" not in rows["Sam Booked"]
    assert '<strong class="govuk-tag govuk-tag--red">1 overdue</strong>' in rows["Sam Overdue"]
    assert "No commitment" in rows["Sam Overdue"]
    review = TODAY + dt.timedelta(days=60)
    assert f"{review.day} {review:%b %Y}" in rows["Sam Plain"] and "Overdue</strong>" not in rows["Sam Plain"]
    overdue_review = TODAY - dt.timedelta(days=4)
    assert f"Overdue</strong> {overdue_review.day} {overdue_review:%b %Y}" in rows["Sam Cycler"]
