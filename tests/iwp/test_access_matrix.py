"""The access matrix (issue #15): every route of the URL conf and every operation of the API schema, for every role,
against a claimant (and the objects hanging off them) in every scope, checked against a declarative table.

- ``ROUTES`` names each page's rule, ``API`` each operation's. A route or operation without an entry fails
  ``test_every_route_and_operation_is_classified``: a new one must be classified before it ships.
- ``RULES`` gives each rule's answer per role × scope: ``ok`` (through the access check: 2xx, a redirect that is not
  to sign-in, or for a write 400/409 — validation or a business refusal), ``403`` (wrong role, or a claimant one may
  read but not change), ``404`` (outside what one may read).
- Writes are POSTed (PUT/PATCH for the API) with an empty body: a refusal must come before validation and change
  nothing (the audit log and the tables touched stay as they were).

The rule itself lives once, in ``claimants.selectors`` (``claimants_visible_to`` reads, ``may_edit`` writes);
docs: ``/work/notes/access.md`` (the README's "Who may do what").
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections import Counter
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from claimants.commitments.services import commitment_start_draft
from claimants.models import Employment, IwpOfferStatus, PlanStep, ProgressionPlan
from claimants.regimes.uprating import UPRATING_JOB_KIND
from claimants.support_fund.services import support_fund_request
from iwp.models import AuditEvent, BackgroundJob, CoachAbsence, Role
from provision.jobs import IMPORT_JOB_KIND
from provision.models import ImportRun, ProvisionContact
from tests.appointments.factories import AgreedActionFactory, AppointmentFactory
from tests.claimants.factories import ClaimantFactory
from tests.claimants.support_fund_factories import budget, default_rules
from tests.factories import (
    AdministratorFactory,
    DistrictFactory,
    JobcentreFactory,
    ProgressionLeadFactory,
    TeamFactory,
    TeamLeaderFactory,
    WorkCoachFactory,
)
from tests.provision.factories import OfferFactory, ReferralFactory

ROLES = ("work_coach", "team_leader", "district_leader", "progression_lead", "administrator")
# Relative to the signed-in member of staff (all of them work at jobcentre J1, in team T1): the work coach's own
# caseload (for the others, a claimant of their own team), a colleague's claimant the coach covers today, a
# team-mate's, another team's in the same jobcentre, another jobcentre's in the district, another district's.
SCOPES = ("own", "covered", "team", "jobcentre", "district", "other")
NONE = ("-",)  # a route that names no claimant: one column

OK, FORBIDDEN, MISSING = "ok", "403", "404"
CASEWORK = ("work_coach", "team_leader", "district_leader", "administrator")


def _read(role: str, scope: str) -> str:
    """``claimants_visible_to``: coach and team leader their jobcentre, district leader the district, admin all."""
    if role == "progression_lead":
        return FORBIDDEN  # provision, not casework
    if role == "administrator":
        return OK
    reach = SCOPES[:5] if role == "district_leader" else SCOPES[:4]
    return OK if scope in reach else MISSING


def _write(role: str, scope: str) -> str:
    """``may_edit``: coach own and covered caseload; team leader and district leader their own jobcentre; admin all.
    Visible but not editable: 403."""
    read = _read(role, scope)
    if read != OK or role == "administrator":
        return read
    editable = ("own", "covered") if role == "work_coach" else SCOPES[:4]
    return OK if scope in editable else FORBIDDEN


def _roles(*allowed: str):
    return lambda role, scope: OK if role in allowed else FORBIDDEN


def _without_admin(rule):
    """Writes only work coaches and team leaders make (book, refer, ask the support fund): an administrator 403."""
    return lambda role, scope: FORBIDDEN if role == "administrator" else rule(role, scope)


def _read_any_staff_role(rule_for_casework):
    return lambda role, scope: rule_for_casework(role, scope)


RULES = {
    "public": None,  # no sign-in at all (checked by the anonymous test)
    "any": _roles(*ROLES),
    "casework_list": _roles(*CASEWORK),
    "leaders": _roles("team_leader", "district_leader", "administrator"),
    "team_leaders": _roles("team_leader", "district_leader"),
    "admin": _roles("administrator"),
    "provision_read": _roles(*ROLES),
    "provision_edit": _roles("progression_lead", "administrator"),
    # A background job: whoever started it (here the work coach) and administrators; others 404.
    "own_job": lambda role, scope: OK if role in ("work_coach", "administrator") else MISSING,
    "refer_list": _roles("work_coach", "team_leader", "district_leader"),
    "claimant_read": _read,
    "claimant_write": _write,
    "booker_write": _without_admin(_write),
    # Finding provision for a claimant reads them: work coaches and team leaders of the claimant's office.
    "booker_read": lambda role, scope: FORBIDDEN if role == "administrator" else _read(role, scope),
    # A referral's status: whoever may change the claimant, and the district's progression lead (provider news).
    "referral_status": lambda role, scope: (
        (OK if scope in SCOPES[:5] else MISSING) if role == "progression_lead" else _write(role, scope)
    ),
    "referral_read": lambda role, scope: (
        (OK if scope in SCOPES[:5] else MISSING) if role == "progression_lead" else _read(role, scope)
    ),
    # Deciding or paying a support fund award (README, "Deciding"): a team leader or district leader of the
    # claimant's jobcentre, never the person who asked; a coach who may read the claimant 403; administrators do
    # not spend the fund (403, like asking for it).
    "fund_decide": lambda role, scope: (
        _write(role, scope)
        if role in ("team_leader", "district_leader")
        else (FORBIDDEN if _read(role, scope) == OK else _read(role, scope))
    ),
}

# Page routes (namespaced URL names) → (rule, what the route's parameters name, methods to check).
# "claimant" routes are run against a claimant in every scope; the others once.
G, P = ("GET",), ("POST",)
ROUTES = {
    "home": ("any", None, G),
    "login": ("public", None, G),
    "logout": ("any", None, ()),  # signing out ends the session: test_logout_redirects (see UNREQUESTED)
    "accessibility": ("public", None, G),
    "healthz": ("public", None, G),
    "readiness": ("public", None, G),
    "iwp:team_dashboard": ("leaders", None, G),
    "iwp:dashboard_export_figures": ("leaders", None, G),
    "iwp:dashboard_export_claimants": ("leaders", None, G),
    "iwp:reassign": ("leaders", None, G),
    "iwp:team_page": ("leaders", "team", G),
    "iwp:record_absence": ("leaders", "team_coach", G + P),
    "iwp:admin_home": ("admin", None, G),
    "iwp:audit_log": ("admin", None, G),
    "iwp:audit_log_csv": ("admin", None, G),
    "iwp:job_detail": ("own_job", "job", G),
    "iwp:job_progress": ("own_job", "job", G),
    "iwp:job_resume": ("admin", "job", P),  # resuming a finished job: test_audit_and_jobs
    "claimants:calculator": ("any", None, G),
    "claimants:caseload": ("casework_list", None, G),
    "claimants:earnings_feed": ("admin", None, G),
    "claimants:create": ("refer_list", None, G),
    "claimants:record": ("claimant_read", "claimant", G),
    "claimants:edit_details": ("claimant_write", "claimant", G + P),
    "claimants:edit_regime_facts": ("claimant_write", "claimant", G + P),
    "claimants:record_earnings": ("claimant_write", "claimant", G + P),
    "claimants:add_employment": ("claimant_write", "claimant", G + P),
    "claimants:edit_employment": ("claimant_write", "employment", G + P),
    "claimants:add_circumstance": ("claimant_write", "claimant", G + P),
    "claimants:reveal_sensitive": ("claimant_write", "claimant", P),
    "claimants:reassign": ("claimant_write", "claimant", G + P),
    "claimants:claimant_regime": ("claimant_read", "claimant", G),
    "claimants:timeline": ("claimant_read", "claimant", G),
    "claimants:uprating": ("admin", None, G),
    "claimants:uprating_job": ("admin", "uprating_job", G),
    "claimants:iwp_offer_list": ("casework_list", None, G),
    "claimants:iwp_offer_invite": ("claimant_write", "claimant", P),
    "claimants:commitment": ("claimant_read", "claimant", G),
    "claimants:commitment_start": ("claimant_write", "claimant", P),
    "claimants:commitment_edit": ("claimant_write", "claimant", G + P),
    "claimants:commitment_issue": ("claimant_write", "claimant", P),
    "claimants:commitment_accept": ("claimant_write", "claimant", P),
    "claimants:commitment_discard": ("claimant_write", "claimant", P),
    "claimants:commitment_version": ("claimant_read", "commitment", G),
    "claimants:support_fund_request": ("booker_write", "claimant", G + P),
    # The award page: read by whoever reads the claimant (not progression leads); its POST decides or pays.
    "claimants:support_fund_award": ({"GET": "claimant_read", "POST": "fund_decide"}, "award", G + P),
    "claimants:support_fund_withdraw": ("booker_write", "award", P),
    "claimants:support_fund_waiting": ("team_leaders", None, G),
    "claimants:support_fund_budget": ("casework_list", None, G),
    "claimants:progression": ("claimant_read", "claimant", G),
    "claimants:progression_plan_edit": ("claimant_write", "claimant", G + P),
    "claimants:self_assessment_new": ("claimant_write", "claimant", G + P),
    "appointments:diary": ("refer_list", None, G),
    "appointments:book": ("booker_write", "claimant", G + P),
    "appointments:rebook": ("booker_write", "appointment", G + P),
    "appointments:cancel": ("booker_write", "appointment", G + P),
    "appointments:outcome": ("booker_write", "appointment", G + P),
    "appointments:self_assessment": ("booker_write", "appointment", G + P),
    "appointments:link_actions": ("booker_write", "step", G + P),
    "provision:offer_list": ("provision_read", None, G),
    "provision:offer_create": ("provision_edit", None, G),
    "provision:offer_detail": ("provision_read", "offer", G),
    "provision:offer_edit": ("provision_edit", "offer", G),
    "provision:offer_reviewed": ("provision_edit", "offer", P),
    "provision:offer_pause": ("provision_edit", "offer", P),
    "provision:offer_archive": ("provision_edit", "offer", G + P),
    "provision:contact_public": ("provision_edit", "contact", P),
    "provision:import": ("provision_edit", None, G),
    "provision:import_job": ("provision_edit", "import_job", G),
    "provision:import_report": ("provision_edit", "import_run", G),
    "provision:import_report_csv": ("provision_edit", "import_run", G),
    "provision:export": ("provision_read", None, G),
    "provision:find": ("booker_read", "claimant", G),
    "provision:refer": ("booker_write", "claimant_offer", G + P),
    "provision:referral_detail": ("referral_status", "referral", P),
    "provision:link_referrals": ("booker_write", "step", G + P),
    # The API's own pages (the schema and its viewer) and the Open Referral UK feed (district keys).
    "api-schema": ("any", None, G),
    "api_docs": ("any", None, G),
    "openreferral:services": ("public", None, ()),
    "openreferral:service": ("public", None, ()),
}

# API operations (method + schema path) → (rule, what the path's parameters name). Every one is run.
API = {
    "GET /api/v1/absences/": ("leaders", None),
    "POST /api/v1/absences/": ("leaders", None),
    "GET /api/v1/agreed-actions/": ("casework_list", None),
    "GET /api/v1/agreed-actions/{id}/": ("claimant_read", "action"),
    "POST /api/v1/agreed-actions/{id}/close/": ("booker_write", "action"),
    "GET /api/v1/appointments/": ("casework_list", None),
    "POST /api/v1/appointments/": ("refer_list", None),
    "GET /api/v1/appointments/{id}/": ("claimant_read", "appointment"),
    "POST /api/v1/appointments/{id}/cancel/": ("booker_write", "appointment"),
    "POST /api/v1/appointments/{id}/contact-attempts/": ("booker_write", "appointment"),
    "POST /api/v1/appointments/{id}/outcome/": ("booker_write", "appointment"),
    "POST /api/v1/appointments/{id}/rebook/": ("booker_write", "appointment"),
    "GET /api/v1/case-notes/": ("casework_list", None),
    "GET /api/v1/case-notes/{id}/": ("claimant_read", "note"),
    "GET /api/v1/claimants/": ("casework_list", None),
    "POST /api/v1/claimants/": ("refer_list", None),
    "GET /api/v1/claimants/{claimant_id}/": ("claimant_read", "claimant"),
    "PATCH /api/v1/claimants/{claimant_id}/": ("claimant_write", "claimant"),
    "GET /api/v1/claimants/{claimant_id}/circumstances/": ("claimant_read", "claimant"),
    "POST /api/v1/claimants/{claimant_id}/circumstances/": ("claimant_write", "claimant"),
    "GET /api/v1/claimants/{claimant_id}/commitments/": ("claimant_read", "claimant"),
    "POST /api/v1/claimants/{claimant_id}/commitments/": ("claimant_write", "claimant"),
    "GET /api/v1/claimants/{claimant_id}/commitments/{version}/": ("claimant_read", "commitment"),
    "PUT /api/v1/claimants/{claimant_id}/commitments/{version}/": ("claimant_write", "commitment"),
    "POST /api/v1/claimants/{claimant_id}/commitments/{version}/accept/": ("claimant_write", "commitment"),
    "POST /api/v1/claimants/{claimant_id}/commitments/{version}/discard/": ("claimant_write", "commitment"),
    "POST /api/v1/claimants/{claimant_id}/commitments/{version}/issue/": ("claimant_write", "commitment"),
    "GET /api/v1/claimants/{claimant_id}/earnings/": ("claimant_read", "claimant"),
    "POST /api/v1/claimants/{claimant_id}/earnings/": ("claimant_write", "claimant"),
    "GET /api/v1/claimants/{claimant_id}/employments/": ("claimant_read", "claimant"),
    "POST /api/v1/claimants/{claimant_id}/employments/": ("claimant_write", "claimant"),
    "PUT /api/v1/claimants/{claimant_id}/employments/{id}/": ("claimant_write", "employment"),
    "POST /api/v1/claimants/{claimant_id}/facts/": ("claimant_write", "claimant"),
    "POST /api/v1/claimants/{claimant_id}/reassign/": ("claimant_write", "claimant"),
    "GET /api/v1/claimants/{claimant_id}/regime-history/": ("claimant_read", "claimant"),
    "POST /api/v1/claimants/{claimant_id}/restricted/": ("claimant_write", "claimant"),
    "POST /api/v1/earnings-feed/": ("admin", None),
    "GET /api/v1/jobs/": ("any", None),
    "GET /api/v1/jobs/{id}/": ("own_job", "job"),
    "POST /api/v1/jobs/{id}/resume/": ("admin", "job"),
    "GET /api/v1/provision/offers/": ("provision_read", None),
    "POST /api/v1/provision/offers/": ("provision_edit", None),
    "GET /api/v1/provision/offers/{id}/": ("provision_read", "offer"),
    "PATCH /api/v1/provision/offers/{id}/": ("provision_edit", "offer"),
    "POST /api/v1/provision/offers/{id}/reviewed/": ("provision_edit", "offer"),
    "POST /api/v1/provision/offers/{id}/status/": ("provision_edit", "offer"),
    "POST /api/v1/reassignments/": ("leaders", None),
    "GET /api/v1/referrals/": ("provision_read", None),
    "POST /api/v1/referrals/": ("refer_list", None),
    "GET /api/v1/referrals/{id}/": ("referral_read", "referral"),
    "POST /api/v1/referrals/{id}/status/": ("referral_status", "referral"),
    "POST /api/v1/regime-calculator/": ("any", None),
    "GET /api/v1/teams/": ("leaders", None),
    "GET /api/v1/teams/{id}/": ("leaders", "team"),
    "POST /api/v1/teams/{id}/members/": ("leaders", "team"),
}

# Classified routes the page matrix does not request, each with its reason (any other route with no methods fails
# ``test_page_matrix``). Public routes are requested by ``test_anonymous_is_sent_to_sign_in_or_401``.
UNREQUESTED = {
    "logout": "signing out would end the matrix's sessions: test_logout_redirects_signed_in_and_anonymous",
}

# Parameters that name something in a claimant's scope: the route runs once per scope.
SCOPED = {
    "award",
    "step",
    "claimant",
    "employment",
    "commitment",
    "appointment",
    "action",
    "note",
    "referral",
    "claimant_offer",
}


# --- Enumerating -----------------------------------------------------------------------------------------------


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            if str(p.pattern).startswith("django-admin"):
                continue  # Django admin: its own login (test_access)
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), f"{namespace}{p.name}", p


def page_routes():
    """(name, route) for every page: the API's routes are checked through the schema instead."""
    routes = {}
    for route, name, _ in _walk(get_resolver().url_patterns):
        if route.startswith("api/v1/") and name not in ("api-schema", "api_docs"):
            continue
        routes.setdefault(name, route)
    return routes


