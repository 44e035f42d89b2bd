"""How the API reads a request (issue #15): who is calling (a token, ``Authorization: Bearer <token>``), how often
a token may call, how large a body may be, and which page of a list.

Kept apart from ``iwp.api``: DRF reads these classes from settings while its own views module is being imported,
so this module must not import DRF's views.
"""

from __future__ import annotations

import io
import logging
from typing import Any

from django.conf import settings
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from iwp.api_tokens import token_lookup
from iwp.models import ApiToken

log = logging.getLogger(__name__)


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = "The request body is too large."
    default_code = "too_large"


class ApiTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer <token>`` (``Token <token>`` is accepted too). A missing or bad token is a 401
    with ``WWW-Authenticate: Bearer``: this class comes first, so DRF answers 401 rather than 403."""

    keywords = (b"bearer", b"token")

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in self.keywords:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Send the token as: Authorization: Bearer <token>.")
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        token = token_lookup(raw)
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid token.")
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class TokenRateThrottle(SimpleRateThrottle):
    """Calls per token (``IWP_API_TOKEN_RATE``, e.g. ``120/minute``). Browser sessions are not throttled. If the
    cache (Redis) cannot be reached the call is let through: throttling protects the service, it must not take it
    down."""

    scope = "api_token"

    def get_rate(self) -> str | None:
        return settings.IWP_API_TOKEN_RATE or None

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.key_hash[:32]}

    def allow_request(self, request: Request, view: Any) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception as error:  # the cache is down: let the call through, and say so in the log
            log.warning("API throttle could not reach the cache: %s", error)
            return True


def max_body_bytes() -> int:
    return int(settings.IWP_API_MAX_BODY_BYTES)


def too_large(limit: int) -> RequestTooLarge:
    return RequestTooLarge(f"The request body is too large: at most {limit} bytes.")


class BoundedJSONParser(JSONParser):
    """JSON bodies up to ``IWP_API_MAX_BODY_BYTES`` (default 100 KiB): a larger one is a 413 before it is read."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        limit = max_body_bytes()
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > limit:
            raise too_large(limit)
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise too_large(limit)
        return super().parse(io.BytesIO(body), media_type, parser_context)


def _whole_number(raw: str, name: str, maximum: int | None = None) -> int:
    text = raw.strip()
    value = int(text) if text.isascii() and text.isdigit() else 0
    if value < 1 or (maximum is not None and value > maximum):
        upper = f" to {maximum}" if maximum is not None else " or more"
        raise exceptions.ValidationError({name: [f"Enter a whole number from 1{upper}."]})
    return value


class ApiPagination(PageNumberPagination):
    """``?page=`` (from 1) and ``?page_size=`` (default 50, at most 200). A page that is not a whole number is a
    400; a page after the last is a 404."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        return _whole_number(raw, self.page_size_query_param, self.max_page_size)

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        raw = request.query_params.get(self.page_query_param)
        if raw is not None:
            _whole_number(raw, self.page_query_param)
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
                parameter["description"] = (
                    f"Results per page: {self.page_size} unless set, at most {self.max_page_size}."
                )
            else:
                parameter["description"] = "The page, from 1; a page after the last is a 404."
        return parameters
