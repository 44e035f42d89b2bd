"""Teams, absences and bulk reassignment over REST (issue #15), for team leaders and administrators.

Thin: ``iwp.dashboards.selectors`` decide which teams a leader may see (their own; a district leader's district;
an administrator's every team; anyone else 403), ``iwp.dashboards.services`` write and audit (absence with cover
moves the coach's booked appointments to the colleague covering; a reassignment moves claimants with their
history and a handover summary).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from iwp.access import require_role
from iwp.api import (
    ApiFilterSet,
    ApiViewSet,
    IdFilter,
    JsonCharField,
    JsonChoiceField,
    JsonIntegerField,
    RangedDateField,
    ReadModelSerializer,
    StrictBooleanFilter,
    validated,
)
from iwp.api_schema import errors
from iwp.dashboards.selectors import dashboard_teams, team_members
from iwp.dashboards.services import (
    MAX_REASSIGN,
    claimants_bulk_reassign,
    coach_absence_record,
    coaches_managed_by,
    team_add_member,
)
from iwp.input import dates
from iwp.models import AbsenceKind, CoachAbsence, Role, StaffMember, Team


class TeamSerializer(ReadModelSerializer):
    jobcentre = JsonCharField(source="jobcentre.name")

    class Meta:
        model = Team
        fields = ["id", "name", "jobcentre_id", "jobcentre", "target_caseload"]
        read_only_fields = fields


class AbsenceSerializer(ReadModelSerializer):
    coach_name = JsonCharField(source="coach.get_full_name")
    covered_by_name = JsonCharField(source="covered_by.get_full_name", allow_null=True, default=None)

    class Meta:
        model = CoachAbsence
        fields = [
            "id",
            "coach",
            "coach_name",
            "kind",
            "starts_on",
            "ends_on",
            "covered_by",
            "covered_by_name",
            "note",
            "recorded_at",
        ]
        read_only_fields = fields


class TodaysAbsenceSerializer(ReadModelSerializer):
    covered_by_name = JsonCharField(source="covered_by.get_full_name", allow_null=True, default=None)

    class Meta:
        model = CoachAbsence
        fields = ["id", "kind", "starts_on", "ends_on", "covered_by", "covered_by_name", "note"]
        read_only_fields = fields


class MemberSerializer(serializers.Serializer):
    id = JsonIntegerField(source="coach.pk")
    name = JsonCharField(source="coach.get_full_name")
    claimants = JsonIntegerField(help_text="Claimants on their caseload.")
    absence = TodaysAbsenceSerializer(allow_null=True, help_text="Away today: the absence, else null.")


class TeamDetailSerializer(TeamSerializer):
    members = MemberSerializer(many=True, source="member_rows")

    class Meta(TeamSerializer.Meta):
        fields = [*TeamSerializer.Meta.fields, "members"]
        read_only_fields = fields


class AddMemberSerializer(serializers.Serializer):
    coach = JsonIntegerField(min_value=1, help_text="A work coach of the team's jobcentre.")


@extend_schema_view(
    list=extend_schema(
        summary="Teams you lead",
        description="A team leader's team (a district leader's district, an administrator's every team).",
    ),
    retrieve=extend_schema(summary="A team with its work coaches, caseloads and today's absences"),
)
class TeamViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    queryset = Team.objects.none()

    def get_queryset(self) -> QuerySet[Team]:
        return dashboard_teams(self.request.user).order_by("jobcentre__name", "name", "pk")

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return TeamSerializer if self.action == "list" else TeamDetailSerializer

    def retrieve(self, request: Request, pk: str) -> Response:
        team = self.get_object()
        team.member_rows = team_members(team)
        return Response(TeamDetailSerializer(team).data)

    @extend_schema(
        summary="Move a work coach into this team",
        description="From another team of the same jobcentre; you must lead this team or the coach's.",
        request=AddMemberSerializer,
        responses={200: TeamDetailSerializer},
    )
    @action(detail=True, methods=["post"])
    def members(self, request: Request, pk: str) -> Response:
        team = self.get_object()
        data = validated(AddMemberSerializer, request.data)
        coach = StaffMember.objects.select_related("team").filter(pk=data["coach"]).first()
        if coach is None:
            raise serializers.ValidationError({"coach": ["Choose a work coach from this jobcentre."]})
        team_add_member(coach=coach, team=team, actor=request.user)
        team.member_rows = team_members(team)
        return Response(TeamDetailSerializer(team).data)


class AbsenceInputSerializer(serializers.Serializer):
    coach = JsonIntegerField(min_value=1, help_text="A work coach in a team you lead.")
    kind = JsonChoiceField(AbsenceKind.choices)
    starts_on = RangedDateField(date_range=dates.ABSENCE_START)
    ends_on = serializers.DateField(
        help_text="The last day away (inclusive); at most 12 months after the first."
    )
    covered_by = JsonIntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        default=None,
        help_text="A colleague in the same jobcentre, at work throughout: the coach's booked appointments move to them.",
    )
    note = JsonCharField(max_length=200, required=False, allow_blank=True, default="")


class AbsenceResultSerializer(AbsenceSerializer):
    appointments_moved = serializers.ListField(
        child=JsonIntegerField(), help_text="Ids of the appointments moved to the colleague covering."
    )

    class Meta(AbsenceSerializer.Meta):
        fields = [*AbsenceSerializer.Meta.fields, "appointments_moved"]
        read_only_fields = fields


class AbsenceFilter(ApiFilterSet):
    coach = IdFilter(field_name="coach_id")
    kind = filters.ChoiceFilter(choices=AbsenceKind.choices)
    current = StrictBooleanFilter(method="filter_current", help_text="Not yet over (ending today or later).")

    class Meta:
        model = CoachAbsence
        fields: list[str] = []

    def filter_current(self, queryset: QuerySet[CoachAbsence], name: str, value: bool) -> QuerySet:
        today = timezone.localdate()
        return queryset.filter(ends_on__gte=today) if value else queryset.filter(ends_on__lt=today)


@extend_schema_view(
    list=extend_schema(summary="Absences of the coaches in teams you lead", description="Latest first.")
)
class AbsenceViewSet(mixins.ListModelMixin, ApiViewSet):
    queryset = CoachAbsence.objects.none()
    serializer_class = AbsenceSerializer
    filterset_class = AbsenceFilter

    def get_queryset(self) -> QuerySet[CoachAbsence]:
        return (
            CoachAbsence.objects.filter(coach__team__in=dashboard_teams(self.request.user))
            .select_related("coach", "covered_by")
            .order_by("-starts_on", "-pk")
        )

    @extend_schema(
        summary="Record a coach's absence (with cover)",
        request=AbsenceInputSerializer,
        responses={201: AbsenceResultSerializer, **errors(404)},
        examples=[
            OpenApiExample(
                "A week's leave, covered",
                request_only=True,
                value={
                    "coach": 12,
                    "kind": "holiday",
                    "starts_on": "2026-12-21",
                    "ends_on": "2026-12-24",
                    "covered_by": 13,
                },
            )
        ],
    )
    def create(self, request: Request) -> Response:
        managed = coaches_managed_by(request.user)
        data = validated(AbsenceInputSerializer, request.data)
        coach = managed.filter(pk=data["coach"]).first()
        if coach is None:
            raise NotFound("No such work coach in a team you lead.")
        covered_by = None
        if data["covered_by"] is not None:
            covered_by = StaffMember.objects.filter(pk=data["covered_by"]).first()
            if covered_by is None:
                raise serializers.ValidationError({"covered_by": ["Choose a colleague in a team you lead."]})
        absence, moved = coach_absence_record(
            coach=coach,
            kind=data["kind"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            covered_by=covered_by,
            note=data["note"],
            actor=request.user,
        )
        absence.appointments_moved = moved
        return Response(AbsenceResultSerializer(absence).data, status=status.HTTP_201_CREATED)


class ReassignmentSerializer(serializers.Serializer):
    claimants = serializers.ListField(
        child=JsonIntegerField(min_value=1),
        min_length=1,
        max_length=MAX_REASSIGN,
        help_text=f"The claimants' ids (at most {MAX_REASSIGN}): all in teams you lead, or none moves.",
    )
    to_coach = JsonIntegerField(min_value=1, help_text="A work coach in a team you lead.")
    reason = JsonCharField(max_length=200, required=False, allow_blank=True, default="")
    handover_note = JsonCharField(max_length=2000, required=False, allow_blank=True, default="")


class ReassignmentResultSerializer(serializers.Serializer):
    moved = JsonIntegerField()
    to_coach = JsonIntegerField()


class ReassignmentView(APIView):
    """Move claimants to another coach in one go (all or nothing)."""

    @extend_schema(
        summary="Move claimants to another work coach (bulk, all or nothing)",
        description="Each keeps their history and gets a handover summary; one claimant outside the teams you "
        "lead refuses the whole move (403).",
        request=ReassignmentSerializer,
        responses={200: ReassignmentResultSerializer},
        tags=["teams"],
    )
    def post(self, request: Request) -> Response:
        # Before the body is read: a role that leads no team is refused (403), not told what to type (400).
        require_role(
            request.user, Role.TEAM_LEADER, Role.ADMINISTRATOR, message="Only team leaders move claimants."
        )
        data = validated(ReassignmentSerializer, request.data)
        to_coach = coaches_managed_by(request.user).filter(pk=data["to_coach"]).first()
        if to_coach is None:
            raise serializers.ValidationError({"to_coach": ["Choose a work coach in a team you lead."]})
        result = claimants_bulk_reassign(
            claimant_ids=data["claimants"],
            to_coach=to_coach,
            actor=request.user,
            reason=data["reason"],
            handover_note=data["handover_note"],
        )
        return Response({"moved": result.moved, "to_coach": result.to_coach.pk})
