"""Cross-cutting REST pieces (issue #15): one error format, token authentication, throttling for tokens, a bound
on request bodies, bounded pagination, strict filters, and the schema's standard error responses.

**The error format.** Every error the API answers — 400, 401, 403, 404, 405, 409, 413, 415, 429 — has one body::

    {"detail": "One sentence for a person.", "code": "machine_readable", "errors": {"field": ["message"]}}

``errors`` names the fields at fault (nested like the request body, ``non_field_errors`` for the request as a
whole) and is ``{}`` when no field is at fault. A few answers add a key of their own beside these three (a refused
booking lists its ``warnings``; the earnings feed's report its counts), never instead of them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from iwp.input.dates import DateRange

log = logging.getLogger(__name__)

VALIDATION_DETAIL = "Some values are missing or wrong: see errors."


# --- The one error format ---------------------------------------------------------------------------------


class ApiError(exceptions.APIException):
    """An error a view raises with its own status, code and field errors (and any extra keys for the body)."""

    def __init__(
        self,
        detail: str,
        *,
        status_code: int,
        code: str,
        errors: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail=detail, code=code)
        self.status_code = status_code
        self.errors = errors or {}
        self.extra = extra or {}


def conflict(detail: str, *, code: str = "conflict", errors=None, extra=None) -> ApiError:
    """409: the record is not in the state the request needs (changed meanwhile, already done, refused by a rule
    of its own life, like a booking clash)."""
    return ApiError(detail, status_code=409, code=code, errors=errors, extra=extra)


def _plain(value: Any) -> Any:
    """DRF's ErrorDetail strings, lists and dicts as plain JSON values; Django's ``__all__`` as
    ``non_field_errors``."""
    if isinstance(value, dict):
        return {
            (api_settings.NON_FIELD_ERRORS_KEY if key == NON_FIELD_ERRORS else str(key)): _plain(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return str(value)


def field_errors(detail: Any) -> dict[str, Any]:
    """Field errors in the format's ``errors`` shape: always an object."""
    plain = _plain(detail)
    if isinstance(plain, dict):
        return plain
    if isinstance(plain, list):
        return {api_settings.NON_FIELD_ERRORS_KEY: plain}
    return {api_settings.NON_FIELD_ERRORS_KEY: [plain]}


def django_errors(error: DjangoValidationError) -> dict[str, Any]:
    return field_errors(error.message_dict if hasattr(error, "error_dict") else error.messages)


