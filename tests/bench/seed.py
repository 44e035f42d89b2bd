"""Seed a synthetic national-scale caseload fast, with COPY (psycopg 3 ``cursor.copy``).

Into a freshly migrated database: an organisation (districts → jobcentres → teams → ~6,000 work coaches at 1M
claimants, ~166 claimants each), N claimants and 12 assessment periods of current earnings each (the 12 APs up to
October 2026). Nothing Django manages is dropped or recreated: rows are COPYed into the migrated tables, the
identity sequences moved past them, then VACUUM (FREEZE, ANALYZE) so every bench step finds settled tables.

Everything is deterministic for a given ``--seed``. The caseload is synthetic but shaped to exercise the engine:

* valid, unique NINOs in HMRC's format (a bijective shuffle of the claimant id → prefix + 6 digits, suffix A–D);
* dates of birth for ages 18–66 (skewed to the 25–45s);
* ~30% of claimants in couples (both partners claimants, ``partner_id`` pointing at each other, same AP day,
  jobcentre and coach), ~3% with a partner not eligible for UC (``non_uc_partner_*`` earnings on their rows);
* conditionality groups mostly all-work-related-requirements, a few preparing / planning / no requirements;
  ~2% apprentices; ~6% self-employed (half with the Minimum Income Floor); ~12% reduced expected hours, always with
  a reason (the ``reduced_hours_need_reason`` constraint);
* AP day 1–28 for ~95%, 29–31 for the rest (clamped to short months' last day);
* earnings profiles around the AET and CET: none, low, Light Touch band, Working Enough, cyclers either side of
  the AET / CET (within the 5% marginal band), seasonal workers, people just above a threshold that the April 2026
  uprating overtakes; ~35% of earners weekly paid (4 or 5 paydays, pay in proportion), the rest monthly (1);
  ``received_at`` a week after each AP ends, source RTI (self-reported for the self-employed).

Speed: text COPY from as many loader processes as cores, each owning a connection and whole chunks of claimants
with ids fixed in advance (so partners can point at each other and the runs are reproducible); the loaders skip
the per-row foreign-key triggers with ``session_replication_role = replica`` where allowed (superuser; the ids are
consistent by construction). A NOT NULL column a later migration adds is filled with the model field's default,
so the seed keeps working as the schema grows.

Run on its own: ``python -m tests.bench.seed --claimants 50000`` (with DATABASE_URL set and migrated).
"""

from __future__ import annotations

import argparse
import calendar
import importlib
import json
import multiprocessing
import os
import random
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import psycopg

from tests.bench.db import conninfo

# The 12 APs seeded: those starting in November 2025 … October 2026.
FIRST_PERIOD = (2025, 11)
PERIODS = 12
AGE_REFERENCE = date(2026, 10, 31)
SEEDED_AT = "2025-10-01 09:00:00+00"
CLAIMANTS_PER_COACH = 166
# Teams of 12 coaches (~2,000 claimants), two per jobcentre, 15 jobcentres per district (~60,000 claimants): the
# team dashboard's and district view's sizes from issue #6; ~500 teams / ~6,000 coaches at 1M.
COACHES_PER_JOBCENTRE = 24
TEAMS_PER_JOBCENTRE = 2
JOBCENTRES_PER_DISTRICT = 15
UNUSABLE_PASSWORD = "!"

# Monthly thresholds in pence, for shaping the earnings (the engine decides with the real tables).
AET_SINGLE = (95238, 99138)  # 18 h × £12.21 / £12.71 × 52 / 12
CET_FULL = (185185, 192768)  # 35 h × £12.21 / £12.71 × 52 / 12

