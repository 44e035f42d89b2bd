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
import threading
from collections.abc import Callable
from datetime import date
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import path
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_field,
)
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
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
    format. A service's Django ``ValidationError`` is the caller's bad input: a 400 with its field errors.

    Only /api/v1/ speaks this format: the Open Referral UK feed (/openreferral/) follows its own published
    profile and keeps DRF's bodies."""
    request = context.get("request")
    if request is not None and not request.path.startswith("/api/"):
        if isinstance(exc, DjangoValidationError):
            detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
            return Response(detail, status=400)
        return drf_exception_handler(exc, context)
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


class ApiFilterSet(filters.FilterSet):
    """A list's filters: a parameter sent empty (``?state=``) is an error unless it is free text; leave it out to
    not filter."""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name, item in self.filters.items():
            if name in self.data and self.data.get(name) == "" and not isinstance(item, filters.CharFilter):
                self.form.add_error(name, "Give a value, or leave the parameter out.")
                valid = False
        return valid


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


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 2**63 - 1})
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
        if not isinstance(value, str):
            raise serializers.ValidationError("Enter text (a JSON string).")
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


# drf-spectacular builds the schema with process-wide state (its extensions load their target classes lazily and
# its generator keeps statistics in a singleton: tfranzel/drf-spectacular#1123, #1368), so two threads building it
# at once can break each other with a 500. One build at a time; a build takes about a third of a second.
_SCHEMA_BUILD = threading.Lock()


class ApiSchemaView(SpectacularAPIView):
    """The OpenAPI schema at /api/v1/schema/, built one request at a time."""

    # The lock is taken around DRF's dispatch, not by overriding get(): get() carries drf-spectacular's own schema
    # decoration (which keeps this view out of the schema it serves), and dispatch is DRF's public entry point.
    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        with _SCHEMA_BUILD:
            return super().dispatch(request, *args, **kwargs)


@method_decorator(ensure_csrf_cookie, name="get")
class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI for /api/v1/ at /api/docs/ (a page for signed-in staff: the URL conf wraps it in
    ``login_required``, as DRF's views opt out of the login middleware). Its set-up script is a file of its own,
    so the page keeps the Content Security Policy; the CSRF cookie is set so "Try it out" can write."""

    template_name = "iwp/api_docs.html"
    title = "IWP Casework API"


# --- Fields that take JSON as it is typed (issue #15) ------------------------------------------------------
# DRF is lenient by default: a CharField takes 12 as "12", an IntegerField takes "12", a BooleanField takes 0 and
# "yes". The schema says what each field is; a value of another JSON type is a 400 naming the field, never a
# guess (schemathesis's negative tests hold the API to the schema).


class JsonCharField(serializers.CharField):
    default_error_messages = {"invalid": "Enter text (a JSON string)."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class JsonEmailField(serializers.EmailField):
    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            raise serializers.ValidationError("Enter an email address (a JSON string).")
        return super().to_internal_value(data)


class JsonIntegerField(serializers.IntegerField):
    default_error_messages = {"invalid": "Enter a whole number (a JSON number)."}

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class JsonBooleanField(serializers.BooleanField):
    default_error_messages = {"invalid": "Enter true or false (a JSON boolean)."}

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class JsonChoiceField(serializers.ChoiceField):
    """A choice of the choices' own JSON type: ``1`` for a number choice, ``"a"`` for a text one."""

    def to_internal_value(self, data: Any) -> Any:
        keys = list(self.choices)
        numeric = bool(keys) and all(isinstance(k, int) and not isinstance(k, bool) for k in keys)
        if isinstance(data, bool) or not isinstance(data, int if numeric else str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class HourMinuteField(serializers.TimeField):
    """A time of day as ``HH:MM`` (24-hour clock)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("format", "%H:%M")
        kwargs.setdefault("input_formats", ["%H:%M"])
        super().__init__(**kwargs)

    def to_internal_value(self, value: Any) -> Any:
        if not isinstance(value, str):
            self.fail("invalid", format="HH:MM")
        return super().to_internal_value(value)


extend_schema_field({"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$", "example": "18:00"})(
    HourMinuteField
)


class ReadModelSerializer(serializers.ModelSerializer):
    """A model as the API shows it. A choice the model allows to be blank (or null) is documented so: DRF drops
    ``allow_blank`` from read-only fields, and the schema would then promise a value that is sometimes ``""``."""

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        model = self.Meta.model
        for name, field in list(fields.items()):
            source = field.source or name  # not bound yet: the source is the name unless given
            if "." in source or source == "*":
                continue
            try:
                model_field = model._meta.get_field(source)
            except FieldDoesNotExist:
                continue
            if isinstance(field, serializers.ChoiceField):
                field.allow_blank = field.allow_blank or model_field.blank
                field.allow_null = field.allow_null or model_field.null
            elif isinstance(field, serializers.EmailField) and field.read_only and model_field.blank:
                # An address, or "" when there is none (the email format would refuse the "").
                fields[name] = serializers.CharField(read_only=True, help_text="An email address, or empty.")
        return fields


class JsonDecimalField(serializers.DecimalField):
    """An amount as text (``"952.38"``) or a JSON number; never ``""`` (DRF would read it as null) nor a boolean."""

    def validate_empty_values(self, data: Any) -> tuple[bool, Any]:
        if data == "":
            self.fail("invalid")
        return super().validate_empty_values(data)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, str | int | float):
            self.fail("invalid")
        return super().to_internal_value(data)
