"""What appointments adds to the progression plan (issue #16), registered from ``AppointmentsConfig.ready``: the
agreed actions serving each step (``AgreedAction.plan_step``), read for the plan in one query, and the page that
links actions to a step. Claimants never imports appointments; it reads these through its link registry."""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse

from appointments import selectors
from appointments.models import ActionStatus
from claimants.progression.links import LinkRegistry, LinkSource, StepLink
from iwp.input.dates import long_date


def _status(action) -> str:
    if action.status == ActionStatus.OPEN:
        overdue = " – overdue" if action.due_on < selectors.local_today() else ""
        return f"open, due {long_date(action.due_on)}{overdue}"
    return action.get_status_display().lower() + (
        f" {long_date(action.completed_on)}" if action.completed_on else ""
    )


def linked_actions(step_ids: Sequence[int]) -> dict[int, list[StepLink]]:
    found: dict[int, list[StepLink]] = {}
    for action in selectors.actions_for_steps(tuple(step_ids)):
        found.setdefault(action.plan_step_id, []).append(
            StepLink(
                kind="Agreed action",
                text=action.description,
                status=_status(action),
                finished=action.status != ActionStatus.OPEN,
            )
        )
    return found


def register(registry: LinkRegistry) -> None:
    registry.add(
        LinkSource(
            key="agreed_actions",
            add_label="Link agreed actions",
            linked=linked_actions,
            add_url=lambda step_id: reverse("appointments:link_actions", args=[step_id]),
            position=10,
        )
    )