# fmt: off
FIRST_NAMES = (
    "Olivia", "Amelia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Isabella", "Rosie", "Sophia", "Grace", "Freya",
    "Willow", "Evie", "Ella", "Poppy", "Emily", "Aisha", "Zara", "Fatima", "Priya", "Chloe", "Megan", "Sian",
    "Niamh", "Oliver", "George", "Noah", "Arthur", "Muhammad", "Leo", "Harry", "Oscar", "Archie", "Henry",
    "Theodore", "Jack", "Charlie", "Freddie", "Alfie", "Thomas", "Jacob", "Joshua", "Ethan", "Liam", "Kwame",
    "Tariq", "Dylan", "Rhys", "Callum", "Connor", "Daniel", "Samuel", "James", "William", "Ryan", "Aaron", "Kieran",
    "Jamal", "Adam"
)
LAST_NAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson", "Wright",
    "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Thomas", "Clarke", "Jackson", "Wood",
    "Harris", "Edwards", "Turner", "Martin", "Cooper", "Hill", "Ward", "Hughes", "Moore", "Clark", "King",
    "Harrison", "Lewis", "Baker", "Lee", "Allen", "Morris", "Khan", "Scott", "Watson", "Davis", "Parker", "James",
    "Bennett", "Young", "Phillips", "Richardson", "Mitchell", "Bailey", "Carter", "Cook", "Singh", "Shaw", "Bell",
    "Collins", "Morgan", "Kelly", "Begum", "Campbell", "Hussain", "Ahmed", "Murphy", "Kaur", "Okafor", "Mensah",
    "Nowak", "Kowalski", "Murray", "MacDonald", "Reid", "Price", "Owen"
)
TOWNS = (
    "Birmingham", "Leeds", "Glasgow", "Sheffield", "Bradford", "Manchester", "Edinburgh", "Liverpool", "Bristol",
    "Cardiff", "Coventry", "Leicester", "Nottingham", "Newcastle", "Sunderland", "Belfast", "Brighton", "Hull",
    "Plymouth", "Stoke", "Wolverhampton", "Derby", "Swansea", "Southampton", "Salford", "Aberdeen", "Westminster",
    "Portsmouth", "York", "Peterborough", "Dundee", "Lancaster", "Oxford", "Newport", "Preston", "Norwich",
    "Carlisle", "Exeter", "Wakefield", "Gateshead", "Middlesbrough", "Blackpool", "Bolton", "Wigan", "Doncaster",
    "Rotherham", "Ipswich"
)
POSTCODE_AREAS = (
    "B", "LS", "G", "S", "BD", "M", "EH", "L", "BS", "CF", "CV", "LE", "NG", "NE", "SR", "BT", "BN", "HU", "PL",
    "ST", "WV", "DE", "SA", "SO", "OX", "YO", "PE", "DD", "PR", "NR", "CA", "EX", "WF"
)
# fmt: on
LANGUAGES = (
    "Polish",
    "Urdu",
    "Punjabi",
    "Arabic",
    "Romanian",
    "Bengali",
    "Somali",
    "Welsh",
    "Tigrinya",
    "Farsi",
)
REASONS = ("caring", "school_hours", "health", "lead_carer_3_12", "other")

CLAIMANT_COLUMNS = (
    "id",
    "nino",
    "first_name",
    "last_name",
    "date_of_birth",
    "postcode",
    "contact_preference",
    "interpreter_language",
    "digitally_excluded",
    "assessment_day",
    "conditionality_group",
    "expected_hours",
    "expected_hours_reason",
    "apprentice",
    "self_employed",
    "minimum_income_floor",
    "has_non_uc_partner",
    "non_uc_partner_date_of_birth",
    "current_regime",
    "regime_since",
    "current_period_start",
    "regime_cycling",
    "cycling_seasonal",
    "cycling_marginal",
    "cycling_pay_cycle",
    "cycling_explanation",
    "iwp_offer_status",
    "iwp_offer_eligible_since",
    "created_at",
    "updated_at",
    "coach_id",
    "jobcentre_id",
    "partner_id",
)
EARNINGS_COLUMNS = (
    "claimant_id",
    "period_start",
    "employed_earnings",
    "self_employed_earnings",
    "paydays",
    "non_uc_partner_employed",
    "non_uc_partner_self_employed",
    "source",
    "received_at",
    "is_current",
)

