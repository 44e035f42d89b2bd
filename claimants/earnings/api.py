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
from typing import Any

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claimants.earnings.feed import ingest_earnings
from iwp.access import has_role
from iwp.api import ErrorSerializer, error_body
from iwp.api_request import RequestTooLarge
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
