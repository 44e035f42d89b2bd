"""The API's OpenAPI schema (issue #15): the error body, the error answers each operation can give (added where they
apply, so no operation forgets one), the token scheme, and what the schema covers.

Kept apart from ``iwp.api``: DRF reads ``DEFAULT_SCHEMA_CLASS`` while views are being declared, so this module
must not import any view.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import serializers

VALIDATION_DETAIL = "Some values are missing or wrong: see errors."


def error_body(
    detail: str, *, code: str, errors: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    return {**extra, "detail": detail, "code": code, "errors": errors or {}}


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

    def _map_serializer_field(self, field: Any, direction: str, bypass_extensions: bool = False) -> dict:
        """Money and hours (DecimalField) as DRF reads them: text like ``"952.38"`` — at least one digit, no minus
        sign where the field cannot be negative — and, in a request, a JSON number too."""
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if not isinstance(field, serializers.DecimalField) or schema.get("format") != "decimal":
            return schema
        whole, places = field.max_whole_digits, field.decimal_places
        signed = field.min_value is None or field.min_value < 0
        digits = rf"\d{{1,{whole}}}" if whole else r"\d+"
        fraction = rf"(?:\.\d{{1,{places}}})?" if places else ""
        schema["pattern"] = "^" + ("-?" if signed else "") + digits + fraction + "$"
        if direction != "request":
            return schema
        number: dict[str, Any] = {"type": "number"}
        if field.min_value is not None:
            number["minimum"] = float(field.min_value)
        if field.max_value is not None:
            number["maximum"] = float(field.max_value)
        text = {k: v for k, v in schema.items() if k in ("type", "format", "pattern")}
        rest = {k: v for k, v in schema.items() if k not in ("type", "format", "pattern")}
        return {"oneOf": [text, number], **rest}

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for code in sorted(self._error_codes()):
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(
                    ERROR_RESPONSES[code], str(code), direction=direction
                )
        return responses


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "iwp.api_request.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token from `manage.py api_token issue <username>`: it acts as that member of staff.",
        }


def only_this_api(
    endpoints: list[tuple[str, str, str, Any]], **kwargs: Any
) -> list[tuple[str, str, str, Any]]:
    """drf-spectacular preprocessing hook: the schema describes /api/v1/ only (the Open Referral UK feed follows
    its own published profile, with its own district keys)."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """The standard error answers for these status codes, for an operation's ``responses``."""
    return {code: ERROR_RESPONSES[code] for code in codes}


def ids_in_paths_are_whole_numbers(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: an id in a path is a whole number from 1 (the routes take digits only;
    anything else is the API's 404)."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter.get("in") == "path" and (
                    schema.get("type") == "integer" or schema.get("pattern") == "^[0-9]+$"
                ):
                    parameter["schema"] = {"type": "integer", "minimum": 1}
    return result
