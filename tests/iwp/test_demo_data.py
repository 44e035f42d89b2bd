import pytest
from django.core.management import call_command

from iwp.models import District, Jobcentre, Role, StaffMember


@pytest.mark.django_db
def test_demo_data_builds_the_organisation_and_prints_logins(capsys):
    call_command("demo_data", "--seed", "7", "--claimants-per-coach", "1", "2")
    out = capsys.readouterr().out
    assert District.objects.count() == 2
    assert Jobcentre.objects.count() == 4
    assert 25 <= StaffMember.objects.count() <= 40
    for role in Role:
        assert StaffMember.objects.filter(role=role).exists(), role
    from claimants.models import Claimant

    assert Claimant.objects.exclude(current_regime="").count() == Claimant.objects.count() > 25
    for label in (
        "Work coach",
        "Team leader",
        "District leader",
        "Progression lead",
        "Administrator",
        "demo-password-2026",
    ):
        assert label in out


@pytest.mark.django_db
def test_demo_data_is_reproducible():
    from django.db import transaction

    from iwp.demo import demo_build

    def snapshot():
        from claimants.models import Claimant

        return list(
            StaffMember.objects.order_by("username").values_list("username", "first_name", "last_name")
        ) + list(Claimant.objects.order_by("nino").values_list("nino", "last_name", "current_regime"))

    with transaction.atomic():
        demo_build(seed=11, claimants_per_coach=(1, 1))
        first = snapshot()
        transaction.set_rollback(True)
    demo_build(seed=11, claimants_per_coach=(1, 1))
    assert snapshot() == first