def api_operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method in operations
        if method in ("get", "post", "put", "patch", "delete")
    ]


def test_every_route_and_operation_is_classified():
    routes = page_routes()
    assert set(routes) - set(ROUTES) == set(), "classify these routes in ROUTES (a rule per route)"
    assert set(ROUTES) - set(routes) == set(), "these ROUTES entries name no route any more"
    operations = set(api_operations())
    assert operations - set(API) == set(), "classify these API operations in API"
    assert set(API) - operations == set(), "these API entries name no operation any more"
    for rule, *_ in [*ROUTES.values(), *API.values()]:
        for name in rule.values() if isinstance(rule, dict) else (rule,):
            assert name in RULES


# --- The world -----------------------------------------------------------------------------------------------


@pytest.fixture
def world(db):
    district, elsewhere = DistrictFactory(), DistrictFactory()
    j1, j2, j3 = (
        JobcentreFactory(district=district),
        JobcentreFactory(district=district),
        JobcentreFactory(district=elsewhere),
    )
    t1, t2, t3, t4 = (
        TeamFactory(jobcentre=j1),
        TeamFactory(jobcentre=j1),
        TeamFactory(jobcentre=j2),
        TeamFactory(jobcentre=j3),
    )
    coach = WorkCoachFactory(team=t1)
    away, mate = WorkCoachFactory(team=t1), WorkCoachFactory(team=t1)
    owners = {
        "own": coach,
        "covered": away,
        "team": mate,
        "jobcentre": WorkCoachFactory(team=t2),
        "district": WorkCoachFactory(team=t3),
        "other": WorkCoachFactory(team=t4),
    }
    users = {
        "work_coach": coach,
        "team_leader": TeamLeaderFactory(team=t1),
        "district_leader": TeamLeaderFactory(team=t1, leads_district=True),
        "progression_lead": ProgressionLeadFactory(team=None, jobcentre=j1),
        "administrator": AdministratorFactory(),
    }
    today = timezone.localdate()
    default_rules()
    CoachAbsence.objects.create(
        coach=away,
        kind="holiday",
        # From yesterday to tomorrow, not today alone: the matrix runs long enough to pass midnight.
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=1),
        covered_by=coach,
        recorded_by=users["team_leader"],
    )
    offers = {district.pk: OfferFactory(district=district), elsewhere.pk: OfferFactory(district=elsewhere)}
    scoped = {}
    for scope, owner in owners.items():
        # Waiting to be invited to the IWP offer (claimants:iwp_offer_invite).
        claimant = ClaimantFactory(
            jobcentre=owner.jobcentre, coach=owner, iwp_offer_status=IwpOfferStatus.ELIGIBLE
        )
        past = timezone.now() - dt.timedelta(days=2)
        appointment = AppointmentFactory(coach=owner, claimant=claimant, starts_at=past)
        offer = offers[owner.jobcentre.district_id]
        plan = ProgressionPlan.objects.create(claimant=claimant, goal="More hours", route="more_hours")
        scoped[scope] = {
            "claimant": claimant,
            "step": PlanStep.objects.create(plan=plan, text="Ask about more hours", target_on=today),
            "award": support_fund_request(
                claimant=claimant, actor=owner, purpose="travel", amount=Decimal("25"), supplier="Trains"
            ),
            "appointment": appointment,
            "action": AgreedActionFactory(claimant=claimant, created_by=owner),
            "note": _note(claimant, owner),
            "employment": Employment.objects.create(
                claimant=claimant, employer="Acme", contract_type="permanent"
            ),
            "commitment": commitment_start_draft(claimant=claimant, actor=owner),
            "referral": ReferralFactory(claimant=claimant, offer=offer, created_by=owner),
            "offer": offer,
        }
    job = BackgroundJob.objects.create(
        kind="matrix", description="A job", created_by=coach, state="succeeded"
    )
    lead = users["progression_lead"]
    offer = offers[district.pk]
    budget(j1)
    return {
        "users": users,
        "scoped": scoped,
        "job": job,
        "uprating_job": BackgroundJob.objects.create(
            kind=UPRATING_JOB_KIND,
            description="Uprating",
            created_by=users["administrator"],
            state="succeeded",
        ),
        "import_job": BackgroundJob.objects.create(
            kind=IMPORT_JOB_KIND, description="Import", created_by=lead, state="succeeded"
        ),
        "import_run": ImportRun.objects.create(district=district, actor=lead, kind="csv", report={}),
        "contact": ProvisionContact.objects.create(offer=offer, name="Sam Provider", email="sam@example.org"),
        "team": t1,
        "team_coach": coach,
        "offer": offer,
    }


