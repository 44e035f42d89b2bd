"""Reproducible demo organisation (seeded Faker en_GB). Later issues extend ``DEMO_BUILDERS``."""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.module_loading import import_string
from faker import Faker

from iwp.models import District, Jobcentre, Role, StaffMember, Team

DEMO_PASSWORD = "demo-password-2026"

DISTRICTS = {
    "Mercia": [("Birmingham Edgbaston", "B15 1TR"), ("Coventry", "CV1 2GT")],
    "Yorkshire": [("Leeds City", "LS1 4HR"), ("Bradford Westgate", "BD1 2QY")],
}


@dataclass
class DemoResult:
    claimants_per_coach: tuple[int, int] = (8, 14)
    counts: dict[str, int] = field(default_factory=dict)


# Each builder takes (faker, rng, result) and adds its records, in this order (apps after the organisation).
DEMO_BUILDERS = [
    "claimants.demo.build",
    "appointments.demo.build",
    "provision.demo.build",
    "iwp.dashboards.demo.build",
]


@functools.cache
def _demo_password_hash() -> str:
    # Hash once (PBKDF2 is deliberately slow) and give every demo account the same real hash.
    return make_password(DEMO_PASSWORD)


def _staff(
    faker: Faker, username: str, role: str, *, jobcentre: Jobcentre | None, team: Team | None, **extra
) -> StaffMember:
    user = StaffMember(
        username=username,
        first_name=faker.first_name(),
        last_name=faker.last_name(),
        role=role,
        jobcentre=jobcentre,
        team=team,
        email=f"{username}@dwp.example",
        **extra,
    )
    user.password = _demo_password_hash()
    user.save()
    return user


@transaction.atomic
def demo_build(*, seed: int = 2026, claimants_per_coach: tuple[int, int] = (8, 14)) -> DemoResult:
    faker = Faker("en_GB")
    faker.seed_instance(seed)
    rng = random.Random(seed)
    result = DemoResult(claimants_per_coach=claimants_per_coach)
    _staff(faker, "admin", Role.ADMINISTRATOR, jobcentre=None, team=None, is_staff=True, is_superuser=True)
    coach_no = 0
    for district_name, offices in DISTRICTS.items():
        district = District.objects.create(name=district_name)
        for office_no, (office, postcode) in enumerate(offices):
            jobcentre = Jobcentre.objects.create(district=district, name=office, postcode=postcode)
            if office_no == 0:
                _staff(
                    faker,
                    f"lead.{district_name.lower()}",
                    Role.PROGRESSION_LEAD,
                    jobcentre=jobcentre,
                    team=None,
                )
            for team_name in (
                ("Progression team A", "Progression team B") if office_no == 0 else ("Progression team",)
            ):
                team = Team.objects.create(jobcentre=jobcentre, name=team_name, target_caseload=150)
                slug = office.split()[0].lower() + (
                    f".{team_name[-1].lower()}" if team_name[-1].isupper() else ""
                )
                _staff(faker, f"leader.{slug}", Role.TEAM_LEADER, jobcentre=jobcentre, team=team)
                for _ in range(rng.randint(4, 6)):
                    coach_no += 1
                    _staff(faker, f"coach{coach_no}", Role.WORK_COACH, jobcentre=jobcentre, team=team)
    for dotted in DEMO_BUILDERS:
        builder: Callable[[Faker, random.Random, DemoResult], None] = import_string(dotted)
        builder(faker, rng, result)
    result.counts["staff"] = StaffMember.objects.count()
    result.counts["jobcentres"] = Jobcentre.objects.count()
    result.counts["teams"] = Team.objects.count()
    return result
