from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from iwp.access import role_required
from iwp.models import Role


@role_required(Role.WORK_COACH, Role.TEAM_LEADER, Role.ADMINISTRATOR)
def caseload(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "iwp/not_built_yet.html",
        {
            "title": "My caseload",
            "issue": 4,
            "what": "the claimants assigned to you, today's appointments, overdue actions and unrecorded outcomes.",
        },
    )
