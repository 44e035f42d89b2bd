"""The check behind "a number on the dashboard always leads to the work": every linked figure on a dashboard page
equals the length of the caseload list it links to. Shared by the dashboard tests."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse


def figures_match_lists(client: Client, params: dict[str, Any] | None = None) -> int:
    """Open the dashboard (``params``: e.g. ``{"coach": pk}``), follow every linked figure of the tiles and of
    the coach/team table (every column) and assert each equals the number of claimants its list holds. Returns
    the number of figures checked."""
    page = client.get(reverse("iwp:team_dashboard"), {**(params or {}), "columns": "all"})
    assert page.status_code == 200
    checked = 0
    cells = [
        (item["label"], item["value"], item["url"])
        for tile in page.context["tiles"]
        for item in tile["items"]
        if "url" in item
    ]
    for row in page.context["coach_rows"]:
        cells += [
            (f"{row['row'].coach} column {n}", c["value"], c["url"]) for n, c in enumerate(row["cells"])
        ]
    for label, value, url in cells:
        listing = client.get(url)
        assert listing.status_code == 200, label
        assert listing.context["page"].paginator.count == value, (label, value, url)
        checked += 1
    return checked


def figure(client: Client, key: str, **params: Any) -> int:
    """One figure (by its key, without the period) of the dashboard asked for."""
    page = client.get(reverse("iwp:team_dashboard"), params)
    return next(i["value"] for t in page.context["tiles"] for i in t["items"] if i["key"] == key)
