import datetime as dt

import pytest

from tests.provision.factories import OfferFactory, SessionFactory, make_shift_worker


@pytest.fixture
def district(team):
    return team.jobcentre.district


@pytest.fixture
def shift_worker(work_coach):
    """A Working Enough claimant in Leeds who works Tue and Thu 09:00–17:00 and does the school run Mon 15:00."""
    return make_shift_worker(work_coach)


@pytest.fixture
def offers(district):
    """Four offers on the district's list: one fits, three are excluded for different reasons."""
    evening = OfferFactory(district=district, name="Evening forklift", postcode="LS1 3EX")
    SessionFactory(offer=evening, weekday=1, starts_at=dt.time(18), ends_at=dt.time(21))
    daytime = OfferFactory(district=district, name="Daytime forklift", postcode="LS1 3EX")
    SessionFactory(offer=daytime, weekday=1, starts_at=dt.time(10), ends_at=dt.time(15))
    fsf = OfferFactory(
        district=district,
        name="Flexible Support Fund",
        category="fsf",
        regimes=["intensive_work_search", "light_touch"],
    )
    far = OfferFactory(
        district=district, name="Birmingham bootcamp", postcode="B1 1BB", category="skills_bootcamp"
    )
    return {"evening": evening, "daytime": daytime, "fsf": fsf, "far": far}
