"""Migrations of issue #13. claimants.0015: history becomes insert-only, the latest row of a period being its highest
id. A period whose flagged latest row is older than another of its rows (hand-made data) keeps that row in force."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from tests.factories import JobcentreFactory

BEFORE = [("claimants", "0014_history_without_database_foreign_keys")]
AFTER = [("claimants", "0015_history_insert_only")]


def _migrate(targets=None) -> None:
    """Migrate to ``targets``, or (None) to the latest migration of every app, as the other tests expect."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())


def _insert(claimant_id: int, regime: str, latest: bool) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO claimants_regimeassessment (claimant_id, period_start, period_end, regime, partner_regime, "
            "previous_regime, cause, employed_earnings, self_employed_earnings, aet_individual, cet_individual, "
            "easement_active, explanation, calculated_at, is_latest) VALUES (%s, %s, %s, %s, '', '', 'earnings', "
            "800, 0, 892, 1600, false, '[]', now(), %s)",
            [claimant_id, dt.date(2025, 5, 10), dt.date(2025, 6, 9), regime, latest],
        )


@pytest.mark.django_db(transaction=True)
def test_a_latest_row_older_than_another_of_its_period_stays_in_force() -> None:
    import random

    from tests.claimants.test_uprating_job import _claimant

    claimant = _claimant(JobcentreFactory(), random.Random(1), 10)
    _migrate(BEFORE)
    try:
        _insert(claimant.pk, "light_touch", True)  # flagged latest, lower id
        _insert(claimant.pk, "intensive_work_search", False)  # a superseded row written after it
        _migrate(AFTER)
    finally:
        _migrate()
    from claimants.models import RegimeAssessment

    rows = RegimeAssessment.objects.filter(claimant=claimant)
    assert rows.count() == 3
    assert [r.regime for r in RegimeAssessment.objects.current().filter(claimant=claimant)] == ["light_touch"]


def _claimant_table_options() -> list[str]:
    """The claimant table's storage parameters, as PostgreSQL lists them ("fillfactor=50", …)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'claimants_claimant'")
        return cursor.fetchone()[0] or []


def _claimant_updates() -> tuple[int, int]:
    """This transaction's claimant-row updates so far, and how many of them were HOT (in place)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = 'claimants_claimant'"
        )
        return cursor.fetchone()


@pytest.mark.django_db
def test_the_claimant_table_leaves_room_on_each_page_for_in_place_updates() -> None:
    """Migrations 0017 and 0024: half of each page is kept free (a tenth before 0024), so a rewrite of unindexed
    columns is a HOT update."""
    assert "fillfactor=50" in _claimant_table_options()


@pytest.mark.django_db(transaction=True)
def test_a_first_calculation_rewrites_most_claimant_rows_in_place() -> None:
    """Migration 0024: a first full calculation gives every claimant row its regime, dates and explanation (the row
    grows); with half of each page free most of those rewrites are HOT. With 0017's tenth, about one in six was.
    The caseload is committed and the table compacted first, as a seeded table is (the bench's, a restored one):
    the versions the seeding itself wrote would otherwise fill the room, which no test transaction can reclaim."""
    import random

    from tests.claimants.test_uprating_job import EVERYTHING, seed_caseload, sql_path

    ids = seed_caseload(random.Random(5), 120)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM FULL claimants_claimant")
    with transaction.atomic():
        before = _claimant_updates()
        sql_path(EVERYTHING)
        after = _claimant_updates()
    updates, in_place = after[0] - before[0], after[1] - before[1]
    assert updates >= len(ids) * 0.9
    # Measured on this caseload (many long cycling explanations): 103 of 157 in place at 50, 76 at 60, 25 at 90.
    assert in_place > updates / 2


@pytest.mark.django_db
def test_a_regime_change_is_an_in_place_update() -> None:
    """Migration 0022: no index holds the regime, so rewriting a claimant's regime and the columns beside it is a
    HOT update (no new entry in any of the table's indexes), given the room 0017 keeps on the page."""
    from claimants.models import Claimant
    from tests.claimants.factories import ClaimantFactory

    claimant = ClaimantFactory(current_regime="light_touch")

    before = _claimant_updates()
    Claimant.objects.filter(pk=claimant.pk).update(
        current_regime="intensive_work_search", regime_since=dt.date(2026, 4, 7), regime_cycling=True
    )
    after = _claimant_updates()
    assert (after[0] - before[0], after[1] - before[1]) == (1, 1)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'claimants_claimant' AND indexdef LIKE %s",
            ["%current_regime%"],
        )
        assert cursor.fetchall() == []


