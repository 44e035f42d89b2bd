"""Hunt for the whole class of fault, not the examples (issue #11): walk every page of the URL conf as every role,
find every POST form on it, and submit each field with hostile values while the other fields keep what the page
showed. Whatever is typed, no page may answer 500; a value that can never be right (NUL, 10,000 characters, a
20-digit number, a date in 1900 or 2099, a choice that is not offered) must be refused with a message on the page;
and a refused submission must leave the database exactly as it was (row count and highest id of every table).

Accepted submissions are rolled back (each POST runs inside a savepoint), so every submission starts from the
same world: the seeded demo organisation, small. Django admin is walked the same way on the change page of one
row of every reference-data model (so the other fields are valid and only the hostile one is wrong).
"""

from __future__ import annotations

import logging
import pathlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from bs4 import BeautifulSoup
from django.apps import apps
from django.contrib import admin
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from appointments.models import AgreedAction, Appointment
from claimants.models import Claimant, PlanStep, ProgressionPlan
from claimants.progression.rules import StepChange
from claimants.progression.services import plan_save
from iwp.models import BackgroundJob, StaffMember
from provision.models import ProvisionOffer, Referral
from provision.openreferral.serialise import service_id

pytestmark = pytest.mark.django_db

NEVER_RIGHT = "never"  # the page must refuse it with a message
MAYBE_RIGHT = "maybe"  # the page may accept it; if it refuses, nothing may be written

HUGE = "99999999999999999999"
TEXT_VALUES = [
    ("\x00", NEVER_RIGHT),
    ("x" * 10_000, NEVER_RIGHT),
    ("<script>alert(1)</script>&amp;", MAYBE_RIGHT),
    ("", MAYBE_RIGHT),
    (HUGE, MAYBE_RIGHT),
]
NUMBER_VALUES = [
    (HUGE, NEVER_RIGHT),
    ("-1", NEVER_RIGHT),
    ("1e400", NEVER_RIGHT),
    ("NaN", NEVER_RIGHT),
    ("", MAYBE_RIGHT),
]
YEAR_VALUES = [
    (HUGE, NEVER_RIGHT),
    ("1900", NEVER_RIGHT),
    ("2099", NEVER_RIGHT),
    ("-1", NEVER_RIGHT),
    ("", MAYBE_RIGHT),
]
DAY_VALUES = [(HUGE, NEVER_RIGHT), ("99", NEVER_RIGHT), ("0", NEVER_RIGHT), ("", MAYBE_RIGHT)]
DATE_VALUES = [
    ("1900-01-03", NEVER_RIGHT),
    ("2099-01-05", NEVER_RIGHT),
    (f"{HUGE}-01-01", NEVER_RIGHT),
    ("", MAYBE_RIGHT),
]
CHOICE_VALUES = [("not-an-option", NEVER_RIGHT), (HUGE, NEVER_RIGHT), ("", MAYBE_RIGHT)]
HIDDEN_VALUES = [(HUGE, MAYBE_RIGHT), ("", MAYBE_RIGHT), ("x" * 10_000, MAYBE_RIGHT), ("\x00", MAYBE_RIGHT)]

# Pages that are not forms a person fills in, or that the walk cannot drive with one request.
SKIP_NAMES = {
    "login",  # signed-in users do not see it; sign-in has its own tests (lockout)
    "logout",
}
SKIP_PREFIXES = ("/api/", "/django-admin/", "/static/")


@dataclass
class FormField:
    name: str
    kind: str  # text, number, year, day, choice, hidden, checkbox
    options: list[str] = field(default_factory=list)


@dataclass
class PageForm:
    page: str
    action: str
    data: dict[str, list[str]]
    fields: list[FormField]


@dataclass
class Walk:
    forms: int = 0
    submissions: int = 0
    failures: list[str] = field(default_factory=list)
    seen: set[tuple[str, tuple[str, ...]]] = field(default_factory=set)
    valid_baselines: int = (
        0  # forms whose filled-in answers were accepted: a hostile value is then the only fault
    )
    invalid_baselines: list[str] = field(default_factory=list)


def _classify(tag) -> str:
    if tag.name == "textarea":
        return "text"
    if tag.name == "select":
        return "choice"
    kind = (tag.get("type") or "text").lower()
    if kind in ("hidden",):
        return "hidden"
    if kind in ("checkbox",):
        return "checkbox"
    if kind == "date":
        return "date"
    if kind in ("radio",):
        return "choice"
    if kind in ("submit", "button", "file", "image", "reset"):
        return "skip"
    classes = tag.get("class") or []
    if "govuk-date-input__input" in classes:
        return "year" if "govuk-input--width-4" in classes else "day"
    if kind == "number" or tag.get("inputmode") in ("numeric", "decimal"):
        return "number"
    return "text"


