from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from iwp.access import role_required
from iwp.models import Role


@role_required(Role.PROGRESSION_LEAD, Role.WORK_COACH, Role.ADMINISTRATOR)
def offer_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "iwp/not_built_yet.html",
        {
            "title": "Provision list",
            "issue": 5,
            "what": "your district's provision offers, how fresh each entry is, CSV and Open Referral UK import.",
        },
    )