@pytest.mark.django_db
def test_a_jobs_history_rows_are_found_by_a_block_range_index() -> None:
    """Migration 0018: the job column of the history has a BRIN index and no B-tree."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'claimants_regimeassessment' "
            "AND indexdef LIKE '%%(background_job_id)%%'"
        )
        assert [row[0].split(" USING ")[1].split(" ")[0] for row in cursor.fetchall()] == ["brin"]


@pytest.mark.django_db(transaction=True)
def test_migration_0024_sets_and_restores_the_room_on_each_page() -> None:
    def fillfactor() -> list[str]:
        return [o for o in _claimant_table_options() if o.startswith("fillfactor=")]

    try:
        _migrate([("claimants", "0023_history_fingerprint_without_rounding")])
        assert fillfactor() == ["fillfactor=90"]
    finally:
        _migrate()
    assert fillfactor() == ["fillfactor=50"]


def _earnings_indexes_led_by_the_claimant() -> list[str]:
    """The columns of each btree index of the earnings table that leads with the claimant."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'claimants_earningsrecord'")
        definitions = [row[0] for row in cursor.fetchall()]
    return sorted(
        d.split(" USING btree (")[1].split(")")[0] for d in definitions if " USING btree (claimant_id" in d
    )


@pytest.mark.django_db(transaction=True)
def test_migration_0025_reads_a_claimants_earnings_from_a_period_by_the_index() -> None:
    """Issue #13: the uprating reads a chunk's earnings from a date on. With an index on the claimant alone,
    PostgreSQL read every period of the chunk's claimants and discarded the earlier ones; 0025 puts the period
    in the index beside the claimant (the partial unique index of current rows is the other)."""
    both = ["claimant_id, period_start", "claimant_id, period_start"]
    assert _earnings_indexes_led_by_the_claimant() == both
    plan = _earnings_read_plan("*", "enable_seqscan", "enable_bitmapscan")
    # Every index that can serve the read tests the period in the index, fetching no earlier period's row.
    assert "Index Cond: ((claimant_id >= 1) AND (claimant_id < 1000) AND (period_start >= " in plan, plan
    try:
        _migrate([("claimants", "0024_claimant_room_for_a_first_calculation")])
        assert _earnings_indexes_led_by_the_claimant() == ["claimant_id", "claimant_id, period_start"]
    finally:
        _migrate()
    assert _earnings_indexes_led_by_the_claimant() == both


@pytest.mark.django_db(transaction=True)
def test_migration_0026_leaves_existing_threshold_rows_unstamped_and_stamps_each_row_recorded() -> None:
    """Issue #13: when each threshold row was recorded. The rows there before 0026 (the reference thresholds) get
    no time, so they count as applied by an uprating; a row added or edited afterwards is stamped."""
    from claimants.models import AetParameter, WageRate

    try:
        _migrate([("claimants", "0025_earnings_read_from_a_period")])
        _migrate()
        assert AetParameter.objects.exists() and WageRate.objects.exists()
        assert not AetParameter.objects.filter(recorded_at__isnull=False).exists()
        assert not WageRate.objects.filter(recorded_at__isnull=False).exists()
        row = AetParameter.objects.earliest("effective_from")
        row.note = "Corrected"
        row.save()
        row.refresh_from_db()
        assert row.recorded_at is not None
    finally:
        _migrate()


@pytest.mark.django_db(transaction=True)
def test_migration_0027_logs_each_threshold_change_from_then_on_and_none_before() -> None:
    """Issue #13: the database logs every change to the threshold tables from 0027 on, whatever makes it; the rows
    already there are not logged (they count as applied), and migrating back removes the log and its triggers."""
    from claimants.models import AetParameter, ThresholdChange, WageRate

    def triggers() -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE %s", ["iwp_claimants_%_changed"])
            return {name for (name,) in cursor.fetchall()}

    try:
        _migrate([("claimants", "0026_thresholds_recorded_at")])
        assert triggers() == set()
        AetParameter.objects.update(note="Before the log")  # a change 0027 cannot know of
        _migrate()
        assert triggers() == {"iwp_claimants_aetparameter_changed", "iwp_claimants_wagerate_changed"}
        assert not ThresholdChange.objects.exists()
        row = AetParameter.objects.earliest("effective_from")
        first = row.effective_from
        AetParameter.objects.filter(pk=row.pk).update(effective_from=dt.date(2017, 4, 2))
        wage = WageRate.objects.earliest("effective_from")
        WageRate.objects.filter(pk=wage.pk).delete()
        assert sorted(ThresholdChange.objects.values_list("table_name", "effective_from")) == sorted(
            [
                ("claimants_aetparameter", first),
                ("claimants_aetparameter", dt.date(2017, 4, 2)),
                ("claimants_wagerate", wage.effective_from),
            ]
        )
        _migrate([("claimants", "0026_thresholds_recorded_at")])
        assert triggers() == set()
        AetParameter.objects.filter(pk=row.pk).update(
            effective_from=first
        )  # unlogged, and no table to log in
    finally:
        _migrate()  # the tables are flushed and the reference rows loaded again after the test (tests/conftest.py)


def _current_earnings_index() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_indexdef('one_current_earnings_per_period'::regclass)")
        return cursor.fetchone()[0]