def parse_forms(html: str, page: str) -> Iterator[PageForm]:
    soup = BeautifulSoup(html, "html.parser")
    for form in soup.find_all("form"):
        if (form.get("method") or "get").lower() != "post":
            continue
        data: dict[str, list[str]] = {}
        fields: dict[str, FormField] = {}
        for tag in form.find_all(["input", "select", "textarea"]):
            name = tag.get("name")
            if not name or name == "csrfmiddlewaretoken" or tag.has_attr("disabled"):
                continue
            kind = _classify(tag)
            if kind == "skip":
                continue
            if tag.name == "select":
                options = [o.get("value", o.text) for o in tag.find_all("option")]
                chosen = [o.get("value", o.text) for o in tag.find_all("option") if o.has_attr("selected")]
                data[name] = chosen[:1] or options[:1]
                fields[name] = FormField(name, "choice", options)
            elif kind == "choice":  # a radio group
                fields.setdefault(name, FormField(name, "choice"))
                fields[name].options.append(tag.get("value", "on"))
                if tag.has_attr("checked"):
                    data[name] = [tag.get("value", "on")]
            elif kind == "checkbox":
                fields.setdefault(name, FormField(name, "checkbox"))
                fields[name].options.append(tag.get("value", "on"))
                if tag.has_attr("checked"):
                    data.setdefault(name, []).append(tag.get("value", "on"))
            else:
                data[name] = [tag.text if tag.name == "textarea" else tag.get("value", "")]
                fields[name] = FormField(name, kind)
        button = next(
            (
                b
                for b in form.find_all(["button", "input"])
                if b.get("name") and b.get("type", "submit") == "submit"
            ),
            None,
        )
        if button is not None and button.get("name") not in data:
            data[button["name"]] = [button.get("value", "")]
        if fields:
            yield PageForm(
                page=page, action=form.get("action") or page, data=data, fields=list(fields.values())
            )


def _working_day(today: date, days: int) -> date:
    day = today + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def plausible_dates(today: date, claimant: Claimant | None = None) -> dict[str, date]:
    """A right answer for each kind of date, by a word in the field's name (the first that matches wins)."""
    day = min(claimant.assessment_day, 28) if claimant else 1
    this_period = (
        today.replace(day=day)
        if today.day >= day
        else (today.replace(day=1) - timedelta(days=1)).replace(day=day)
    )
    return {
        "birth": date(1990, 5, 15),
        "period_start": this_period,
        "contact": today,
        "started": today - timedelta(days=400),
        "effective_from": date(2026, 4, 6),
        "starts_on": _working_day(today, 14),
        "appointment": _working_day(today, 16),
        "review": today + timedelta(days=60),
        "assessed": today - timedelta(days=1),  # a self-assessment (issue #16) has happened
        "ends_on": _working_day(today, 21),
        "": _working_day(today, 14),
    }


def fill_baseline(form: PageForm, dates: dict[str, date]) -> None:
    """Give every empty field a plausible answer, so that the hostile value is the only thing wrong."""
    parts = {"day": 0, "month": 1, "year": 2}
    for f in form.fields:
        current = [v for v in form.data.get(f.name, []) if v.strip()]
        if f.name in ALWAYS:
            form.data[f.name] = [ALWAYS[f.name](dates)]
            continue
        if current:
            continue
        base = re.sub(r"_[0-2]$", "", f.name)
        when = next(d for word, d in dates.items() if word in base)
        if f.kind in ("day", "year"):
            index = int(f.name[-1]) if f.name[-1] in "012" else parts["day"]
            form.data[f.name] = [str((when.day, when.month, when.year)[index])]
        elif f.kind == "date":
            form.data[f.name] = [when.isoformat()]
        elif f.kind == "choice":
            options = [o for o in f.options if o]
            if options:
                form.data[f.name] = [options[0]]
        elif f.kind == "number":
            form.data[f.name] = ["99" if "max" in f.name else "1"]
        elif f.kind == "checkbox":  # confirmations and the first of a group: ticked
            form.data[f.name] = [f.options[0] if f.options else "on"]
        elif f.kind == "text":
            lowered = f.name.lower()
            form.data[f.name] = [
                next(
                    (v for k, v in TEXT_ANSWERS.items() if k in lowered),
                    "Walk test",
                )
            ]


