"""The earnings feed: CSV/JSON bulk ingest of monthly earnings (service, API, upload page and command)."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import IntegrityError
from django.urls import reverse

from claimants.earnings import feed as earnings_feed
from claimants.earnings.feed import ANOTHER_ROW_REJECTED, CHANGED_DURING_IMPORT, ingest_earnings
from claimants.models import EarningsRecord
from claimants.regimes.engine import Cause
from claimants.regimes.recalculation import claimant_recalculate
from iwp.models import AuditEvent, AuditVerb
from tests.claimants.factories import ClaimantFactory, EarningsRecordFactory

pytestmark = pytest.mark.django_db
D = Decimal
HEADER = "nino,period_start,employed_gross,self_employed_gross,paydays,source,received_at"
URL = "/api/v1/earnings-feed/"


def csv_text(*lines: str, header: str = HEADER) -> io.StringIO:
    return io.StringIO("\n".join([header, *lines]) + "\n")


def ingest(*lines: str, header: str = HEADER, **kwargs):
    kwargs.setdefault("recalculate", False)
    return ingest_earnings(source=csv_text(*lines, header=header), fmt="csv", actor=None, **kwargs)


def current(claimant) -> dict[dt.date, Decimal]:
    return dict(
        EarningsRecord.objects.filter(claimant=claimant, is_current=True).values_list(
            "period_start", "employed_earnings"
        )
    )


@pytest.fixture
def recalculated(monkeypatch) -> list[int]:
    """Every claimant id the feed's task recalculates, in order (the real recalculation still runs)."""
    seen: list[int] = []

    def spy(*, claimant_id, cause):
        seen.append(claimant_id)
        assert cause == Cause.EARNINGS
        return claimant_recalculate(claimant_id=claimant_id, cause=cause)

    monkeypatch.setattr("claimants.earnings.tasks.claimant_recalculate", spy)
    return seen


# --- Applying a good file ---------------------------------------------------------------------------------------


def test_good_file_is_applied_and_each_claimant_recalculated_once(
    django_capture_on_commit_callbacks, recalculated
):
    # Both aged 30 (born 1995), 35 expected hours, assessment day 10: the 2025/26 single AET is £952.38.
    alice, bob = ClaimantFactory(), ClaimantFactory()
    for claimant in (alice, bob):
        EarningsRecordFactory(
            claimant=claimant, period_start=dt.date(2025, 5, 10), employed_earnings=D("500")
        )
        claimant_recalculate(claimant_id=claimant.pk, cause=Cause.EARNINGS)
        claimant.refresh_from_db()
        assert claimant.current_regime == "intensive_work_search"

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = ingest_earnings(
            source=csv_text(
                f"{alice.nino},2025-06-10,952.38,0,1,rti,2025-07-10T09:00:00Z",
                f"{alice.nino},2025-07-10,1000.00,,,,",
                f"{bob.nino},2025-06-10,952.37,,,self_report,",
            ),
            fmt="csv",
            actor=None,
        )

    assert result.ok
    assert (result.rows_read, result.applied, result.created, result.unchanged) == (3, 3, 3, 0)
    assert (result.claimants_changed, result.claimants_recalculated) == (2, 2)
    assert len(callbacks) == 1  # one task for the list of changed claimants
    assert sorted(recalculated) == sorted([alice.pk, bob.pk])  # once per claimant, not once per row
    alice.refresh_from_db()
    bob.refresh_from_db()
    assert alice.current_regime == "light_touch"
    assert bob.current_regime == "intensive_work_search"
    june = EarningsRecord.objects.get(claimant=alice, period_start=dt.date(2025, 6, 10))
    assert (june.employed_earnings, june.paydays, june.source) == (D("952.38"), 1, "rti")
    assert june.received_at == dt.datetime(2025, 7, 10, 9, tzinfo=dt.UTC)
    assert EarningsRecord.objects.get(claimant=bob, period_start=dt.date(2025, 6, 10)).source == "self_report"


