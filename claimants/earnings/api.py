"""``POST /api/v1/earnings-feed/``: the earnings feed over REST, for administrators only.

The body is JSON ``{"records": [{"nino": "AB123456C", "period_start": "2025-06-10", "employed_gross": "952.38"}]}``
or, with ``Content-Type: text/csv``, the RTI-style CSV. ``?mode=strict`` rejects the whole file if any row is invalid.

Answers: 200 with the report (rows may still have been rejected: see ``rejected``), 400 when the body cannot be read
(malformed JSON, missing CSV columns), 422 when strict mode rejected the whole file, 403 for anyone but an
administrator, 413 for a body over ``IWP_EARNINGS_FEED_MAX_BYTES``. The 400 and 422 bodies are the API's error
format (``detail``, ``code``, ``errors``) with the report's keys beside them.
"""

from __future__ import annotations

import codecs
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claimants.earnings.feed import ingest_earnings
from claimants.models import EarningsRecord
from claimants.record.api import ClaimantScoped
from claimants.selectors import earnings_period_problem
from claimants.services import claimant_record_earnings
from iwp.access import has_role
from iwp.api import (
    ApiFilterSet,
    ApiViewSet,
    ErrorSerializer,
    JsonCharField,
    JsonDecimalField,
    JsonIntegerField,
    RangedDateField,
    ReadModelSerializer,
    StrictBooleanFilter,
    error_body,
    validated,
)
from iwp.api_request import RequestTooLarge
from iwp.input import dates
from iwp.models import Role

MODES = ("", "per_claimant", "strict")


class IsAdministrator(BasePermission):
    def has_permission(self, request: Any, view: Any) -> bool:
        return has_role(request.user, Role.ADMINISTRATOR)


class CSVParser(BaseParser):
    """Declares text/csv; the view reads the body as a stream itself so a large file is never held twice."""

    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream  # pragma: no cover - the view reads the stream itself