# Fields whose shown value may not be a right answer today (a suggested slot that is taken, a review date that has
# passed on a stale demo entry): the walk always answers these itself.
ALWAYS = {
    "date_0": lambda d: str(d["appointment"].day),
    "date_1": lambda d: str(d["appointment"].month),
    "date_2": lambda d: str(d["appointment"].year),
    "time": lambda d: "10:30",
    "review_by_0": lambda d: str(d["review"].day),
    "review_by_1": lambda d: str(d["review"].month),
    "review_by_2": lambda d: str(d["review"].year),
}

TEXT_ANSWERS = {
    "postcode": "B15 1TR",
    "nino": "AB123456C",
    "email": "walk.test@example.com",
    "phone": "07911 123456",
    "time": "10:00",
    "starts_at": "09:00",
    "ends_at": "17:00",
    "earnings": "100",
    "hours": "16",
    "pay": "12.50",
    "cost": "0",
    "sessions": "Tue 18:00-20:00",
}


def hostile_values(f: FormField) -> list[tuple[str, str]]:
    return {
        "text": TEXT_VALUES,
        "number": NUMBER_VALUES,
        "year": YEAR_VALUES,
        "day": DAY_VALUES,
        "date": DATE_VALUES,
        "choice": CHOICE_VALUES,
        "hidden": HIDDEN_VALUES,
        "checkbox": [(HUGE, MAYBE_RIGHT), ("not-an-option", MAYBE_RIGHT), ("-1", MAYBE_RIGHT)],
    }[f.kind]


def snapshot() -> tuple[tuple[int, int], ...]:
    """Row count and highest id of every table, in one query."""
    parts = []
    for model in apps.get_models():
        table = model._meta.db_table
        if table in ("django_session", "axes_accessattempt", "axes_accesslog"):
            continue
        pk = model._meta.pk.column
        max_pk = (
            f"max({connection.ops.quote_name(pk)})::text"
            if model._meta.pk.get_internal_type()
            in (
                "AutoField",
                "BigAutoField",
            )
            else "''"
        )
        parts.append(
            f"SELECT '{table}' AS t, count(*) AS n, {max_pk} AS m FROM {connection.ops.quote_name(table)}"
        )
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts))
        return tuple(sorted(cursor.fetchall()))


class _Rollback(Exception):
    pass


def submit(client: Client, form: PageForm, data: dict[str, list[str]]) -> tuple[Any, bool]:
    """POST inside a savepoint that is always rolled back; (response, database changed?)."""
    before = snapshot()
    result: dict[str, Any] = {}
    try:
        with transaction.atomic():
            result["response"] = client.post(form.action, data)
            result["changed"] = snapshot() != before
            raise _Rollback
    except _Rollback:
        pass
    return result["response"], result["changed"]


def shows_a_message(response) -> bool:
    text = response.content.decode(errors="replace")
    return any(
        marker in text
        for marker in (
            "govuk-error-summary",
            "govuk-error-message",
            "govuk-warning-text",
            "errornote",
            "errorlist",
        )
    )


def walk_form(client: Client, form: PageForm, walk: Walk, dates: dict[str, date]) -> None:
    key = (re.sub(r"\d+", "N", form.action), tuple(sorted(f.name for f in form.fields)))
    if key in walk.seen:
        return
    walk.seen.add(key)
    walk.forms += 1
    fill_baseline(form, dates)
    try:
        response, _ = submit(client, form, form.data)
        if response.status_code in (301, 302, 303):
            walk.valid_baselines += 1
        else:
            soup = BeautifulSoup(response.content, "html.parser")
            why = [
                e.get_text(" ", strip=True)[:80]
                for e in soup.select(".govuk-error-summary li, .govuk-warning-text")
            ]
            walk.invalid_baselines.append(f"{form.action} {why[:3]}")
    except Exception as error:
        walk.failures.append(f"500 {form.action} [as shown]: {type(error).__name__}: {str(error)[:160]}")
    for f in form.fields:
        for value, verdict in hostile_values(f):
            data = {**form.data, f.name: [value]}
            walk.submissions += 1
            where = f"{form.action} [{f.name}={value[:24]!r}]"
            try:
                response, changed = submit(client, form, data)
            except Exception as error:  # a 500: the test client re-raises the view's exception
                walk.failures.append(f"500 {where}: {type(error).__name__}: {str(error)[:160]}")
                continue
            status = response.status_code
            accepted = status in (301, 302, 303)
            if status >= 500:
                walk.failures.append(f"{status} {where}")
            elif accepted and verdict == NEVER_RIGHT:
                walk.failures.append(f"accepted {where} -> {response.get('Location')}")
            elif not accepted and changed:
                walk.failures.append(f"refused but wrote to the database {where} ({status})")
            elif status == 200 and verdict == NEVER_RIGHT and not shows_a_message(response):
                walk.failures.append(f"refused without a message {where}")


