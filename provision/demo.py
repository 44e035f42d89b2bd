"""Demo provision: each district's list (evening, weekend, online and self-paced offers, a Flexible Support Fund
closed to Working Enough, a few entries past their review date) and referrals in every state, one in limbo.

The claimants' demo gives random UK postcodes; so that "within reach" means something in the demo, claimants
here get a postcode in their jobcentre's area (the same rule a real address would meet).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from faker import Faker

from claimants.models import Claimant, PlanStep
from iwp.demo import DemoResult
from iwp.models import District, Role, StaffMember
from provision import services
from provision.matching import add_working_days
from provision.models import (
    OfferStatus,
    Provider,
    ProvisionOffer,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
    Session,
)
from provision.selectors import local_today

# name, provider, category, barriers, regimes (empty = all), ages, mode, self-paced, sessions, cost
# Sessions: (weekday, start hour, start minute, end hour, end minute).
OFFERS = [
    (
        "Forklift licence (counterbalance)",
        "{city} Training Centre",
        "skills_training",
        ["skills"],
        [],
        (18, None),
        "in_person",
        False,
        [(1, 10, 0, 15, 0), (3, 10, 0, 15, 0)],
        "0",
    ),
    (
        "Evening forklift licence",
        "{city} Training Centre",
        "skills_training",
        ["skills"],
        [],
        (18, None),
        "in_person",
        False,
        [(1, 18, 0, 21, 0), (3, 18, 0, 21, 0)],
        "0",
    ),
    (
        "Digital skills bootcamp (software testing)",
        "Skills Bootcamps {region}",
        "skills_bootcamp",
        ["skills"],
        [],
        (19, None),
        "online",
        False,
        [(0, 18, 30, 21, 0), (2, 18, 30, 21, 0)],
        "0",
    ),
    (
        "ESOL Entry 3 – Saturday class",
        "{city} College",
        "esol",
        ["esol"],
        [],
        (16, None),
        "in_person",
        False,
        [(5, 9, 30, 12, 30)],
        "0",
    ),
    (
        "ESOL for work – weekday mornings",
        "{city} College",
        "esol",
        ["esol"],
        [],
        (16, None),
        "in_person",
        False,
        [(0, 9, 30, 12, 0), (2, 9, 30, 12, 0)],
        "0",
    ),
    (
        "Careers guidance appointment",
        "National Careers Service",
        "careers_advice",
        ["skills", "confidence"],
        [],
        (19, None),
        "blended",
        False,
        [],
        "0",
    ),
    (
        "Learn My Way – online basics",
        "Good Things Foundation",
        "digital_skills",
        ["skills"],
        [],
        (16, None),
        "online",
        True,
        [],
        "0",
    ),
    (
        "Confidence to progress (4 weeks)",
        "{city} Mind",
        "confidence",
        ["confidence", "health"],
        [],
        (18, None),
        "in_person",
        False,
        [(3, 18, 0, 20, 0)],
        "0",
    ),
    (
        "Flexible Support Fund – course and travel costs",
        "DWP {region}",
        "fsf",
        ["transport", "skills"],
        ["intensive_work_search", "light_touch"],
        (18, None),
        "in_person",
        False,
        [],
        "0",
    ),
    (
        "Childcare costs advice",
        "{city} Family Information Service",
        "childcare",
        ["childcare"],
        [],
        (16, None),
        "online",
        False,
        [],
        "0",
    ),
    (
        "SWAP: care sector academy",
        "{city} Care Partnership",
        "swap",
        ["skills"],
        ["intensive_work_search", "light_touch"],
        (19, None),
        "in_person",
        False,
        [(0, 9, 0, 16, 0), (1, 9, 0, 16, 0), (2, 9, 0, 16, 0)],
        "0",
    ),
    (
        "Warehouse supervisor programme",
        "{city} Logistics Park employers",
        "employer",
        ["skills"],
        [],
        (21, None),
        "in_person",
        False,
        [(5, 8, 0, 14, 0)],
        "0",
    ),
    (
        "Debt and budgeting advice",
        "Citizens Advice {city}",
        "money",
        ["housing"],
        [],
        (18, None),
        "blended",
        False,
        [(4, 17, 30, 19, 30)],
        "0",
    ),
    (
        "Level 2 food hygiene (online)",
        "{city} Adult Learning",
        "skills_training",
        ["skills"],
        [],
        (16, None),
        "online",
        True,
        [],
        "25.00",
    ),
    (
        "Over 50s career review",
        "{city} Adult Learning",
        "careers_advice",
        ["age_50_plus"],
        [],
        (50, None),
        "in_person",
        False,
        [(2, 13, 0, 15, 0)],
        "0",
    ),
    (
        "Young adults' retail academy",
        "{city} Retail Partnership",
        "swap",
        ["skills"],
        [],
        (18, 24),
        "in_person",
        False,
        [(0, 10, 0, 14, 0)],
        "0",
    ),
]
PLACES = {
    "Mercia": ("Birmingham", "West Midlands", ["B1 1BB", "B5 4TD", "B15 2TT", "CV1 5FB", "B12 9AA"]),
    "Yorkshire": ("Leeds", "Yorkshire", ["LS1 3EX", "LS9 8AG", "BD1 1HY", "LS11 5DL", "BD3 9AA"]),
}
AREA_POSTCODES = {"B": "B{n} {d}{l}", "CV": "CV{n} {d}{l}", "LS": "LS{n} {d}{l}", "BD": "BD{n} {d}{l}"}


def _near_postcode(rng: random.Random, jobcentre_postcode: str) -> str:
    area = "".join(ch for ch in jobcentre_postcode.split()[0] if ch.isalpha())
    return f"{area}{rng.randint(1, 12)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"


def build(faker: Faker, rng: random.Random, result: DemoResult) -> None:
    today = local_today()
    for claimant in Claimant.objects.select_related("jobcentre").order_by("pk"):
        claimant.postcode = _near_postcode(rng, claimant.jobcentre.postcode or "B1 1AA")
        claimant.save(update_fields=["postcode"])
    offers = 0
    for district in District.objects.order_by("name"):
        city, region, postcodes = PLACES.get(district.name, (district.name, district.name, ["B1 1BB"]))
        lead = StaffMember.objects.filter(role=Role.PROGRESSION_LEAD, jobcentre__district=district).first()
        for i, (
            name,
            provider,
            category,
            barriers,
            regimes,
            ages,
            mode,
            self_paced,
            sessions,
            cost,
        ) in enumerate(OFFERS):
            provider_obj, _ = Provider.objects.get_or_create(
                district=district, name=provider.format(city=city, region=region)
            )
            stale = i in (1, 5, 12)  # a few entries past their review date
            reviewed = today - dt.timedelta(days=200 if stale else rng.randint(5, 120))
            capacity = None if mode == "online" or category in ("fsf", "careers_advice", "money") else 12
            offer = ProvisionOffer.objects.create(
                district=district,
                provider=provider_obj,
                natural_key=services.natural_key_for(
                    external_id="", provider_name=provider_obj.name, name=name
                ),
                name=name,
                description=f"{name} from {provider_obj.name}.",
                category=category,
                barriers=barriers,
                regimes=regimes,
                min_age=ages[0],
                max_age=ages[1],
                other_eligibility="Must live or work in the district" if i % 4 == 0 else "",
                delivery_mode=mode,
                self_paced=self_paced,
                location="" if mode == "online" else f"{provider_obj.name}, {city}",
                postcode="" if mode == "online" else postcodes[i % len(postcodes)],
                capacity=capacity,
                places_left=None if capacity is None else rng.randint(1, capacity),
                cost=Decimal(cost),
                referral_route=["direct", "warm_handover", "self"][i % 3],
                contact=f"referrals@{provider_obj.name.lower().replace(' ', '').replace('–', '')[:20]}.example",
                status=OfferStatus.PAUSED if i == 13 and district.name == "Yorkshire" else OfferStatus.ACTIVE,
                owner=lead,
                last_reviewed_on=reviewed,
                review_by=reviewed + dt.timedelta(days=182),
                stale_since=today if stale else None,
            )
            Session.objects.bulk_create(
                Session(offer=offer, weekday=d, starts_at=dt.time(h1, m1), ends_at=dt.time(h2, m2))
                for d, h1, m1, h2, m2 in sessions
            )
            offers += 1
        _referrals(district, rng, today)
    services.flag_limbo_referrals(today=today)
    result.counts["provision offers"] = offers
    result.counts["referrals"] = Referral.objects.count()
    _serve_plans()


PATHS = [
    [ReferralStatus.SIGNPOSTED],
    [ReferralStatus.REFERRED],
    [ReferralStatus.REFERRED, ReferralStatus.ACCEPTED],
    [ReferralStatus.REFERRED, ReferralStatus.ACCEPTED, ReferralStatus.STARTED],
    [ReferralStatus.REFERRED, ReferralStatus.ACCEPTED, ReferralStatus.STARTED, ReferralStatus.COMPLETED],
    [ReferralStatus.REFERRED, ReferralStatus.DECLINED],
    [ReferralStatus.REFERRED, ReferralStatus.ACCEPTED, ReferralStatus.DID_NOT_START],
]


def _referrals(district: District, rng: random.Random, today: dt.date) -> None:
    offers = list(ProvisionOffer.objects.filter(district=district, status=OfferStatus.ACTIVE).order_by("pk"))
    claimants = list(
        Claimant.objects.filter(jobcentre__district=district, coach__isnull=False).select_related("coach")[
            :40
        ]
    )
    rng.shuffle(claimants)
    for n, claimant in enumerate(claimants[:21]):
        path = PATHS[n % len(PATHS)]
        offer = offers[(n * 5) % len(offers)]
        # The first plain "referred" one in each district is old enough to be in limbo.
        days_ago = 25 if n == 1 else rng.randint(1, 6)
        start = today - dt.timedelta(days=days_ago + 2 * len(path))
        referral = Referral.objects.create(
            claimant=claimant,
            offer=offer,
            status=path[0],
            shared_summary=(
                f"{claimant.first_name} works part-time and wants more hours; interested in {offer.get_category_display().lower()}."
            )
            if path[0] == ReferralStatus.REFERRED
            else "",
            consent_to_share=path[0] == ReferralStatus.REFERRED,
            created_by=claimant.coach,
            last_update_on=start,
        )
        previous = ""
        day = start
        for step in path:
            ReferralStatusChange.objects.create(
                referral=referral, from_status=previous, to_status=step, on=day, by=claimant.coach
            )
            previous, last_on = step, day
            day = min(add_working_days(day, 2), today - dt.timedelta(days=days_ago))
        Referral.objects.filter(pk=referral.pk).update(status=path[-1], last_update_on=last_on)


def _serve_plans() -> None:
    """A referral of a claimant with a progression plan serves the plan's last step still to do (issue #16)."""
    for referral in Referral.objects.filter(claimant__progression_plan__isnull=False).order_by("pk"):
        step = (
            PlanStep.objects.filter(plan__claimant_id=referral.claimant_id, status="to_do")
            .order_by("-position")
            .first()
        )
        if step is not None:
            Referral.objects.filter(pk=referral.pk).update(plan_step=step)
