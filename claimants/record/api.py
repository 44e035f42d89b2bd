"""The claimant record over REST (issue #15): claimants with their regime, regime history, cycling flags, IWP offer
status and facts versions; personal details; the regime facts from a date; circumstances; employment and working
pattern; handover to another coach; restricted circumstances (audited).

Thin (DESIGN §2): the serializers check the shape of a request and the shared rules (``contact_problems``,
``fact_problems``, the date ranges of ``iwp.input.dates``); ``claimants.services`` write (one transaction, audited,
the recalculation enqueued); ``claimants.selectors`` read and scope. Who may do what is the record's own rule:
work coaches, team leaders and administrators read every claimant ``claimants_visible_to`` them (progression leads
403, as on the pages); changing a claimant needs ``may_edit`` (403 otherwise: you may read them, not change them).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from claimants import services
from claimants.facts.rules import fact_problems
from claimants.facts.selectors import current_period_start, fact_versions, version_on
from claimants.models import (
    VERSIONED_FACTS,
    BarrierKind,
    BusyTime,
    Circumstance,
    Claimant,
    ClaimantFacts,
    ContactPreference,
    ContractType,
    Employment,
    ExpectedHoursReason,
    GroupChoices,
    IwpOfferStatus,
    PayFrequency,
    RegimeAssessment,
    RegimeChoices,
    SupportIntensity,
    Weekday,
    contact_problems,
    normalise_nino,
    normalise_uk_phone,
    validate_nino,
)
from claimants.record.search import parse_search
from claimants.selectors import (
    CASEWORK_ROLES,
    NOT_YOURS,
    claimants_visible_to,
    may_edit,
    may_see_sensitive,
    search_condition,
)
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
    JsonEmailField,
    JsonIntegerField,
    NormalisedCharField,
    RangedDateField,
    ReadModelSerializer,
    StrictBooleanFilter,
    today,
    validated,
)
from iwp.input import dates
from iwp.input.fields import normalise_uk_postcode
from iwp.models import Role, StaffMember

CLAIMANT_ID = OpenApiParameter("claimant_id", int, OpenApiParameter.PATH, description="The claimant's id.")


def casework_claimants(user: StaffMember) -> QuerySet[Claimant]:
    """The claimants the API shows ``user``: the record's scope, for the record's roles (others 403)."""
    require_role(user, *CASEWORK_ROLES, message="Your role does not work on claimants' records.")
    return claimants_visible_to(user)


def claimant_for(request: Request, claimant_id: Any, *, edit: bool = False) -> Claimant:
    """The claimant the path names, if ``request.user`` may see them (404 otherwise); with ``edit``, only if they may
    change them (403)."""
    claimant = (
        casework_claimants(request.user).select_related("coach", "jobcentre").filter(pk=claimant_id).first()
    )
    if claimant is None:
        raise NotFound("No such claimant among those you may see.")
    if edit and not may_edit(request.user, claimant):
        raise PermissionDenied(NOT_YOURS)
    return claimant


class ClaimantScoped:
    """A viewset under /claimants/{claimant_id}/: the claimant, scoped once per request."""

    kwargs: dict[str, Any]
    request: Request

    def claimant(self, *, edit: bool = False) -> Claimant:
        key = "_claimant_edit" if edit else "_claimant"
        if not hasattr(self, key):
            setattr(self, key, claimant_for(self.request, self.kwargs["claimant_id"], edit=edit))
        return getattr(self, key)


# --- Reading a claimant -----------------------------------------------------------------------------------


class StaffBriefSerializer(serializers.Serializer):
    id = JsonIntegerField()
    name = JsonCharField(source="get_full_name")


class ClaimantSummarySerializer(ReadModelSerializer):
    """A claimant in a list: who, where, and the regime figures lists are filtered by."""

    jobcentre = JsonCharField(source="jobcentre.name")
    coach = StaffBriefSerializer(allow_null=True, help_text="The usual work coach (null: none yet).")

    class Meta:
        model = Claimant
        fields = [
            "id",
            "nino",
            "first_name",
            "last_name",
            "date_of_birth",
            "jobcentre_id",
            "jobcentre",
            "coach",
            "current_regime",
            "regime_since",
            "regime_cycling",
            "iwp_offer_status",
            "support_intensity",
            "updated_at",
        ]
        read_only_fields = fields


class CyclingSerializer(serializers.Serializer):
    flagged = JsonBooleanField(source="regime_cycling")
    seasonal = JsonBooleanField(source="cycling_seasonal")
    marginal = JsonBooleanField(source="cycling_marginal")
    pay_cycle = JsonBooleanField(source="cycling_pay_cycle")
    explanation = serializers.ListField(child=JsonCharField(), source="cycling_explanation")


class FactsVersionSerializer(ReadModelSerializer):
    """One version of the claimant's regime facts, in force from ``effective_from`` (null: from the start of the
    claim) until ``effective_to`` (exclusive; null: still in force)."""

    partner = JsonIntegerField(source="partner_id", allow_null=True)
    recorded_by = JsonCharField(source="recorded_by.get_full_name", allow_null=True, default=None)

    class Meta:
        model = ClaimantFacts
        fields = [
            "id",
            "effective_from",
            "effective_to",
            *[name for name in VERSIONED_FACTS if name != "partner"],
            "partner",
            "changed",
            "reason",
            "origin",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = fields


class AssessmentSerializer(ReadModelSerializer):
    """The latest calculation for one assessment period, with the facts version it was decided with."""

    facts_version = serializers.SerializerMethodField()

    class Meta:
        model = RegimeAssessment
        fields = [
            "id",
            "period_start",
            "period_end",
            "regime",
            "partner_regime",
            "previous_regime",
            "cause",
            "employed_earnings",
            "self_employed_earnings",
            "household_earnings",
            "aet_individual",
            "aet_couple",
            "cet_individual",
            "cet_partner",
            "cet_household",
            "easement_active",
            "explanation",
            "calculated_at",
            "facts_version",
        ]
        read_only_fields = fields

    def get_facts_version(self, row: RegimeAssessment) -> int | None:
        facts = getattr(row, "facts", None)
        return facts.pk if facts is not None else None


class ClaimantDetailSerializer(ClaimantSummarySerializer):
    """The one-screen record's facts: details, contact, the regime now and its history (12 periods), cycling, the
    IWP offer, and the regime facts over time."""

    cycling = CyclingSerializer(source="*")
    partner = JsonIntegerField(source="partner_id", allow_null=True)
    regime_stale = serializers.SerializerMethodField(
        help_text="True while a change waits for its recalculation (the regime shown may be about to change)."
    )
    can_edit = serializers.SerializerMethodField(help_text="Whether you may change this claimant.")
    regime_history = AssessmentSerializer(many=True, source="history")
    facts_versions = FactsVersionSerializer(many=True, source="versions")

    class Meta(ClaimantSummarySerializer.Meta):
        fields = [
            *ClaimantSummarySerializer.Meta.fields,
            "postcode",
            "contact_preference",
            "email",
            "phone",
            "interpreter_language",
            "digitally_excluded",
            "assessment_day",
            "current_period_start",
            *[name for name in VERSIONED_FACTS if name != "partner"],
            "partner",
            "cycling",
            "iwp_offer_eligible_since",
            "regime_stale",
            "can_edit",
            "regime_history",
            "facts_versions",
            "created_at",
        ]
        read_only_fields = fields

    def get_regime_stale(self, claimant: Claimant) -> bool:
        return claimant.regime_stale_since is not None

    def get_can_edit(self, claimant: Claimant) -> bool:
        return may_edit(self.context["request"].user, claimant)


def with_history(claimant: Claimant, *, periods: int = 12) -> Claimant:
    """The claimant with ``versions`` (every facts version) and ``history`` (the latest calculation of the last
    ``periods`` periods, oldest first, each with the facts then): two queries."""
    claimant.versions = fact_versions(claimant)
    rows = list(
        RegimeAssessment.objects.current().filter(claimant=claimant).order_by("-period_start")[:periods]
    )
    for row in rows:
        row.facts = version_on(claimant.versions, row.period_start)
    claimant.history = rows[::-1]
    return claimant


# --- Writing a claimant -----------------------------------------------------------------------------------


class ClaimantDetailsSerializer(serializers.Serializer):
    """Personal and contact details (the "Change personal details" page)."""

    nino = JsonCharField(
        max_length=13, help_text="National Insurance number, e.g. AB123456C (spaces allowed)."
    )
    first_name = JsonCharField(max_length=100)
    last_name = JsonCharField(max_length=100)
    date_of_birth = RangedDateField(date_range=dates.DATE_OF_BIRTH, help_text="ISO date; aged 16 to 100.")
    postcode = NormalisedCharField(
        normalise=normalise_uk_postcode, max_length=10, required=False, allow_blank=True
    )
    contact_preference = JsonChoiceField(ContactPreference.choices, default=ContactPreference.JOURNAL)
    email = JsonEmailField(max_length=254, required=False, allow_blank=True)
    phone = NormalisedCharField(normalise=normalise_uk_phone, max_length=20, required=False, allow_blank=True)
    interpreter_language = JsonCharField(max_length=60, required=False, allow_blank=True)
    digitally_excluded = JsonBooleanField(default=False)
    assessment_day = JsonIntegerField(min_value=1, max_value=31, default=1)
    support_intensity = JsonChoiceField(SupportIntensity.choices, default=SupportIntensity.EIGHT_WEEKLY)

    def validate_nino(self, value: str) -> str:
        nino = normalise_nino(value)
        try:
            validate_nino(nino)
        except Exception as error:  # Django's ValidationError: its message
            raise serializers.ValidationError(list(getattr(error, "messages", [str(error)]))) from None
        return nino

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        claimant = self.context.get("claimant")
        merged = (
            {name: getattr(claimant, name) for name in ("contact_preference", "email", "phone")}
            if claimant
            else {}
        )
        merged.update({k: v for k, v in data.items() if k in ("contact_preference", "email", "phone")})
        problems = contact_problems(
            preference=merged.get("contact_preference"), email=merged.get("email"), phone=merged.get("phone")
        )
        if problems:
            raise serializers.ValidationError({name: [message] for name, message in problems.items()})
        return data


class RegimeFactsSerializer(serializers.Serializer):
    """The facts the regime depends on, changed from a date (give only the facts that change)."""

    effective_from = RangedDateField(
        date_range=dates.FACTS_FROM,
        required=False,
        allow_null=True,
        help_text="From when the change applies; default the start of the current assessment period. Only "
        "administrators may back-date into an earlier period.",
    )
    reason = JsonCharField(max_length=200, required=False, allow_blank=True, default="")
    conditionality_group = JsonChoiceField(GroupChoices.choices, required=False)
    expected_hours = JsonDecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=168, required=False
    )
    expected_hours_reason = JsonChoiceField(
        [("", "Not reduced"), *ExpectedHoursReason.choices], required=False, allow_blank=True
    )
    apprentice = JsonBooleanField(required=False)
    self_employed = JsonBooleanField(required=False)
    minimum_income_floor = JsonBooleanField(required=False)
    has_non_uc_partner = JsonBooleanField(required=False)
    non_uc_partner_date_of_birth = RangedDateField(
        date_range=dates.DATE_OF_BIRTH.named("the partner's date of birth"), required=False, allow_null=True
    )

    FACTS = (
        "conditionality_group",
        "expected_hours",
        "expected_hours_reason",
        "apprentice",
        "self_employed",
        "minimum_income_floor",
        "has_non_uc_partner",
        "non_uc_partner_date_of_birth",
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        given = {name: data[name] for name in self.FACTS if name in data}
        if not given:
            raise serializers.ValidationError("Give at least one fact to change.")
        claimant: Claimant = self.context["claimant"]
        start = data.get("effective_from") or current_period_start(claimant.assessment_day, today())
        in_force = version_on(fact_versions(claimant), start)
        values = {**(in_force.values() if in_force else {}), **given}
        problems = fact_problems(values, has_claimant_partner=bool(values.get("partner")))
        if problems:
            raise serializers.ValidationError({name: [message] for name, message in problems.items()})
        return data


class FactsChangeResultSerializer(serializers.Serializer):
    changed = serializers.ListField(
        child=JsonCharField(), help_text="The facts that changed (empty: they were already so)."
    )
    facts_versions = FactsVersionSerializer(many=True)


class ReassignSerializer(serializers.Serializer):
    to_coach = serializers.PrimaryKeyRelatedField(
        queryset=StaffMember.objects.filter(role=Role.WORK_COACH, is_active=True),
        help_text="The new work coach (a work coach of the claimant's jobcentre).",
    )
    reason = JsonCharField(max_length=200)
    handover_summary = JsonCharField(max_length=4000)


class CircumstanceSerializer(ReadModelSerializer):
    recorded_by = JsonCharField(source="recorded_by.get_full_name", allow_null=True, default=None)

    class Meta:
        model = Circumstance
        fields = ["id", "kind", "detail", "sensitive", "recorded_by", "recorded_at", "resolved_on"]
        read_only_fields = fields


class CircumstanceInputSerializer(serializers.Serializer):
    kind = JsonChoiceField(BarrierKind.choices)
    detail = JsonCharField(max_length=2000, required=False, allow_blank=True, default="")
    sensitive = JsonBooleanField(
        default=False,
        help_text="Restrict it: shown only when asked, and each look is audited (health and "
        "domestic abuse always are).",
    )


class ClaimantFilter(ApiFilterSet):
    q = filters.CharFilter(
        method="search",
        max_length=60,
        help_text="Name words in any order, a NINO (or its start), a date of birth or a postcode.",
    )
    regime = filters.ChoiceFilter(field_name="current_regime", choices=RegimeChoices.choices)
    iwp_offer_status = filters.ChoiceFilter(choices=IwpOfferStatus.choices)
    regime_cycling = StrictBooleanFilter(
        help_text="Only claimants flagged (true) or not (false) for cycling."
    )
    coach = IdFilter(field_name="coach_id", help_text="The usual work coach's id.")
    jobcentre = IdFilter(field_name="jobcentre_id")

    class Meta:
        model = Claimant
        fields: list[str] = []

    def search(self, queryset: QuerySet[Claimant], name: str, value: str) -> QuerySet[Claimant]:
        parsed = parse_search(value)
        if parsed.problem:
            raise serializers.ValidationError({"q": [parsed.problem]})
        return queryset.filter(search_condition(parsed)) if parsed else queryset


@extend_schema_view(
    list=extend_schema(
        summary="Claimants you may see",
        description="Your jobcentre's claimants (a district leader's district, an administrator's every office), "
        "ordered by name. Filter by regime, IWP offer status, cycling flag, coach, jobcentre or a search.",
    ),
    retrieve=extend_schema(
        summary="A claimant's record: regime, history, cycling, IWP offer, facts versions"
    ),
)
class ClaimantViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    queryset = Claimant.objects.none()  # the schema's model; get_queryset scopes
    filterset_class = ClaimantFilter
    lookup_url_kwarg = "claimant_id"

    def get_queryset(self) -> QuerySet[Claimant]:
        return (
            casework_claimants(self.request.user)
            .select_related("coach", "jobcentre")
            .order_by("last_name", "first_name", "pk")
        )

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return ClaimantSummarySerializer if self.action == "list" else ClaimantDetailSerializer

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        claimant = with_history(self.get_object())
        return Response(self.get_serializer(claimant).data)

    def _detail(self, claimant_id: int, status_code: int = status.HTTP_200_OK) -> Response:
        claimant = claimant_for(self.request, claimant_id)
        return Response(self.get_serializer(with_history(claimant)).data, status=status_code)

    @extend_schema(
        summary="Add a claimant",
        description="Work coaches and team leaders add a claimant to their own jobcentre (a work coach's own "
        "caseload). The first version of their facts starts with the claim.",
        request=ClaimantDetailsSerializer,
        responses={201: ClaimantDetailSerializer},
        examples=[
            OpenApiExample(
                "New claimant",
                request_only=True,
                value={
                    "nino": "JK123456A",
                    "first_name": "Amira",
                    "last_name": "Khan",
                    "date_of_birth": "1990-03-27",
                    "postcode": "LS1 4HR",
                    "contact_preference": "sms",
                    "phone": "07700 900123",
                },
            )
        ],
    )
    def create(self, request: Request) -> Response:
        require_role(
            request.user,
            Role.WORK_COACH,
            Role.TEAM_LEADER,
            message="Only work coaches and team leaders add claimants.",
        )
        data = validated(ClaimantDetailsSerializer, request.data)
        claimant = services.claimant_create(
            actor=request.user,
            coach=request.user if request.user.effective_role == Role.WORK_COACH else None,
            jobcentre=request.user.jobcentre,
            **data,
        )
        return self._detail(claimant.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a claimant's personal details",
        description="Only the fields sent change. Corrections: they are not dated (the regime facts are).",
        request=ClaimantDetailsSerializer(partial=True),
        responses={200: ClaimantDetailSerializer},
    )
    def partial_update(self, request: Request, claimant_id: str) -> Response:
        claimant = claimant_for(request, claimant_id, edit=True)
        serializer = ClaimantDetailsSerializer(
            data=request.data, partial=True, context={"claimant": claimant}
        )
        serializer.is_valid(raise_exception=True)
        services.claimant_update_facts(claimant=claimant, actor=request.user, **serializer.validated_data)
        return self._detail(claimant.pk)

    @extend_schema(
        summary="Change the regime facts from a date",
        description="The facts the regime depends on, from `effective_from` (default: the start of the current "
        "assessment period; only administrators may back-date). Periods before it keep the facts they were "
        "decided with; the regime is recalculated.",
        request=RegimeFactsSerializer,
        responses={200: FactsChangeResultSerializer},
        examples=[
            OpenApiExample(
                "Reduced hours for caring",
                request_only=True,
                value={
                    "expected_hours": "25.00",
                    "expected_hours_reason": "caring",
                    "reason": "Caring for a parent",
                },
            )
        ],
    )
    @action(detail=True, methods=["post"], url_path="facts")
    def facts(self, request: Request, claimant_id: str) -> Response:
        claimant = claimant_for(request, claimant_id, edit=True)
        data = validated(RegimeFactsSerializer, request.data, claimant=claimant)
        changes = {name: data[name] for name in RegimeFactsSerializer.FACTS if name in data}
        changed = services.claimant_update_facts(
            claimant=claimant,
            actor=request.user,
            effective_from=data.get("effective_from"),
            reason=data.get("reason", ""),
            **changes,
        )
        return Response(
            {
                "changed": changed,
                "facts_versions": FactsVersionSerializer(fact_versions(claimant), many=True).data,
            }
        )

    @extend_schema(
        summary="Hand a claimant over to another work coach",
        description="The old assignment is closed (history), the new coach reads the handover summary first.",
        request=ReassignSerializer,
        responses={200: ClaimantSummarySerializer},
    )
    @action(detail=True, methods=["post"], url_path="reassign")
    def reassign(self, request: Request, claimant_id: str) -> Response:
        claimant = claimant_for(request, claimant_id, edit=True)
        data = validated(ReassignSerializer, request.data)
        services.claimant_reassign(claimant=claimant, actor=request.user, **data)
        claimant = Claimant.objects.select_related("coach", "jobcentre").get(pk=claimant.pk)
        return Response(ClaimantSummarySerializer(claimant).data)

    @extend_schema(
        summary="Show restricted circumstances (audited)",
        description="Health, domestic abuse and any circumstance recorded as restricted. Only the claimant's own "
        "coach, team leaders of their jobcentre and administrators; every call is in the audit log (hence POST).",
        request=None,
        responses={200: CircumstanceSerializer(many=True)},
    )
    @action(detail=True, methods=["post"], url_path="restricted", pagination_class=None, filterset_class=None)
    def restricted(self, request: Request, claimant_id: str) -> Response:
        claimant = claimant_for(request, claimant_id)
        if not may_see_sensitive(request.user, claimant):
            raise PermissionDenied(
                "Only the claimant's coach, a team leader of their jobcentre or an administrator."
            )
        items = services.sensitive_circumstances_view(claimant=claimant, actor=request.user)
        return Response(CircumstanceSerializer(items, many=True).data)

    @extend_schema(
        summary="A claimant's regime history",
        description="The latest calculation for each assessment period, newest first, with the facts version it "
        "was decided with.",
        parameters=[OpenApiParameter("claimant_id", int, OpenApiParameter.PATH)],
        responses={200: AssessmentSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], url_path="regime-history", filterset_class=None)
    def regime_history(self, request: Request, claimant_id: str) -> Response:
        claimant = claimant_for(request, claimant_id)
        rows = RegimeAssessment.objects.current().filter(claimant=claimant).order_by("-period_start", "-pk")
        page = self.paginate_queryset(rows)
        versions = fact_versions(claimant)
        for row in page:
            row.facts = version_on(versions, row.period_start)
        return self.get_paginated_response(AssessmentSerializer(page, many=True).data)


# --- Circumstances and employment -------------------------------------------------------------------------


@extend_schema(parameters=[CLAIMANT_ID], tags=["claimants"])
@extend_schema_view(
    list=extend_schema(
        summary="A claimant's circumstances and barriers",
        description="Open and resolved; restricted ones are left out (see `POST /claimants/{id}/restricted/`).",
    ),
    create=extend_schema(
        summary="Add a circumstance or barrier",
        request=CircumstanceInputSerializer,
        responses={201: CircumstanceSerializer},
    ),
)
class CircumstanceViewSet(ClaimantScoped, mixins.ListModelMixin, ApiViewSet):
    queryset = Circumstance.objects.none()
    serializer_class = CircumstanceSerializer

    def get_queryset(self) -> QuerySet[Circumstance]:
        return (
            Circumstance.objects.filter(claimant=self.claimant(), sensitive=False)
            .select_related("recorded_by")
            .order_by("-recorded_at", "-pk")
        )

    def create(self, request: Request, claimant_id: str) -> Response:
        claimant = self.claimant(edit=True)
        data = validated(CircumstanceInputSerializer, request.data)
        circumstance = services.circumstance_add(claimant=claimant, actor=request.user, **data)
        return Response(CircumstanceSerializer(circumstance).data, status=status.HTTP_201_CREATED)


class ShiftSerializer(ReadModelSerializer):
    weekday = JsonChoiceField(Weekday.choices, help_text="0 Monday … 6 Sunday.")
    starts_at = HourMinuteField(help_text="HH:MM")
    ends_at = HourMinuteField(help_text="HH:MM, after the start.")

    class Meta:
        model = BusyTime
        fields = ["weekday", "starts_at", "ends_at"]


class EmploymentSerializer(ReadModelSerializer):
    shifts = ShiftSerializer(many=True, read_only=True)

    class Meta:
        model = Employment
        fields = [
            "id",
            "employer",
            "sector",
            "contract_type",
            "hours_per_week",
            "hourly_pay",
            "pay_frequency",
            "started_on",
            "ended_on",
            "shifts",
        ]
        read_only_fields = fields


class EmploymentInputSerializer(serializers.Serializer):
    employer = JsonCharField(max_length=120)
    sector = JsonCharField(max_length=80, required=False, allow_blank=True, default="")
    contract_type = JsonChoiceField(ContractType.choices)
    hours_per_week = JsonDecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=168,
        required=False,
        allow_null=True,
        default=None,
    )
    hourly_pay = JsonDecimalField(
        max_digits=6, decimal_places=2, min_value=0, required=False, allow_null=True, default=None
    )
    pay_frequency = JsonChoiceField(PayFrequency.choices, default=PayFrequency.MONTHLY)
    started_on = RangedDateField(
        date_range=dates.EMPLOYMENT_START, required=False, allow_null=True, default=None
    )
    shifts = ShiftSerializer(
        many=True,
        required=False,
        default=list,
        max_length=14,
        help_text="The weekly working pattern (replaces the one recorded).",
    )


@extend_schema(parameters=[CLAIMANT_ID], tags=["claimants"])
@extend_schema_view(
    list=extend_schema(summary="A claimant's jobs and working patterns"),
    create=extend_schema(
        summary="Add a job and its working pattern",
        request=EmploymentInputSerializer,
        responses={201: EmploymentSerializer},
    ),
    update=extend_schema(
        summary="Change a job and its working pattern",
        description="Every field is sent; the shifts sent replace the recorded ones.",
        request=EmploymentInputSerializer,
        responses={200: EmploymentSerializer},
    ),
)
class EmploymentViewSet(ClaimantScoped, mixins.ListModelMixin, ApiViewSet):
    queryset = Employment.objects.none()
    serializer_class = EmploymentSerializer
    http_method_names = ["get", "post", "put", "head", "options"]

    def get_queryset(self) -> QuerySet[Employment]:
        return (
            Employment.objects.filter(claimant=self.claimant())
            .prefetch_related(Prefetch("shifts", queryset=BusyTime.objects.order_by("weekday", "starts_at")))
            .order_by("-started_on", "employer", "pk")
        )

    def _save(self, request: Request, employment: Employment | None) -> Employment:
        data = validated(EmploymentInputSerializer, request.data)
        shifts = [dict(shift) for shift in data.pop("shifts")]
        return services.employment_save(
            claimant=self.claimant(edit=True),
            actor=request.user,
            employment=employment,
            fields=data,
            shifts=shifts,
        )

    def create(self, request: Request, claimant_id: str) -> Response:
        self.claimant(edit=True)
        employment = self._save(request, None)
        return Response(
            EmploymentSerializer(self.get_queryset().get(pk=employment.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    def update(self, request: Request, claimant_id: str, pk: str) -> Response:
        employment = self.get_object()
        self.claimant(edit=True)
        employment = self._save(request, employment)
        return Response(EmploymentSerializer(self.get_queryset().get(pk=employment.pk)).data)
