import pytest

from tests.factories import WorkCoachFactory


@pytest.fixture
def coach_a(team):
    return WorkCoachFactory(team=team, username="coach.a", first_name="Ann", last_name="Archer")


@pytest.fixture
def coach_b(team):
    return WorkCoachFactory(team=team, username="coach.b", first_name="Bob", last_name="Baker")
