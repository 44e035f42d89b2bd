"""Schemathesis against the live server (issue #15): the API does what its OpenAPI schema says.

The test serves the app with pytest-django's ``live_server`` (a real HTTP server on the test database, which is
flushed afterwards, so whatever schemathesis writes cannot reach another test), seeds one office's casework, and
runs the ``schemathesis`` command line on ``/api/v1/schema/`` with **every check** (``--checks all``: server
errors, status codes, content types, response schemas and headers, negative data rejected, positive data
accepted, missing headers, unsupported methods, ``Allow`` headers, use after free, resource availability, ignored
authentication, object-level authorisation) and every phase (examples, coverage, fuzzing, stateful). Each role
runs on the operations it may use, with a token of a seeded member of staff; the ids in paths are the seeded
records', so the operations reach real data rather than only 404s. Bounded (a few examples per operation, a fixed
seed) so it runs in about two minutes; the assertion is no failure at all.

One setting is the API's own rule rather than the schema's: a schema-valid request may be refused with a 400 when a
rule of the service that JSON Schema cannot say refuses it (an assessment period starts on the claimant's own
assessment day; a contact attempt follows the appointment; a phone number is a real UK one). So
``positive_data_acceptance`` expects 400 beside its defaults; everything else runs as schemathesis ships it.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from appointments.models import CaseNote
from claimants.commitments.services import commitment_issue, commitment_save_draft, commitment_start_draft
from claimants.models import Circumstance
from claimants.services import claimant_record_earnings, employment_save
from iwp.api_tokens import token_issue
from iwp.background.jobs import job_create, job_fail
from iwp.models import CoachAbsence, Role
from provision.models import Referral, ReferralStatusChange
from tests.appointments.factories import AgreedActionFactory, AppointmentFactory
from tests.claimants.factories import ClaimantFactory
from tests.factories import (
    AdministratorFactory,
    ProgressionLeadFactory,
    TeamFactory,
    TeamLeaderFactory,
    WorkCoachFactory,
)
from tests.provision.factories import OfferFactory, SessionFactory

pytestmark = [pytest.mark.django_db(transaction=True)]

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
# (role, operations it runs on, examples per operation); the work coach's run covers every operation.
RUNS = [
    ("work_coach", None, 4),
    ("team_leader", r"^/api/v1/(teams|absences|reassignments)", 6),
    ("progression_lead", r"^/api/v1/provision/", 6),
    ("administrator", r"^/api/v1/(earnings-feed|jobs|claimants/$)", 6),
]


def _seed() -> dict:
    """One office's casework: a coach's claimant with earnings, a job and its shifts, a circumstance, an issued
    commitment, appointments past and future, an agreed action and a note; a provision offer and a referral;
    a colleague's absence; background jobs."""
    team = TeamFactory()
    coach = WorkCoachFactory(team=team, username="st.coach")
    colleague = WorkCoachFactory(team=team, username="st.colleague")
    leader = TeamLeaderFactory(team=team, username="st.leader")
    lead = ProgressionLeadFactory(jobcentre=team.jobcentre, username="st.lead")
    admin = AdministratorFactory(username="st.admin")
    claimant = ClaimantFactory(jobcentre=team.jobcentre, coach=coach, assessment_day=10)
    ClaimantFactory.create_batch(3, jobcentre=team.jobcentre, coach=coach)
    claimant_record_earnings(
        claimant=claimant, period_start=dt.date(2025, 6, 10), employed_earnings=Decimal("812.40"), actor=coach
    )
    employment = employment_save(
        claimant=claimant,
        actor=coach,
        employment=None,
        fields={"employer": "Tesco", "contract_type": "zero_hours", "pay_frequency": "weekly"},
        shifts=[{"weekday": 1, "starts_at": dt.time(9), "ends_at": dt.time(13)}],
    )
    Circumstance.objects.create(
        claimant=claimant, kind="childcare", detail="Nursery until 3", recorded_by=coach
    )
    draft = commitment_start_draft(claimant=claimant, actor=coach)
    draft = commitment_save_draft(
        commitment=draft,
        lock_version=draft.lock_version,
        actor=coach,
        expected_hours=Decimal(35),
        reason_code="",
        reason_detail="",
        work_search_hours=Decimal(10),
        requirements="Ask your employer about more hours.",
        easements_note="",
        review_due=None,
        items=[],
    )
    commitment_issue(commitment=draft, lock_version=draft.lock_version, actor=coach)
    now = timezone.now().replace(microsecond=0)
    past = AppointmentFactory(coach=coach, claimant=claimant, starts_at=now - dt.timedelta(hours=2))
    AppointmentFactory(coach=coach, claimant=claimant, starts_at=now + dt.timedelta(days=9))
    action = AgreedActionFactory(claimant=claimant, created_by=coach, origin_appointment=past)
    note = CaseNote.objects.create(
        claimant=claimant, appointment=past, author=coach, text="Wants more hours."
    )
    offer = OfferFactory(district=team.jobcentre.district)
    SessionFactory(offer=offer)
    referral = Referral.objects.create(
        claimant=claimant, offer=offer, status="referred", created_by=coach, last_update_on=dt.date.today()
    )
    ReferralStatusChange.objects.create(referral=referral, to_status="referred", on=dt.date.today(), by=coach)
    CoachAbsence.objects.create(
        coach=colleague,
        kind="holiday",
        starts_on=dt.date.today() + dt.timedelta(days=30),
        ends_on=dt.date.today() + dt.timedelta(days=32),
        recorded_by=leader,
    )
    coach_job = job_create(kind="report", description="A coach's report", created_by=coach, total=4)
    failed = job_create(kind="uprating", description="Uprating", created_by=admin, total=10)
    job_fail(job_id=failed.pk, error="The worker stopped.")
    return {
        "users": {
            "work_coach": coach,
            "team_leader": leader,
            "progression_lead": lead,
            "administrator": admin,
        },
        "claimant_id": claimant.pk,
        "ids": {
            r"^/api/v1/claimants/\{claimant_id\}/employments/\{id\}": employment.pk,
            r"^/api/v1/appointments/\{id\}": past.pk,
            r"^/api/v1/agreed-actions/\{id\}": action.pk,
            r"^/api/v1/case-notes/\{id\}": note.pk,
            r"^/api/v1/provision/offers/\{id\}": offer.pk,
            r"^/api/v1/referrals/\{id\}": referral.pk,
            r"^/api/v1/teams/\{id\}": team.pk,
            r"^/api/v1/jobs/\{id\}": coach_job.pk,
        },
    }


