"""REST interface for claimants: the regime calculator.

Thin, as DESIGN §2 asks: the serializers validate the request, :func:`regime_calculation` calls the pure engine
(``claimants.regimes.engine.assess``) with the parameters in force (``claimants.regimes.selectors.parameters_on``), and the result
serializer shapes the response. Nothing is read from or written to a claimant's record.

The browser calculator (``claimants.regimes.views``) goes through :func:`assess_payload`, the same validation
path, so the API and the page accept and refuse exactly the same facts with the same messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claimants.regimes.engine import (
    Assessment,
    ConditionalityGroup,
    InvalidFacts,
    NoThresholdsInForce,
    Person,
    Regime,
    assess,
    assessment_period_end,
    format_date,
)
from claimants.regimes.selectors import parameters_on, rate_tables
from iwp.api import ErrorSerializer

# Money: whole pence, at least £0, below £100,000,000 (10 digits). Hours: 0–168 a week, to 2 decimal places.
MONEY_DIGITS = 10
MONEY_LIMIT = "£100,000,000"
HOURS_IN_A_WEEK = Decimal(168)

GROUP_CHOICES = [(group.value, group.label) for group in ConditionalityGroup]
REGIME_CHOICES = [(regime.value, regime.label) for regime in Regime]

# Engine field names that are not request field names.
_ENGINE_FIELDS = {"period_start": "assessment_period_start", "anchor_day": "assessment_period_start"}


class StrictBooleanField(serializers.BooleanField):
    """JSON ``true`` or ``false`` only: "yes", 1 or "false" are refused rather than guessed at."""

    def to_internal_value(self, data: Any) -> bool:
        if isinstance(data, bool):
            return data
        self.fail("invalid", input=data)


def _money_field(who: str, what: str, *, required: bool) -> serializers.DecimalField:
    name = f"the {who}'s {what}"
    return serializers.DecimalField(
        max_digits=MONEY_DIGITS,
        decimal_places=2,
        min_value=Decimal(0),
        required=required,
        **({} if required else {"default": Decimal("0.00")}),
        help_text=f'{name[4:].capitalize()} in the assessment period, gross, in pounds and pence (e.g. "952.38").',
        error_messages={
            "required": f"Enter {name} for the assessment period.",
            "null": f"Enter {name} for the assessment period.",
            "invalid": f"Enter {name} as an amount in pounds and pence, like 952.38.",
            "max_string_length": f"Enter {name} as an amount in pounds and pence, like 952.38.",
            "max_decimal_places": f"Enter {name} in pounds and pence, with no more than 2 decimal places.",
            "min_value": f"{name[0].upper()}{name[1:]} cannot be negative.",
            "max_digits": f"{name[0].upper()}{name[1:]} must be less than {MONEY_LIMIT}.",
            "max_whole_digits": f"{name[0].upper()}{name[1:]} must be less than {MONEY_LIMIT}.",
        },
    )


def _person_fields(who: str) -> dict[str, serializers.Field]:
    hours_range = f"The {who}'s expected hours must be between 0 and 168 a week."
    return {
        "date_of_birth": serializers.DateField(
            help_text='ISO date, e.g. "1995-01-01".',
            error_messages={
                "required": f"Enter the {who}'s date of birth.",
                "null": f"Enter the {who}'s date of birth.",
                "invalid": f"Enter the {who}'s date of birth as a real date, like 1995-01-01.",
                "datetime": f"Enter the {who}'s date of birth as a date, like 1995-01-01, without a time.",
            },
        ),
        "employed_earnings": _money_field(who, "employed earnings", required=True),
        "self_employed_earnings": _money_field(who, "self-employed earnings", required=False),
        "expected_hours": serializers.DecimalField(
            max_digits=5,
            decimal_places=2,
            min_value=Decimal(0),
            max_value=HOURS_IN_A_WEEK,
            default=Decimal(35),
            help_text="Hours a week the person is expected to work (0–168); the CET uses 16 for the "
            "work_preparation and work_focused_interview groups whatever this says.",
            error_messages={
                "null": f"Enter the {who}'s expected hours a week.",
                "invalid": f"Enter the {who}'s expected hours as a number, like 35.",
                "max_string_length": f"Enter the {who}'s expected hours as a number, like 35.",
                "max_decimal_places": f"Enter the {who}'s expected hours with no more than 2 decimal places.",
                "min_value": hours_range,
                "max_value": hours_range,
                "max_digits": hours_range,
                "max_whole_digits": hours_range,
            },
        ),
        "conditionality_group": serializers.ChoiceField(
            choices=GROUP_CHOICES,
            default=ConditionalityGroup.ALL_WORK_RELATED_REQUIREMENTS.value,
            error_messages={
                "null": f"Choose the {who}'s conditionality group.",
                "invalid_choice": f"Choose the {who}'s conditionality group from: "
                + ", ".join(group.value for group in ConditionalityGroup)
                + ".",
            },
        ),
        "apprentice": StrictBooleanField(
            default=False,
            error_messages={"invalid": f"Say whether the {who} is an apprentice: true or false."},
        ),
        "minimum_income_floor": StrictBooleanField(
            default=False,
            error_messages={
                "invalid": f"Say whether the Minimum Income Floor applies to the {who}: true or false."
            },
        ),
    }


class ClaimantSerializer(serializers.Serializer):
    """The claimant's facts for one assessment period."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return _person_fields("claimant")


