"""Referral limbo counts working days without the bank holidays of the claimant's jobcentre's nation."""

import datetime as dt

import pytest

from iwp.bank_holidays import bank_holidays
from iwp.models import Nation
from provision import services
from provision.tasks import flag_limbo_referrals_task
from tests.provision.factories import ReferralFactory

D = dt.date


def test_each_nation_has_its_own_bank_holidays():
    eng = bank_holidays(Nation.ENGLAND_AND_WALES, 2026, 2027)
    sct = bank_holidays(Nation.SCOTLAND, 2026, 2027)
    nir = bank_holidays(Nation.NORTHERN_IRELAND, 2026, 2027)
    # Easter 2026: Good Friday everywhere, Easter Monday not in Scotland.
    assert {D(2026, 4, 3), D(2026, 4, 6)} <= eng and {D(2026, 4, 3), D(2026, 4, 6)} <= nir
    assert D(2026, 4, 3) in sct and D(2026, 4, 6) not in sct
    # Summer: the first Monday of August in Scotland, the last elsewhere.
    assert D(2026, 8, 3) in sct and D(2026, 8, 31) not in sct and D(2026, 8, 31) in eng
    # St Andrew's Day, 2 January (observed on Monday 4 January 2027), St Patrick's Day, the Boyne.
    assert {D(2026, 11, 30), D(2027, 1, 4)} <= sct and not {D(2026, 11, 30), D(2027, 1, 4)} & eng
    assert {D(2027, 3, 17), D(2027, 7, 12)} <= nir and not {D(2027, 3, 17), D(2027, 7, 12)} & eng
    # Boxing Day 2026 is a Saturday: observed on Monday 28 December in every nation.
    assert D(2026, 12, 28) in eng and D(2026, 12, 28) in sct and D(2026, 12, 28) in nir


@pytest.fixture
def referral_in(work_coach, shift_worker, offers):
    """A referral from the coach's jobcentre, set to the given nation, last updated on the given day."""

    def make(nation: str, last_update_on: dt.date, limbo_days: int = 10):
        jobcentre = shift_worker.jobcentre
        jobcentre.nation = nation
        jobcentre.save()
        offer = offers["evening"]
        offer.limbo_days = limbo_days
        offer.save()
        return ReferralFactory(
            claimant=shift_worker, offer=offer, created_by=work_coach, last_update_on=last_update_on
        )

    return make


def test_a_referral_made_before_easter_is_not_chased_early_in_england(referral_in):
    # 10 working days after Friday 27 March 2026 would be Friday 10 April; Good Friday (3 April) and
    # Easter Monday (6 April) are bank holidays, so the tenth working day is Tuesday 14 April.
    referral_in(Nation.ENGLAND_AND_WALES, D(2026, 3, 27))
    assert services.flag_limbo_referrals(today=D(2026, 4, 10)) == 0
    assert services.flag_limbo_referrals(today=D(2026, 4, 13)) == 0
    assert services.flag_limbo_referrals(today=D(2026, 4, 14)) == 1


def test_the_daily_task_counts_bank_holidays_too(referral_in):
    referral_in(Nation.ENGLAND_AND_WALES, D(2026, 3, 27))
    assert flag_limbo_referrals_task.delay("2026-04-10").get() == {"flagged": 0}
    assert flag_limbo_referrals_task.delay("2026-04-14").get() == {"flagged": 1}


def test_scotland_works_on_easter_monday(referral_in):
    # Only Good Friday is a bank holiday at Easter in Scotland: the tenth working day is Monday 13 April.
    referral_in(Nation.SCOTLAND, D(2026, 3, 27))
    assert services.flag_limbo_referrals(today=D(2026, 4, 10)) == 0
    assert services.flag_limbo_referrals(today=D(2026, 4, 13)) == 1


@pytest.mark.parametrize(
    ("nation", "not_yet", "due"),
    [
        # Over new year: 1 January 2027 is a Friday; Scotland also has 2 January, observed on Monday 4th.
        (Nation.ENGLAND_AND_WALES, D(2027, 1, 1), D(2027, 1, 4)),
        (Nation.SCOTLAND, D(2027, 1, 4), D(2027, 1, 5)),
        (Nation.NORTHERN_IRELAND, D(2027, 1, 1), D(2027, 1, 4)),
    ],
)
def test_new_year_by_nation(referral_in, nation, not_yet, due):
    referral_in(nation, D(2026, 12, 31), limbo_days=1)
    assert services.flag_limbo_referrals(today=not_yet) == 0
    assert services.flag_limbo_referrals(today=due) == 1


@pytest.mark.parametrize(
    ("nation", "due"),
    [(Nation.ENGLAND_AND_WALES, D(2027, 3, 17)), (Nation.NORTHERN_IRELAND, D(2027, 3, 18))],
)
def test_st_patricks_day_in_northern_ireland(referral_in, nation, due):
    # Three working days after Friday 12 March 2027; Wednesday 17 March is St Patrick's Day in NI only.
    referral_in(nation, D(2027, 3, 12), limbo_days=3)
    assert services.flag_limbo_referrals(today=due - dt.timedelta(days=1)) == 0
    assert services.flag_limbo_referrals(today=due) == 1


def test_extra_closed_days_still_count(referral_in):
    referral_in(Nation.ENGLAND_AND_WALES, D(2026, 3, 27))
    assert services.flag_limbo_referrals(today=D(2026, 4, 14), holidays=[D(2026, 4, 7)]) == 0
    assert services.flag_limbo_referrals(today=D(2026, 4, 15), holidays=[D(2026, 4, 7)]) == 1


def test_the_nation_is_set_in_admin_and_defaults_to_england_and_wales(admin_client, team):
    jobcentre = team.jobcentre
    assert jobcentre.nation == Nation.ENGLAND_AND_WALES
    page = admin_client.get(f"/django-admin/iwp/jobcentre/{jobcentre.pk}/change/")
    assert page.status_code == 200 and 'name="nation"' in page.content.decode()
    response = admin_client.post(
        f"/django-admin/iwp/jobcentre/{jobcentre.pk}/change/",
        {
            "district": jobcentre.district_id,
            "name": jobcentre.name,
            "postcode": "EH1 1YZ",
            "nation": "scotland",
        },
    )
    assert response.status_code == 302
    jobcentre.refresh_from_db()
    assert jobcentre.nation == Nation.SCOTLAND
