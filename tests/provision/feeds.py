"""Council service directories for the import tests: the fixture feed with every fault issue 12 lists, and a
seeded generator of larger Open Referral UK feeds for the timing figure."""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
from functools import cache
from pathlib import Path

FIXTURE = Path(__file__).parent / "fixtures" / "council_feed.json"


@cache
def _fixture_text() -> str:
    return FIXTURE.read_text(encoding="utf-8")


def council_feed(*, today: dt.date | None = None) -> list[dict]:
    """The fixture feed (13 services). "RECENT" assured dates become 30 days before ``today``, so the fresh
    ones stay fresh whenever the tests run; the 2020–2022 ones are old by any measure."""
    recent = ((today or dt.date.today()) - dt.timedelta(days=30)).isoformat()
    services = json.loads(_fixture_text())
    for s in services:
        if s.get("assured_date") == "RECENT":
            s["assured_date"] = recent
    return services


def as_bytes(services: list[dict]) -> bytes:
    return json.dumps(services, ensure_ascii=False).encode()


def by_id(services: list[dict], ext_id: str) -> dict:
    return next(s for s in services if s["id"] == ext_id)


def without(services: list[dict], *ext_ids: str) -> list[dict]:
    return [copy.deepcopy(s) for s in services if s["id"] not in ext_ids]


TERMS = [
    ("Employment support", "esdServiceTypes"),
    ("Debt advice", "esdServiceTypes"),
    ("Adult learning", "esdServiceTypes"),
    ("Digital inclusion", "esdServiceTypes"),
    ("Childcare", "esdNeeds"),
    ("Mental wellbeing", "esdNeeds"),
    ("Allotments", "esdServiceTypes"),  # not mapped: category left unknown
    ("Bereavement support", "esdNeeds"),  # not mapped
]
ATTENDING = ["Venue", "Phone", "Online", "Home visit", "Venue, Online", None]
POSTCODES = ["LS1 3EX", "LS2 8BB", "LS9 8AG", "LS11 5DR", "BD1 1HY", "WF1 2EB"]


def generated_feed(n: int = 1000, *, seed: int = 12) -> list[dict]:
    """``n`` services shaped like a council's Open Referral UK feed, with its usual gaps: about a third without
    a location, half without a schedule, some HTML, old and new assured dates, 150 organisations."""
    rng = random.Random(seed)
    orgs = [
        {"id": f"org-{i}", "name": f"Organisation {i}", "url": f"https://org{i}.example"} for i in range(150)
    ]
    services = []
    for i in range(n):
        term, vocabulary = rng.choice(TERMS)
        service: dict = {
            "id": f"gen-{i:05d}",
            "name": f"{term} service {i}",
            "description": rng.choice(
                [
                    f"<p>{term} for adults &amp; families.&nbsp;Call to book.</p><ul><li>One</li><li>Two</li></ul>",
                    f"Plain description of {term.lower()} number {i}.",
                    "",
                ]
            ),
            "status": "active",
            "organization": rng.choice(orgs),
            "assured_date": (dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(0, 2400))).isoformat(),
            "service_taxonomys": [
                {"id": f"st-{i}", "taxonomy": {"id": f"t-{term}", "name": term, "vocabulary": vocabulary}}
            ],
        }
        attending = rng.choice(ATTENDING)
        if attending:
            service["attending_type"] = attending
        if rng.random() < 0.66:
            service["service_at_locations"] = [
                {
                    "id": f"sal-{i}",
                    "location": {
                        "id": f"loc-{i}",
                        "name": f"Venue {i}",
                        "physical_addresses": [
                            {
                                "address_1": f"{i} High Street",
                                "city": "Leeds",
                                "postal_code": rng.choice(POSTCODES),
                            }
                        ],
                    },
                }
            ]
        if rng.random() < 0.5:
            day = rng.choice(["MO", "TU", "WE", "TH", "FR", "SA"])
            start = rng.choice([9, 10, 13, 18])
            service["regular_schedules"] = [
                {
                    "id": f"rs-{i}",
                    "freq": "WEEKLY",
                    "byday": day,
                    "opens_at": f"{start:02d}:00",
                    "closes_at": f"{start + 2:02d}:00",
                }
            ]
        if rng.random() < 0.4:
            service["eligibilitys"] = [{"id": f"el-{i}", "minimum_age": rng.choice([16, 18, 19, 25])}]
        if rng.random() < 0.5:
            service["cost_options"] = [{"id": f"co-{i}", "amount": rng.choice([0, 0, 5, 20])}]
        if rng.random() < 0.3:
            service["contacts"] = [
                {
                    "id": f"c-{i}",
                    "name": rng.choice(["Bookings team", "Priya Shah", "Reception"]),
                    "phones": [{"number": "0113 000 0000"}],
                }
            ]
        services.append(service)
    return services
