"""Appointments and outcomes, agreed actions and case notes over REST (issue #15).

Thin (DESIGN §2): reads through ``appointments.selectors`` (an appointment, action or note is visible when its
claimant is), writes through ``appointments.services``, which check who may book or change what (403), run the
booking rules and the status registry's guards, and audit. A booking the rules refuse, or an outcome the registry
refuses, is a 409 whose ``errors`` say what to change; a booking refused only for warnings lists them in
``warnings``: send their keys back in ``confirmed_warnings`` with an ``override_reason`` to book anyway.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from appointments import selectors, services
from appointments.models import (
    ActionCategory,
    ActionStatus,
    AgreedAction,
    Appointment,
    AppointmentStatus,
    AppointmentType,
    CaseNote,
    Channel,
    ContactAttempt,
    ContactMethod,
    GoodReasonDecision,
    GoodReasonDecisionChoices,
    LengthChoices,
)
from appointments.rules import (
    CANCELLED_STATUSES,
    OUTCOME_STATUSES,
    Status,
    contact_attempt_problem,
    follow_up_problem,
    good_reason_problem,
)
from claimants.models import BarrierKind
from iwp.access import require_role
from iwp.api import (
    ApiFilterSet,
    ApiViewSet,
    IdFilter,
    JsonBooleanField,
    JsonCharField,
    JsonChoiceField,
    JsonIntegerField,
    RangedDateField,
    ReadModelSerializer,
    StrictBooleanFilter,
    conflict,
    validated,
)
from iwp.api_schema import errors
from iwp.input import dates
from iwp.models import Role, StaffMember

READ_ROLES = (Role.WORK_COACH, Role.TEAM_LEADER, Role.ADMINISTRATOR)


def _readable(user: StaffMember) -> None:
    require_role(user, *READ_ROLES, message="Your role does not work on appointments.")


# --- Reading --------------------------------------------------------------------------------------------


class PersonSerializer(serializers.Serializer):
    id = JsonIntegerField()
    name = JsonCharField()


class ContactAttemptSerializer(ReadModelSerializer):
    class Meta:
        model = ContactAttempt
        fields = ["id", "at", "method", "result", "recorded_at"]
        read_only_fields = fields


class GoodReasonDecisionSerializer(ReadModelSerializer):
    class Meta:
        model = GoodReasonDecision
        fields = ["id", "decision", "reason", "at"]
        read_only_fields = fields


class AppointmentSerializer(ReadModelSerializer):
    claimant = serializers.SerializerMethodField()
    coach = serializers.SerializerMethodField()

    class Meta:
        model = Appointment
        fields = [
            "id",
            "claimant",
            "coach",
            "appointment_type",
            "channel",
            "starts_at",
            "ends_at",
            "length_minutes",
            "private_room",
            "status",
            "notice_hours_at_booking",
            "short_notice_consent",
            "booked_at",
            "rebooked_from",
            "cancelled_reason",
            "clash_override_reason",
            "outcome_recorded_at",
        ]
        read_only_fields = fields

    @extend_schema_field(PersonSerializer)
    def get_claimant(self, appointment: Appointment) -> dict[str, Any]:
        return {"id": appointment.claimant_id, "name": appointment.claimant.full_name}

    @extend_schema_field(PersonSerializer)
    def get_coach(self, appointment: Appointment) -> dict[str, Any]:
        return {"id": appointment.coach_id, "name": appointment.coach.get_full_name()}


class AppointmentDetailSerializer(AppointmentSerializer):
    contact_attempts = ContactAttemptSerializer(many=True)
    good_reason_decisions = GoodReasonDecisionSerializer(many=True)

    class Meta(AppointmentSerializer.Meta):
        fields = [*AppointmentSerializer.Meta.fields, "contact_attempts", "good_reason_decisions"]
        read_only_fields = fields


class AppointmentFilter(ApiFilterSet):
    claimant = IdFilter(field_name="claimant_id")
    coach = IdFilter(field_name="coach_id")
    status = filters.ChoiceFilter(choices=AppointmentStatus.choices)
    appointment_type = filters.ChoiceFilter(choices=AppointmentType.choices)
    starts_after = filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="lt")
    unrecorded = StrictBooleanFilter(
        method="filter_unrecorded",
        help_text="Finished but still only booked: the outcome is not recorded yet.",
    )

    class Meta:
        model = Appointment
        fields: list[str] = []

    def filter_unrecorded(self, queryset: QuerySet[Appointment], name: str, value: bool) -> QuerySet:
        finished = {"status": Status.BOOKED, "ends_at__lte": timezone.now()}
        return queryset.filter(**finished) if value else queryset.exclude(**finished)


# --- Writing --------------------------------------------------------------------------------------------


class BookingSerializer(serializers.Serializer):
    appointment_type = JsonChoiceField(AppointmentType.choices)
    channel = JsonChoiceField(Channel.choices)
    starts_at = serializers.DateTimeField(help_text="ISO date and time; without an offset it is UK time.")
    length_minutes = JsonChoiceField(LengthChoices.choices)
    coach = JsonIntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        help_text="Who runs it (a work coach or team leader of the claimant's jobcentre); default: you if you are "
        "a work coach, else the claimant's coach.",
    )
    private_room = JsonBooleanField(default=False)
    short_notice_consent = JsonBooleanField(
        default=False, help_text="The claimant agreed to less than the minimum notice."
    )
    confirmed_warnings = serializers.ListField(
        child=JsonCharField(max_length=200),
        max_length=20,
        default=list,
        help_text="Keys of the warnings a 409 listed, to book anyway (with `override_reason`).",
    )
    override_reason = JsonCharField(max_length=300, required=False, allow_blank=True, default="")


class NewBookingSerializer(BookingSerializer):
    claimant = JsonIntegerField(min_value=1, help_text="The claimant's id (your jobcentre's).")


class RebookSerializer(BookingSerializer):
    reason = JsonCharField(max_length=300, required=False, allow_blank=True, default="")


class CancelSerializer(serializers.Serializer):
    by = JsonChoiceField([(s.value, s.value) for s in CANCELLED_STATUSES])
    reason = JsonCharField(max_length=300)


class ContactAttemptInputSerializer(serializers.Serializer):
    at = serializers.DateTimeField(
        help_text="When you tried: after the appointment started, not in the future."
    )
    method = JsonChoiceField(ContactMethod.choices)
    result = JsonCharField(max_length=300, help_text="What happened when you tried.")


class GoodReasonInputSerializer(serializers.Serializer):
    decision = JsonChoiceField(GoodReasonDecisionChoices.choices)
    reason = JsonCharField(max_length=2000, required=False, allow_blank=True, default="")

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        problem = good_reason_problem(data["decision"], data["reason"])
        if problem:
            raise serializers.ValidationError({"reason": [problem]})
        return data


class ActionInputSerializer(serializers.Serializer):
    category = JsonChoiceField(ActionCategory.choices)
    description = JsonCharField(max_length=300)
    due_on = RangedDateField(date_range=dates.ACTION_DUE)
    follow_up_on = RangedDateField(date_range=dates.FOLLOW_UP, required=False, allow_null=True, default=None)
    plan_step = JsonIntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        default=None,
        help_text="A step of the progression plan.",
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        problem = follow_up_problem(data["due_on"], data.get("follow_up_on"))
        if problem:
            raise serializers.ValidationError({"follow_up_on": [problem]})
        return data


class NextAppointmentSerializer(BookingSerializer):
    pass


def _check_attempt(
    attempt: dict[str, Any] | None, appointment: Appointment, field: str = "contact_attempt"
) -> None:
    if attempt is None:
        return
    problem = contact_attempt_problem(
        attempt["at"], now=timezone.now(), appointment_start=appointment.starts_at
    )
    if problem:
        raise serializers.ValidationError({field: {"at": [problem]}})


class OutcomeSerializer(serializers.Serializer):
    """What happened, all or nothing (the outcome page)."""

    outcome = JsonChoiceField(
        [(s.value, s.value) for s in OUTCOME_STATUSES] + [(s.value, s.value) for s in CANCELLED_STATUSES]
    )
    contact_attempt = ContactAttemptInputSerializer(required=False, allow_null=True, default=None)
    good_reason = GoodReasonInputSerializer(required=False, allow_null=True, default=None)
    cancelled_reason = JsonCharField(max_length=300, required=False, allow_blank=True, default="")
    note = JsonCharField(max_length=5000, required=False, allow_blank=True, default="")
    barriers = serializers.ListField(
        child=JsonChoiceField(BarrierKind.choices), max_length=len(BarrierKind), default=list
    )
    actions = ActionInputSerializer(many=True, required=False, default=list, max_length=3)
    next_appointment = NextAppointmentSerializer(required=False, allow_null=True, default=None)


class ContactOnlySerializer(serializers.Serializer):
    """A contact attempt for a claimant who did not come, before the outcome is known."""

    contact_attempt = ContactAttemptInputSerializer()
    good_reason = GoodReasonInputSerializer(required=False, allow_null=True, default=None)
    note = JsonCharField(max_length=5000, required=False, allow_blank=True, default="")


class OutcomeResultSerializer(serializers.Serializer):
    appointment = AppointmentDetailSerializer()
    next_appointment = AppointmentSerializer(allow_null=True)
    note = JsonIntegerField(allow_null=True, help_text="The case note's id, if a note was written.")
    actions = serializers.ListField(child=JsonIntegerField(), help_text="The agreed actions' ids.")
    barriers_added = serializers.ListField(child=JsonCharField())
    barriers_already_recorded = serializers.ListField(child=JsonCharField())


def _booking_refused(refusal: services.BookingRefused, *, prefix: str = "") -> Exception:
    check = refusal.check
    errors: dict[str, list[str]] = {}
    for issue in check.blocks:
        errors.setdefault(f"{prefix}starts_at", []).append(issue.message)
    if not check.blocks and refusal.unconfirmed:
        errors[f"{prefix}confirmed_warnings"] = [
            "Check the warnings: confirm their keys and give an override_reason, or choose another time."
        ]
    elif not check.blocks and refusal.reason_missing:
        errors[f"{prefix}override_reason"] = ["Give the reason for booking it despite the warnings."]
    warnings = [{"key": i.key, "code": str(i.code), "message": i.message} for i in check.warnings]
    return conflict(
        "The booking rules refused this time.",
        code="booking_refused",
        errors=errors,
        extra={"warnings": warnings},
    )


def _outcome_refused(refusal: services.OutcomeRefused) -> Exception:
    errors: dict[str, list[str]] = {}
    for problem in refusal.problems:
        errors.setdefault(problem.field, []).append(problem.message)
    extra: dict[str, Any] = {}
    if refusal.booking is not None:
        nested = _booking_refused(refusal.booking, prefix="next_appointment.")
        errors.update(nested.errors)
        extra = nested.extra
    return conflict(
        str(refusal) or "The outcome cannot be recorded.", code="outcome_refused", errors=errors, extra=extra
    )


def _coach(
    coach_id: int | None, user: StaffMember, claimant: Any, *, default: StaffMember | None
) -> StaffMember:
    if coach_id is None:
        if default is not None:
            return default
        if user.effective_role == Role.WORK_COACH:
            return user
        if claimant.coach_id:
            return claimant.coach
        raise serializers.ValidationError(
            {"coach": ["Choose who runs the appointment: the claimant has no coach."]}
        )
    coach = selectors.coaches_for(claimant).filter(pk=coach_id).first()
    if coach is None:
        raise serializers.ValidationError({"coach": ["Select a work coach from this Jobcentre"]})
    return coach


def _booking_kwargs(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "appointment_type": data["appointment_type"],
        "channel": data["channel"],
        "starts_at": data["starts_at"],
        "length_minutes": int(data["length_minutes"]),
        "private_room": data["private_room"],
        "short_notice_consent": data["short_notice_consent"],
        "confirmed_warnings": tuple(data["confirmed_warnings"]),
        "override_reason": data["override_reason"],
    }


BOOK_EXAMPLE = OpenApiExample(
    "Book a progression review",
    request_only=True,
    value={
        "claimant": 42,
        "appointment_type": "progression_review",
        "channel": "phone",
        "starts_at": "2026-12-14T10:00:00+00:00",
        "length_minutes": 30,
    },
)


@extend_schema_view(
    list=extend_schema(
        summary="Appointments you may see",
        description="Appointments of the claimants you may see, soonest first. Filter by claimant, coach, status, "
        "type, time, or outcomes still to record.",
    ),
    retrieve=extend_schema(summary="An appointment, with its contact attempts and good-reason decisions"),
)
class AppointmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    queryset = Appointment.objects.none()
    filterset_class = AppointmentFilter

    def _managed(self) -> Appointment:
        """The appointment, if the user may change it (``selectors.can_manage``, i.e. ``may_edit`` on the
        claimant or the appointment is theirs): checked before the body is read, so a refusal is a 403, not a
        400."""
        appointment = self.get_object()
        if not selectors.can_manage(self.request.user, appointment):
            raise PermissionDenied("You cannot change this appointment.")
        return appointment

    def get_queryset(self) -> QuerySet[Appointment]:
        _readable(self.request.user)
        rows = selectors.appointments_visible_to(self.request.user).order_by("starts_at", "pk")
        if self.action != "list":
            rows = rows.prefetch_related(
                Prefetch("contact_attempts", queryset=ContactAttempt.objects.order_by("at", "pk")),
                Prefetch("good_reason_decisions", queryset=GoodReasonDecision.objects.order_by("at", "pk")),
            )
        return rows

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return AppointmentSerializer if self.action == "list" else AppointmentDetailSerializer

    def _detail(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        return Response(AppointmentDetailSerializer(self.get_queryset().get(pk=pk)).data, status=code)

    @extend_schema(
        summary="Book an appointment",
        description="The booking rules decide: a clash with the coach's or claimant's diary, or short notice "
        "without consent, is a 409 naming the field; warnings (work shifts, caring, provision sessions, not the "
        "usual coach) are a 409 listing them — send their keys in `confirmed_warnings` with an "
        "`override_reason` to book anyway.",
        request=NewBookingSerializer,
        responses={201: AppointmentDetailSerializer, **errors(404, 409)},
        examples=[BOOK_EXAMPLE],
    )
    def create(self, request: Request) -> Response:
        require_role(
            request.user, *selectors.BOOKING_ROLES, message="Only work coaches and team leaders book."
        )
        data = validated(NewBookingSerializer, request.data)
        claimant = selectors.bookable_claimants_for(request.user).filter(pk=data["claimant"]).first()
        if claimant is None:
            raise NotFound("No such claimant in your jobcentre.")
        coach = _coach(data.get("coach"), request.user, claimant, default=None)
        try:
            appointment = services.appointment_book(
                claimant=claimant, coach=coach, actor=request.user, **_booking_kwargs(data)
            )
        except services.BookingRefused as refusal:
            raise _booking_refused(refusal) from None
        return self._detail(appointment.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Move an appointment",
        description="A new appointment is booked (`rebooked_from` the old one) and the old one becomes "
        "rescheduled; the booking rules decide as for a new booking.",
        request=RebookSerializer,
        responses={201: AppointmentDetailSerializer, **errors(409)},
    )
    @action(detail=True, methods=["post"])
    def rebook(self, request: Request, pk: str) -> Response:
        appointment = self._managed()
        data = validated(RebookSerializer, request.data)
        coach = _coach(data.get("coach"), request.user, appointment.claimant, default=appointment.coach)
        try:
            new = services.appointment_rebook(
                appointment=appointment,
                actor=request.user,
                coach=coach,
                reason=data["reason"],
                **_booking_kwargs(data),
            )
        except services.BookingRefused as refusal:
            raise _booking_refused(refusal) from None
        except services.OutcomeRefused as refusal:
            raise _outcome_refused(refusal) from None
        return self._detail(new.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Cancel an appointment",
        request=CancelSerializer,
        responses={200: AppointmentDetailSerializer, **errors(409)},
        examples=[
            OpenApiExample(
                "By the claimant",
                request_only=True,
                value={"by": "cancelled_by_claimant", "reason": "Started a new shift"},
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        appointment = self._managed()
        data = validated(CancelSerializer, request.data)
        try:
            services.appointment_cancel(
                appointment=appointment, actor=request.user, by=data["by"], reason=data["reason"]
            )
        except services.OutcomeRefused as refusal:
            raise _outcome_refused(refusal) from None
        return self._detail(appointment.pk)

    @extend_schema(
        summary="Record the outcome",
        description="What happened, all or nothing: the contact attempt and good-reason decision (a failure to "
        "attend needs them), a case note, barriers (as circumstances; health and domestic abuse restricted), up "
        "to 3 agreed actions and the next appointment. The status registry's guards refuse what cannot be (409).",
        request=OutcomeSerializer,
        responses={200: OutcomeResultSerializer, **errors(409)},
        examples=[
            OpenApiExample(
                "Attended, with an action",
                request_only=True,
                value={
                    "outcome": "attended",
                    "note": "Talked about asking for more hours.",
                    "actions": [
                        {
                            "category": "more_hours",
                            "description": "Ask the manager for 4 more hours",
                            "due_on": "2026-12-20",
                        }
                    ],
                },
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def outcome(self, request: Request, pk: str) -> Response:
        appointment = self._managed()
        data = validated(OutcomeSerializer, request.data)
        _check_attempt(data["contact_attempt"], appointment)
        next_input = None
        if data["next_appointment"] is not None:
            chosen = data["next_appointment"]
            next_input = services.NextAppointmentInput(
                coach=_coach(
                    chosen.get("coach"), request.user, appointment.claimant, default=appointment.coach
                ),
                **_booking_kwargs(chosen),
            )
        attempt, reason = data["contact_attempt"], data["good_reason"]
        try:
            result = services.appointment_record_outcome(
                appointment=appointment,
                actor=request.user,
                outcome=data["outcome"],
                contact_attempt=services.ContactAttemptInput(**attempt) if attempt else None,
                good_reason=services.GoodReasonInput(**reason) if reason else None,
                cancelled_reason=data["cancelled_reason"],
                note=data["note"],
                barriers=data["barriers"],
                actions=[
                    services.ActionInput(
                        category=a["category"],
                        description=a["description"],
                        due_on=a["due_on"],
                        follow_up_on=a.get("follow_up_on"),
                        plan_step_id=a.get("plan_step"),
                    )
                    for a in data["actions"]
                ],
                next_appointment=next_input,
            )
        except services.OutcomeRefused as refusal:
            raise _outcome_refused(refusal) from None
        rows = self.get_queryset()
        next_appointment = (
            rows.filter(pk=result.next_appointment.pk).first() if result.next_appointment else None
        )
        return Response(
            {
                "appointment": AppointmentDetailSerializer(rows.get(pk=appointment.pk)).data,
                "next_appointment": AppointmentSerializer(next_appointment).data
                if next_appointment
                else None,
                "note": result.note.pk if result.note else None,
                "actions": [a.pk for a in result.actions],
                "barriers_added": result.barriers_added,
                "barriers_already_recorded": result.barriers_already_recorded,
            }
        )

    @extend_schema(
        summary="Keep a contact attempt before the outcome is known",
        description="For a claimant who did not come: the attempt (and a good-reason decision or not yet, and a "
        "note) is kept; the appointment stays booked, on the list of outcomes to record.",
        request=ContactOnlySerializer,
        responses={201: AppointmentDetailSerializer, **errors(409)},
    )
    @action(detail=True, methods=["post"], url_path="contact-attempts")
    def contact_attempts(self, request: Request, pk: str) -> Response:
        appointment = self._managed()
        data = validated(ContactOnlySerializer, request.data)
        _check_attempt(data["contact_attempt"], appointment)
        reason = data["good_reason"]
        try:
            services.appointment_record_contact_attempt(
                appointment=appointment,
                actor=request.user,
                contact_attempt=services.ContactAttemptInput(**data["contact_attempt"]),
                good_reason=services.GoodReasonInput(**reason) if reason else None,
                note=data["note"],
            )
        except services.OutcomeRefused as refusal:
            raise _outcome_refused(refusal) from None
        return self._detail(appointment.pk, status.HTTP_201_CREATED)


# --- Agreed actions and case notes ------------------------------------------------------------------------


class AgreedActionSerializer(ReadModelSerializer):
    claimant = serializers.SerializerMethodField()

    class Meta:
        model = AgreedAction
        fields = [
            "id",
            "claimant",
            "origin_appointment",
            "category",
            "description",
            "due_on",
            "follow_up_on",
            "status",
            "completed_on",
            "plan_step",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(PersonSerializer)
    def get_claimant(self, item: AgreedAction) -> dict[str, Any]:
        return {"id": item.claimant_id, "name": item.claimant.full_name}


class AgreedActionFilter(ApiFilterSet):
    claimant = IdFilter(field_name="claimant_id")
    status = filters.ChoiceFilter(choices=ActionStatus.choices)
    category = filters.ChoiceFilter(choices=ActionCategory.choices)
    due_before = filters.DateFilter(field_name="due_on", lookup_expr="lt")
    due_after = filters.DateFilter(field_name="due_on", lookup_expr="gte")
    overdue = StrictBooleanFilter(method="filter_overdue", help_text="Open and past their due date.")

    class Meta:
        model = AgreedAction
        fields: list[str] = []

    def filter_overdue(self, queryset: QuerySet[AgreedAction], name: str, value: bool) -> QuerySet:
        overdue = {"status": ActionStatus.OPEN, "due_on__lt": selectors.local_today()}
        return queryset.filter(**overdue) if value else queryset.exclude(**overdue)


class CloseActionSerializer(serializers.Serializer):
    done = JsonBooleanField(help_text="true: done; false: not done.")


@extend_schema_view(
    list=extend_schema(summary="Agreed actions you may see", description="Soonest due first."),
    retrieve=extend_schema(summary="An agreed action"),
)
class AgreedActionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    queryset = AgreedAction.objects.none()
    serializer_class = AgreedActionSerializer
    filterset_class = AgreedActionFilter

    def get_queryset(self) -> QuerySet[AgreedAction]:
        _readable(self.request.user)
        return selectors.agreed_actions_visible_to(self.request.user).order_by("due_on", "pk")

    @extend_schema(
        summary="Close an agreed action (done or not done)",
        request=CloseActionSerializer,
        responses={200: AgreedActionSerializer, **errors(409)},
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        item = self.get_object()
        if not selectors.can_book_for(request.user, item.claimant):  # before validation: a refusal is a 403
            raise PermissionDenied("You cannot change this claimant's actions.")
        data = validated(CloseActionSerializer, request.data)
        try:
            services.agreed_action_close(action=item, actor=request.user, done=data["done"])
        except ValidationError as error:  # already closed: the state, not the input, is wrong
            raise conflict(" ".join(error.messages), code="already_closed") from None
        return Response(AgreedActionSerializer(self.get_queryset().get(pk=item.pk)).data)


class CaseNoteSerializer(ReadModelSerializer):
    claimant = serializers.SerializerMethodField()
    author = serializers.SerializerMethodField()

    class Meta:
        model = CaseNote
        fields = ["id", "claimant", "appointment", "author", "text", "created_at"]
        read_only_fields = fields

    @extend_schema_field(PersonSerializer)
    def get_claimant(self, note: CaseNote) -> dict[str, Any]:
        return {"id": note.claimant_id, "name": note.claimant.full_name}

    @extend_schema_field(PersonSerializer)
    def get_author(self, note: CaseNote) -> dict[str, Any]:
        return {"id": note.author_id, "name": note.author.get_full_name()}


class CaseNoteFilter(ApiFilterSet):
    claimant = IdFilter(field_name="claimant_id")
    appointment = IdFilter(field_name="appointment_id")
    written_after = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")

    class Meta:
        model = CaseNote
        fields: list[str] = []


@extend_schema_view(
    list=extend_schema(
        summary="Case notes you may read",
        description="Newest first. Notes are written with an appointment's outcome or contact attempt.",
    ),
    retrieve=extend_schema(summary="A case note"),
)
class CaseNoteViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    queryset = CaseNote.objects.none()
    serializer_class = CaseNoteSerializer
    filterset_class = CaseNoteFilter

    def get_queryset(self) -> QuerySet[CaseNote]:
        _readable(self.request.user)
        return selectors.case_notes_visible_to(self.request.user).order_by("-created_at", "-pk")
