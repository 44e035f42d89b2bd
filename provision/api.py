"""Provision offers and referrals over REST (issue #15).

Thin: ``provision.selectors`` read and scope (a district's list for its staff, every list for administrators;
referrals of the claimants one may see), ``provision.services`` write and audit. Progression leads and
administrators change offers; work coaches and team leaders signpost and refer their jobcentre's claimants; anyone
who may see a referral may record what happened to it, as on the referral's page.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError
from django.db.models import Prefetch, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from claimants.models import BarrierKind, RegimeChoices, Weekday
from iwp.access import require_role
from iwp.api import (
    ApiFilterSet,
    ApiViewSet,
    HourMinuteField,
    IdFilter,
    JsonBooleanField,
    JsonCharField,
    JsonChoiceField,
    JsonDecimalField,
    JsonIntegerField,
    NormalisedCharField,
    RangedDateField,
    ReadModelSerializer,
    StrictBooleanFilter,
    conflict,
    validated,
)
from iwp.api_schema import errors
from iwp.input import dates
from iwp.input.fields import normalise_uk_postcode
from iwp.models import District, Role
from provision import selectors, services
from provision.models import (
    OFFER_DESCRIPTION_FIELDS,
    Category,
    DeliveryMode,
    OfferStatus,
    ProvisionOffer,
    Referral,
    ReferralRoute,
    ReferralStatus,
    ReferralStatusChange,
    Session,
)

DESCRIPTION_MAX = 5_000


def _readable(user: Any) -> None:
    require_role(user, *selectors.READ_ROLES, message="Your role does not use the provision list.")


# --- Offers ---------------------------------------------------------------------------------------------


class SessionSerializer(ReadModelSerializer):
    weekday = JsonChoiceField(Weekday.choices, help_text="0 Monday … 6 Sunday.")
    starts_at = HourMinuteField()
    ends_at = HourMinuteField()
    valid_from = serializers.DateField(required=False, allow_null=True, default=None)
    valid_to = serializers.DateField(required=False, allow_null=True, default=None)

    class Meta:
        model = Session
        fields = ["weekday", "starts_at", "ends_at", "valid_from", "valid_to"]

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        problems = services.session_problems(
            starts_at=data.get("starts_at"),
            ends_at=data.get("ends_at"),
            valid_from=data.get("valid_from"),
            valid_to=data.get("valid_to"),
        )
        if problems:
            raise serializers.ValidationError({name: [message] for name, message in problems.items()})
        return data


class UptakeSerializer(serializers.Serializer):
    referred = JsonIntegerField(source="n_referred")
    signposted = JsonIntegerField(source="n_signposted")
    started = JsonIntegerField(source="n_started")
    completed = JsonIntegerField(source="n_completed")
    declined = JsonIntegerField(source="n_declined")
    in_limbo = JsonIntegerField(source="n_limbo")


class OfferSerializer(ReadModelSerializer):
    district = JsonCharField(source="district.name")
    provider = JsonCharField(source="provider.name")
    sessions = SessionSerializer(many=True)
    uptake = UptakeSerializer(source="*")

    class Meta:
        model = ProvisionOffer
        fields = [
            "id",
            "district_id",
            "district",
            "provider",
            *OFFER_DESCRIPTION_FIELDS,
            "status",
            "archived_reason",
            "last_reviewed_on",
            "review_by",
            "stale_since",
            "limbo_days",
            "external_id",
            "sessions",
            "uptake",
            "updated_at",
        ]
        read_only_fields = fields


class OfferInputSerializer(serializers.Serializer):
    """An offer as a lead describes it (the offer page). ``regimes``: empty for every regime, null if not known."""

    district = JsonIntegerField(
        min_value=1,
        required=False,
        help_text="Administrators: the district's list to add to (leads: their own).",
    )
    provider_name = JsonCharField(max_length=160)
    name = JsonCharField(max_length=200)
    description = JsonCharField(max_length=DESCRIPTION_MAX, required=False, allow_blank=True, default="")
    category = JsonChoiceField(Category.choices)
    barriers = serializers.ListField(
        child=JsonChoiceField(BarrierKind.choices), max_length=len(BarrierKind), default=list
    )
    regimes = serializers.ListField(
        child=JsonChoiceField(RegimeChoices.choices),
        max_length=len(RegimeChoices),
        allow_null=True,
        default=list,
    )
    min_age = JsonIntegerField(min_value=0, max_value=120, required=False, allow_null=True, default=None)
    max_age = JsonIntegerField(min_value=0, max_value=120, required=False, allow_null=True, default=None)
    ages_known = JsonBooleanField(default=True)
    other_eligibility = JsonCharField(max_length=1000, required=False, allow_blank=True, default="")
    delivery_mode = JsonChoiceField(DeliveryMode.choices, default=DeliveryMode.IN_PERSON)
    self_paced = JsonBooleanField(default=False)
    sessions_known = JsonBooleanField(default=True)
    sessions = SessionSerializer(
        many=True, required=False, max_length=14, help_text="The weekly sessions (replace the recorded ones)."
    )
    location = JsonCharField(max_length=300, required=False, allow_blank=True, default="")
    postcode = NormalisedCharField(
        normalise=normalise_uk_postcode, max_length=10, required=False, allow_blank=True, default=""
    )
    capacity = JsonIntegerField(min_value=0, max_value=100_000, required=False, allow_null=True, default=None)
    places_left = JsonIntegerField(
        min_value=0, max_value=100_000, required=False, allow_null=True, default=None
    )
    cost = JsonDecimalField(
        max_digits=8,
        decimal_places=2,
        min_value=0,
        max_value=100_000,
        required=False,
        allow_null=True,
        default=0,
        help_text="0 is free; null means not known.",
    )
    referral_route = JsonChoiceField(ReferralRoute.choices, default=ReferralRoute.DIRECT)
    contact = JsonCharField(max_length=300, required=False, allow_blank=True, default="")
    review_by = RangedDateField(date_range=dates.OFFER_REVIEW, required=False, allow_null=True, default=None)
    limbo_days = JsonIntegerField(min_value=1, max_value=60, default=10)
    external_id = JsonCharField(max_length=120, required=False, allow_blank=True, default="")

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        offer: ProvisionOffer | None = self.context.get("offer")

        def value(name: str) -> Any:
            return data[name] if name in data else getattr(offer, name, None)

        sessions = data["sessions"] if "sessions" in data else (list(offer.sessions.all()) if offer else [])
        problems = services.offer_problems(
            self_paced=bool(value("self_paced")),
            has_sessions=bool(sessions),
            capacity=value("capacity"),
            places_left=value("places_left"),
            min_age=value("min_age"),
            max_age=value("max_age"),
            ages_known=value("ages_known") is not False,
            sessions_known=value("sessions_known") is not False,
        )
        if problems:
            raise serializers.ValidationError({name: [message] for name, message in problems.items()})
        return data


def _offer_data(data: dict[str, Any]) -> tuple[str | None, dict[str, Any], list | None]:
    data = dict(data)
    data.pop("district", None)
    provider = data.pop("provider_name", None)
    sessions = data.pop("sessions", None)
    if sessions is not None:
        sessions = [services.SessionInput(**s) for s in sessions]
    return provider, data, sessions


class OfferStatusSerializer(serializers.Serializer):
    status = JsonChoiceField(OfferStatus.choices)
    reason = JsonCharField(
        max_length=300, required=False, allow_blank=True, default="", help_text="Needed to archive."
    )


class OfferFilter(ApiFilterSet):
    status = filters.ChoiceFilter(
        choices=OfferStatus.choices, help_text="Default: every status but archived."
    )
    category = filters.ChoiceFilter(choices=Category.choices)
    q = filters.CharFilter(max_length=100, help_text="Words in the offer's or the provider's name.")
    stale = StrictBooleanFilter(help_text="Only entries flagged as stale (past their review date).")

    class Meta:
        model = ProvisionOffer
        fields: list[str] = []

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset  # the selector applies the same parameters (``selectors.offer_list``)


@extend_schema_view(
    list=extend_schema(
        summary="Your district's provision list",
        description="Offers on your district's list (administrators: every district's), with uptake counts, "
        "soonest review first. Archived offers only when asked for by status.",
    ),
    retrieve=extend_schema(summary="A provision offer"),
)
class OfferViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    queryset = ProvisionOffer.objects.none()
    serializer_class = OfferSerializer
    filterset_class = OfferFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[ProvisionOffer]:
        _readable(self.request.user)
        if self.action == "list":
            chosen = OfferFilter(self.request.query_params)
            if not chosen.is_valid():
                raise serializers.ValidationError(chosen.errors)
            wanted = chosen.form.cleaned_data
            return selectors.offer_list(
                self.request.user,
                status=wanted.get("status") or "",
                category=wanted.get("category") or "",
                query=(wanted.get("q") or "").strip(),
                stale_only=bool(wanted.get("stale")),
            )
        return (
            selectors.offers_visible_to(self.request.user)
            .annotate(**selectors.uptake_annotations())
            .prefetch_related(Prefetch("sessions", queryset=Session.objects.order_by("weekday", "starts_at")))
        )

    def _editable(self, pk: str) -> ProvisionOffer:
        require_role(
            self.request.user,
            *selectors.EDIT_ROLES,
            message="Only progression leads and administrators change the list.",
        )
        offer = selectors.offers_editable_by(self.request.user).filter(pk=pk).first()
        if offer is None:
            raise NotFound("No such offer on your list.")
        return offer

    def _show(self, offer: ProvisionOffer, code: int = status.HTTP_200_OK) -> Response:
        return Response(
            OfferSerializer(selectors.offer_detail(self.request.user, offer.pk)).data, status=code
        )

    @extend_schema(
        summary="Add an offer to the list",
        request=OfferInputSerializer,
        responses={201: OfferSerializer},
        examples=[
            OpenApiExample(
                "An evening course",
                request_only=True,
                value={
                    "provider_name": "Leeds City College",
                    "name": "Level 2 maths",
                    "category": "skills_training",
                    "barriers": ["skills"],
                    "sessions": [{"weekday": 1, "starts_at": "18:00", "ends_at": "20:00"}],
                    "postcode": "LS3 1AA",
                },
            )
        ],
    )
    def create(self, request: Request) -> Response:
        require_role(
            request.user,
            *selectors.EDIT_ROLES,
            message="Only progression leads and administrators change the list.",
        )
        data = validated(OfferInputSerializer, request.data)
        if request.user.effective_role == Role.ADMINISTRATOR:
            district = District.objects.filter(pk=data.get("district") or 0).first()
            if district is None:
                raise serializers.ValidationError({"district": ["Choose the district's list to add to."]})
        else:
            district = request.user.jobcentre.district
        provider, fields, sessions = _offer_data(data)
        try:
            offer = services.offer_create(
                actor=request.user,
                district=district,
                provider_name=provider,
                data=fields,
                sessions=sessions or (),
            )
        except IntegrityError:
            raise serializers.ValidationError(
                {"name": ["This provider already has an offer with this name on the list"]}
            ) from None
        return self._show(offer, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change an offer",
        description="Only the fields sent change (sessions, if sent, replace the recorded ones). Editing counts "
        "as reviewing: the entry is fresh again.",
        request=OfferInputSerializer(partial=True),
        responses={200: OfferSerializer},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        offer = self._editable(pk)
        serializer = OfferInputSerializer(data=request.data, partial=True, context={"offer": offer})
        serializer.is_valid(raise_exception=True)
        provider, fields, sessions = _offer_data(serializer.validated_data)
        try:
            services.offer_update(
                actor=request.user,
                offer=offer,
                provider_name=provider or offer.provider.name,
                data=fields,
                **({} if sessions is None else {"sessions": sessions}),
            )
        except IntegrityError:
            raise serializers.ValidationError(
                {"name": ["This provider already has an offer with this name on the list"]}
            ) from None
        return self._show(offer)

    @extend_schema(
        summary="Mark an offer as reviewed (fresh for six months)",
        request=None,
        responses={200: OfferSerializer},
    )
    @action(detail=True, methods=["post"])
    def reviewed(self, request: Request, pk: str) -> Response:
        offer = services.offer_mark_reviewed(actor=request.user, offer=self._editable(pk))
        return self._show(offer)

    @extend_schema(
        summary="Pause, reactivate or archive an offer",
        description="Archiving needs a reason; nothing is ever deleted.",
        request=OfferStatusSerializer,
        responses={200: OfferSerializer},
    )
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request: Request, pk: str) -> Response:
        offer = self._editable(pk)
        data = validated(OfferStatusSerializer, request.data)
        try:
            services.offer_set_status(
                actor=request.user, offer=offer, status=data["status"], reason=data["reason"]
            )
        except services.ProvisionError as error:
            raise serializers.ValidationError({"reason": [str(error)]}) from None
        return self._show(offer)


# --- Referrals ------------------------------------------------------------------------------------------


class StatusChangeSerializer(ReadModelSerializer):
    by = JsonCharField(source="by.get_full_name")

    class Meta:
        model = ReferralStatusChange
        fields = ["from_status", "to_status", "on", "at", "by", "note"]
        read_only_fields = fields


class ReferralSerializer(ReadModelSerializer):
    claimant = JsonIntegerField(source="claimant_id")
    claimant_name = JsonCharField(source="claimant.full_name")
    offer = JsonIntegerField(source="offer_id")
    offer_name = JsonCharField(source="offer.name")
    provider = JsonCharField(source="offer.provider.name")
    next_statuses = serializers.SerializerMethodField(help_text="Where the referral may go from its status.")

    class Meta:
        model = Referral
        fields = [
            "id",
            "claimant",
            "claimant_name",
            "offer",
            "offer_name",
            "provider",
            "status",
            "next_statuses",
            "shared_summary",
            "consent_to_share",
            "created_at",
            "last_update_on",
            "limbo_since",
            "follow_up_action",
        ]
        read_only_fields = fields

    def get_next_statuses(self, referral: Referral) -> list[str]:
        return [str(s) for s in selectors.TRANSITIONS.get(referral.status, ())]


class ReferralDetailSerializer(ReferralSerializer):
    history = StatusChangeSerializer(many=True)

    class Meta(ReferralSerializer.Meta):
        fields = [*ReferralSerializer.Meta.fields, "history"]
        read_only_fields = fields


class ReferralInputSerializer(serializers.Serializer):
    claimant = JsonIntegerField(min_value=1, help_text="A claimant of your jobcentre.")
    offer = JsonIntegerField(min_value=1, help_text="An active offer on the claimant's district list.")
    refer = JsonBooleanField(help_text="true: refer; false: signpost (information given).")
    shared_summary = JsonCharField(max_length=4000, required=False, allow_blank=True, default="")
    consent_to_share = JsonBooleanField(default=False, help_text="The claimant agreed to share the summary.")


class ReferralStatusSerializer(serializers.Serializer):
    to_status = JsonChoiceField(ReferralStatus.choices)
    note = JsonCharField(max_length=300, required=False, allow_blank=True, default="")


class ReferralFilter(ApiFilterSet):
    claimant = IdFilter(field_name="claimant_id")
    offer = IdFilter(field_name="offer_id")
    status = filters.ChoiceFilter(choices=ReferralStatus.choices)
    in_limbo = StrictBooleanFilter(
        method="filter_limbo", help_text="Flagged as waiting too long for an update."
    )

    class Meta:
        model = Referral
        fields: list[str] = []

    def filter_limbo(self, queryset: QuerySet[Referral], name: str, value: bool) -> QuerySet[Referral]:
        limbo = {"limbo_since__isnull": False, "status__in": selectors.LIMBO_STATUSES}
        return queryset.filter(**limbo) if value else queryset.exclude(**limbo)


@extend_schema_view(
    list=extend_schema(summary="Referrals and signposting you may see", description="Newest first."),
    retrieve=extend_schema(summary="A referral with its status history"),
)
class ReferralViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    queryset = Referral.objects.none()
    filterset_class = ReferralFilter

    def get_queryset(self) -> QuerySet[Referral]:
        _readable(self.request.user)
        rows = selectors.referrals_visible_to(self.request.user).order_by("-created_at", "-pk")
        if self.action != "list":
            rows = rows.prefetch_related(
                Prefetch(
                    "history", queryset=ReferralStatusChange.objects.select_related("by").order_by("at", "pk")
                )
            )
        return rows

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return ReferralSerializer if self.action == "list" else ReferralDetailSerializer

    def _show(self, referral: Referral, code: int = status.HTTP_200_OK) -> Response:
        self.action = "retrieve"
        return Response(ReferralDetailSerializer(self.get_queryset().get(pk=referral.pk)).data, status=code)

    @extend_schema(
        summary="Signpost or refer a claimant",
        request=ReferralInputSerializer,
        responses={201: ReferralDetailSerializer, **errors(404)},
        examples=[
            OpenApiExample(
                "A referral with a summary",
                request_only=True,
                value={
                    "claimant": 42,
                    "offer": 7,
                    "refer": True,
                    "shared_summary": "Works 16 hours in retail; wants maths for a supervisor role.",
                    "consent_to_share": True,
                },
            )
        ],
    )
    def create(self, request: Request) -> Response:
        require_role(
            request.user, *selectors.REFER_ROLES, message="Only work coaches and team leaders refer."
        )
        data = validated(ReferralInputSerializer, request.data)
        claimant = selectors.claimants_referable_by(request.user).filter(pk=data["claimant"]).first()
        if claimant is None:
            raise NotFound("No such claimant in your jobcentre.")
        offer = selectors.offers_visible_to(request.user).filter(pk=data["offer"]).first()
        if offer is None:
            raise NotFound("No such offer on your district's list.")
        try:
            referral = services.referral_create(
                actor=request.user,
                claimant=claimant,
                offer=offer,
                refer=data["refer"],
                shared_summary=data["shared_summary"],
                consent_to_share=data["consent_to_share"],
            )
        except services.ProvisionError as error:
            raise serializers.ValidationError({"non_field_errors": [str(error)]}) from None
        return self._show(referral, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Record what happened to a referral",
        description="The status moves only along its allowed transitions (see `next_statuses`); anything else "
        "is a 409.",
        request=ReferralStatusSerializer,
        responses={200: ReferralDetailSerializer, **errors(409)},
    )
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request: Request, pk: str) -> Response:
        referral = self.get_object()
        if not selectors.can_update_referral(request.user, referral):
            raise PermissionDenied(
                "Only those who may change the claimant's casework, or the district's progression lead, change a referral."
            )
        data = validated(ReferralStatusSerializer, request.data)
        try:
            services.referral_change_status(
                actor=request.user, referral=referral, to_status=data["to_status"], note=data["note"]
            )
        except services.ProvisionError as error:
            raise conflict(str(error), code="transition_not_allowed") from None
        return self._show(referral)