def _config(path: Path, seeded: dict, token: str, include: str | None) -> None:
    operations = "".join(
        textwrap.dedent(
            f"""
            [[operations]]
            include-path-regex = '{pattern}'
            parameters = {{ "path.id" = {pk} }}
            """
        )
        for pattern, pk in seeded["ids"].items()
    )
    path.write_text(
        textwrap.dedent(
            f"""
            seed = 15
            headers = {{ Authorization = "Bearer {token}" }}

            [parameters]
            "path.claimant_id" = {seeded["claimant_id"]}
            "path.version" = 1

            [checks.positive_data_acceptance]
            expected-statuses = ["2xx", "400", "401", "403", "404", "409", "429"]
            """
        )
        + operations
    )


def _start(live_server, config: Path, examples: int, include: str | None) -> subprocess.Popen:
    command = [
        str(SCHEMATHESIS),
        "--config-file",
        str(config),
        "run",
        f"{live_server.url}/api/v1/schema/",
        "--checks",
        "all",
        "--max-examples",
        str(examples),
        # One thread per run (the four roles already run side by side, one process each): with two threads,
        # hypothesis parses lambdas with ast.parse concurrently and CPython 3.11 can raise a spurious
        # "SystemError: AST constructor recursion depth mismatch" (python/cpython#106905), which failed a clean run.
        "--workers",
        "1",
        "--no-color",
        "--request-timeout",
        "30",
    ]
    if include:
        command += ["--include-path-regex", include]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.mark.slow
@pytest.mark.timeout(900)  # four schemathesis runs side by side: about 5 minutes beside the rest of the suite
def test_the_api_does_what_its_schema_says(live_server, settings, tmp_path):
    settings.IWP_API_TOKEN_RATE = "100000/minute"  # schemathesis calls far faster than any system should
    seeded = _seed()
    runs = {}
    for role, include, examples in RUNS:
        user = seeded["users"][role]
        assert user.effective_role == Role(role)
        _, token = token_issue(user=user, name=f"schemathesis {role}")
        config = tmp_path / f"{role}.toml"
        _config(config, seeded, token, include)
        runs[role] = _start(live_server, config, examples, include)  # the roles run side by side
    report = []
    try:
        for role, process in runs.items():
            output, _ = process.communicate(timeout=600)
            cases = re.search(r"(\d+) generated, (.*)", output)
            report.append(f"{role}: {cases.group(0) if cases else 'no summary'}")
            assert process.returncode == 0, f"schemathesis found failures as {role}:\n{output[-20000:]}"
            assert cases and re.match(r"\d+ passed", cases.group(2)), output[-5000:]
    finally:
        for process in runs.values():  # a failed assertion leaves no run behind
            if process.poll() is None:
                process.kill()
                process.wait()
    print("\n".join(report))