def _patterns(
    resolver: URLResolver, prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str, list[str]]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _patterns(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", prefix + str(entry.pattern), list(entry.pattern.converters)


@dataclass
class World:
    coach: StaffMember
    claimant: Claimant
    past: Appointment
    future: Appointment
    offer: ProvisionOffer
    referral: Referral
    job: BackgroundJob
    step: PlanStep


def build_world() -> World:
    from iwp.background.jobs import job_create
    from iwp.demo import demo_build

    demo_build(seed=11, claimants_per_coach=(2, 2))
    coach = StaffMember.objects.get(username="coach1")
    now = timezone.now()
    claimant = (
        Claimant.objects.filter(coach=coach, employments__isnull=False, commitments__isnull=False)
        .distinct()
        .first()
    ) or Claimant.objects.filter(coach=coach).first()
    future = Appointment.objects.filter(coach=coach, starts_at__gt=now, status="booked").first()
    past = Appointment.objects.filter(coach=coach, starts_at__lt=now, status="booked").first()
    if past is None and future is not None:  # the demo's diary is today's: in the evening all of it is past
        past = Appointment.objects.get(pk=future.pk)
        past.pk = None
        past.starts_at = now - timedelta(days=1)
        past.ends_at = past.starts_at + (future.ends_at - future.starts_at)
        past.save()
    district = coach.jobcentre.district
    offer = ProvisionOffer.objects.filter(district=district).first()
    referral = Referral.objects.filter(claimant__jobcentre__district=district).first()
    job = job_create(kind="walk", description="Form walk", created_by=coach, total=1)
    # A progression plan with a step to do (issue #16), so its pages and link pages have forms to walk.
    if not PlanStep.objects.filter(plan__claimant=claimant, status="to_do").exists():
        PlanStep.objects.filter(plan__claimant=claimant).delete()
        ProgressionPlan.objects.filter(claimant=claimant).delete()
        plan_save(
            claimant=claimant,
            actor=coach,
            goal="More hours",
            route="more_hours",
            steps=[StepChange("Ask for Saturday shifts", timezone.localdate() + timedelta(days=30))],
        )
    step = PlanStep.objects.filter(plan__claimant=claimant, status="to_do").first()
    # Something to link to the step: an open agreed action and a referral of the claimant.
    if not AgreedAction.objects.filter(claimant=claimant, status="open").exists():
        AgreedAction.objects.create(
            claimant=claimant,
            category="more_hours",
            description="Ask for more hours",
            due_on=timezone.localdate() + timedelta(days=10),
            created_by=coach,
        )
    if not Referral.objects.filter(claimant=claimant).exists():
        Referral.objects.create(
            claimant=claimant,
            offer=offer,
            status="signposted",
            created_by=coach,
            last_update_on=timezone.localdate(),
        )
    assert all([claimant, past, future, offer, referral]), "the demo must give the walk one of each record"
    return World(coach, claimant, past, future, offer, referral, job, step)


def _waiting_award(world: World) -> int:
    """A Flexible Support Fund request waiting for a decision in the coach's jobcentre (the demo makes some)."""
    from claimants.models import SupportFundAward

    award = (
        SupportFundAward.objects.filter(
            claimant__jobcentre=world.coach.jobcentre, status="requested", requested_by=world.coach
        ).first()
        or SupportFundAward.objects.filter(
            claimant__jobcentre=world.coach.jobcentre, status="requested"
        ).first()
    )
    return award.pk if award else 0


def url_kwargs(name: str, params: list[str], world: World) -> dict[str, Any] | None:
    """The record each URL parameter names, or None for a pattern the walk does not know (a test failure)."""
    c = world.claimant
    by_name = {
        "appointments:book": {"claimant_id": c.pk},
        "appointments:rebook": {"pk": world.future.pk},
        "appointments:cancel": {"pk": world.future.pk},
        "appointments:outcome": {"pk": world.past.pk},
        "appointments:self_assessment": {"pk": world.past.pk},
        "appointments:link_actions": {"step_id": world.step.pk},
        "provision:link_referrals": {"step_id": world.step.pk},
        "provision:find": {"claimant_pk": c.pk},
        "provision:refer": {"claimant_pk": c.pk, "offer_pk": world.offer.pk},
        "provision:referral_detail": {"pk": world.referral.pk},
        "provision:import_job": {"pk": world.job.pk},
        "provision:contact_public": {
            "pk": world.offer.pk,
            "contact_pk": getattr(world.offer.contacts.first(), "pk", 0),
        },
        "claimants:uprating_job": {"pk": world.job.pk},
        "claimants:edit_employment": {"pk": c.pk, "employment_id": getattr(c.employments.first(), "pk", 0)},
        "claimants:commitment_version": {"pk": c.pk, "version": getattr(c.commitments.first(), "version", 1)},
        "iwp:team_page": {"pk": world.coach.team_id},
        "iwp:record_absence": {"pk": world.coach.pk},
        "iwp:job_detail": {"pk": world.job.pk},
        "iwp:job_progress": {"pk": world.job.pk},
        "iwp:job_resume": {"pk": world.job.pk},
        "claimants:support_fund_award": {"award_id": _waiting_award(world)},
        "claimants:support_fund_withdraw": {"award_id": _waiting_award(world)},
        # The Open Referral UK feed: JSON for holders of a district key (staff get a 401, no form to walk).
        "openreferral:service": {"service_id": service_id(world.offer)},
    }
    if name in by_name:
        return by_name[name]
    if not params:
        return {}
    if params == ["pk"] and name.startswith("claimants:"):
        return {"pk": c.pk}
    if params == ["pk"] and name.startswith("provision:"):
        return {"pk": world.offer.pk}
    return None


@pytest.fixture(autouse=True)
def _quiet_request_log():
    # Every 500 the walk provokes is collected into one failure message; the request log would repeat each.
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


ROLES = ["coach1", "leader.birmingham.a", "lead.mercia", "admin"]


@pytest.mark.slow
def test_every_form_of_every_role_refuses_hostile_input_without_a_500_or_a_write():
    world = build_world()
    walk = Walk()
    dates = plausible_dates(timezone.localdate(), world.claimant)
    for username in ROLES:
        client = Client()
        client.force_login(StaffMember.objects.get(username=username))
        for name, route, params in _patterns(get_resolver()):
            if name.split(":")[-1] in SKIP_NAMES or name.startswith("admin:"):
                continue
            if route.startswith(tuple(prefix.lstrip("/") for prefix in SKIP_PREFIXES)):
                continue  # e.g. the REST API's routes (regex ids from its router): JSON, not forms
            kwargs = url_kwargs(name, params, world)
            if kwargs is None:
                walk.failures.append(f"the walk does not know the parameters of {name} ({route}): add them")
                continue
            url = reverse(name, kwargs=kwargs)
            if url.startswith(SKIP_PREFIXES):
                continue
            response = client.get(url)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            for form in parse_forms(response.content.decode(), url):
                walk_form(client, form, walk, dates)
    pathlib.Path("/tmp/walk-failures.txt").write_text("\n".join(walk.failures))
    print(
        f"\nForm walk: {walk.forms} forms ({walk.valid_baselines} accepted as filled in), {walk.submissions} hostile "
        f"submissions, {len(walk.failures)} faults; not accepted as filled in: {sorted(set(walk.invalid_baselines))}"
    )
    assert walk.forms >= 20, "the walk found too few forms: is the page parsing broken?"
    assert not walk.failures, "\n".join(walk.failures)


def test_admin_reference_data_refuses_hostile_input_without_a_500_or_a_write():
    build_world()
    client = Client()
    client.force_login(StaffMember.objects.get(username="admin"))
    walk = Walk()
    for model, _model_admin in admin.site._registry.items():
        row = model._default_manager.order_by("pk").first()
        if row is None:
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[row.pk])
        response = client.get(url)
        assert response.status_code == 200, url
        for form in parse_forms(response.content.decode(), url):
            form.data.setdefault("_save", ["Save"])
            walk_form(client, form, walk, plausible_dates(timezone.localdate()))
    print(
        f"\nAdmin walk: {walk.forms} forms, {walk.submissions} hostile submissions, {len(walk.failures)} faults"
    )
    assert walk.forms >= 5
    assert not walk.failures, "\n".join(walk.failures)
