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
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import path
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_field,
)
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import exceptions, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from iwp.api_schema import (  # noqa: F401 - the apps' api.py import these from here
    ERROR_RESPONSES,
    VALIDATION_DETAIL,
    ConflictSerializer,
    ErrorSerializer,
    error_body,
)
from iwp.input.dates import DateRange

log = logging.getLogger(__name__)

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


# --- Lists: pagination and filters ------------------------------------------------------------------------


class StrictBooleanField(forms.NullBooleanField):
    """``true`` or ``false`` (also ``1``/``0``); anything else is an error, never quietly ignored (the usual
    select widget would read an unknown word as "not given")."""

    widget = forms.TextInput

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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["widget"] = forms.TextInput  # the text as sent, for the field to judge
        super().__init__(*args, **kwargs)


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(filters.NumberFilter):
    """A record's id: a whole number from 1."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


def api_path(route: str, view: Any, name: str) -> Any:
    """A URL for an API view: the login middleware's redirect is skipped, DRF authenticates (401 in the format)."""
    return path(route, login_not_required(view), name=name)


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


@method_decorator(ensure_csrf_cookie, name="get")
class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI for /api/v1/ at /api/docs/ (a page for signed-in staff: the URL conf wraps it in
    ``login_required``, as DRF's views opt out of the login middleware). Its set-up script is a file of its own,
    so the page keeps the Content Security Policy; the CSRF cookie is set so "Try it out" can write."""

    template_name = "iwp/api_docs.html"
    title = "IWP Casework API"