def test_partner_columns_and_unknown_columns(recalculated):
    claimant = ClaimantFactory(has_non_uc_partner=True)
    result = ingest(
        f"{claimant.nino.lower()},2025-06-10,100,0,,manual,,200.5,0,whatever",
        header=HEADER + ",partner_employed_gross,partner_self_employed_gross,employer_paye_ref",
    )
    assert result.ok
    assert result.ignored_columns == ["employer_paye_ref"]
    row = EarningsRecord.objects.get(claimant=claimant)
    assert (row.non_uc_partner_employed, row.non_uc_partner_self_employed) == (D("200.50"), D("0.00"))
    assert row.source == "manual"


def test_optional_columns_may_be_left_out_entirely():
    claimant = ClaimantFactory()
    result = ingest(f"{claimant.nino},2025-06-10,12.5", header="nino,period_start,employed_gross")
    assert result.ok and result.ignored_columns == []
    row = EarningsRecord.objects.get(claimant=claimant)
    assert (row.employed_earnings, row.self_employed_earnings, row.paydays, row.source) == (
        D("12.50"),
        D("0.00"),
        None,
        "rti",
    )
    assert row.non_uc_partner_employed is None and row.recorded_by is None


def test_columns_are_found_by_name_not_position():
    claimant = ClaimantFactory()
    result = ingest(f"2025-06-10,12.50,{claimant.nino}", header="period_start,employed_gross,nino")
    assert result.ok
    assert current(claimant) == {dt.date(2025, 6, 10): D("12.50")}


def test_correction_keeps_the_superseded_row(django_capture_on_commit_callbacks, recalculated):
    claimant = ClaimantFactory()
    old = EarningsRecordFactory(claimant=claimant, employed_earnings=D("880.00"))
    with django_capture_on_commit_callbacks(execute=True):
        result = ingest_earnings(
            source=csv_text(f"{claimant.nino},2025-06-10,1000.00"), fmt="csv", actor=None
        )
    assert (result.corrected, result.created) == (1, 0)
    rows = list(
        EarningsRecord.objects.filter(claimant=claimant)
        .order_by("pk")
        .values_list("pk", "employed_earnings", "is_current", "superseded_at")
    )
    assert len(rows) == 2
    assert rows[0][:3] == (old.pk, D("880.00"), False) and rows[0][3] is not None
    assert rows[1][1:] == (D("1000.00"), True, None)
    assert recalculated == [claimant.pk]


def test_reingesting_the_same_file_changes_nothing(django_capture_on_commit_callbacks, recalculated):
    claimants = [ClaimantFactory() for _ in range(3)]
    lines = [f"{c.nino},2025-06-10,{900 + i}.00,10,2" for i, c in enumerate(claimants)]
    with django_capture_on_commit_callbacks(execute=True):
        first = ingest(*lines, recalculate=True)
    assert first.applied == 3
    assert len(recalculated) == 3
    rows_before = list(EarningsRecord.objects.order_by("pk").values_list("pk", "is_current", "received_at"))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = ingest(*lines, recalculate=True)
    assert (again.applied, again.unchanged, again.rejected_count, again.claimants_recalculated) == (
        0,
        3,
        0,
        0,
    )
    assert callbacks == []
    assert len(recalculated) == 3
    assert (
        list(EarningsRecord.objects.order_by("pk").values_list("pk", "is_current", "received_at"))
        == rows_before
    )


def test_same_figures_written_differently_are_unchanged():
    claimant = ClaimantFactory()
    EarningsRecordFactory(claimant=claimant, employed_earnings=D("952.38"), paydays=None)
    result = ingest(f"{claimant.nino},2025-06-10,952.380,0.0,,manual,")
    assert (result.unchanged, result.applied) == (1, 0)


def test_one_audit_event_per_file():
    a, b = ClaimantFactory(), ClaimantFactory()
    before = AuditEvent.objects.count()
    result = ingest(f"{a.nino},2025-06-10,1", f"{b.nino},2025-06-10,2", "XX,2025-06-10,3")
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("pk")
    assert event.verb == AuditVerb.IMPORTED
    assert (
        event.payload["applied"] == 2 and event.payload["rejected"] == 1 and event.payload["rows_read"] == 3
    )
    assert result.rejected_count == 1


# --- Rejected rows ------------------------------------------------------------------------------------------------