# NINO prefixes HMRC allows (see claimants.models.NINO_RE).
_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
_SECOND = "ABCEGHJKLMNPRSTWXYZ"
_BARRED = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}
NINO_PREFIXES = tuple(a + b for a in _FIRST for b in _SECOND if a + b not in _BARRED)
_NINO_SPACE = len(NINO_PREFIXES) * 1_000_000
_NINO_MULTIPLIER = 7_919_003  # coprime with the space, so id → NINO is a bijection (unique by construction)


def nino_for(claimant_id: int, suffix: str) -> str:
    n = (claimant_id * _NINO_MULTIPLIER + 12_345_677) % _NINO_SPACE
    return f"{NINO_PREFIXES[n // 1_000_000]}{n % 1_000_000:06d}{suffix}"


def period_starts(day: int) -> list[date]:
    year, month = FIRST_PERIOD
    starts = []
    for _ in range(PERIODS):
        starts.append(date(year, month, min(day, calendar.monthrange(year, month)[1])))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return starts


def _periods_by_day() -> dict[int, list[tuple[str, str, int]]]:
    """For each AP day: (period_start, received_at, month) for the 12 APs; received a week after the AP ends."""
    table = {}
    for day in range(1, 32):
        starts = period_starts(day)
        year, month = starts[-1].year, starts[-1].month + 1
        after = date(year + (month > 12), (month - 1) % 12 + 1, min(day, 28))
        nexts = [*starts[1:], after]
        table[day] = [
            (s.isoformat(), f"{(n + timedelta(days=6)).isoformat()} 07:30:00+00", s.month)
            for s, n in zip(starts, nexts, strict=True)
        ]
    return table


def _money(pence: int) -> str:
    pounds, pennies = divmod(pence, 100)
    return f"{pounds}.{pennies:02d}"


def _copy_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        return json.dumps(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def _escape(value: str | None) -> str:
    if value is None:
        return "\\N"
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


@dataclass(frozen=True)
class Extras:
    """Columns a later migration added that this seed does not know, filled with the model field's default, so
    the seed keeps working while the schema grows (COPY would otherwise put NULL in a NOT NULL column)."""

    columns: tuple[str, ...] = ()
    values: tuple[str | None, ...] = ()

    @property
    def sql(self) -> str:
        return "".join(f", {c}" for c in self.columns)

    @property
    def suffix(self) -> str:
        return "".join("\t" + _escape(v) for v in self.values)


def schema_extras(cur: psycopg.Cursor, table: str, known: tuple[str, ...]) -> Extras:
    columns = [
        name
        for (name,) in cur.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
            [table],
        )
    ]
    unknown = [c for c in columns if c not in known]
    if not unknown:
        return Extras()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iwp.settings")
    import django
    from django.apps import apps
    from django.db.models import NOT_PROVIDED

    if not apps.ready:
        django.setup()
    model = next(m for m in apps.get_models() if m._meta.db_table == table)
    fields = {f.column: f for f in model._meta.concrete_fields}
    names, values = [], []
    for column in unknown:
        field = fields.get(column)
        if field is None or field.db_default is not NOT_PROVIDED or getattr(field, "generated", False):
            continue  # the database fills it (a default, or a generated column such as the search name)
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = SEEDED_AT
        elif field.has_default() or not field.null:
            value = _copy_text(field.get_default())
        else:
            value = None
        names.append(column)
        values.append(value)
    return Extras(tuple(names), tuple(values))


@dataclass
class Organisation:
    jobcentre_ids: list[int]
    coaches_by_jobcentre: dict[int, list[int]]
    districts: int
    teams: int
    coaches: int


STAFF_COLUMNS = (
    "id",
    "password",
    "is_superuser",
    "username",
    "first_name",
    "last_name",
    "email",
    "is_staff",
    "is_active",
    "date_joined",
    "role",
    "jobcentre_id",
    "team_id",
    "last_login",
)