def _note(claimant, author):
    from appointments.models import CaseNote

    return CaseNote.objects.create(claimant=claimant, author=author, text="Spoke about more hours.")


def _args(kind: str | None, world, scope: str) -> dict:
    if kind is None:
        return {}
    objects = world["scoped"].get(scope, {})
    if kind == "claimant":
        return {"claimant": objects["claimant"].pk}
    if kind == "claimant_offer":
        return {"claimant": objects["claimant"].pk, "offer": objects["offer"].pk}
    if kind == "commitment":
        return {"claimant": objects["claimant"].pk, "version": objects["commitment"].version}
    if kind == "employment":
        return {"claimant": objects["claimant"].pk, "employment": objects["employment"].pk}
    if kind in objects:
        return {kind: objects[kind].pk}
    if kind == "team":
        return {"team": world["team"].pk}
    if kind == "team_coach":
        return {"team_coach": world["team_coach"].pk}
    if kind == "contact":
        return {"offer": world["offer"].pk, "contact": world["contact"].pk}
    if kind in ("offer", "job", "uprating_job", "import_job", "import_run"):
        return {kind: world[kind].pk}
    raise AssertionError(f"no object for {kind}")


def _page_url(route: str, args: dict) -> str:
    values = iter(args.values())
    url = re.sub(r"<(?:int:)?[a-z_]+>", lambda m: str(next(values)), route)
    return "/" + url