BAD_ROWS = [
    pytest.param("{nino},2025-06-10,-1.00", "employed_gross cannot be negative", id="negative"),
    pytest.param("{nino},2025-06-10,1.234", "more than 2 decimal places", id="three-dp"),
    pytest.param("{nino},2025-06-10,1000000", "less than £1,000,000", id="a-million"),
    pytest.param("{nino},2025-06-10,£12", "is not an amount of money", id="pound-sign"),
    pytest.param("{nino},2025-06-10,", "employed_gross is missing", id="no-employed"),
    pytest.param("{nino},2025-06-10,1,-5", "self_employed_gross cannot be negative", id="negative-se"),
    pytest.param("{nino},10/06/2025,1", "not a date in the form YYYY-MM-DD", id="uk-date"),
    pytest.param("{nino},2025-02-30,1", "not a real date", id="not-a-date"),
    pytest.param("{nino},,1", "period_start is missing", id="no-date"),
    pytest.param("{nino},2025-06-11,1", "start on day 10 of each month", id="wrong-day"),
    pytest.param(
        "{nino},2025-06-10,1,0,32", "paydays '32' must be a whole number from 0 to 31", id="paydays-32"
    ),
    pytest.param("{nino},2025-06-10,1,0,1.5", "paydays '1.5'", id="paydays-fraction"),
    pytest.param("{nino},2025-06-10,1,0,2,hmrc", "source 'hmrc' must be one of", id="bad-source"),
    pytest.param("{nino},2025-06-10,1,0,2,rti,yesterday", "received_at 'yesterday'", id="bad-received"),
    pytest.param("{nino},2025-06-10,1,200,0,rti,,99", "the row has 8 values", id="extra-values"),
    pytest.param(
        "QQ123456C,2025-06-10,1", "not a National Insurance number in the right format", id="bad-nino"
    ),
    pytest.param(",2025-06-10,1", "nino is missing", id="no-nino"),
    pytest.param(
        "ZX999999A,2025-06-10,1", "no claimant has the National Insurance number ZX999999A", id="unknown"
    ),
]


@pytest.mark.parametrize(("line", "reason"), BAD_ROWS)
def test_each_kind_of_bad_row_is_rejected_with_its_line_and_reason(line, reason):
    bad, good = ClaimantFactory(), ClaimantFactory()
    result = ingest(f"{good.nino},2025-06-10,100.00", line.format(nino=bad.nino))
    assert result.rejected_count == 1
    [rejected] = result.rejected
    assert rejected.row == 3  # the header is line 1
    assert reason in rejected.reason, rejected.reason
    assert current(bad) == {}
    assert current(good) == {dt.date(2025, 6, 10): D("100.00")}  # another claimant's good row still applies
    assert result.applied == 1 and not result.file_rejected


def test_a_row_can_have_several_reasons():
    claimant = ClaimantFactory()
    [rejected] = ingest(f"{claimant.nino},2025-6-1,-3,x").rejected
    assert len(rejected.reasons) == 3


def test_a_claimant_with_any_bad_row_has_none_of_its_rows_applied():
    """[Decision] Atomic per claimant: one bad row rejects every row of that claimant in the file."""
    bad, good = ClaimantFactory(), ClaimantFactory()
    EarningsRecordFactory(claimant=bad, period_start=dt.date(2025, 4, 10), employed_earnings=D("1"))
    result = ingest(
        f"{bad.nino},2025-04-10,700.00",  # line 2: a correction, valid by itself
        f"{good.nino},2025-06-10,100.00",  # line 3
        f"{bad.nino},2025-05-10,600.00",  # line 4: valid by itself
        f"{bad.nino},2025-06-10,oops",  # line 5: the bad row
    )
    assert [(r.row, r.reason) for r in result.rejected] == [
        (2, ANOTHER_ROW_REJECTED),
        (4, ANOTHER_ROW_REJECTED),
        (5, "employed_gross 'oops' is not an amount of money: use digits and a decimal point, like 952.38"),
    ]
    assert result.rejected_count == 3 and result.applied == 1
    assert current(bad) == {dt.date(2025, 4, 10): D("1.00")}
    assert EarningsRecord.objects.filter(claimant=bad).count() == 1