def seed_organisation(cur: psycopg.Cursor, claimants: int, rnd: random.Random) -> Organisation:
    coaches = max(COACHES_PER_JOBCENTRE * 2, round(claimants / CLAIMANTS_PER_COACH))
    jobcentres = max(2, -(-coaches // COACHES_PER_JOBCENTRE))
    districts = max(1, -(-jobcentres // JOBCENTRES_PER_DISTRICT))
    base = {
        t: cur.execute(f"SELECT coalesce(max(id), 0) FROM {t}").fetchone()[0]
        for t in ("iwp_district", "iwp_jobcentre", "iwp_team", "iwp_staffmember")
    }
    extra = {
        "iwp_district": schema_extras(cur, "iwp_district", ("id", "name")),
        "iwp_jobcentre": schema_extras(cur, "iwp_jobcentre", ("id", "name", "postcode", "district_id")),
        "iwp_team": schema_extras(cur, "iwp_team", ("id", "name", "target_caseload", "jobcentre_id")),
        "iwp_staffmember": schema_extras(cur, "iwp_staffmember", STAFF_COLUMNS),
    }
    with cur.copy(f"COPY iwp_district (id, name{extra['iwp_district'].sql}) FROM STDIN") as copy:
        for d in range(1, districts + 1):
            copy.write_row(
                (
                    base["iwp_district"] + d,
                    f"Bench district {d:02d} ({TOWNS[d % len(TOWNS)]})",
                    *extra["iwp_district"].values,
                )
            )
    jobcentre_ids = []
    with cur.copy(
        f"COPY iwp_jobcentre (id, name, postcode, district_id{extra['iwp_jobcentre'].sql}) FROM STDIN"
    ) as copy:
        for j in range(1, jobcentres + 1):
            jid = base["iwp_jobcentre"] + j
            jobcentre_ids.append(jid)
            town = TOWNS[j % len(TOWNS)]
            postcode = f"{POSTCODE_AREAS[j % len(POSTCODE_AREAS)]}{j % 20 + 1} {j % 9 + 1}JC"
            copy.write_row(
                (
                    jid,
                    f"{town} Jobcentre {j:04d}",
                    postcode,
                    base["iwp_district"] + (j - 1) // JOBCENTRES_PER_DISTRICT + 1,
                    *extra["iwp_jobcentre"].values,
                )
            )
    team_ids: dict[int, list[int]] = {}
    with cur.copy(
        f"COPY iwp_team (id, name, target_caseload, jobcentre_id{extra['iwp_team'].sql}) FROM STDIN"
    ) as copy:
        tid = base["iwp_team"]
        for jid in jobcentre_ids:
            for t in range(TEAMS_PER_JOBCENTRE):
                tid += 1
                team_ids.setdefault(jid, []).append(tid)
                copy.write_row((tid, f"Work coach team {t + 1}", 150, jid, *extra["iwp_team"].values))
    coaches_by_jobcentre: dict[int, list[int]] = {}
    staff_columns = ", ".join(STAFF_COLUMNS[:-1])  # last_login stays NULL
    with cur.copy(f"COPY iwp_staffmember ({staff_columns}{extra['iwp_staffmember'].sql}) FROM STDIN") as copy:
        sid = base["iwp_staffmember"]
        for c in range(coaches):
            sid += 1
            jid = jobcentre_ids[c // COACHES_PER_JOBCENTRE % len(jobcentre_ids)]
            coaches_by_jobcentre.setdefault(jid, []).append(sid)
            first, last = rnd.choice(FIRST_NAMES), rnd.choice(LAST_NAMES)
            username = f"coach{c + 1:05d}"
            copy.write_row(
                (
                    sid,
                    UNUSABLE_PASSWORD,
                    False,
                    username,
                    first,
                    last,
                    f"{username}@dwp.example",
                    False,
                    True,
                    SEEDED_AT,
                    "work_coach",
                    jid,
                    team_ids[jid][c % TEAMS_PER_JOBCENTRE],
                    *extra["iwp_staffmember"].values,
                )
            )
    return Organisation(
        jobcentre_ids, coaches_by_jobcentre, districts, sum(map(len, team_ids.values())), coaches
    )


class CaseloadGenerator:
    """COPY text for one chunk of claimants (whole households) and their earnings, from its own RNG."""

    # (profile, weight): see the module docstring.
    PROFILES = (
        ("none", 28),
        ("low", 14),
        ("light_touch", 18),
        ("working_enough", 20),
        ("cycle_aet", 8),
        ("cycle_cet", 5),
        ("seasonal", 3),
        ("just_above", 4),
    )

    def __init__(
        self,
        rnd: random.Random,
        org: Organisation,
        first_claimant_id: int,
        first_earnings_id: int,
        claimant_suffix: str = "",
        earnings_suffix: str = "",
    ):
        self.rnd = rnd
        self.claimant_end = claimant_suffix + "\n"
        self.earnings_end = earnings_suffix + "\n"
        self.org = org
        self.next_id = first_claimant_id
        self.next_earnings_id = first_earnings_id
        self.periods = _periods_by_day()
        self.profiles = [p for p, w in self.PROFILES for _ in range(w)]
        self.postcodes = [
            f"{rnd.choice(POSTCODE_AREAS)}{rnd.randint(1, 30)} {rnd.randint(1, 9)}"
            f"{rnd.choice('ABDEFGHJLNPQRSTUWXYZ')}{rnd.choice('ABDEFGHJLNPQRSTUWXYZ')}"
            for _ in range(500)
        ]
        self.reference_ordinal = AGE_REFERENCE.toordinal()
        self.claimants = 0
        self.earnings_rows = 0
        self.couples = 0
        self.non_uc_partners = 0

    def _dob(self, age: float | None = None) -> str:
        if age is None:
            age = self.rnd.triangular(18.05, 66.95, 31)
        return date.fromordinal(self.reference_ordinal - int(age * 365.25)).isoformat()

    def _facts(self) -> dict:
        """A person's own facts (group, hours, apprentice, self-employment)."""
        rnd = self.rnd
        r = rnd.random()
        group = (
            "all_work_related_requirements"
            if r < 0.90
            else "work_preparation"
            if r < 0.93
            else "work_focused_interview"
            if r < 0.96
            else "no_work_related_requirements"
        )
        hours, reason = "35.00", ""
        if rnd.random() < 0.12:
            hours, reason = rnd.choice(("16.00", "20.00", "25.00", "30.00")), rnd.choice(REASONS)
        apprentice = rnd.random() < 0.02
        self_employed = not apprentice and rnd.random() < 0.06
        mif = self_employed and rnd.random() < 0.5
        return {
            "group": group,
            "hours": hours,
            "reason": reason,
            "apprentice": apprentice,
            "self_employed": self_employed,
            "mif": mif,
        }

    def _earnings(self, cid: int, day: int, facts: dict, non_uc_partner: bool) -> list[str]:
        """12 COPY lines of earnings for one claimant."""
        rnd = self.rnd
        rand, uniform, randint = rnd.random, rnd.uniform, rnd.randint
        profile = rnd.choice(self.profiles)
        weekly = rand() < 0.35
        old_new = rnd.randrange(2)
        if profile == "none":
            base = 0
        elif profile == "low":
            base = randint(20000, 85000)
        elif profile == "light_touch":
            base = randint(100000, 180000)
        elif profile == "working_enough":
            base = randint(195000, 350000)
        elif profile == "cycle_aet":
            base = AET_SINGLE[old_new]
        elif profile == "cycle_cet":
            base = CET_FULL[old_new]
        elif profile == "just_above":
            base = rnd.choice(
                (
                    randint(AET_SINGLE[0] + 100, AET_SINGLE[1] - 100),
                    randint(CET_FULL[0] + 100, CET_FULL[1] - 100),
                )
            )
        else:  # seasonal: summer and Christmas work
            base = -1
        partner_base = randint(80000, 250000) if non_uc_partner and rand() < 0.6 else 0
        self_employed = facts["self_employed"]
        source = "self_report" if self_employed else "rti"
        eid = self.next_earnings_id
        self.next_earnings_id += PERIODS
        lines = []
        end = self.earnings_end
        for start, received, month in self.periods[day]:
            if profile == "none":
                pence = randint(5000, 30000) if rand() < 0.08 else 0
            elif profile == "cycle_aet" or profile == "cycle_cet":
                pence = int(base * uniform(0.955, 1.045))
            elif profile == "seasonal":
                pence = randint(200000, 260000) if month in (11, 12, 6, 7, 8) else randint(30000, 70000)
            elif profile == "just_above":
                pence = base
            else:
                pence = int(base * uniform(0.92, 1.08))
            paydays = "\\N"
            if pence and not self_employed:
                if weekly:
                    n = 5 if rand() < 0.3 else 4
                    pence = pence * 12 * n // 52
                    paydays = str(n)
                else:
                    paydays = "1"
            pounds, pennies = divmod(pence, 100)
            money = f"{pounds}.{pennies:02d}"
            employed, self_emp = ("0.00", money) if self_employed else (money, "0.00")
            if non_uc_partner:
                nuc = _money(int(partner_base * uniform(0.9, 1.1))) if partner_base else "0.00"
                nuc_se = "0.00"
            else:
                nuc = nuc_se = "\\N"
            lines.append(
                f"{eid}\t{cid}\t{start}\t{employed}\t{self_emp}\t{paydays}\t{nuc}\t{nuc_se}\t{source}\t"
                f"{received}\tt{end}"
            )
            eid += 1
        return lines

    def _claimant_line(
        self,
        cid: int,
        dob: str,
        day: int,
        facts: dict,
        jobcentre: int,
        coach: int,
        partner: int | None,
        non_uc_dob: str | None,
    ) -> str:
        rnd = self.rnd
        r = rnd.random()
        contact = (
            "journal"
            if r < 0.75
            else "sms"
            if r < 0.85
            else "phone"
            if r < 0.93
            else "email"
            if r < 0.97
            else "letter"
        )
        language = rnd.choice(LANGUAGES) if rnd.random() < 0.02 else ""
        excluded = "t" if rnd.random() < 0.05 else "f"
        b = {True: "t", False: "f"}
        fields = (
            str(cid),
            nino_for(cid, "ABCD"[cid % 4]),
            rnd.choice(FIRST_NAMES),
            rnd.choice(LAST_NAMES),
            dob,
            rnd.choice(self.postcodes),
            contact,
            language,
            excluded,
            str(day),
            facts["group"],
            facts["hours"],
            facts["reason"],
            b[facts["apprentice"]],
            b[facts["self_employed"]],
            b[facts["mif"]],
            b[non_uc_dob is not None],
            non_uc_dob or "\\N",
            "",
            "\\N",
            "\\N",
            "f",
            "f",
            "f",
            "f",
            "[]",
            "not_eligible",
            "\\N",
            SEEDED_AT,
            SEEDED_AT,
            str(coach),
            str(jobcentre),
            str(partner) if partner else "\\N",
        )
        return "\t".join(fields) + self.claimant_end

    def generate(self, size: int) -> tuple[list[str], list[str]]:
        """Exactly ``size`` claimants (whole households): (claimant lines, earnings lines)."""
        rnd = self.rnd
        claimant_lines: list[str] = []
        earnings_lines: list[str] = []
        org = self.org
        while len(claimant_lines) < size:
            day = rnd.randint(29, 31) if rnd.random() < 0.05 else rnd.randint(1, 28)
            jobcentre = rnd.choice(org.jobcentre_ids)
            coach = rnd.choice(org.coaches_by_jobcentre[jobcentre])
            cid = self.next_id
            # 17.65% of households are couples of claimants, so ~30% of claimants are in one.
            if rnd.random() < 0.1765 and size - len(claimant_lines) >= 2:
                other = cid + 1
                self.next_id += 2
                age = rnd.triangular(18.05, 66.95, 31)
                partner_age = min(66.95, max(18.05, age + rnd.uniform(-6, 6)))
                for me, you, a in ((cid, other, age), (other, cid, partner_age)):
                    facts = self._facts()
                    claimant_lines.append(
                        self._claimant_line(me, self._dob(a), day, facts, jobcentre, coach, you, None)
                    )
                    earnings_lines += self._earnings(me, day, facts, False)
                self.couples += 1
                self.claimants += 2
            else:
                self.next_id += 1
                facts = self._facts()
                # ~3% of all claimants: 0.03 / 0.70 of single households have a partner not eligible for UC.
                non_uc_dob = self._dob() if rnd.random() < 0.043 else None
                claimant_lines.append(
                    self._claimant_line(cid, self._dob(), day, facts, jobcentre, coach, None, non_uc_dob)
                )
                earnings_lines += self._earnings(cid, day, facts, non_uc_dob is not None)
                self.non_uc_partners += non_uc_dob is not None
                self.claimants += 1
        self.earnings_rows += len(earnings_lines)
        return claimant_lines, earnings_lines


EARNINGS_KNOWN = ("id", *EARNINGS_COLUMNS, "superseded_at", "recorded_by_id")


def _copy_lines(cur: psycopg.Cursor, statement: str, lines: list[str], batch: int = 20000) -> None:
    with cur.copy(statement) as copy:
        for i in range(0, len(lines), batch):
            copy.write("".join(lines[i : i + batch]))


# --- Parallel loading: each worker process owns a connection and COPYs whole chunks (ids fixed per chunk) ----

_worker: dict = {}


def _worker_init(
    url: str,
    org: Organisation,
    first_claimant_id: int,
    first_earnings_id: int,
    seed_value: int,
    chunk: int,
    claimant_extras: Extras,
    earnings_extras: Extras,
) -> None:
    conn = psycopg.connect(conninfo(url))
    fk_off = True
    try:
        # Bulk-load trick: skip the per-row foreign-key triggers (superuser only; ids are consistent by
        # construction). Nothing in the schema changes; without the privilege the checks simply run.
        conn.execute("SET session_replication_role = replica")
    except psycopg.errors.InsufficientPrivilege:
        fk_off = False
    conn.commit()
    _worker.update(
        conn=conn,
        org=org,
        first_claimant_id=first_claimant_id,
        first_earnings_id=first_earnings_id,
        seed=seed_value,
        chunk=chunk,
        fk_off=fk_off,
        claimant_extras=claimant_extras,
        earnings_extras=earnings_extras,
        claimant_copy=f"COPY claimants_claimant ({', '.join(CLAIMANT_COLUMNS)}{claimant_extras.sql}) FROM STDIN",
        earnings_copy=(
            f"COPY claimants_earningsrecord (id, {', '.join(EARNINGS_COLUMNS)}{earnings_extras.sql}) FROM STDIN"
        ),
    )


def _worker_chunk(task: tuple[int, int]) -> dict:
    index, size = task
    w = _worker
    offset = index * w["chunk"]
    gen = CaseloadGenerator(
        random.Random(w["seed"] * 1_000_003 + index),
        w["org"],
        w["first_claimant_id"] + offset,
        w["first_earnings_id"] + offset * PERIODS,
        w["claimant_extras"].suffix,
        w["earnings_extras"].suffix,
    )
    claimant_lines, earnings_lines = gen.generate(size)
    conn = w["conn"]
    with conn.cursor() as cur:
        _copy_lines(cur, w["claimant_copy"], claimant_lines)
        _copy_lines(cur, w["earnings_copy"], earnings_lines)
    conn.commit()
    return {
        "claimants": gen.claimants,
        "earnings_rows": gen.earnings_rows,
        "couples": gen.couples,
        "non_uc_partners": gen.non_uc_partners,
        "fk_off": w["fk_off"],
    }


@dataclass
class SeedResult:
    claimants: int
    earnings_rows: int
    couples: int
    non_uc_partners: int
    coaches: int
    jobcentres: int
    districts: int
    copy_seconds: float
    vacuum_seconds: float
    fk_triggers_skipped: bool
    workers: int
    defaulted_columns: list[str]

    @property
    def seconds(self) -> float:
        return self.copy_seconds + self.vacuum_seconds


def seed(
    url: str,
    claimants: int,
    *,
    seed_value: int = 20261031,
    chunk: int = 20000,
    workers: int | None = None,
    progress: bool = True,
) -> SeedResult:
    """Seed ``claimants`` claimants with 12 APs of earnings each; returns counts and timings."""
    workers = workers or max(1, min(os.cpu_count() or 1, 4))
    started = time.perf_counter()
    with psycopg.connect(conninfo(url)) as conn:
        cur = conn.cursor()
        existing = cur.execute("SELECT count(*) FROM claimants_claimant").fetchone()[0]
        if existing:
            raise SystemExit(f"The bench database already has {existing:,} claimants: seed into a fresh one.")
        org = seed_organisation(cur, claimants, random.Random(seed_value))
        claimant_extras = schema_extras(cur, "claimants_claimant", CLAIMANT_COLUMNS)
        earnings_extras = schema_extras(cur, "claimants_earningsrecord", EARNINGS_KNOWN)
        first_claimant_id = cur.execute("SELECT coalesce(max(id), 0) + 1 FROM claimants_claimant").fetchone()[
            0
        ]
        first_earnings_id = cur.execute(
            "SELECT coalesce(max(id), 0) + 1 FROM claimants_earningsrecord"
        ).fetchone()[0]
        conn.commit()
    tasks = [(i, min(chunk, claimants - i * chunk)) for i in range(-(-claimants // chunk))]
    totals = {"claimants": 0, "earnings_rows": 0, "couples": 0, "non_uc_partners": 0}
    fk_off = True
    show = progress and sys.stderr.isatty()
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(
        workers,
        _worker_init,
        (
            url,
            org,
            first_claimant_id,
            first_earnings_id,
            seed_value,
            chunk,
            claimant_extras,
            earnings_extras,
        ),
    ) as pool:
        for done in pool.imap_unordered(_worker_chunk, tasks):
            fk_off = fk_off and done.pop("fk_off")
            for key, value in done.items():
                totals[key] += value
            if show:
                print(
                    f"\r  seeded {totals['claimants']:,} claimants, {totals['earnings_rows']:,} earnings rows "
                    f"({time.perf_counter() - started:.0f} s)",
                    end="",
                    file=sys.stderr,
                    flush=True,
                )
    if show:
        print(file=sys.stderr)
    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        # Every claimant's facts as their first version, from the start of the claim (issue #16), with the
        # same set-based statement the migration used for the claimants already there.
        conn.execute(importlib.import_module("claimants.migrations.0010_fact_versions").FIRST_VERSIONS)
    tables = (
        "iwp_district",
        "iwp_jobcentre",
        "iwp_team",
        "iwp_staffmember",
        "claimants_claimant",
        "claimants_claimantfacts",
        "claimants_earningsrecord",
    )
    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        for table in tables:
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
        copied = time.perf_counter()
        for table in tables:
            conn.execute(f"VACUUM (FREEZE, ANALYZE) {table}")
    return SeedResult(
        **totals,
        coaches=org.coaches,
        jobcentres=len(org.jobcentre_ids),
        districts=org.districts,
        copy_seconds=copied - started,
        vacuum_seconds=time.perf_counter() - copied,
        fk_triggers_skipped=fk_off,
        workers=workers,
        defaulted_columns=[f"claimants_claimant.{c}" for c in claimant_extras.columns]
        + [f"claimants_earningsrecord.{c}" for c in earnings_extras.columns],
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claimants", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20261031)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    result = seed(os.environ["DATABASE_URL"], args.claimants, seed_value=args.seed, workers=args.workers)
    print(
        f"Seeded {result.claimants:,} claimants ({result.couples:,} couples, {result.non_uc_partners:,} with a "
        f"non-UC partner), {result.earnings_rows:,} earnings rows, {result.coaches:,} work coaches in "
        f"{result.jobcentres:,} jobcentres / {result.districts} districts: COPY {result.copy_seconds:.1f} s + "
        f"VACUUM (FREEZE, ANALYZE) {result.vacuum_seconds:.1f} s, {result.workers} loaders"
    )


if __name__ == "__main__":
    main()