def _api_url(path: str, args: dict) -> str:
    values = iter(args.values())
    return re.sub(r"\{[a-z_]+\}", lambda m: str(next(values)), path)


def _answer(response, *, write: bool) -> str:
    code = response.status_code
    if code in (403, 404, 405, 401):
        return str(code)
    if code == 302 and "/sign-in/" in response.get("Location", ""):
        return "login"
    if code < 400 or (write and code in (400, 409, 413, 415)):
        return OK
    return str(code)


def _counts():
    from appointments.models import Appointment, CaseNote
    from claimants.models import (
        Circumstance,
        ClaimantCommitment,
        EarningsRecord,
        SelfAssessment,
        SupportFundAward,
    )
    from provision.models import Referral

    models = (
        AuditEvent,
        SupportFundAward,
        SelfAssessment,
        Appointment,
        CaseNote,
        Circumstance,
        ClaimantCommitment,
        EarningsRecord,
        Referral,
        Employment,
    )
    return {m.__name__: m.objects.count() for m in models}


def _run(world, cases, request, capsys):
    """Run (label, role, scope, method, url, expected); collect mismatches; check refusals change nothing."""
    clients = {}
    for role, user in world["users"].items():
        clients[role] = Client()
        clients[role].force_login(user)
    wrong, made, started = [], 0, time.perf_counter()
    tally = Counter()
    for label, role, scope, method, url, expected in cases:
        write = method != "GET"
        before = _counts() if write and expected != OK else None
        response = request(clients[role], method, url)
        made += 1
        got = _answer(response, write=write)
        tally[got] += 1
        if got != expected:
            wrong.append(
                f"{label} {role} {scope}: expected {expected}, got {got} [{response.status_code}] ({method} {url})"
            )
        elif before is not None and _counts() != before:
            wrong.append(f"{label} {role} {scope}: refused ({got}) but changed the database")
    return wrong, made, time.perf_counter() - started, tally


