from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from iwp.models import Role

# Service navigation per role: (label, URL name). Items whose page does not exist yet are left out.
NAVIGATION: dict[str, list[tuple[str, str]]] = {
    Role.WORK_COACH: [
        ("My caseload", "claimants:caseload"),
        ("My diary", "appointments:diary"),
        ("IWP offer", "claimants:iwp_offer_list"),
        ("Regime calculator", "claimants:calculator"),
        ("Provision", "provision:offer_list"),
    ],
    Role.TEAM_LEADER: [
        ("Team dashboard", "iwp:team_dashboard"),
        ("Caseloads", "claimants:caseload"),
        ("Flexible Support Fund", "claimants:support_fund_waiting"),
        ("IWP offer", "claimants:iwp_offer_list"),
        ("Regime calculator", "claimants:calculator"),
        ("Provision", "provision:offer_list"),
    ],
    Role.PROGRESSION_LEAD: [
        ("Provision list", "provision:offer_list"),
        ("Regime calculator", "claimants:calculator"),
    ],
    Role.ADMINISTRATOR: [
        ("Administration", "iwp:admin_home"),
        ("Regime calculator", "claimants:calculator"),
        ("Team dashboard", "iwp:team_dashboard"),
    ],
}


def service(request: HttpRequest) -> dict[str, Any]:
    items = []
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        for label, name in NAVIGATION.get(user.effective_role, []):
            try:
                url = reverse(name)
            except NoReverseMatch:
                continue
            items.append({"label": label, "url": url, "active": False})
        # One item is the current page: the longest address the path starts with (a Flexible Support Fund page
        # under /claimants/ is not also "Caseloads").
        current = max(
            (i for i in items if request.path.startswith(i["url"])), key=lambda i: len(i["url"]), default=None
        )
        if current is not None:
            current["active"] = True
    return {
        "service_name": settings.IWP_SERVICE_NAME,
        "service_phase": settings.IWP_PHASE,
        "service_nav": items,
    }
