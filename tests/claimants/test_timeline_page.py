"""The whole timeline (issue #16): every kind of entry in one chronological list, in the right words, with
filters by kind and dates, restricted information kept out, the record's scoping rule, and a fixed number of
queries however long the story."""

import datetime as dt
import re
from decimal import Decimal
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appointments.models import AgreedAction, CaseNote, ContactAttempt, GoodReasonDecision
from claimants.models import (
    Circumstance,
    ClaimantCommitment,
    CoachAssignment,
    EarningsRecord,
    Easement,
    RegimeAssessment,
)
from iwp.models import AuditEvent, AuditVerb, CoachAbsence
from provision.models import Referral, ReferralStatusChange
from tests.appointments.factories import AppointmentFactory, london
from tests.claimants.timeline_story import Story, _at
from tests.factories import (
    JobcentreFactory,
    ProgressionLeadFactory,
    TeamLeaderFactory,
    WorkCoachFactory,
    govuk_date,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(team):
    return Story(team)


def _client(client, user):
    client.force_login(user)
    return client


def _url(story, **params):
    from urllib.parse import urlencode

    base = reverse("claimants:timeline", args=[story.claimant.pk])
    return f"{base}?{urlencode(params, doseq=True)}" if params else base


ITEM = re.compile(
    r'<div class="moj-timeline__item" data-kind="(?P<kind>[^"]+)">.*?<h3 class="moj-timeline__title">(?P<title>.*?)</h3>'
    r'.*?<p class="moj-timeline__date"><time datetime="[^"]*">(?P<when>.*?)</time></p>'
    r'(?:\s*<div class="moj-timeline__description">(?P<text>.*?)</div>)?',
    re.S,
)


def items(html: str) -> list[dict[str, str]]:
    found = []
    for m in ITEM.finditer(html):
        found.append(
            {
                "kind": m["kind"],
                "title": unescape(re.sub(r"<[^>]+>", "", m["title"])).strip(),
                "when": unescape(m["when"]).strip(),
                "text": unescape(re.sub(r"<br>", "\n", m["text"] or "")).strip(),
            }
        )
    return found


def _get(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


# --- Every kind, in order, in the right words ---------------------------------------------------------------


def test_every_kind_appears_in_order_with_its_words(client, story):
    html = _get(_client(client, story.ben), _url(story))
    found = items(html)
    assert [(i["kind"], i["title"]) for i in found] == Story.EXPECTED
    by_title = {i["title"]: i for i in found}

    assert by_title["Ann Archer became the work coach"]["text"] == "Reason: New claimant"
    assert by_title["Ann Archer became the work coach"]["when"] == "6 January 2025 at 09:00"
    handover = by_title["Handed over from Ann Archer to Ben Baker"]["text"]
    assert "Reason: Caseload rebalancing" in handover and "By Ann Archer." in handover
    assert "Handover summary: Prefers phone calls; working towards 30 hours at the bakery." in handover

    attended, missed = found[-2], found[10]
    assert attended["text"] == "Face to face with Ann Archer, 30 minutes – Attended"
    assert missed["text"] == "Face to face with Ben Baker, 30 minutes – Failed to attend"
    assert missed["when"] == "10 February 2025 at 10:00"
    contact = by_title["Contact attempt: phone call"]
    assert contact["text"] == (
        "No answer; left a voicemail\nBy Ben Baker, about the progression review on 10 February 2025 at 10:00."
    )
    assert by_title["Good reason accepted"]["text"] == (
        "Her shift was changed at short notice\n"
        "By Ben Baker, about the progression review on 10 February 2025 at 10:00."
    )
    assert by_title["Note by Ann Archer"]["text"] == "Wants more hours at the bakery."
    assert by_title["Action agreed: Ask employer for more hours"]["text"] == (
        "Ask the manager for 4 more hours a week\nDue by 31 January 2025."
    )
    done = by_title["Action done: Ask employer for more hours"]
    assert done["when"] == "28 January 2025"  # a date, not a time
    assert by_title["Claimant commitment version 1 issued"]["text"] == "To be accepted by 22 January 2025."
    assert by_title["Claimant commitment version 1 accepted"]["text"] == "Review due by 16 April 2025."
    assert by_title["Circumstance recorded: Childcare"]["text"] == "Nursery closes at 5"
    assert by_title["Referred to Bakery skills bootcamp"]["text"] == "Leeds College. Recorded by Ben Baker."
    assert by_title["Referral to Bakery skills bootcamp: accepted"]["text"] == (
        "Leeds College. Recorded by Ben Baker.\nIt happened on 7 March 2025.\nStarts in April"
    )
    regime = by_title["Regime change: Intensive Work Search → Light Touch"]
    assert regime["when"] == "Assessment period from 10 March 2025"
    assert regime["text"] == "Jo earned £900.00, so Jo is in the Light Touch regime."
    assert by_title["Earnings recorded"]["text"] == (
        "£900.00 from employment in the assessment period from 10 February 2025 (HMRC Real Time Information)."
    )
    cover = by_title["Cara Cole covered while Ben Baker was away"]
    assert cover["when"] == "17 March 2025"
    assert cover["text"] == (
        "Ben Baker was away from 17 March 2025 to 21 March 2025; Cara Cole took their appointments."
    )
    # Links to where the detail lives.
    assert reverse("provision:referral_detail", args=[story.referral.pk]) in html
    assert reverse("claimants:commitment_version", args=[story.claimant.pk, 1]) in html
    assert reverse("claimants:claimant_regime", args=[story.claimant.pk]) in html


def test_outcomes_cancellations_and_corrections_are_told(client, story):
    c = story.claimant
    AppointmentFactory(
        claimant=c,
        coach=story.ben,
        starts_at=london(2025, 4, 1, 14),
        status="cancelled_by_claimant",
        cancelled_reason="Called in sick",
    )
    AppointmentFactory(claimant=c, coach=story.ben, starts_at=london(2025, 4, 2, 9), length_minutes=10)
    AppointmentFactory(claimant=c, coach=story.ben, channel="phone", length_minutes=20)
    EarningsRecord.objects.filter(claimant=c).update(is_current=False, superseded_at=london(2025, 4, 3, 9))
    EarningsRecord.objects.create(
        claimant=c,
        period_start=dt.date(2025, 2, 10),
        employed_earnings=Decimal("950"),
        self_employed_earnings=Decimal("40"),
        source="manual",
        received_at=london(2025, 4, 3, 9),
    )
    found = items(_get(_client(client, story.ben), _url(story)))
    assert (found[0]["title"], found[0]["text"]) == (
        "Appointment: Progression review",
        "Phone with Ben Baker, 20 minutes – Booked",
    )
    assert [(i["title"], i["text"]) for i in found[1:4]] == [
        (
            "Earnings corrected",
            "£950.00 from employment and £40.00 from self-employment in the assessment period from "
            "10 February 2025 (Entered by staff).",
        ),
        (
            "Appointment: Progression review",
            "Face to face with Ben Baker, 10 minutes – Outcome not recorded yet",
        ),
        (
            "Appointment: Progression review",
            "Face to face with Ben Baker, 30 minutes – Cancelled by the claimant: Called in sick",
        ),
    ]


def test_the_plan_self_assessments_and_support_fund_join_the_story(client, story):
    """The other parts of issue #16 register their events in one line each; they sit in the same list and
    filter like any kind."""
    from claimants.progression import rules
    from claimants.progression.services import self_assessment_record
    from claimants.support_fund.services import support_fund_request
    from tests.claimants.support_fund_factories import default_rules

    default_rules()
    self_assessment_record(
        claimant=story.claimant,
        actor=story.ben,
        assessed_on=dt.date(2025, 3, 11),
        scores={q.key: 3 for q in rules.QUESTIONS},
    )
    support_fund_request(
        claimant=story.claimant,
        actor=story.ben,
        purpose="training",
        amount=Decimal("450.00"),
        supplier="City College",
    )
    c = _client(client, story.ben)
    found = items(_get(c, _url(story)))
    assert (found[0]["kind"], found[0]["title"]) == ("support_fund", "Flexible Support Fund award requested")
    assert "£450.00" in found[0]["text"] and "City College" in found[0]["text"]
    titles = [(i["kind"], i["title"]) for i in found]
    # Assessed on 11 March (recorded later): shown on that day, between the regime change and the earnings.
    at = titles.index(("progression", "Self-assessment recorded by Ben Baker"))
    assert titles[at - 1] == ("earnings", "Earnings recorded") and found[at]["when"] == "11 March 2025"
    only = items(_get(c, _url(story, kind="support_fund")))
    assert [i["title"] for i in only] == ["Flexible Support Fund award requested"]


# --- Restricted information -------------------------------------------------------------------------------


def test_restricted_detail_never_reaches_the_timeline(client, story):
    colleague = story.cara  # same office, not the claimant's coach
    for viewer in (story.ben, colleague):
        html = _get(_client(client, viewer), _url(story))
        for secret in ("Do not phone after 6pm", "Domestic abuse", "domestic abuse", "Moving to a refuge"):
            assert secret not in html
        restricted = [i for i in items(html) if i["title"] == "Restricted information recorded"]
        assert len(restricted) == 2
        assert all(
            i["text"] == "Only the claimant's work coach and team leader can see what it was."
            for i in restricted
        )
        # The absence's kind and note are the coach's own business.
        assert "Sickness" not in html and "Flu" not in html
        # The commitment's easements and requirements stay on its own page.
        assert "hospital visits" not in html
    # Only those who may read restricted information are offered it (and the look is audited there).
    ben = _get(_client(client, story.ben), _url(story))
    assert reverse("claimants:reveal_sensitive", args=[story.claimant.pk]) in ben
    assert "Prefers phone calls" in ben
    cara = _get(_client(client, colleague), _url(story))
    assert reverse("claimants:reveal_sensitive", args=[story.claimant.pk]) not in cara
    assert "Only the claimant's work coach and team leader can see these." in cara
    assert "Prefers phone calls" not in cara  # the handover summary is for the coach and team leader
    assert "A handover summary was written for the new work coach." in cara
    assert not AuditEvent.objects.filter(verb=AuditVerb.VIEWED_SENSITIVE).exists()


def test_a_sensitive_health_barrier_and_its_resolution_are_restricted(client, story):
    Circumstance.objects.create(
        claimant=story.claimant,
        kind="health",
        detail="Back pain",
        sensitive=True,
        resolved_on=dt.date(2025, 5, 1),
    )
    html = _get(_client(client, story.ben), _url(story))
    assert "Back pain" not in html and "Health" not in html
    assert [i["title"] for i in items(html)[:2]] == ["Restricted information recorded"] * 2


# --- Filters ----------------------------------------------------------------------------------------------


def test_filter_by_kind(client, story):
    html = _get(_client(client, story.ben), _url(story, kind=["notes", "referrals"]))
    assert [i["title"] for i in items(html)] == [
        "Referral to Bakery skills bootcamp: accepted",
        "Referred to Bakery skills bootcamp",
        "Note by Ann Archer",
    ]
    assert "Showing case notes, referrals and signposting." in unescape(html)
    ticked = re.findall(r'value="(\w+)"\s+checked', html)
    assert ticked == ["notes", "referrals"]
    assert "csrfmiddlewaretoken" not in html.split('data-testid="timeline-filters"')[1].split("</form>")[0]


def test_filter_by_dates_is_inclusive_and_keeps_dated_entries(client, story):
    c = _client(client, story.ben)
    html = _get(
        c, _url(story, **govuk_date("date_from", "2025-02-10"), **govuk_date("date_to", "2025-02-12"))
    )
    assert [i["title"] for i in items(html)] == [
        "Restricted information recorded",
        "Restricted information recorded",
        "Circumstance recorded: Childcare",
        "Good reason accepted",
        "Contact attempt: phone call",
        "Appointment: Progression review",
    ]
    assert "from 10 February 2025 up to 12 February 2025" in html
    one_day = _url(story, **govuk_date("date_from", "2025-01-28"), **govuk_date("date_to", "2025-01-28"))
    assert [i["title"] for i in items(_get(c, one_day))] == ["Action done: Ask employer for more hours"]
    before = _url(story, **govuk_date("date_to", "2025-01-27"), kind="actions")
    assert [i["title"] for i in items(_get(c, before))] == ["Action agreed: Ask employer for more hours"]
    since = _url(story, **govuk_date("date_from", "2025-03-17"))
    assert [i["title"] for i in items(_get(c, since))] == ["Cara Cole covered while Ben Baker was away"]
    nothing = _url(story, kind="notes", **govuk_date("date_from", "2025-03-01"))
    assert "Nothing recorded that matches these filters." in _get(c, nothing)


def test_unknown_kinds_and_cursors_are_ignored(client, story):
    c = _client(client, story.ben)
    assert len(items(_get(c, _url(story, kind="nonsense")))) == len(Story.EXPECTED)
    for before, skip in (("yesterday", "1"), ("2025-13-45T00:00", "x"), ("2025-03-01T10:00", "1"), ("", "")):
        assert len(items(_get(c, _url(story, before=before, skip=skip)))) == len(Story.EXPECTED)


@pytest.mark.parametrize(
    "params, message",
    [
        ({**govuk_date("date_from", "2025-02-31")}, "The date to show from must be a real date"),
        (
            {"date_from_0": "1", "date_from_1": "2", "date_from_2": ""},
            "The date to show from must include a year",
        ),
        ({**govuk_date("date_to", "20255-01-01")}, "The date to show up to must be a real date"),
        ({"date_to_0": "99999999999999999999", "date_to_1": "1", "date_to_2": "2025"}, "must be a real date"),
        ({**govuk_date("date_from", "1999-01-01")}, "must be on or after 29 April 2013"),
        (
            {**govuk_date("date_from", "2025-03-01"), **govuk_date("date_to", "2025-02-01")},
            "The date to show up to must be the same as or after the date to show from",
        ),
    ],
)
def test_bad_dates_get_an_error_message_not_a_500(client, story, params, message):
    response = _client(client, story.ben).get(_url(story, **params))
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "There is a problem" in html and message in html
    assert "<title>Error: " in html
    assert "Correct the dates to see the timeline." in html
    assert not items(html)
    # Each message in the summary leads to a box on the page (the day of the date it is about).
    start = html.index('class="govuk-error-summary"')
    summary = html[start : html.index("</ul>", start)]
    targets = re.findall(r'href="#([^"]+)"', summary)
    assert targets and all(f'id="{t}"' in html for t in targets)
    assert all(t.endswith("_0") for t in targets)


HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    "box", ["date_from_0", "date_from_1", "date_from_2", "date_to_0", "date_to_1", "date_to_2"]
)
@pytest.mark.parametrize("value", ["\x00", HUGE, "-1", "0", "1e400", "x" * 10_000])
def test_hostile_date_boxes_get_a_message_never_a_500(client, story, box, value):
    params = {**govuk_date(box[:-2], "2025-03-01"), box: value}
    response = _client(client, story.ben).get(_url(story, **params))
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()


@pytest.mark.parametrize(
    "year, message", [("1900", "when Universal Credit began"), ("2099", "must be on or before")]
)
def test_dates_outside_any_story_are_refused(client, story, year, message):
    response = _client(client, story.ben).get(_url(story, **govuk_date("date_to", f"{year}-01-05")))
    assert message in unescape(response.content.decode())


def test_hostile_kinds_and_cursors_are_ignored(client, story):
    c = _client(client, story.ben)
    for params in (
        {"kind": ["\x00", HUGE, "x" * 10_000]},
        {"before": "\x00", "skip": HUGE},
        {"before": "2025-03-01T10:00:00+00:00", "skip": HUGE},
        {"before": "9999-12-31T23:59:59.999999+00:00", "skip": "1"},
        {"before": "0001-01-01T00:00:00+00:00"},
    ):
        assert client.get(_url(story, **params)).status_code == 200
    assert len(items(_get(c, _url(story, kind=HUGE)))) == len(Story.EXPECTED)


# --- Pages of the whole timeline --------------------------------------------------------------------------


def test_show_older_pages_through_everything_once(client, story):
    c = _client(client, story.ben)
    start = london(2025, 5, 1, 9)
    for n in range(30):
        note = CaseNote.objects.create(claimant=story.claimant, author=story.ben, text=f"Note {n}")
        # Ten notes share each time: ties across the page boundary.
        _at(CaseNote, note.pk, created_at=start + dt.timedelta(minutes=n // 10))
    seen, url, pages = [], _url(story), 0
    while url:
        html = _get(c, url)
        seen += [(i["title"], i["text"]) for i in items(html)]
        pages += 1
        assert pages <= 5, "the cursor does not move on"
        older = re.search(r'href="([^"]+)" rel="next" data-testid="older"', html)
        url = reverse("claimants:timeline", args=[story.claimant.pk]) + unescape(older[1]) if older else None
        if pages > 1:
            assert "Newest entries" in html
    assert pages == 2
    assert (
        len(seen) == 30 + len(Story.EXPECTED) == len(set(seen)) + 1
    )  # the two restricted entries look alike
    assert {t for _, t in seen if t.startswith("Note ")} == {f"Note {n}" for n in range(30)}


# --- The record's card --------------------------------------------------------------------------------------


def test_the_record_shows_the_latest_fifteen_and_links_to_the_whole(client, story):
    html = _get(_client(client, story.ben), reverse("claimants:record", args=[story.claimant.pk]))
    card = html[html.index('<h2 class="govuk-heading-m">Timeline</h2>') :]
    assert [(i["kind"], i["title"]) for i in items(card)] == Story.EXPECTED[:15]
    assert f'href="{_url(story)}" data-testid="whole-timeline"' in card
    assert "Do not phone after 6pm" not in html


# --- Access -----------------------------------------------------------------------------------------------


def test_access_follows_the_record(client, story, team):
    url = _url(story)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    elsewhere = WorkCoachFactory(team__jobcentre=JobcentreFactory())
    assert _client(client, elsewhere).get(url).status_code == 404
    lead = ProgressionLeadFactory(jobcentre=team.jobcentre)
    assert _client(client, lead).get(url).status_code == 403
    leader = TeamLeaderFactory(team=team)
    html = _get(_client(client, leader), url)
    assert "Prefers phone calls" in html  # a team leader of the jobcentre may read the handover summary
    missing = reverse("claimants:timeline", args=[story.claimant.pk + 1000])
    assert _client(client, story.ben).get(missing).status_code == 404


# --- Queries ----------------------------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _more_of_everything(story, n: int) -> None:
    c = story.claimant
    for i in range(n):
        when = london(2025, 6, 1 + i, 10)
        a = AppointmentFactory(claimant=c, coach=story.ben, starts_at=when, status="failed_to_attend")
        ContactAttempt.objects.create(
            appointment=a, at=when, method="sms", result=f"Texted {i}", recorded_by=story.ben
        )
        GoodReasonDecision.objects.create(
            appointment=a, decision="not_accepted", reason="No reason given", decided_by=story.ben, at=when
        )
        CaseNote.objects.create(claimant=c, author=story.ben, text=f"More {i}")
        AgreedAction.objects.create(
            claimant=c,
            category="training",
            description=f"Course {i}",
            due_on=dt.date(2025, 7, 1),
            status="not_done",
            completed_on=dt.date(2025, 7, 2),
            created_by=story.ben,
        )
        ClaimantCommitment.objects.create(
            claimant=c, version=2 + i, status="superseded", expected_hours=Decimal(35), issued_at=when
        )
        referral = Referral.objects.create(
            claimant=c,
            offer=story.referral.offer,
            status="declined",
            created_by=story.ben,
            last_update_on=when.date(),
        )
        ReferralStatusChange.objects.create(
            referral=referral, to_status="referred", on=when.date(), by=story.ben
        )
        ReferralStatusChange.objects.create(
            referral=referral, from_status="referred", to_status="declined", on=when.date(), by=story.ben
        )
        CoachAssignment.objects.filter(claimant=c, unassigned_at__isnull=True).update(unassigned_at=when)
        CoachAssignment.objects.create(
            claimant=c, coach=story.cara if i % 2 == 0 else story.ben, assigned_at=when, assigned_by=story.ann
        )
        CoachAbsence.objects.create(
            coach=story.ben,
            kind="holiday",
            starts_on=dt.date(2026, 1, 1) + dt.timedelta(days=10 * i),
            ends_on=dt.date(2026, 1, 2) + dt.timedelta(days=10 * i),
            covered_by=story.ann,
            recorded_by=story.ann,
        )
        Circumstance.objects.create(claimant=c, kind="transport", detail=f"Bus {i}", resolved_on=when.date())
        Easement.objects.create(
            claimant=c, kind="temporary", starts_on=when.date(), ends_on=when.date() + dt.timedelta(days=30)
        )
        EarningsRecord.objects.create(
            claimant=c,
            period_start=dt.date(2024, 1 + i, 10),
            employed_earnings=Decimal(800 + i),
            received_at=when,
        )
        RegimeAssessment.objects.create(
            claimant=c,
            period_start=dt.date(2024, 1 + i, 10),
            period_end=dt.date(2024, 2 + i, 9),
            regime="working_enough" if i % 2 else "light_touch",
            previous_regime="light_touch" if i % 2 else "working_enough",
            cause="earnings",
            employed_earnings=Decimal(800),
            self_employed_earnings=Decimal(0),
            aet_individual=Decimal(892),
            cet_individual=Decimal(1600),
            explanation=["Worked out."],
        )


def test_the_timeline_page_costs_the_same_queries_however_long_the_story(client, story):
    c = _client(client, story.ben)
    filtered = _url(story, kind=["appointments", "referrals"], **govuk_date("date_from", "2025-01-01"))
    record = reverse("claimants:record", args=[story.claimant.pk])
    urls = (_url(story), filtered, record)
    before = [_queries(c, url) for url in urls]
    _more_of_everything(story, 10)
    html = _get(c, _url(story))
    assert len(items(html)) == 25 and 'data-testid="older"' in html
    assert [_queries(c, url) for url in urls] == before