def _page_request(client, method, url):
    return client.get(url) if method == "GET" else client.post(url, {})


def _api_request(client, method, url):
    return getattr(client, method.lower())(url, {}, content_type="application/json")


@pytest.mark.django_db
def test_page_matrix(world, capsys):
    routes = page_routes()
    cases = []
    requested = set()
    for name, (rule, kind, methods) in ROUTES.items():
        if rule == "public" or name in UNREQUESTED:
            continue
        requested.add(name)
        scopes = SCOPES if kind in SCOPED else NONE
        for method in methods:
            expect = RULES[rule[method] if isinstance(rule, dict) else rule]
            for role in ROLES:
                for scope in scopes:
                    url = _page_url(routes[name], _args(kind, world, scope))
                    cases.append((name, role, scope, method, url, expect(role, scope)))
    unrequested = {name for name in requested if not any(case[0] == name for case in cases)}
    assert not unrequested, (
        f"classified but never requested (give them methods, or a reason in UNREQUESTED): "
        f"{sorted(unrequested)}"
    )
    assert all(UNREQUESTED.values()), "every unrequested route needs its reason"
    n_routes = len(requested)
    wrong, made, seconds, tally = _run(world, cases, _page_request, capsys)
    with capsys.disabled():
        print(
            f"\npage matrix: {n_routes} routes × {len(ROLES)} roles × {len(SCOPES)} scopes (where a claimant is "
            f"named): {made} requests in {seconds:.1f}s; {dict(tally)}"
        )
    assert not wrong, "\n".join(wrong)


