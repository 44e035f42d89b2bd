"""The claimant commitment over REST (issue #15): versions, the draft (start, save, discard), issue, acceptance.

Thin: ``claimants.commitments.services`` write (each guarded by the version's ``lock_version``: send the one you
read; a stale one is a 409 and nothing is saved), ``claimants.commitments.selectors`` read. Who may: work coaches,
team leaders and administrators, for the claimants they may see — as on the commitment pages.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from claimants.commitments.rules import CommitmentDraftExists, CommitmentError, ItemChange, unpack_reason
from claimants.commitments.selectors import _with_items, commitments_annotated
from claimants.commitments.services import (
    commitment_discard_draft,
    commitment_issue,
    commitment_record_acceptance,
    commitment_save_draft,
    commitment_start_draft,
)
from claimants.models import ClaimantCommitment, CommitmentItem, ExpectedHoursReason
from claimants.record.api import ClaimantScoped
from iwp.api import (
    ApiViewSet,
    JsonBooleanField,
    JsonCharField,
    JsonChoiceField,
    JsonDecimalField,
    JsonIntegerField,
    ReadModelSerializer,
    conflict,
    validated,
)
from iwp.api_schema import errors

CLAIMANT_ID = OpenApiParameter("claimant_id", int, OpenApiParameter.PATH, description="The claimant's id.")
VERSION = OpenApiParameter("version", int, OpenApiParameter.PATH, description="The version number (from 1).")


class CommitmentItemSerializer(ReadModelSerializer):
    class Meta:
        model = CommitmentItem
        fields = ["id", "side", "text", "by_date", "done_on"]
        read_only_fields = fields


class CommitmentSerializer(ReadModelSerializer):
    is_overdue = JsonBooleanField(help_text="Issued and not accepted by the accept-by date.")
    expected_hours_reason = serializers.SerializerMethodField(
        help_text="Why fewer than 35 hours: a reason code."
    )
    expected_hours_detail = serializers.SerializerMethodField(help_text="The reason in the coach's words.")
    items = CommitmentItemSerializer(many=True)

    class Meta:
        model = ClaimantCommitment
        fields = [
            "id",
            "version",
            "status",
            "is_overdue",
            "expected_hours",
            "expected_hours_reason",
            "expected_hours_detail",
            "work_search_hours",
            "requirements",
            "easements_note",
            "issued_at",
            "accept_by",
            "accepted_at",
            "review_due",
            "created_at",
            "lock_version",
            "items",
        ]
        read_only_fields = fields

    def get_expected_hours_reason(self, commitment: ClaimantCommitment) -> str:
        return unpack_reason(commitment.expected_hours_reason)[0]

    def get_expected_hours_detail(self, commitment: ClaimantCommitment) -> str:
        return unpack_reason(commitment.expected_hours_reason)[1]


class LockSerializer(serializers.Serializer):
    lock_version = JsonIntegerField(
        min_value=0, help_text="The `lock_version` you read: if it has moved on, nothing is saved (409)."
    )


class IssueSerializer(LockSerializer):
    review_due = serializers.DateField(required=False, allow_null=True, default=None)


class ItemChangeSerializer(serializers.Serializer):
    id = JsonIntegerField(min_value=1, required=False, allow_null=True, default=None)
    side = JsonChoiceField(CommitmentItem.Side.choices)
    text = JsonCharField(max_length=300, allow_blank=True, default="")
    by_date = serializers.DateField(required=False, allow_null=True, default=None)
    remove = JsonBooleanField(default=False)


class DraftSerializer(LockSerializer):
    expected_hours = JsonDecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=168)
    expected_hours_reason = JsonChoiceField(
        [("", "Not reduced"), *ExpectedHoursReason.choices], required=False, allow_blank=True, default=""
    )
    expected_hours_detail = JsonCharField(max_length=150, required=False, allow_blank=True, default="")
    work_search_hours = JsonDecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=168)
    requirements = JsonCharField(max_length=10000)
    easements_note = JsonCharField(max_length=5000, required=False, allow_blank=True, default="")
    review_due = serializers.DateField(required=False, allow_null=True, default=None)
    items = ItemChangeSerializer(
        many=True,
        required=False,
        default=list,
        max_length=100,
        help_text="Changes to the lines: with `id` a line is changed (or removed with `remove`), without one it "
        "is added; lines not listed stay as they are.",
    )


def _refused(error: CommitmentError) -> Exception:
    code = {
        "CommitmentConflict": "changed_meanwhile",
        "CommitmentNotEditable": "not_editable",
        "CommitmentDraftExists": "draft_exists",
    }.get(type(error).__name__, "conflict")
    return conflict(error.message, code=code)


@extend_schema(parameters=[CLAIMANT_ID], tags=["claimants"])
@extend_schema_view(
    list=extend_schema(
        summary="A claimant's commitment versions",
        description="Newest first: a draft, the version in force (issued or accepted) and the superseded ones.",
    ),
    retrieve=extend_schema(summary="One version of the claimant commitment", parameters=[VERSION]),
)
class CommitmentViewSet(ClaimantScoped, mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    queryset = ClaimantCommitment.objects.none()
    serializer_class = CommitmentSerializer
    lookup_field = "version"
    lookup_url_kwarg = "version"
    http_method_names = ["get", "post", "put", "head", "options"]

    def get_queryset(self) -> QuerySet[ClaimantCommitment]:
        return _with_items(commitments_annotated()).filter(claimant=self.claimant()).order_by("-version")

    def _version(self, pk: int) -> Response:
        return Response(CommitmentSerializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(
        summary="Start a new version (a draft)",
        description="A draft beside the version in force, copying its terms and open lines (a first commitment "
        "starts from the claimant's expected hours). 409 if a draft is already in progress.",
        request=None,
        responses={201: CommitmentSerializer, **errors(409)},
    )
    def create(self, request: Request, claimant_id: str) -> Response:
        try:
            draft = commitment_start_draft(claimant=self.claimant(edit=True), actor=request.user)
        except CommitmentDraftExists as exists:
            raise _refused(exists) from None
        response = self._version(draft.pk)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(
        summary="Save the draft",
        description="The terms and the lines together, or nothing. Only a draft can be changed (409 otherwise).",
        parameters=[VERSION],
        request=DraftSerializer,
        responses={200: CommitmentSerializer, **errors(409)},
        examples=[
            OpenApiExample(
                "Terms and a line",
                request_only=True,
                value={
                    "lock_version": 0,
                    "expected_hours": "25.00",
                    "expected_hours_reason": "caring",
                    "work_search_hours": "5.00",
                    "requirements": "Look for more hours with your employer.",
                    "items": [{"side": "claimant", "text": "Ask about more hours", "by_date": "2026-12-20"}],
                },
            )
        ],
    )
    def update(self, request: Request, claimant_id: str, version: str) -> Response:
        self.claimant(edit=True)  # may_edit: 403 for a claimant one may read but not change
        commitment = self.get_object()
        data = validated(DraftSerializer, request.data)
        try:
            commitment_save_draft(
                commitment=commitment,
                lock_version=data["lock_version"],
                actor=request.user,
                expected_hours=data["expected_hours"],
                reason_code=data["expected_hours_reason"],
                reason_detail=data["expected_hours_detail"],
                work_search_hours=data["work_search_hours"],
                requirements=data["requirements"],
                easements_note=data["easements_note"],
                review_due=data["review_due"],
                items=[
                    ItemChange(
                        side=item["side"],
                        text=item["text"],
                        by_date=item["by_date"],
                        item_id=item["id"],
                        remove=item["remove"],
                    )
                    for item in data["items"]
                ],
            )
        except CommitmentError as error:
            raise _refused(error) from None
        return self._version(commitment.pk)

    def _act(self, serializer_class: type[serializers.Serializer], run: Any) -> Response:
        self.claimant(edit=True)  # may_edit: 403 for a claimant one may read but not change
        commitment = self.get_object()
        data = validated(serializer_class, self.request.data)
        try:
            run(commitment, data)
        except CommitmentError as error:
            raise _refused(error) from None
        return commitment

    @extend_schema(
        summary="Issue the draft",
        description="The claimant has 7 days to accept; review in 3 months unless a date is given. The version in "
        "force is superseded; the claimant's expected hours follow the commitment from the current assessment "
        "period (the regime is recalculated).",
        parameters=[VERSION],
        request=IssueSerializer,
        responses={200: CommitmentSerializer, **errors(409)},
    )
    @action(detail=True, methods=["post"])
    def issue(self, request: Request, claimant_id: str, version: str) -> Response:
        commitment = self._act(
            IssueSerializer,
            lambda c, d: commitment_issue(
                commitment=c, lock_version=d["lock_version"], actor=request.user, review_due=d["review_due"]
            ),
        )
        return self._version(commitment.pk)

    @extend_schema(
        summary="Record the claimant's acceptance",
        parameters=[VERSION],
        request=LockSerializer,
        responses={200: CommitmentSerializer, **errors(409)},
    )
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, claimant_id: str, version: str) -> Response:
        commitment = self._act(
            LockSerializer,
            lambda c, d: commitment_record_acceptance(
                commitment=c, lock_version=d["lock_version"], actor=request.user
            ),
        )
        return self._version(commitment.pk)

    @extend_schema(
        summary="Discard the draft",
        description="The draft and its lines go; the version in force is untouched.",
        parameters=[VERSION],
        request=LockSerializer,
        responses={204: None, **errors(409)},
    )
    @action(detail=True, methods=["post"])
    def discard(self, request: Request, claimant_id: str, version: str) -> Response:
        self._act(
            LockSerializer,
            lambda c, d: commitment_discard_draft(
                commitment=c, lock_version=d["lock_version"], actor=request.user
            ),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


__all__ = ["CommitmentViewSet", "NotFound"]