class PartnerSerializer(serializers.Serializer):
    """The partner's facts; a partner not eligible for UC has no regime of their own."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {
            **_person_fields("partner"),
            "eligible_for_uc": StrictBooleanField(
                default=True,
                help_text="False for a partner not eligible for UC (reg 3(3)): they get no regime, and the "
                "household CET counts 35 hours at the adult NLW for them.",
                error_messages={
                    "invalid": "Say whether the partner is eligible for Universal Credit: true or false."
                },
            ),
        }


class RegimeCalculatorRequestSerializer(serializers.Serializer):
    assessment_period_start = serializers.DateField(
        help_text="First day of the assessment period (ISO date); the thresholds in force that day apply.",
        error_messages={
            "required": "Enter the start date of the assessment period.",
            "null": "Enter the start date of the assessment period.",
            "invalid": "Enter the start date of the assessment period as a real date, like 2025-06-10.",
            "datetime": "Enter the start date of the assessment period as a date, like 2025-06-10, without a time.",
        },
    )
    claimant = ClaimantSerializer(
        error_messages={
            "required": "Enter the claimant's details.",
            "null": "Enter the claimant's details.",
            "invalid": "Give the claimant's details as a JSON object, not a {datatype}.",
        }
    )
    partner = PartnerSerializer(
        required=False,
        allow_null=True,
        default=None,
        error_messages={
            "invalid": "Give the partner's details as a JSON object (or null), not a {datatype}."
        },
    )

    default_error_messages = {"invalid": "The request body must be a JSON object, not a {datatype}."}

    def validate_assessment_period_start(self, value: date) -> date:
        try:
            assessment_period_end(value)
        except (ValueError, OverflowError):
            raise serializers.ValidationError(
                "Enter a start date for the assessment period before December 9999."
            ) from None
        return value


class RegimeField(serializers.ChoiceField):
    """A regime code (output only); documented as one shared ``Regime`` schema component."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=REGIME_CHOICES, **kwargs)


