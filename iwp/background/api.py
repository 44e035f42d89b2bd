"""Background jobs over REST (issue #15): their progress, for whoever started them and for administrators (as on
the job's page), and resuming a failed or stalled one (administrators)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from iwp.access import require_role
from iwp.api import (
    ApiFilterSet,
    ApiViewSet,
    JsonBooleanField,
    JsonCharField,
    JsonIntegerField,
    ReadModelSerializer,
    conflict,
)
from iwp.api_schema import errors
from iwp.background.jobs import ResumeRefused, job_can_resume, job_resume, jobs_visible_to
from iwp.models import BackgroundJob, BackgroundJobState, Role


class JobEventSerializer(serializers.Serializer):
    at = JsonCharField(help_text="ISO date and time.")
    what = JsonCharField()


class JobSerializer(ReadModelSerializer):
    percent = JsonIntegerField(help_text="Done, as a whole percentage of the total.")
    finished = JsonBooleanField()
    stalled = JsonBooleanField(source="is_stalled", help_text="Running, but no progress for a while.")
    events = serializers.SerializerMethodField(help_text="What happened to the job, when (resumed, failed…).")

    class Meta:
        model = BackgroundJob
        fields = [
            "id",
            "kind",
            "description",
            "state",
            "total",
            "done",
            "percent",
            "finished",
            "stalled",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "heartbeat_at",
            "events",
        ]
        read_only_fields = fields

    @extend_schema_field(JobEventSerializer(many=True))
    def get_events(self, job: BackgroundJob) -> list[dict[str, Any]]:
        events = (job.result or {}).get("events", []) if isinstance(job.result, dict) else []
        return [
            {"at": str(e.get("at", "")), "what": str(e.get("what", ""))}
            for e in events
            if isinstance(e, dict)
        ]


class JobFilter(ApiFilterSet):
    state = filters.ChoiceFilter(choices=BackgroundJobState.choices)
    kind = filters.CharFilter(max_length=60)

    class Meta:
        model = BackgroundJob
        fields: list[str] = []


@extend_schema_view(
    list=extend_schema(
        summary="Background jobs you may follow",
        description="The jobs you started (administrators: every job), newest first.",
    ),
    retrieve=extend_schema(summary="A job's progress"),
)
class JobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    queryset = BackgroundJob.objects.none()
    serializer_class = JobSerializer
    filterset_class = JobFilter

    def get_queryset(self) -> QuerySet[BackgroundJob]:
        return jobs_visible_to(self.request.user).order_by("-created_at", "-pk")

    @extend_schema(
        summary="Resume a failed or stalled job (administrators)",
        description="The parts already done are kept; the rest are sent again. 409 if this job cannot be resumed.",
        request=None,
        responses={200: JobSerializer, **errors(409)},
    )
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: str) -> Response:
        require_role(request.user, Role.ADMINISTRATOR, message="Only administrators resume jobs.")
        job = self.get_object()
        if not (job_can_resume(job) and (job.state == BackgroundJobState.FAILED or job.is_stalled)):
            raise conflict(
                "This job cannot be resumed: it has finished, or is still making progress.",
                code="not_resumable",
            )
        try:
            job_resume(job_id=job.pk, actor=request.user)
        except ResumeRefused as refused:
            raise conflict(f"This job has not been resumed. {refused}", code="resume_refused") from refused
        return Response(JobSerializer(self.get_queryset().get(pk=job.pk)).data)