def error_body(
    detail: str, *, code: str, errors: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    return {**extra, "detail": detail, "code": code, "errors": errors or {}}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler (status codes, ``WWW-Authenticate``, ``Retry-After``, ``Allow``), with every body in the one
    format. A service's Django ``ValidationError`` is the caller's bad input: a 400 with its field errors."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(django_errors(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body(VALIDATION_DETAIL, code="invalid", errors=field_errors(exc.detail))
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else getattr(exc, "default_code", "error")
        detail = exc.detail if isinstance(exc.detail, str) else exc.default_detail
        response.data = error_body(
            str(detail), code=str(code), errors=getattr(exc, "errors", None), **getattr(exc, "extra", {})
        )
    return response


class ErrorSerializer(serializers.Serializer):
    """The body of every error answer."""

    detail = serializers.CharField(help_text="What went wrong, in one sentence for a person.")
    code = serializers.CharField(
        help_text="What went wrong, for a program: invalid, parse_error, not_authenticated, "
        "authentication_failed, permission_denied, not_found, method_not_allowed, conflict (or a more precise "
        "conflict code), too_large, unsupported_media_type, throttled."
    )
    errors = serializers.DictField(
        child=serializers.JSONField(),
        help_text="Field errors, nested like the request body: a list of messages per field "
        "(`non_field_errors` for the request as a whole). Empty when no field is at fault.",
    )


class BookingWarningSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Send this back in `confirmed_warnings` to book anyway.")
    code = serializers.CharField()
    message = serializers.CharField()


class ConflictSerializer(ErrorSerializer):
    """A 409: the error format; a refused booking adds the warnings to confirm."""

    warnings = BookingWarningSerializer(many=True, required=False)


def _example(status: int, detail: str, code: str, errors: dict | None = None) -> OpenApiExample:
    return OpenApiExample(
        code,
        value=error_body(detail, code=code, errors=errors),
        response_only=True,
        status_codes=[str(status)],
    )


ERROR_RESPONSES: dict[int, OpenApiResponse] = {
    400: OpenApiResponse(
        ErrorSerializer,
        "Bad input: the fields at fault in `errors` (a service's own rules answer here too), a body that is not "
        "JSON, or a query parameter out of range.",
        [_example(400, VALIDATION_DETAIL, "invalid", {"period_start": ["Enter the start of the period."]})],
    ),
    401: OpenApiResponse(
        ErrorSerializer,
        "No token (or session), or a token that is wrong, revoked or belongs to someone deactivated. "
        "The `WWW-Authenticate` header names the scheme.",
        [_example(401, "Authentication credentials were not provided.", "not_authenticated")],
    ),
    403: OpenApiResponse(
        ErrorSerializer,
        "Signed in, but your role may not do this (or, with a browser session, the CSRF token is missing).",
        [_example(403, "You do not have permission to perform this action.", "permission_denied")],
    ),
    404: OpenApiResponse(
        ErrorSerializer,
        "No such record among those you may see (another office's records answer 404 too), or no such page.",
        [_example(404, "Not found.", "not_found")],
    ),
    409: OpenApiResponse(
        ConflictSerializer,
        "The record is not in the state this needs: changed by someone else meanwhile, already done, or refused "
        "by the rules of its life (a booking clash, a transition that is not allowed).",
        [_example(409, "This version has already been issued, so it cannot be changed.", "not_editable")],
    ),
    413: OpenApiResponse(
        ErrorSerializer,
        "The request body is larger than the limit (see the API description).",
        [_example(413, "The request body is too large: at most 102400 bytes.", "too_large")],
    ),
    415: OpenApiResponse(
        ErrorSerializer,
        "The body is not `application/json`.",
        [_example(415, 'Unsupported media type "text/plain" in request.', "unsupported_media_type")],
    ),
    429: OpenApiResponse(
        ErrorSerializer,
        "Too many requests with this token: wait the seconds in `Retry-After`.",
        [_example(429, "Request was throttled. Expected available in 20 seconds.", "throttled")],
    ),
}

WWW_AUTHENTICATE = OpenApiParameter(
    "WWW-Authenticate",
    str,
    OpenApiParameter.HEADER,
    description="The authentication scheme to use: `Bearer`.",
    response=[401],
    required=True,
)
RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    int,
    OpenApiParameter.HEADER,
    description="Seconds to wait before the token may call again.",
    response=[429],
)


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's schema, with the error answers each operation can give added where they apply: every
    operation needs authentication (401, 403) and tokens are throttled (429); writes read a JSON body (400, 413,
    415); a path with an id can miss (404); a paginated, filtered list can refuse a filter or page (400, 404)."""

    def get_override_parameters(self) -> list:
        return [*super().get_override_parameters(), WWW_AUTHENTICATE, RETRY_AFTER]

    def _error_codes(self) -> set[int]:
        codes = {401, 403, 429}
        if self.method in ("POST", "PUT", "PATCH"):
            codes |= {400, 413, 415}
        if "{" in self.path:
            codes.add(404)
        if (
            self.method == "GET"
            and self._is_list_view()
            and (self._get_paginator() or self.get_filter_backends())
        ):
            codes |= {400, 404}
        return codes

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for code in sorted(self._error_codes()):
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(
                    ERROR_RESPONSES[code], str(code), direction=direction
                )
        return responses


# --- Authentication (the classes are in iwp.api_request) -------------------------------------------------


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "iwp.api_request.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token from `manage.py api_token issue <username>`: it acts as that member of staff.",
        }


# --- Lists: pagination and filters ------------------------------------------------------------------------


class StrictBooleanField(forms.NullBooleanField):
    """``true`` or ``false`` (also ``1``/``0``); anything else is an error, never quietly ignored."""

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise DjangoValidationError("Enter true or false.", code="invalid")

    def validate(self, value: Any) -> None:
        return None


class StrictBooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField


# --- Unknown API addresses answer in the format too -----------------------------------------------------


class ApiNotFound(APIView):
    """Any /api/v1/ address that is not an endpoint: a 404 in the error format (after authentication)."""

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise exceptions.NotFound(
            "There is no such API address: the endpoints are listed in /api/v1/schema/."
        )

    post = put = patch = delete = get


# --- Building blocks for the apps' api.py -----------------------------------------------------------------


class ApiViewSet(viewsets.GenericViewSet):
    """Ids in paths are whole numbers (anything else is the API's 404); JSON in and out."""

    lookup_value_regex = "[0-9]+"


def today() -> date:
    return timezone.localdate()


class RangedDateField(serializers.DateField):
    """An ISO date within one of the shared ranges of ``iwp.input.dates`` (the same range the pages use)."""

    def __init__(self, *, date_range: DateRange, **kwargs: Any) -> None:
        self.date_range = date_range
        super().__init__(**kwargs)

    def to_internal_value(self, value: Any) -> date:
        day = super().to_internal_value(value)
        problem = self.date_range.problem(day, today=today())
        if problem:
            raise serializers.ValidationError(problem)
        return day


class NormalisedCharField(serializers.CharField):
    """Text tidied by a shared normaliser (a phone number, a postcode) whose ValidationError is the message."""

    def __init__(self, *, normalise: Callable[[str], str], **kwargs: Any) -> None:
        self.normalise = normalise
        super().__init__(**kwargs)

    def to_internal_value(self, value: Any) -> str:
        text = super().to_internal_value(value)
        if not text:
            return text
        try:
            return self.normalise(text)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None


def validated(serializer_class: type[serializers.Serializer], data: Any, **context: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data, context=context)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
