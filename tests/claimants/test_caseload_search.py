"""Search that finds people (issue #17): the selector for each kind of search, ranking, who may be found (my
caseload, or the whole office with ``scope=office``, never another jobcentre), and the page around it."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from claimants.models import Claimant
from claimants.selectors import CaseloadQuery, caseload_for
from tests.claimants.factories import ClaimantFactory
from tests.factories import JobcentreFactory, TeamFactory, WorkCoachFactory

pytestmark = pytest.mark.django_db


def _mine(coach, first: str, last: str, **kwargs) -> Claimant:
    return ClaimantFactory(jobcentre=coach.jobcentre, coach=coach, first_name=first, last_name=last, **kwargs)


def _found(coach, typed: str, **kwargs) -> list[str]:
    return [c.full_name for c in caseload_for(coach, CaseloadQuery(search=typed, **kwargs))]


def _names(response) -> list[str]:
    assert response.status_code == 200
    html = response.content.decode()
    table = html[html.index('data-testid="caseload"') :]
    return re.findall(r'href="/claimants/\d+/">([^<]+)</a>', table)


@pytest.fixture
def people(work_coach):
    return {
        "helen": _mine(
            work_coach,
            "Helen",
            "King",
            nino="QQ123456C",
            date_of_birth=dt.date(1985, 4, 3),
            postcode="LS1 4AB",
        ),
        "helena": _mine(
            work_coach, "Helena", "Kingsley", date_of_birth=dt.date(1990, 1, 2), postcode="LS12 4AB"
        ),
        "kingston": _mine(work_coach, "Mark", "Kingston", postcode="ls14ab"),
        "other": _mine(work_coach, "Priya", "Raman", nino="JK123456A", postcode="M1 1AE"),
    }


@pytest.mark.parametrize("typed", ["Helen King", "helen king", "King, Helen", "king helen", "HELEN KING"])
def test_a_full_name_in_any_order_or_case_finds_her_first(work_coach, people, typed):
    found = _found(work_coach, typed)
    assert found[0] == "Helen King"
    assert "Priya Raman" not in found and "Mark Kingston" not in found


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("hel kin", {"Helen King", "Helena Kingsley"}),
        ("Kin", {"Helen King", "Helena Kingsley", "Mark Kingston"}),
        ("kingst", {"Mark Kingston"}),
        ("ram pri", {"Priya Raman"}),
        ("zzz", set()),
    ],
)
def test_partial_names_match_word_by_word(work_coach, people, typed, expected):
    assert set(_found(work_coach, typed)) == expected


@pytest.mark.parametrize("typed", ["QQ 12 34 56 C", "qq123456c", "QQ123456", "qq 12 34"])
def test_nino_with_or_without_spaces(work_coach, people, typed):
    assert _found(work_coach, typed) == ["Helen King"]


@pytest.mark.parametrize("typed", ["3/4/1985", "03/04/1985", "3 April 1985", "1985-04-03", "3.4.85"])
def test_date_of_birth_as_typed(work_coach, people, typed):
    assert _found(work_coach, typed) == ["Helen King"]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("LS1 4AB", {"Helen King", "Mark Kingston"}),  # "ls14ab" was stored as typed
        ("ls14ab", {"Helen King", "Mark Kingston"}),
        ("LS1", {"Helen King", "Mark Kingston"}),  # the outward code, not LS12
        ("ls12", {"Helena Kingsley"}),
        ("m1 1ae", {"Priya Raman"}),
    ],
)
def test_postcode_with_or_without_space_or_case(work_coach, people, typed, expected):
    assert set(_found(work_coach, typed)) == expected


def test_an_impossible_date_finds_nobody_and_does_not_fail(work_coach, people, coach_client):
    assert _found(work_coach, "31/02/1985") == []
    response = coach_client.get(reverse("claimants:caseload"), {"q": "31/02/1985"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html and "is not a real date" in html
    assert 'aria-describedby="q-hint q-error"' in html and 'id="q-error"' in html


def test_ranking_exact_name_first_then_closest_then_by_name(work_coach):
    # All four contain "king" and "helen"; only one is exactly Helen King.
    _mine(work_coach, "Helena", "Kingsbury-Wetherington")
    _mine(work_coach, "Helen", "Kingsley")
    _mine(work_coach, "Helen", "King")
    _mine(work_coach, "Helene", "Kingsley")
    found = _found(work_coach, "king helen")
    assert found[0] == "Helen King"
    # Closest next: "Helen Kingsley" shares more trigrams than "Helene Kingsley", the long name comes last.
    assert found[1:] == ["Helen Kingsley", "Helene Kingsley", "Helena Kingsbury-Wetherington"]


def test_a_chosen_sort_order_keeps_the_same_matches(work_coach, people):
    by_regime = caseload_for(work_coach, CaseloadQuery(search="kin", sort="regime"))
    assert {c.full_name for c in by_regime} == {"Helen King", "Helena Kingsley", "Mark Kingston"}


@pytest.fixture
def colleagues(work_coach):
    """A colleague in the same jobcentre (other team) and a coach in another jobcentre, each with a Helen King."""
    colleague = WorkCoachFactory(team=TeamFactory(jobcentre=work_coach.jobcentre))
    elsewhere = WorkCoachFactory(team=TeamFactory(jobcentre=JobcentreFactory()))
    return {
        "colleague": _mine(colleague, "Helen", "King", postcode="LS2 7UE"),
        "elsewhere": _mine(elsewhere, "Helen", "King", postcode="LS2 7UE"),
        "unassigned": ClaimantFactory(
            jobcentre=work_coach.jobcentre, coach=None, first_name="Helen", last_name="King"
        ),
    }


def test_a_coach_searches_their_own_caseload_unless_they_ask_for_the_whole_office(work_coach, colleagues):
    assert _found(work_coach, "helen king") == []
    office = caseload_for(work_coach, CaseloadQuery(search="helen king", whole_office=True))
    assert {c.pk for c in office} == {colleagues["colleague"].pk, colleagues["unassigned"].pk}
    # Never another jobcentre's claimant, whatever the scope.
    assert colleagues["elsewhere"].pk not in {c.pk for c in office}
    everyone = caseload_for(work_coach, CaseloadQuery(whole_office=True))
    assert colleagues["elsewhere"].pk not in {c.pk for c in everyone}


def test_the_page_says_why_nothing_matched_and_offers_the_whole_office(coach_client, work_coach, colleagues):
    response = coach_client.get(reverse("claimants:caseload"), {"q": "helen king", "show": "cycling"})
    html = response.content.decode()
    assert _names(response) == []
    assert escape("No claimants in your caseload match “helen king”.") in html
    link = re.search(r'<a class="govuk-link" href="([^"]+)" data-testid="office-search">([^<]+)</a>', html)
    assert link and link[2] == escape("Search the whole office for “helen king”")
    # The office link repeats the same search and filters, over the whole office.
    href = link[1].replace("&amp;", "&")
    assert "scope=office" in href and "q=helen+king" in href and "show=cycling" in href
    office = coach_client.get(reverse("claimants:caseload") + href)
    assert _names(office) == []  # nobody is cycling
    office = coach_client.get(reverse("claimants:caseload"), {"q": "helen king", "scope": "office"})
    office_html = office.content.decode()
    assert _names(office) == ["Helen King", "Helen King"]
    assert "Coach: " in office_html  # whose claimant each is
    assert 'name="scope" value="office"' in office_html  # a new search stays in the office
    assert 'data-testid="office-search"' not in office_html
    nobody = coach_client.get(
        reverse("claimants:caseload"), {"q": "zebedee", "scope": "office"}
    ).content.decode()
    assert escape(f"No claimants in {work_coach.jobcentre.name} match “zebedee”.") in nobody


def test_a_coach_sees_the_office_link_beside_results_too(coach_client, work_coach, colleagues):
    _mine(work_coach, "Helen", "Kingdom")
    html = coach_client.get(reverse("claimants:caseload"), {"q": "helen king"}).content.decode()
    assert "Coach: " not in html  # only their own claimants: no coach column
    assert 'data-testid="office-search"' in html


def test_team_leaders_search_their_scope_without_an_office_link(leader_client, work_coach, colleagues):
    response = leader_client.get(reverse("claimants:caseload"), {"q": "King, Helen"})
    assert _names(response) == ["Helen King", "Helen King"]
    assert 'data-testid="office-search"' not in response.content.decode()


def test_selected_filters_are_tags_that_each_remove_one_filter(coach_client, work_coach, people):
    params = {"q": "kin", "show": ["cycling", "review_due"], "iwp": "invited", "sort": "regime", "page": "1"}
    html = coach_client.get(reverse("claimants:caseload"), params).content.decode()
    selected = html[html.index('data-testid="selected-filters"') :]
    tags = {
        label.strip(): href.replace("&amp;", "&")
        for href, label in re.findall(
            r'<a class="moj-filter__tag" href="([^"]+)"><span class="govuk-visually-hidden">Remove this filter</span>'
            r"([^<]+)</a>",
            selected,
        )
    }
    assert set(tags) == {escape("“kin”"), "Regime cycling", "Commitment review due", "Invited"}
    assert tags["Regime cycling"] == "?q=kin&show=review_due&iwp=invited&sort=regime"
    assert tags["Invited"] == "?q=kin&show=cycling&show=review_due&sort=regime"
    assert tags[escape("“kin”")] == "?show=cycling&show=review_due&iwp=invited&sort=regime"
    assert f'href="{reverse("claimants:caseload")}">Clear filters</a>' in selected
    # Unknown values are ignored by the page, so they are not shown as if applied.
    plain = coach_client.get(
        reverse("claimants:caseload"), {"show": "no-such", "iwp": "bogus"}
    ).content.decode()
    assert 'data-testid="selected-filters"' not in plain


def test_the_filter_panel_markup_is_the_moj_filter(coach_client, work_coach):
    html = coach_client.get(reverse("claimants:caseload")).content.decode()
    assert html.count("<main") == 1
    assert 'class="moj-filter-layout__filter" data-module="moj-filter"' in html
    assert 'class="moj-action-bar__filter"' in html  # where the "Show filter" button goes
    assert '<details class="govuk-details">' in html  # the "Show only" lists start collapsed
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "duplicate ids"
    for target in re.findall(r'aria-(?:controls|describedby)="([^"]+)"', html):
        for one in target.split():
            assert one in ids
    inputs = re.findall(r"<(?:input|select)\b[^>]*>", html)
    for tag in inputs:
        if 'type="hidden"' in tag:
            continue
        field_id = re.search(r'\sid="([^"]+)"', tag)
        assert field_id and f'for="{field_id[1]}"' in html, tag


def test_a_search_keeps_the_page_to_constant_queries(coach_client, work_coach):
    def count(params):
        with CaptureQueriesContext(connection) as ctx:
            assert coach_client.get(reverse("claimants:caseload"), params).status_code == 200
        return len(ctx.captured_queries)

    # Every search finds someone from the start: an empty page skips the list's query, which is not growth.
    _mine(
        work_coach, "Helen", "King", nino="QQ123456C", date_of_birth=dt.date(1985, 4, 3), postcode="LS1 4AB"
    )
    plain = count({})
    searches = [{"q": "helen king"}, {"q": "QQ 12 34 56 C"}, {"q": "3/4/1985"}, {"q": "LS1"}]
    small = [count(p) for p in searches]
    office = count({"q": "helen king", "scope": "office"})
    for i in range(12):
        _mine(work_coach, "Helen", f"King{i:02d}", date_of_birth=dt.date(1985, 4, 3), postcode="LS1 4AB")
    assert [count(p) for p in searches] == small
    assert count({"q": "helen king", "scope": "office"}) == office
    assert small == [plain] * len(searches)  # the search adds no query to the page


def test_the_sqlite_fallback_matches_like_postgresql_for_plain_names(work_coach, people):
    # The condition is plain LIKEs on the generated "first last" column; on SQLite the same filter runs without
    # the trigram index and without similarity ranking. Check the condition alone gives the same set here.
    from claimants.record.search import parse_search
    from claimants.selectors import search_condition

    for typed in ("helen king", "King, Helen", "hel kin", "Kin"):
        by_condition = set(
            Claimant.objects.filter(coach=work_coach)
            .filter(search_condition(parse_search(typed)))
            .values_list("first_name", "last_name")
        )
        by_page = {tuple(name.split(" ", 1)) for name in _found(work_coach, typed)}
        assert by_condition == by_page