def test_duplicate_claimant_and_period_rejects_the_later_rows():
    claimant, other = ClaimantFactory(), ClaimantFactory()
    result = ingest(
        f"{claimant.nino},2025-06-10,1.00",
        f"{other.nino},2025-06-10,5.00",
        f"{claimant.nino.lower()},2025-06-10,2.00",
        f"{claimant.nino},2025-06-10,1.00",
    )
    reasons = {r.row: r.reason for r in result.rejected}
    assert reasons == {
        2: ANOTHER_ROW_REJECTED,
        4: "the same claimant and period_start as row 2",
        5: "the same claimant and period_start as row 2",
    }
    assert current(claimant) == {}
    assert current(other) == {dt.date(2025, 6, 10): D("5.00")}


@pytest.mark.parametrize(
    ("assessment_day", "period_start", "ok"),
    [
        (31, "2025-06-30", True),  # June has 30 days: the period starts on its last day
        (31, "2025-07-31", True),
        (31, "2025-06-29", False),
        (30, "2025-02-28", True),
        (29, "2024-02-29", True),
        (29, "2025-02-28", True),
        (29, "2024-02-28", False),  # 2024 is a leap year: the 29th exists
        (1, "2025-06-01", True),
        (28, "2025-02-28", True),
    ],
)
def test_period_start_must_match_the_assessment_day(assessment_day, period_start, ok):
    claimant = ClaimantFactory(assessment_day=assessment_day)
    result = ingest(f"{claimant.nino},{period_start},1.00")
    assert result.ok is ok, result.rejected


def test_blank_lines_are_skipped_but_line_numbers_stay_true():
    claimant = ClaimantFactory()
    result = ingest("", f"{claimant.nino},2025-06-10,1.00", ",,,", f"{claimant.nino},2025-07-11,1.00")
    assert result.rows_read == 2
    assert [r.row for r in result.rejected] == [3, 5]


def test_a_quoted_field_over_two_lines_is_numbered_from_its_first_line():
    claimant = ClaimantFactory()
    result = ingest(f'"{claimant.nino}",2025-06-10,"1\n2"', f"{claimant.nino},2025-07-11,1.00")
    assert [r.row for r in result.rejected] == [2, 4]


# --- Whole-file rejections ------------------------------------------------------------------------------------------


def test_strict_mode_rejects_the_whole_file(django_capture_on_commit_callbacks):
    a, b = ClaimantFactory(), ClaimantFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = ingest(f"{a.nino},2025-06-10,1.00", f"{b.nino},2025-06-10,-1", strict=True, recalculate=True)
    assert result.file_rejected and not result.ok
    assert (result.applied, result.rejected_count) == (0, 1)
    assert [r.row for r in result.rejected] == [3]
    assert EarningsRecord.objects.count() == 0
    assert callbacks == []
    assert "all or nothing" in "\n".join(result.summary_lines())


def test_strict_mode_applies_a_clean_file():
    a = ClaimantFactory()
    assert ingest(f"{a.nino},2025-06-10,1.00", strict=True).applied == 1


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        ("nino,period_start,self_employed_gross", "employed_gross"),
        ("NINO,employed_gross", "period_start"),
        ("national_insurance_number,date,amount", "nino, period_start, employed_gross"),
    ],
)
def test_missing_required_column_rejects_the_file(header, missing):
    claimant = ClaimantFactory()
    result = ingest(f"{claimant.nino},2025-06-10,1.00", header=header)
    assert result.file_rejected and result.error
    assert f"missing the required column{'s' if ',' in missing else ''} {missing}" in result.error
    assert result.applied == 0 and EarningsRecord.objects.count() == 0
    # A file that could not be read changed nothing, so it is not audited (issue #15: fuzzing wrote junk events).
    assert not AuditEvent.objects.filter(verb=AuditVerb.IMPORTED).exists()


def test_header_is_case_and_bom_insensitive():
    claimant = ClaimantFactory()
    result = ingest(f"{claimant.nino},2025-06-10,1.00", header="\ufeffNINO, Period_Start ,Employed_Gross")
    assert result.ok and result.applied == 1


def test_empty_file_and_repeated_column():
    assert "empty" in ingest_earnings(source=io.StringIO(""), fmt="csv", actor=None).error
    result = ingest("x", header="nino,nino,period_start,employed_gross")
    assert "nino more than once" in result.error


