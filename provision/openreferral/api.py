"""``GET /openreferral/services`` and ``GET /openreferral/services/{id}``: the district's provision list as a
read-only Open Referral UK feed for other services in the district.

Who may call it: a holder of one of the district's feed keys (``Authorization: Bearer <key>``; issued with
``manage.py openreferral_key issue``). A key reads its own district's *active* offers and nothing else — no
referrals, no claimants, no staff; paused, archived and other districts' offers answer 404. No key, a wrong or
revoked key → 401. Staff sessions do not open it: it is a feed for other services, not a page.

Paging follows the UK profile's ``Page`` wrapper: ``total_items``, ``total_pages``, ``page_number`` (from 1),
``size`` (the entities on this page, as the profile's OpenAPI file defines it), ``first_page``, ``last_page``,
``empty``, ``number_of_elements``, and the services in ``contents`` (the profile's OpenAPI name) and
``content`` (the earlier profile's name, which existing readers and our own importer take).
"""

from __future__ import annotations

import math
from typing import Any

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from provision.models import OpenReferralKey
from provision.openreferral import selectors, serialise

PER_PAGE = 50
MAX_PER_PAGE = 200
DAYS = {
    **{code.lower(): n for n, code in enumerate(serialise.BYDAY)},
    **{
        name: n
        for n, name in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
}


class DistrictKeyAuthentication(BaseAuthentication):
    """``Authorization: Bearer <key>`` → the key (``request.auth``), which names the district it reads."""

    def authenticate(self, request: Request) -> tuple[AnonymousUser, OpenReferralKey] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != b"bearer":
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("Send the key as: Authorization: Bearer <key>")
        try:
            raw = parts[1].decode()
        except UnicodeDecodeError:
            raise AuthenticationFailed("The key is not valid") from None
        key = selectors.active_key(raw)
        if key is None:
            raise AuthenticationFailed("The key is not valid or has been revoked")
        return AnonymousUser(), key

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="openreferral"'  # so a missing key is a 401, not a 403


class DistrictKeyScheme(OpenApiAuthenticationExtension):
    """Names the key in the OpenAPI schema (a bearer token), so clients know to send it."""

    target_class = DistrictKeyAuthentication
    name = "openReferralDistrictKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "A district's Open Referral UK feed key"}


class HasDistrictKey(BasePermission):
    def has_permission(self, request: Any, view: Any) -> bool:
        return isinstance(request.auth, OpenReferralKey)


class FeedQuery(serializers.Serializer):
    """The query string, validated: bad values are a 400 naming the parameter."""

    text = serializers.CharField(required=False, allow_blank=True, max_length=200)
    search = serializers.CharField(required=False, allow_blank=True, max_length=200)
    taxonomy_term_id = serializers.CharField(required=False, allow_blank=True, max_length=100)
    minimum_age = serializers.IntegerField(required=False, min_value=0, max_value=120)
    maximum_age = serializers.IntegerField(required=False, min_value=0, max_value=120)
    day = serializers.CharField(required=False, max_length=10)
    start_time = serializers.TimeField(required=False, input_formats=["%H:%M", "%H:%M:%S"])
    end_time = serializers.TimeField(required=False, input_formats=["%H:%M", "%H:%M:%S"])
    page = serializers.IntegerField(required=False, min_value=1, default=1)
    per_page = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PER_PAGE, default=PER_PAGE)

    def validate_day(self, value: str) -> int:
        day = DAYS.get(value.strip().lower())
        if day is None:
            raise serializers.ValidationError("Give a day as MO, TU, WE, TH, FR, SA, SU or its name")
        return day

    def filters(self) -> selectors.FeedFilters:
        data = self.validated_data
        return selectors.FeedFilters(
            text=(data.get("text") or data.get("search") or "").strip(),
            taxonomy_term_id=data.get("taxonomy_term_id", ""),
            minimum_age=data.get("minimum_age"),
            maximum_age=data.get("maximum_age"),
            day=data.get("day"),
            start_time=data.get("start_time"),
            end_time=data.get("end_time"),
        )


def _base_url(request: Request) -> str:
    return request.build_absolute_uri("/")


class FeedView(APIView):
    authentication_classes = [DistrictKeyAuthentication]
    permission_classes = [HasDistrictKey]


class ServiceListView(FeedView):
    @extend_schema(
        operation_id="getPaginatedListOfServices",  # the profile's own operation ids
        summary="The district's active provision as Open Referral UK services, paged",
        parameters=[
            OpenApiParameter(name, OpenApiTypes.STR, required=False)
            for name in ("text", "taxonomy_term_id", "day", "start_time", "end_time")
        ]
        + [
            OpenApiParameter(name, OpenApiTypes.INT, required=False)
            for name in ("minimum_age", "maximum_age", "page", "per_page")
        ],
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT, 401: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        query = FeedQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        offers = selectors.filter_offers(
            selectors.published_offers(request.auth.district_id), query.filters()
        )
        per_page, page_number = query.validated_data["per_page"], query.validated_data["page"]
        total = offers.count()
        start = (page_number - 1) * per_page
        content = serialise.services(offers[start : start + per_page], base_url=_base_url(request))
        total_pages = math.ceil(total / per_page)
        return Response(
            {
                "total_items": total,
                "total_pages": total_pages,
                "page_number": page_number,
                "size": len(content),
                "first_page": page_number == 1,
                "last_page": page_number >= total_pages,
                "empty": not content,
                "number_of_elements": len(content),
                "contents": content,
                "content": content,
            }
        )


class ServiceDetailView(FeedView):
    @extend_schema(
        operation_id="getFullyNestedServiceById",
        summary="One active service of the district, fully nested",
        responses={200: OpenApiTypes.OBJECT, 401: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, service_id: str) -> Response:
        offer = selectors.published_offer(request.auth.district_id, service_id)
        if offer is None:
            return Response({"detail": "No such service in this feed"}, status=status.HTTP_404_NOT_FOUND)
        return Response(serialise.service(offer, base_url=_base_url(request)))
