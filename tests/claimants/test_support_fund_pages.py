"""Flexible Support Fund pages (issue #16): who may open what (anonymous → sign in, wrong role → 403, another
office → 404), the request form and its errors, a team leader's decision and the payment, the budget page and the
waiting list with constant queries, the record card, the dashboard's figures and budget panel, and the admin's
rules and budgets (audited)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from claimants.models import SupportFundAward, SupportFundBudget, SupportFundRule
from claimants.support_fund.rules import Status, financial_year
from claimants.support_fund.services import support_fund_approve, support_fund_request
from iwp.dashboards.services import refresh_coach_figures
from iwp.models import AuditEvent, AuditVerb
from tests.claimants.factories import ClaimantFactory
from tests.claimants.support_fund_factories import assess, budget, default_rules
from tests.factories import TeamLeaderFactory, WorkCoachFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture(autouse=True)
def _rules(db):
    default_rules()


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def claimant(work_coach, today):
    person = ClaimantFactory(
        jobcentre=work_coach.jobcentre, coach=work_coach, first_name="Amira", last_name="Okafor"
    )
    assess(person, today, "light_touch")
    return person


@pytest.fixture
def pot(work_coach):
    return budget(work_coach.jobcentre, "1000.00")


def request_url(claimant) -> str:
    return reverse("claimants:support_fund_request", args=[claimant.pk])


def award_url(award) -> str:
    return reverse("claimants:support_fund_award", args=[award.pk])


def ask(claimant, coach, amount="250.00", purpose="travel") -> SupportFundAward:
    return support_fund_request(
        claimant=claimant, actor=coach, purpose=purpose, amount=D(amount), supplier="Northern Trains"
    )


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


GOOD = {"purpose": "training", "amount": "£1,250", "supplier": "City College", "details": "Forklift licence"}


# --- Access ------------------------------------------------------------------------------------------------------


def test_anonymous_people_are_sent_to_sign_in(client, claimant, work_coach):
    award = ask(claimant, work_coach)
    for url in (
        request_url(claimant),
        award_url(award),
        reverse("claimants:support_fund_waiting"),
        reverse("claimants:support_fund_budget"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/sign-in/" in response["Location"], url
    assert client.post(reverse("claimants:support_fund_withdraw", args=[award.pk])).status_code == 302
    award.refresh_from_db()
    assert award.status == Status.REQUESTED


def test_wrong_roles_are_403_and_other_offices_404(claimant, work_coach, lead_client, coach_client, pot):
    award = ask(claimant, work_coach)
    for url in (request_url(claimant), award_url(award), reverse("claimants:support_fund_waiting")):
        assert lead_client.get(url).status_code == 403, url
    assert coach_client.get(reverse("claimants:support_fund_waiting")).status_code == 403
    assert coach_client.post(award_url(award), {"action": "decide", "decision": "approve"}).status_code == 403
    stranger = client_for(WorkCoachFactory())
    other_leader = client_for(TeamLeaderFactory())
    for visitor in (stranger, other_leader):
        assert visitor.get(award_url(award)).status_code == 404
        assert visitor.get(request_url(claimant)).status_code == 404
        assert visitor.post(reverse("claimants:support_fund_withdraw", args=[award.pk])).status_code == 404
        assert (
            visitor.get(
                reverse("claimants:support_fund_budget"), {"jobcentre": claimant.jobcentre_id}
            ).status_code
            == 404
        )
    assert other_leader.post(award_url(award), {"action": "decide", "decision": "approve"}).status_code == 404
    # A colleague in the same office can read the award but not ask for one for someone else's claimant.
    colleague = client_for(WorkCoachFactory(team=work_coach.team))
    assert colleague.get(award_url(award)).status_code == 200
    assert colleague.get(request_url(claimant)).status_code == 403  # visible, not theirs to change (may_edit)


# --- Asking ------------------------------------------------------------------------------------------------------


def test_coach_asks_from_the_record_and_the_leader_sees_it_waiting(
    coach_client, leader_client, claimant, work_coach, pot
):
    record = coach_client.get(reverse("claimants:record", args=[claimant.pk])).content.decode()
    assert "Request a Flexible Support Fund award" in record
    assert "No awards requested yet" in record
    page = coach_client.get(request_url(claimant)).content.decode()
    assert "Regime: <strong>Light Touch</strong>" in page
    assert "Travel to work or training: eligible, up to £300.00" in page
    assert "has £1,000.00 left of £1,000.00" in page
    response = coach_client.post(
        request_url(claimant), {**GOOD, "form_token": "8d1f7c36-5d1e-4bb4-9a0e-111111111111"}
    )
    award = SupportFundAward.objects.get()
    assert response.status_code == 302 and response["Location"] == award_url(award)
    assert (award.amount, award.supplier, award.requested_by) == (D("1250.00"), "City College", work_coach)
    # Back and send again: one award.
    again = coach_client.post(
        request_url(claimant), {**GOOD, "form_token": "8d1f7c36-5d1e-4bb4-9a0e-111111111111"}
    )
    assert again.status_code == 302 and SupportFundAward.objects.count() == 1
    shown = coach_client.get(award_url(award)).content.decode()
    assert "Waiting for a decision" in shown and "Withdraw this request" in shown
    assert 'name="decision"' not in shown  # a coach never decides
    waiting = leader_client.get(reverse("claimants:support_fund_waiting"))
    assert [a.pk for a in waiting.context["awards"]] == [award.pk]
    record = coach_client.get(reverse("claimants:record", args=[claimant.pk])).content.decode()
    assert "£1,250.00" in record and "Waiting for a decision" in record


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"amount": ""}, "amount", "Enter the amount"),
        ({"amount": "0"}, "amount", "The amount must be between £0.01 and £5,000.00"),
        ({"amount": "-20"}, "amount", "The amount must be between £0.01 and £5,000.00"),
        ({"amount": "12.345"}, "amount", "no more than 2 decimal places"),
        ({"amount": "lots"}, "amount", "must be an amount of money, like 149.99"),
        ({"amount": "99999999999999999999"}, "amount", "between £0.01 and £5,000.00"),
        ({"supplier": "   "}, "supplier", "Enter who will be paid (the supplier)"),
        ({"purpose": "holiday"}, "purpose", "Select what the money is for from the list"),
        ({"purpose": ""}, "purpose", "Select what the money is for"),
        (
            {"purpose": "clothing", "amount": "250.01"},
            "amount",
            "The most that can be awarded for clothing for work",
        ),
    ],
)
def test_bad_input_is_a_message_on_the_form_and_nothing_is_saved(
    coach_client, claimant, changes, field, message
):
    response = coach_client.post(request_url(claimant), {**GOOD, **changes})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert field in response.context["form"].errors
    assert "govuk-error-summary" in response.content.decode()
    assert not SupportFundAward.objects.exists()


def test_not_eligible_shows_the_rules_reason(coach_client, claimant, today):
    claimant.assessments.update(regime="working_enough")
    page = coach_client.get(request_url(claimant)).content.decode()
    assert "Working Enough claimants are not eligible for FSF under current guidance" in page
    response = coach_client.post(request_url(claimant), GOOD)
    assert response.context["form"].errors["purpose"] == [
        "Working Enough claimants are not eligible for FSF under current guidance"
    ]
    assert not SupportFundAward.objects.exists()


def test_no_regime_for_today_can_still_ask_and_says_so(coach_client, claimant, leader_client):
    claimant.assessments.all().delete()
    page = coach_client.get(request_url(claimant)).content.decode()
    assert "Eligibility not known: no regime decided for that date" in page
    assert coach_client.post(request_url(claimant), GOOD).status_code == 302
    award = SupportFundAward.objects.get()
    waiting = leader_client.get(reverse("claimants:support_fund_waiting")).content.decode()
    assert "Not known" in waiting and "no regime decided for that date" in waiting
    shown = leader_client.get(award_url(award)).content.decode()
    assert 'data-testid="eligibility-unknown"' in shown
    assert "I have checked the claimant's regime" in shown


# --- Deciding and paying -----------------------------------------------------------------------------------------


def test_leader_approves_and_pays_from_the_award_page(leader_client, team_leader, claimant, work_coach, pot):
    award = ask(claimant, work_coach)
    page = leader_client.get(award_url(award)).content.decode()
    assert "has £1,000.00 left of £1,000.00" in page
    response = leader_client.post(award_url(award), {"action": "decide", "decision": "approve", "reason": ""})
    assert response.status_code == 302
    award.refresh_from_db()
    assert (award.status, award.decided_by, award.budget) == (Status.APPROVED, team_leader, pot)
    page = leader_client.get(award_url(award)).content.decode()
    assert "Record that it has been paid" in page and 'name="decision"' not in page
    assert leader_client.post(award_url(award), {"action": "paid", "reference": "x" * 61}).status_code == 200
    assert leader_client.post(award_url(award), {"action": "paid", "reference": "PO-1"}).status_code == 302
    award.refresh_from_db()
    assert (award.status, award.payment_reference) == (Status.PAID, "PO-1")
    # Deciding again after the fact is a message, not a change.
    again = leader_client.post(
        award_url(award), {"action": "decide", "decision": "refuse", "reason": "x"}, follow=True
    )
    assert "already been decided" in again.content.decode()
    award.refresh_from_db()
    assert award.status == Status.PAID


def test_decision_errors_are_shown_beside_the_boxes(leader_client, claimant, work_coach, pot):
    award = ask(claimant, work_coach)
    nothing = leader_client.post(award_url(award), {"action": "decide"})
    assert nothing.status_code == 200
    assert "Select approve or refuse" in nothing.content.decode()
    no_reason = leader_client.post(
        award_url(award), {"action": "decide", "decision": "refuse", "reason": " "}
    )
    assert "Enter the reason for refusing the award" in no_reason.content.decode()
    assert no_reason.content.decode().startswith("<!DOCTYPE html>")
    assert "<title>Error:" in no_reason.content.decode()
    refused = leader_client.post(
        award_url(award), {"action": "decide", "decision": "refuse", "reason": "A free course is available"}
    )
    assert refused.status_code == 302
    award.refresh_from_db()
    assert (award.status, award.decision_reason) == (Status.REFUSED, "A free course is available")


def test_over_the_budget_is_refused_with_what_is_left(leader_client, team_leader, claimant, work_coach, pot):
    first, second = ask(claimant, work_coach, "250.00"), ask(claimant, work_coach, "250.00")
    pot.amount = D("400.00")
    pot.save()
    support_fund_approve(award=first, actor=team_leader)
    response = leader_client.post(award_url(second), {"action": "decide", "decision": "approve"})
    assert response.status_code == 200
    assert (
        "Approving £250.00 would overspend the budget: £150.00 is left of £400.00"
        in response.content.decode()
    )
    second.refresh_from_db()
    assert second.status == Status.REQUESTED


def test_unknown_eligibility_needs_the_box_ticked(leader_client, claimant, work_coach, pot):
    claimant.assessments.all().delete()
    award = ask(claimant, work_coach)
    unticked = leader_client.post(award_url(award), {"action": "decide", "decision": "approve"})
    assert "Eligibility is not known: confirm you have checked" in unticked.content.decode()
    ticked = leader_client.post(
        award_url(award), {"action": "decide", "decision": "approve", "confirm_unknown_eligibility": "on"}
    )
    assert ticked.status_code == 302
    award.refresh_from_db()
    assert award.status == Status.APPROVED


def test_a_leader_cannot_decide_their_own_request(claimant, team_leader, pot):
    award = ask(claimant, team_leader)
    client = client_for(team_leader)
    page = client.get(award_url(award)).content.decode()
    assert "another team leader must decide it" in page and 'name="decision"' not in page
    assert client.post(award_url(award), {"action": "decide", "decision": "approve"}).status_code == 403


def test_coach_withdraws_a_request(coach_client, claimant, work_coach):
    award = ask(claimant, work_coach)
    response = coach_client.post(reverse("claimants:support_fund_withdraw", args=[award.pk]), follow=True)
    assert "Request withdrawn" in response.content.decode()
    award.refresh_from_db()
    assert award.status == Status.WITHDRAWN
    again = coach_client.post(reverse("claimants:support_fund_withdraw", args=[award.pk]), follow=True)
    assert "already withdrawn" in again.content.decode()
    assert AuditEvent.objects.filter(verb=AuditVerb.WITHDRAWN).count() == 1


# --- Lists with constant queries ------------------------------------------------------------------------------------


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


def test_lists_and_the_record_cost_the_same_queries_however_many_awards(
    leader_client, coach_client, team_leader, claimant, work_coach
):
    budget(work_coach.jobcentre, "100000.00")
    urls = [
        (leader_client, reverse("claimants:support_fund_waiting"), None),
        (leader_client, reverse("claimants:support_fund_budget"), None),
        (coach_client, reverse("claimants:record", args=[claimant.pk]), None),
    ]

    def grow(n: int) -> None:
        for _ in range(n):
            other = ClaimantFactory(jobcentre=work_coach.jobcentre, coach=work_coach)
            assess(other, timezone.localdate(), "intensive_work_search")
            ask(other, work_coach)
            support_fund_approve(award=ask(other, work_coach), actor=team_leader)
            ask(claimant, work_coach)

    grow(1)
    before = [_queries(c, u, p) for c, u, p in urls]
    grow(6)
    assert [_queries(c, u, p) for c, u, p in urls] == before


def test_budget_page_sums_equal_the_dashboard_panel(leader_client, team_leader, claimant, work_coach, today):
    pot = budget(work_coach.jobcentre, "2000.00")
    one, two = ask(claimant, work_coach, "100.00"), ask(claimant, work_coach, "250.00")
    ask(claimant, work_coach, "40.00")  # waiting
    support_fund_approve(award=one, actor=team_leader)
    support_fund_approve(award=two, actor=team_leader)
    leader_client.post(award_url(two), {"action": "paid", "reference": ""})
    dashboard = leader_client.get(reverse("iwp:team_dashboard")).content.decode()
    panel = dashboard[dashboard.index('data-testid="support-fund-budgets"') :]
    assert 'data-testid="committed">£100.00' in panel
    assert 'data-testid="spent">£250.00' in panel
    assert 'data-testid="left">£1,650.00' in panel
    assert "1 (£40.00)" in panel
    link = (
        reverse("claimants:support_fund_budget")
        + f"?jobcentre={pot.jobcentre_id}&amp;year={financial_year(today)}"
    )
    assert link in panel
    page = leader_client.get(
        reverse("claimants:support_fund_budget"),
        {"jobcentre": pot.jobcentre_id, "year": financial_year(today)},
    )
    summary = page.context["summary"]
    assert (summary.committed, summary.spent, summary.remaining, summary.waiting_count) == (
        D("100.00"),
        D("250.00"),
        D("1650.00"),
        1,
    )
    # The list behind committed + spent: exactly the two awards, adding up to the same sums.
    awards = page.context["awards"]
    assert sorted(a.pk for a in awards) == sorted([one.pk, two.pk])
    assert sum(a.amount for a in awards) == summary.committed + summary.spent


def test_budget_page_choices_and_errors(admin_client_iwp, coach_client, work_coach, today):
    budget(work_coach.jobcentre, "500.00", year=financial_year(today) - 1)
    page = coach_client.get(reverse("claimants:support_fund_budget")).content.decode()
    assert 'data-testid="no-budget"' in page  # nothing set for this year yet
    old = coach_client.get(reverse("claimants:support_fund_budget"), {"year": financial_year(today) - 1})
    assert old.context["summary"].amount == D("500.00")
    bad = coach_client.get(reverse("claimants:support_fund_budget"), {"year": "1900"})
    assert bad.status_code == 200 and "Choose a financial year from the list" in bad.content.decode()
    garbage = coach_client.get(reverse("claimants:support_fund_budget"), {"jobcentre": "abc"})
    assert garbage.status_code == 200 and "Choose a jobcentre from the list" in garbage.content.decode()
    # An administrator may open any jobcentre's budget.
    assert (
        admin_client_iwp.get(
            reverse("claimants:support_fund_budget"), {"jobcentre": work_coach.jobcentre_id}
        ).status_code
        == 200
    )


# --- Dashboard and navigation ----------------------------------------------------------------------------------------


def test_dashboard_shows_awards_by_purpose_and_the_share_followed_by_progress(
    leader_client, team_leader, claimant, work_coach, today, django_capture_on_commit_callbacks
):
    budget(work_coach.jobcentre, "5000.00")
    with django_capture_on_commit_callbacks(execute=True):
        for purpose in ("training", "travel"):
            support_fund_approve(award=ask(claimant, work_coach, "100", purpose), actor=team_leader)
        ask(claimant, work_coach, "10", "tools")
    # One award from 8 months ago whose outcome is known.
    old = ask(claimant, work_coach, "100", "clothing")
    support_fund_approve(award=old, actor=team_leader)
    SupportFundAward.objects.filter(pk=old.pk).update(
        awarded_on=today - dt.timedelta(days=240), outcome="progressed"
    )
    refresh_coach_figures()
    page = leader_client.get(reverse("iwp:team_dashboard"), {"period": 12})
    tile = next(t for t in page.context["tiles"] if t["key"] == "support_fund")
    values = {i["key"]: i for i in tile["items"]}
    assert values["fsf_waiting"]["value"] == 1
    assert values["fsf_awards"]["value"] == 3
    assert (
        values["fsf_training"]["value"],
        values["fsf_travel"]["value"],
        values["fsf_clothing"]["value"],
    ) == (1, 1, 1)
    assert values["fsf_progressed"]["value"] == 1 and values["fsf_progressed"]["percent"] == 100
    assert values["fsf_not_known_yet"]["value"] == 2
    assert all(
        "url" not in i for i in tile["items"]
    )  # counts of awards, not claimant lists: no caseload links
    three = leader_client.get(reverse("iwp:team_dashboard"), {"period": 3})
    tile = next(t for t in three.context["tiles"] if t["key"] == "support_fund")
    assert {i["key"]: i["value"] for i in tile["items"]}["fsf_awards"] == 2
    assert "Flexible Support Fund" in page.content.decode()


def figure_of(client, key: str) -> int:
    page = client.get(reverse("iwp:team_dashboard"))
    tile = next(t for t in page.context["tiles"] if t["key"] == "support_fund")
    return next(i["value"] for i in tile["items"] if i["key"] == key)


def test_a_decision_is_on_the_dashboard_as_soon_as_it_is_saved(
    leader_client, team_leader, claimant, work_coach, django_capture_on_commit_callbacks
):
    budget(work_coach.jobcentre, "5000.00")
    with django_capture_on_commit_callbacks(execute=True):  # the request's own recount runs
        award = ask(claimant, work_coach)
    assert figure_of(leader_client, "fsf_waiting") == 1  # counted when the request was saved

    def figure(key: str) -> int:
        return figure_of(leader_client, key)

    assert figure("fsf_awards") == 0
    with django_capture_on_commit_callbacks(execute=True):
        leader_client.post(award_url(award), {"action": "decide", "decision": "approve"})
    assert (figure("fsf_waiting"), figure("fsf_awards"), figure("fsf_travel")) == (0, 1, 1)


def test_dashboard_queries_stay_constant_with_awards(leader_client, team_leader, claimant, work_coach):
    budget(work_coach.jobcentre, "100000.00")
    refresh_coach_figures()
    before = _queries(leader_client, reverse("iwp:team_dashboard"))
    for _ in range(5):
        support_fund_approve(award=ask(claimant, work_coach), actor=team_leader)
    refresh_coach_figures()
    assert _queries(leader_client, reverse("iwp:team_dashboard")) == before


def test_team_leaders_have_the_fund_in_their_menu(leader_client, coach_client):
    page = leader_client.get(reverse("claimants:support_fund_waiting"))
    current = [i["label"] for i in page.context["service_nav"] if i["active"]]
    assert current == ["Flexible Support Fund"]  # one current page, not "Caseloads" as well
    assert page.content.decode().count('aria-current="page"') == 1
    nav = [i["label"] for i in coach_client.get(reverse("claimants:caseload")).context["service_nav"]]
    assert "Flexible Support Fund" not in nav


# --- Administration ---------------------------------------------------------------------------------------------------


def test_admin_edits_rules_and_budgets_and_every_change_is_audited(work_coach, administrator):
    administrator.is_staff = administrator.is_superuser = True
    administrator.save()
    admin_client_iwp = client_for(administrator)
    rule = SupportFundRule.objects.get(regime="working_enough", purpose="")
    url = reverse("admin:claimants_supportfundrule_change", args=[rule.pk])
    refused = admin_client_iwp.post(
        url,
        {
            "regime": "working_enough",
            "purpose": "",
            "eligible": "",
            "maximum_amount": "",
            "reason": "",
            "_save": "Save",
        },
    )
    assert refused.status_code == 200
    assert "Give the reason shown when the claimant is not eligible" in refused.content.decode()
    changed = admin_client_iwp.post(
        url,
        {
            "regime": "working_enough",
            "purpose": "",
            "eligible": "on",
            "maximum_amount": "500",
            "reason": "",
            "_save": "Save",
        },
    )
    assert changed.status_code == 302
    rule.refresh_from_db()
    assert rule.eligible and rule.maximum_amount == D("500.00")
    event = AuditEvent.objects.get(verb=AuditVerb.UPDATED, target_type="claimants.supportfundrule")
    assert event.actor == administrator and "eligible" in event.payload["changed"]

    add = reverse("admin:claimants_supportfundbudget_add")
    year = financial_year(timezone.localdate())
    data = {"jobcentre": work_coach.jobcentre_id, "financial_year": year, "amount": "-1", "_save": "Save"}
    assert admin_client_iwp.post(add, data).status_code == 200
    assert admin_client_iwp.post(add, {**data, "amount": "20000"}).status_code == 302
    duplicate = admin_client_iwp.post(add, {**data, "amount": "1"})
    assert "already has a budget for that financial year" in duplicate.content.decode()
    assert SupportFundBudget.objects.get().amount == D("20000.00")
    assert (
        AuditEvent.objects.filter(verb=AuditVerb.CREATED, target_type="claimants.supportfundbudget").count()
        == 1
    )
    home = admin_client_iwp.get(reverse("iwp:admin_home")).content.decode()
    assert reverse("claimants:support_fund_budget") in home
    assert reverse("admin:claimants_supportfundrule_changelist") in home