def test_a_file_that_is_not_utf8_is_rejected_whole():
    claimant = ClaimantFactory()
    data = f"{HEADER}\n{claimant.nino},2025-06-10,1.00\nJos\xe9,2025-06-10,1\n".encode("latin-1")
    result = ingest_earnings(source=io.BytesIO(data), fmt="csv", actor=None, recalculate=False)
    assert "not UTF-8" in result.error
    assert EarningsRecord.objects.count() == 0


def test_a_path_can_be_given(tmp_path):
    claimant = ClaimantFactory()
    path = tmp_path / "june.csv"
    path.write_text(f"{HEADER}\n{claimant.nino},2025-06-10,1.00\n", encoding="utf-8")
    result = ingest_earnings(source=path, fmt="csv", actor=None, recalculate=False)
    assert result.applied == 1 and result.name == "june.csv"


# --- Batches and conflicts ---------------------------------------------------------------------------------------


def test_small_batches_give_the_same_answer(monkeypatch):
    """Claimants whose rows fall in different read batches and in several apply transactions."""
    monkeypatch.setattr(earnings_feed, "READ_BATCH_ROWS", 2)
    monkeypatch.setattr(earnings_feed, "APPLY_BATCH_ROWS", 3)
    claimants = [ClaimantFactory() for _ in range(4)]
    months = [dt.date(2025, m, 10) for m in (3, 4, 5)]
    lines = [f"{c.nino},{m.isoformat()},{i}.00" for m in months for i, c in enumerate(claimants)]
    lines.append(f"{claimants[1].nino},2025-03-10,9.99")  # a duplicate in the last batch
    result = ingest(*lines)
    assert result.rows_read == 13
    assert result.applied == 9 and result.rejected_count == 4
    assert {r.row for r in result.rejected} == {3, 7, 11, 14}
    assert current(claimants[1]) == {}
    assert current(claimants[3]) == dict.fromkeys(months, D("3.00"))
    again = ingest(*lines[:-1])
    assert (again.unchanged, again.created) == (9, 3)


def test_rejected_details_are_capped_but_counted(monkeypatch):
    monkeypatch.setattr(earnings_feed, "MAX_REJECTED_DETAILS", 3)
    result = ingest(*[f"ZX99999{i}A,2025-06-10,1" for i in range(6)])
    assert result.rejected_count == 6 and [r.row for r in result.rejected] == [2, 3, 4]
    assert result.rejected_truncated and result.as_dict()["rejected_rows_truncated"]


def test_a_claimant_changed_during_the_import_is_rejected_alone(monkeypatch):
    """A concurrent writer (simulated) breaks one claimant's insert: the others still apply."""
    a, b, c = ClaimantFactory(), ClaimantFactory(), ClaimantFactory()
    real = earnings_feed._apply_range

    def flaky(staging, lo, hi, now, actor_id):
        if lo <= b.pk <= hi:
            raise IntegrityError("duplicate key value violates unique constraint")
        return real(staging, lo, hi, now, actor_id)

    monkeypatch.setattr(earnings_feed, "_apply_range", flaky)
    result = ingest(*[f"{x.nino},2025-06-10,1.00" for x in (a, b, c)])
    assert result.applied == 2
    assert [(r.row, r.reason) for r in result.rejected] == [(3, CHANGED_DURING_IMPORT)]
    assert current(b) == {} and current(a) and current(c)


# --- JSON ---------------------------------------------------------------------------------------------------------


def test_json_records_including_numbers_keep_their_pennies():
    a, b = ClaimantFactory(), ClaimantFactory()
    records = [
        {
            "nino": a.nino,
            "period_start": "2025-06-10",
            "employed_gross": 952.38,
            "paydays": 2,
        },  # a JSON number
        {"nino": b.nino, "period_start": "2025-06-10", "employed_gross": "0.1", "extra": 1},
        "nonsense",
        {"nino": b.nino, "period_start": "2025-06-10"},
    ]
    body = json.dumps({"records": records})
    result = ingest_earnings(source=io.StringIO(body), fmt="json", actor=None, recalculate=False)
    assert current(a) == {dt.date(2025, 6, 10): D("952.38")}
    assert result.ignored_columns == ["extra"]
    assert [(r.row, r.reason) for r in result.rejected] == [
        (2, ANOTHER_ROW_REJECTED),
        (3, "the record is not a JSON object"),
        (4, "employed_gross is missing"),
    ]