def _earnings_read_plan(columns: str, *disabled: str, current_only: bool = False) -> str:
    """The plan of a chunk's read of ``columns`` of its earnings (``current_only``: of its current rows) from a date
    on, with the planner settings ``disabled`` off."""
    current = "e.is_current AND " if current_only else ""
    with transaction.atomic(), connection.cursor() as cursor:
        for setting in disabled:
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(
            f"EXPLAIN SELECT {columns} FROM claimants_earningsrecord e WHERE {current}"
            "e.claimant_id >= 1 AND e.claimant_id < 1000 AND e.period_start >= '2026-04-01'"
        )
        return "\n".join(row[0] for row in cursor.fetchall())


def _current_earnings_read_plan() -> str:
    """A chunk's read of its current earnings' figures, by an index. The table is vacuumed first, so that an
    index-only scan, where an index can give one, costs less than fetching the rows: PostgreSQL 15's
    enable_indexscan = off disables index-only scans too, and with every index path disabled a full-suite run
    once planned a sequential scan of a table its statistics called small."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) claimants_earningsrecord")
    return _earnings_read_plan(
        "e.claimant_id, e.period_start, e.employed_earnings, e.self_employed_earnings, "
        "e.non_uc_partner_employed, e.non_uc_partner_self_employed",
        "enable_seqscan",
        "enable_bitmapscan",
        current_only=True,
    )


@pytest.mark.django_db(transaction=True)
def test_migration_0028_reads_the_current_earnings_from_their_unique_index_alone() -> None:
    """Issue #13: the unique index of current earnings carries the four figures the regime rules read, so the
    uprating reads them without fetching a row from the table; its keys, condition and uniqueness are unchanged, and
    migrating back rebuilds it without them."""
    import random

    from claimants.models import EarningsRecord
    from tests.claimants.test_uprating_job import _claimant

    figures = (
        "employed_earnings, self_employed_earnings, non_uc_partner_employed, non_uc_partner_self_employed"
    )
    keys = (
        "CREATE UNIQUE INDEX one_current_earnings_per_period ON public.claimants_earningsrecord USING btree "
    )
    assert (
        _current_earnings_index() == f"{keys}(claimant_id, period_start) INCLUDE ({figures}) WHERE is_current"
    )
    assert "Index Only Scan using one_current_earnings_per_period" in _current_earnings_read_plan()
    claimant = _claimant(JobcentreFactory(), random.Random(1), 10)
    row = {"claimant": claimant, "period_start": dt.date(2031, 4, 6), "employed_earnings": 900}
    EarningsRecord.objects.create(**row, received_at=dt.datetime(2031, 5, 6, tzinfo=dt.UTC))
    with pytest.raises(IntegrityError), transaction.atomic():
        EarningsRecord.objects.create(**row, received_at=dt.datetime(2031, 5, 7, tzinfo=dt.UTC))
    EarningsRecord.objects.create(**row, is_current=False, received_at=dt.datetime(2031, 5, 7, tzinfo=dt.UTC))
    try:
        _migrate([("claimants", "0027_threshold_changes_recorded_by_the_database")])
        assert _current_earnings_index() == f"{keys}(claimant_id, period_start) WHERE is_current"
        assert "Index Only Scan" not in _current_earnings_read_plan()
    finally:
        _migrate()
    assert (
        _current_earnings_index() == f"{keys}(claimant_id, period_start) INCLUDE ({figures}) WHERE is_current"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        EarningsRecord.objects.create(**row, received_at=dt.datetime(2031, 5, 8, tzinfo=dt.UTC))


@pytest.mark.django_db(transaction=True)
def test_migration_0029_logs_each_changes_transaction_and_a_truncate_and_back_without_them() -> None:
    """Issue #13: from 0029 each logged change carries its transaction's id and a TRUNCATE is logged; migrating back
    puts 0027's trigger function back, so that the column can go, and drops the TRUNCATE triggers."""
    from claimants.models import AetParameter, ThresholdChange

    truncated = {"iwp_claimants_aetparameter_truncated", "iwp_claimants_wagerate_truncated"}

    def triggers() -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgname LIKE %s", ["iwp_claimants_%_truncated"]
            )
            return {name for (name,) in cursor.fetchall()}

    def logged_columns() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM claimants_thresholdchange LIMIT 0")
            return [column.name for column in cursor.description]

    assert triggers() == truncated
    row = AetParameter.objects.earliest("effective_from")
    try:
        _migrate([("claimants", "0028_current_earnings_read_from_the_index")])
        assert triggers() == set()
        assert not {"transaction_id", "system_identifier"} & set(logged_columns())
        AetParameter.objects.filter(pk=row.pk).update(note="Logged by 0027's function")  # no column to fill
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM claimants_thresholdchange")
            assert cursor.fetchone()[0] == 1
    finally:
        _migrate()
    assert triggers() == truncated
    AetParameter.objects.filter(pk=row.pk).update(note="Logged with its transaction")
    latest = ThresholdChange.objects.latest("id")
    assert latest.effective_from == row.effective_from and latest.transaction_id and latest.system_identifier