class RegimeFieldSchema(OpenApiSerializerFieldExtension):
    """``regime`` and ``partner_regime`` share one enum component (rather than two names for one set)."""

    target_class = RegimeField

    def map_serializer_field(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        component = ResolvedComponent(
            name="Regime",
            type=ResolvedComponent.SCHEMA,
            object="Regime",
            schema={
                "type": "string",
                "enum": [regime.value for regime in Regime],
                "description": "\n".join(f"* `{regime.value}` - {regime.label}" for regime in Regime),
            },
        )
        auto_schema.registry.register_on_missing(component)
        return component.ref


class ThresholdsSerializer(serializers.Serializer):
    """Monthly thresholds, as strings with exactly 2 decimal places (rounded half-up for display only)."""

    aet_individual = serializers.DecimalField(
        max_digits=None, decimal_places=2, coerce_to_string=True, help_text="Single AET."
    )
    aet_couple = serializers.DecimalField(
        max_digits=None,
        decimal_places=2,
        coerce_to_string=True,
        allow_null=True,
        help_text="Couple AET; null for a single claimant.",
    )
    cet_individual = serializers.DecimalField(
        max_digits=None, decimal_places=2, coerce_to_string=True, help_text="The claimant's CET."
    )
    cet_partner = serializers.DecimalField(
        max_digits=None,
        decimal_places=2,
        coerce_to_string=True,
        allow_null=True,
        help_text="The partner's CET; null for a single claimant or a partner not eligible for UC.",
    )
    cet_household = serializers.DecimalField(
        max_digits=None,
        decimal_places=2,
        coerce_to_string=True,
        allow_null=True,
        help_text="The couple's household CET; null for a single claimant.",
    )


class RegimeCalculatorResultSerializer(serializers.Serializer):
    regime = RegimeField(help_text="The claimant's regime.")
    partner_regime = RegimeField(
        allow_null=True,
        help_text="The partner's regime; null for a single claimant or a partner not eligible for UC.",
    )
    thresholds = ThresholdsSerializer()
    explanation = serializers.ListField(
        child=serializers.CharField(), help_text="Plain-English sentences saying how the regime was decided."
    )


def _nested_error(field: str, message: str) -> dict[str, Any]:
    """``"claimant.employed_earnings"`` → ``{"claimant": {"employed_earnings": [message]}}``."""
    path = _ENGINE_FIELDS.get(field, field).split(".")
    detail: Any = [message]
    for key in reversed(path):
        detail = {key: detail}
    return detail


def _earliest_period(tables: tuple) -> date | None:
    aet, wages = tables
    if not aet or not wages:
        return None
    return max(min(row.effective_from for row in aet), min(row.effective_from for row in wages))


def regime_calculation(data: Mapping[str, Any], *, tables: tuple | None = None) -> Assessment:
    """Assess validated request data. Raises ``serializers.ValidationError`` (nested field errors) when the
    engine refuses the facts or no thresholds are in force."""
    period_start: date = data["assessment_period_start"]
    tables = tables or rate_tables()
    try:
        parameters = parameters_on(period_start, tables)
    except NoThresholdsInForce:
        earliest = _earliest_period(tables)
        when = f" Enter a start date on or after {format_date(earliest)}." if earliest else ""
        raise serializers.ValidationError(
            {
                "assessment_period_start": [
                    f"There are no thresholds in force on {format_date(period_start)}.{when}"
                ]
            }
        ) from None
    partner = data.get("partner")
    try:
        return assess(
            period_start=period_start,
            claimant=Person(**data["claimant"]),
            partner=None if partner is None else Person(**partner),
            parameters=parameters,
        )
    except InvalidFacts as exc:
        raise serializers.ValidationError(_nested_error(exc.field, exc.message)) from None


def assess_payload(payload: Any, *, tables: tuple | None = None) -> Assessment:
    """Validate a request body (as parsed JSON) and assess it: the one validation path for the API and the page.

    Raises ``serializers.ValidationError`` whose ``detail`` has the API's nested shape."""
    serializer = RegimeCalculatorRequestSerializer(data=payload)
    serializer.is_valid(raise_exception=True)
    return regime_calculation(serializer.validated_data, tables=tables)


def result_data(assessment: Assessment) -> dict[str, Any]:
    return {
        "regime": assessment.regime.value,
        "partner_regime": None if assessment.partner_regime is None else assessment.partner_regime.value,
        "thresholds": assessment.thresholds.as_money(),
        "explanation": list(assessment.explanation),
    }


_EXAMPLE_REQUEST = {
    "assessment_period_start": "2025-06-10",
    "claimant": {
        "date_of_birth": "1995-01-01",
        "employed_earnings": "952.38",
        "self_employed_earnings": "0.00",
        "expected_hours": 35,
        "conditionality_group": "all_work_related_requirements",
        "apprentice": False,
        "minimum_income_floor": False,
    },
    "partner": None,
}
_EXAMPLE_RESPONSE = {
    "regime": "light_touch",
    "partner_regime": None,
    "thresholds": {
        "aet_individual": "952.38",
        "aet_couple": None,
        "cet_individual": "1851.85",
        "cet_partner": None,
        "cet_household": None,
    },
    "explanation": [
        "Assessment period 10 June 2025 to 9 July 2025; the rates in force on 10 June 2025 apply to the whole "
        "period.",
        "…",
    ],
}


class RegimeCalculatorView(APIView):
    """Work out a claimant's (and partner's) regime from facts given in the request; nothing is stored."""

    @extend_schema(
        operation_id="regime_calculator",
        summary="Regime calculator",
        description=(
            "Decide the Universal Credit labour-market regime for one assessment period from the facts given, "
            "using the AET/CET thresholds and wage rates in force on the period's first day. Only "
            "`assessment_period_start`, `claimant.date_of_birth` and `claimant.employed_earnings` are required. "
            "Money is a string (or number) in pounds with at most 2 decimal places. Bad input gets a 400 in the "
            "API's error format, its `errors` nested like the request, e.g. "
            '`{"errors": {"claimant": {"employed_earnings": ["…"]}}}`.'
        ),
        tags=["claimants"],
        request=RegimeCalculatorRequestSerializer,
        responses={
            200: RegimeCalculatorResultSerializer,
            400: OpenApiResponse(ErrorSerializer, "Field errors in `errors`, nested like the request body."),
        },
        examples=[
            OpenApiExample("Single claimant", value=_EXAMPLE_REQUEST, request_only=True),
            OpenApiExample("Light Touch", value=_EXAMPLE_RESPONSE, response_only=True, status_codes=["200"]),
        ],
    )
    def post(self, request: Request) -> Response:
        assessment = assess_payload(request.data)
        return Response(RegimeCalculatorResultSerializer(result_data(assessment)).data)