@pytest.mark.parametrize("body", ["not json", "[]", '{"records": {}}', '{"rows": []}'])
def test_malformed_json_rejects_the_file(body):
    result = ingest_earnings(source=io.StringIO(body), fmt="json", actor=None)
    assert result.file_rejected and result.error


# --- API ----------------------------------------------------------------------------------------------------------


def test_api_applies_json_and_returns_the_report(
    admin_client_iwp, django_capture_on_commit_callbacks, recalculated
):
    claimant = ClaimantFactory()
    body = {"records": [{"nino": claimant.nino, "period_start": "2025-06-10", "employed_gross": "952.38"}]}
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_iwp.post(URL, body, content_type="application/json")
    assert response.status_code == 200, response.content
    report = response.json()
    assert (report["applied"], report["rejected"], report["claimants_recalculated"]) == (1, 0, 1)
    assert report["rejected_rows"] == []
    claimant.refresh_from_db()
    assert claimant.current_regime == "light_touch"
    assert recalculated == [claimant.pk]


def test_api_reports_rejected_rows_with_200(admin_client_iwp):
    body = {"records": [{"nino": "ZX999999A", "period_start": "2025-06-10", "employed_gross": "1"}]}
    response = admin_client_iwp.post(URL, body, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["rejected_rows"][0]["row"] == 1


def test_api_strict_mode_answers_422(admin_client_iwp):
    claimant = ClaimantFactory()
    body = {
        "records": [
            {"nino": claimant.nino, "period_start": "2025-06-10", "employed_gross": "1"},
            {"nino": "ZX999999A", "period_start": "2025-06-10", "employed_gross": "1"},
        ]
    }
    response = admin_client_iwp.post(f"{URL}?mode=strict", body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["file_rejected"] is True
    assert EarningsRecord.objects.count() == 0


def test_api_accepts_csv(admin_client_iwp):
    claimant = ClaimantFactory()
    response = admin_client_iwp.post(
        URL, f"{HEADER}\n{claimant.nino},2025-06-10,5.00\n", content_type="text/csv; charset=utf-8"
    )
    assert response.status_code == 200, response.content
    assert response.json()["applied"] == 1


@pytest.mark.parametrize(
    ("body", "content_type", "query"),
    [
        ("{not json", "application/json", ""),
        (json.dumps({"rows": []}), "application/json", ""),
        ("", "application/json", ""),
        ("nino,employed_gross\n", "text/csv", ""),
        (json.dumps({"records": []}), "application/json", "?mode=sometimes"),
    ],
)
def test_api_malformed_body_is_400(admin_client_iwp, body, content_type, query):
    response = admin_client_iwp.post(URL + query, body, content_type=content_type)
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{not json", "application/json"),
        (json.dumps({"rows": []}), "application/json"),
        (json.dumps({"records": []}), "application/json"),
        ("", "application/json"),
        ("nino,employed_gross\n", "text/csv"),
        (HEADER + "\n", "text/csv"),
        (b"\xff\xfe\x00garbage", "text/csv"),
    ],
    ids=[
        "broken-json",
        "no-records-key",
        "no-records",
        "empty",
        "missing-columns",
        "header-only",
        "not-utf8",
    ],
)
def test_api_bodies_that_are_not_read_are_not_audited(admin_client_iwp, body, content_type):
    """Issue #15: fuzzing the API wrote an audit event for every junk body; only a file actually read is audited."""
    response = admin_client_iwp.post(URL, body, content_type=content_type)
    assert response.status_code in (200, 400), response.content
    assert not AuditEvent.objects.filter(verb=AuditVerb.IMPORTED).exists()
    assert EarningsRecord.objects.count() == 0


def test_api_file_read_is_audited_once_even_when_strict_mode_rejects_it(admin_client_iwp, administrator):
    claimant = ClaimantFactory()
    body = {
        "records": [
            {"nino": claimant.nino, "period_start": "2025-06-10", "employed_gross": "1"},
            {"nino": "ZX999999A", "period_start": "2025-06-10", "employed_gross": "1"},
        ]
    }
    response = admin_client_iwp.post(f"{URL}?mode=strict", body, content_type="application/json")
    assert response.status_code == 422
    event = AuditEvent.objects.get(verb=AuditVerb.IMPORTED)
    assert event.actor == administrator
    assert event.payload["rows_read"] == 2 and event.payload["file_rejected"] is True


def test_page_upload_audits_a_file_read_and_not_a_file_unread(admin_client_iwp):
    claimant = ClaimantFactory()
    _upload(admin_client_iwp, "this is not,an earnings file\n1,2\n")
    assert not AuditEvent.objects.filter(verb=AuditVerb.IMPORTED).exists()
    _upload(admin_client_iwp, f"{HEADER}\n{claimant.nino},2025-06-10,5.00\n")
    event = AuditEvent.objects.get(verb=AuditVerb.IMPORTED)
    assert event.payload["applied"] == 1


@pytest.mark.parametrize("role", ["work_coach", "team_leader", "progression_lead"])
def test_api_is_for_administrators_only(role_clients, role):
    claimant = ClaimantFactory()
    body = {"records": [{"nino": claimant.nino, "period_start": "2025-06-10", "employed_gross": "1"}]}
    assert role_clients[role].post(URL, body, content_type="application/json").status_code == 403
    assert EarningsRecord.objects.count() == 0


def test_api_anonymous_is_refused(client):
    assert client.post(URL, {"records": []}, content_type="application/json").status_code in (401, 403)


# --- Management command ---------------------------------------------------------------------------------------------


def test_command_applies_and_prints_the_summary(tmp_path, capsys):
    claimant = ClaimantFactory()
    path = tmp_path / "feed.csv"
    path.write_text(f"{HEADER}\n{claimant.nino},2025-06-10,5.00\n")
    out = io.StringIO()
    call_command("ingest_earnings", str(path), "--no-recalculate", stdout=out)
    assert "Applied: 1 (1 new, 0 corrections)" in out.getvalue()
    assert current(claimant) == {dt.date(2025, 6, 10): D("5.00")}


def test_command_exits_non_zero_when_a_row_is_rejected(tmp_path):
    claimant = ClaimantFactory()
    path = tmp_path / "feed.csv"
    path.write_text(f"{HEADER}\n{claimant.nino},2025-06-10,5.00\nZX999999A,2025-06-10,1\n")
    out = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("ingest_earnings", str(path), "--no-recalculate", stdout=out)
    assert caught.value.returncode == 1
    assert "3: ZX999999A 2025-06-10: no claimant" in out.getvalue()
    assert current(claimant)  # the good row was applied


def test_command_all_or_nothing_and_json(tmp_path):
    claimant = ClaimantFactory()
    path = tmp_path / "feed.json"
    path.write_text(
        json.dumps(
            {
                "records": [
                    {"nino": claimant.nino, "period_start": "2025-06-10", "employed_gross": "5"},
                    {"nino": claimant.nino, "period_start": "2025-06-11", "employed_gross": "5"},
                ]
            }
        )
    )
    with pytest.raises(CommandError) as caught:
        call_command("ingest_earnings", str(path), "--json", "--all-or-nothing", stdout=io.StringIO())
    assert caught.value.returncode == 1
    assert EarningsRecord.objects.count() == 0


def test_command_unreadable_file_exits_2(tmp_path):
    path = tmp_path / "feed.csv"
    path.write_text("nino,amount\n")
    with pytest.raises(CommandError) as caught:
        call_command("ingest_earnings", str(path), stdout=io.StringIO())
    assert caught.value.returncode == 2
    with pytest.raises(CommandError) as caught:
        call_command("ingest_earnings", str(tmp_path / "absent.csv"), stdout=io.StringIO())
    assert caught.value.returncode == 2


# --- Upload page ----------------------------------------------------------------------------------------------------


def page_url() -> str:
    return reverse("claimants:earnings_feed")


def _upload(client, text: str, **extra):
    return client.post(
        page_url(), {"file": SimpleUploadedFile("june.csv", text.encode(), "text/csv"), **extra}
    )


def test_page_shows_the_form_to_an_administrator(admin_client_iwp):
    response = admin_client_iwp.get(page_url())
    assert response.status_code == 200
    assert b'type="file"' in response.content and b"govuk-file-upload" in response.content


def test_page_upload_shows_summary_and_rejected_rows(admin_client_iwp, administrator):
    good, bad = ClaimantFactory(), ClaimantFactory()
    response = _upload(admin_client_iwp, f"{HEADER}\n{good.nino},2025-06-10,5.00\n{bad.nino},2025-06-10,-5\n")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="applied">1 (1 new' in html
    assert 'data-testid="rejected">1<' in html
    assert "employed_gross cannot be negative" in html
    upload_form = html.split('data-testid="earnings-feed-form"')[1].split("</form>")[0]
    assert upload_form.count("csrfmiddlewaretoken") == 1
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">3</td>' in html
    assert EarningsRecord.objects.get(claimant=good).recorded_by == administrator


def test_page_upload_of_a_large_file_read_from_disk(admin_client_iwp, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # Django spools the upload to a temporary file
    claimant = ClaimantFactory()
    response = _upload(admin_client_iwp, f"{HEADER}\n{claimant.nino},2025-06-10,5.00\n", all_or_nothing="on")
    assert response.status_code == 200
    assert current(claimant) == {dt.date(2025, 6, 10): D("5.00")}


def test_page_shows_a_file_level_error(admin_client_iwp):
    response = _upload(admin_client_iwp, "nino,amount\nAB123456C,1\n")
    assert response.status_code == 200
    assert b"govuk-error-summary" in response.content
    assert b"missing the required columns period_start, employed_gross" in response.content


def test_page_needs_a_csv(admin_client_iwp):
    response = admin_client_iwp.post(page_url(), {})
    assert b"Select a CSV file" in response.content
    response = admin_client_iwp.post(
        page_url(), {"file": SimpleUploadedFile("a.pdf", b"x", "application/pdf")}
    )
    assert b"The selected file must be a CSV" in response.content


@pytest.mark.parametrize("role", ["work_coach", "team_leader", "progression_lead"])
def test_page_is_for_administrators_only(role_clients, role):
    assert role_clients[role].get(page_url()).status_code == 403
    assert _upload(role_clients[role], f"{HEADER}\n").status_code == 403


def test_the_embedded_default_path_gives_the_same_outcome(monkeypatch, django_capture_on_commit_callbacks):
    """The laptop demo runs on SQLite, where the ORM path replaces the staging table: same checks, same result."""
    import io

    from claimants.earnings import feed as earnings_feed

    monkeypatch.setattr(earnings_feed, "_use_staging", lambda: False)
    good = ClaimantFactory(nino="AB123456C", assessment_day=10)
    mixed = ClaimantFactory(nino="CE123456A", assessment_day=10)
    csv_text = (
        "nino,period_start,employed_gross\n"
        "AB123456C,2025-06-10,952.38\n"
        "CE123456A,2025-06-10,100.00\n"
        "CE123456A,2025-06-11,100.00\n"
        "AB123456C,2025-06-10,952.38\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = earnings_feed.ingest_earnings(source=io.StringIO(csv_text), fmt="csv")
    reasons = {r.row: r.reason for r in result.rejected}
    assert "same claimant and period_start as row 2" in reasons[5]
    assert "start on day 10" in reasons[4]
    assert "another row for this claimant was rejected" in reasons[3]
    assert "another row for this claimant was rejected" in reasons[2]
    assert result.applied == 0 and result.rejected_count == 4
    single = "nino,period_start,employed_gross\nAB123456C,2025-06-10,952.38\n"
    with django_capture_on_commit_callbacks(execute=True):
        result = earnings_feed.ingest_earnings(source=io.StringIO(single), fmt="csv")
    assert (result.created, result.claimants_recalculated) == (1, 1)
    good.refresh_from_db()
    assert good.current_regime == "light_touch"
    assert not mixed.earnings.exists()
    again = earnings_feed.ingest_earnings(source=io.StringIO(single), fmt="csv")
    assert (again.unchanged, again.created) == (1, 0)