class EarningsFeedView(APIView):
    permission_classes = [IsAdministrator]
    parser_classes = [JSONParser, CSVParser]

    @extend_schema(
        summary="Ingest monthly earnings (RTI-style CSV or JSON records)",
        tags=["earnings"],
        request={"application/json": OpenApiTypes.OBJECT, "text/csv": OpenApiTypes.STR},
        parameters=[OpenApiParameter("mode", str, enum=["per_claimant", "strict"], required=False)],
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT, "The report: counts, and the rows rejected with reasons."
            ),
            400: OpenApiResponse(ErrorSerializer, "The body could not be read (the report's keys beside)."),
            422: OpenApiResponse(ErrorSerializer, "Strict mode: a row was invalid, so nothing was applied."),
        },
    )
    def post(self, request: Request) -> Response:
        mode = request.query_params.get("mode", "")
        if mode not in MODES:
            raise ValidationError(
                {"mode": ["mode must be strict (all or nothing) or per_claimant (the default)."]}
            )
        limit = settings.IWP_EARNINGS_FEED_MAX_BYTES
        declared = request.META.get("CONTENT_LENGTH") or ""
        if declared.isdigit() and int(declared) > limit:
            raise RequestTooLarge(f"The file is too large: at most {limit} bytes.")
        stream = request.stream
        if stream is None:
            raise ValidationError(
                {"non_field_errors": ['The request body is empty: send {"records": [...]} or a CSV file.']}
            )
        fmt = "csv" if request.content_type.split(";")[0].strip().lower() == "text/csv" else "json"
        result = ingest_earnings(
            source=codecs.getreader("utf-8-sig")(stream),
            fmt=fmt,
            actor=request.user,
            strict=mode == "strict",
            name="api",
        )
        report = result.as_dict()
        if result.error:
            body = error_body(result.error, code="unreadable_file", **report)
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        if result.file_rejected:
            body = error_body(
                f"{result.rejected_count} row(s) were invalid, so no rows were applied (strict mode).",
                code="file_rejected",
                errors={"rows": [f"Row {row.row}: {'; '.join(row.reasons)}" for row in result.rejected]},
                **report,
            )
            return Response(body, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
        return Response(report, status=status.HTTP_200_OK)


# --- One claimant's earnings (issue #15) ------------------------------------------------------------------


class EarningsRecordSerializer(ReadModelSerializer):
    recorded_by = JsonCharField(source="recorded_by.get_full_name", allow_null=True, default=None)

    class Meta:
        model = EarningsRecord
        fields = [
            "id",
            "period_start",
            "employed_earnings",
            "self_employed_earnings",
            "paydays",
            "non_uc_partner_employed",
            "non_uc_partner_self_employed",
            "source",
            "received_at",
            "recorded_by",
            "is_current",
            "superseded_at",
        ]
        read_only_fields = fields


class EarningsInputSerializer(serializers.Serializer):
    """One assessment period's gross earnings (the "Record or correct earnings" page)."""

    period_start = RangedDateField(
        date_range=dates.ASSESSMENT_PERIOD_START,
        help_text="The first day of the assessment period: the claimant's assessment day.",
    )
    employed_earnings = JsonDecimalField(
        max_digits=8, decimal_places=2, min_value=Decimal(0), max_value=Decimal("999999.99")
    )
    self_employed_earnings = JsonDecimalField(
        max_digits=8,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal("999999.99"),
        default=Decimal(0),
    )
    paydays = JsonIntegerField(min_value=0, max_value=31, required=False, allow_null=True, default=None)

    def validate_period_start(self, start: date) -> date:
        problem = earnings_period_problem(self.context["claimant"], start)
        if problem:
            raise serializers.ValidationError(problem)
        return start


class EarningsFilter(ApiFilterSet):
    include_superseded = StrictBooleanFilter(
        method="superseded", help_text="Also the figures later corrected (kept, marked not current)."
    )
    period_from = filters.DateFilter(field_name="period_start", lookup_expr="gte")
    period_to = filters.DateFilter(field_name="period_start", lookup_expr="lte")

    class Meta:
        model = EarningsRecord
        fields: list[str] = []

    def superseded(self, queryset, name: str, value: bool):
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("include_superseded"):
            queryset = queryset.filter(is_current=True)
        return queryset


@extend_schema(
    parameters=[
        OpenApiParameter("claimant_id", int, OpenApiParameter.PATH, description="The claimant's id.")
    ],
    tags=["claimants"],
)
@extend_schema_view(
    list=extend_schema(
        summary="A claimant's earnings",
        description="The current figures for each assessment period, newest first (with "
        "`include_superseded=true`, the corrected ones too).",
    ),
)
class ClaimantEarningsViewSet(ClaimantScoped, mixins.ListModelMixin, ApiViewSet):
    queryset = EarningsRecord.objects.none()
    serializer_class = EarningsRecordSerializer
    filterset_class = EarningsFilter

    def get_queryset(self):
        return (
            EarningsRecord.objects.filter(claimant=self.claimant())
            .select_related("recorded_by")
            .order_by("-period_start", "-received_at", "-pk")
        )

    @extend_schema(
        summary="Record or correct a period's earnings",
        description="Through the same service as the page: a correction keeps the old figures (superseded), the "
        "regime is recalculated once it is saved. 201 when recorded; 200 when the same figures were already "
        "recorded (nothing changed).",
        request=EarningsInputSerializer,
        responses={
            201: EarningsRecordSerializer,
            200: OpenApiResponse(EarningsRecordSerializer, "Those figures were already recorded."),
        },
        examples=[
            OpenApiExample(
                "A month's pay",
                request_only=True,
                value={"period_start": "2026-11-10", "employed_earnings": "1012.50", "paydays": 1},
            )
        ],
    )
    def create(self, request: Request, claimant_id: str) -> Response:
        claimant = self.claimant(edit=True)
        data = validated(EarningsInputSerializer, request.data, claimant=claimant)
        record, changed = claimant_record_earnings(claimant=claimant, actor=request.user, **data)
        record = self.get_queryset().filter(pk=record.pk).first() or record
        return Response(
            EarningsRecordSerializer(record).data,
            status=status.HTTP_201_CREATED if changed else status.HTTP_200_OK,
        )