@pytest.mark.django_db
def test_api_matrix(world, capsys):
    cases = []
    for operation, (rule, kind) in API.items():
        method, path = operation.split(" ", 1)
        scopes = SCOPES if kind in SCOPED else NONE
        for role in ROLES:
            for scope in scopes:
                url = _api_url(path, _args(kind, world, scope))
                cases.append((operation, role, scope, method, url, RULES[rule](role, scope)))
    wrong, made, seconds, tally = _run(world, cases, _api_request, capsys)
    with capsys.disabled():
        print(
            f"\nAPI matrix: {len(API)} operations × {len(ROLES)} roles × {len(SCOPES)} scopes (where a claimant is "
            f"named): {made} requests in {seconds:.1f}s; {dict(tally)}"
        )
    assert not wrong, "\n".join(wrong)


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in_or_401(world):
    routes = page_routes()
    client = Client()
    wrong = []
    for name, (rule, _kind, _) in ROUTES.items():
        url = "/" + re.sub(r"<(?:int:)?[a-z_]+>", "1", routes[name])
        response = client.get(url)
        if rule == "public":
            expected = (401,) if name.startswith("openreferral:") else (200,)
            if response.status_code not in expected:
                wrong.append(f"{name}: public, got {response.status_code}")
        elif name == "api-schema":
            if response.status_code not in (401, 403):
                wrong.append(f"{name}: got {response.status_code}")
        elif not (response.status_code == 302 and "/sign-in/" in response["Location"]):
            wrong.append(f"{name}: got {response.status_code}, not the sign-in page")
    for operation, (_rule, _kind) in API.items():
        method, path = operation.split(" ", 1)
        response = _api_request(client, method, re.sub(r"\{[a-z_]+\}", "1", path))
        if response.status_code != 401:
            wrong.append(f"{operation}: anonymous got {response.status_code}, not 401")
    assert not wrong, "\n".join(wrong)


@pytest.mark.django_db
def test_logout_redirects_signed_in_and_anonymous(world):
    """``logout`` (UNREQUESTED in the matrix): anonymous and every signed-in role are redirected, and it ends the
    session (the next page is the sign-in page)."""
    url = "/" + page_routes()["logout"]
    wrong = []
    for role, user in [("anonymous", None), *world["users"].items()]:
        client = Client()
        if user is not None:
            client.force_login(user)
        response = client.post(url)
        if response.status_code != 302:
            wrong.append(f"{role}: got {response.status_code}, not a redirect")
        after = client.get("/")
        if not (after.status_code == 302 and "/sign-in/" in after["Location"]):
            wrong.append(f"{role}: still signed in after signing out ({after.status_code})")
    assert not wrong, "\n".join(wrong)


_ = Role  # roles are named by their values above
