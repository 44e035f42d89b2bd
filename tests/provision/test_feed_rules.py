"""Table-driven tests of the pure parts of the feed import: HTML to text, attending types, taxonomy terms,
named people, and matching when facts are not known (issue 12)."""

import datetime as dt

import pytest

from provision import feed_rules, matching
from provision.feed_rules import Term
from provision.html_text import clean_text
from provision.matching import ClaimantFacts, OfferFacts, Slot

B64 = "data:image/png;base64," + "iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB" * 20


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>Debt &amp; money&nbsp;advice</p>", "Debt & money advice"),
        ("<p>One</p><p>Two</p>", "One\n\nTwo"),
        ("Line one<br>line two", "Line one\nline two"),
        ("<ul><li>CV help</li><li>Interviews</li></ul>", "• CV help\n• Interviews"),
        ("<ol><li>Book</li><li>Attend</li></ol>", "1. Book\n2. Attend"),
        ('<p style="color:red">Styled</p><style>p{color:red}</style>', "Styled"),
        ("<p>Hi</p><script>alert('x')</script>", "Hi"),
        (f'<p>Logo<img alt="logo" src="{B64}"></p>', "Logo"),
        (f"Pasted image {B64} end", "Pasted image end"),
        (
            '<section data-block="x"><table style="width:3000px"><tr><td>Mon</td><td>9&ndash;5</td></tr></table></section>',
            "Mon 9–5",
        ),
        ("<p>Caf&eacute; &#8216;drop in&#8217; &lt;free&gt;</p>", "Café ‘drop in’ <free>"),
        ("Plain text\n\n\n\nwith gaps", "Plain text\n\nwith gaps"),
        ("Tom &amp; Jerry", "Tom & Jerry"),
        ("", ""),
    ],
)
def test_html_becomes_plain_structured_text(html, text):
    assert clean_text(html) == text


def test_long_html_stays_text_and_keeps_its_length_order():
    html = "<p>" + "word " * 30_000 + "</p>"
    out = clean_text(html)
    assert "<" not in out and len(out) > 140_000


@pytest.mark.parametrize(
    ("attending_type", "access", "mode", "route", "unmapped"),
    [
        ("Venue", None, "in_person", "unknown", ()),
        ("Phone", None, "phone", "unknown", ()),
        ("telephone", None, "phone", "unknown", ()),
        ("Online", None, "online", "unknown", ()),
        ("Home visit", None, "home_visit", "unknown", ()),
        ("Venue, Online", "Referral", "blended", "direct", ()),
        (["Online", "Phone"], None, "online", "unknown", ()),
        ("Venue", "Drop-in", "in_person", "self", ()),
        (None, "Appointment", "unknown", "self", ()),
        (None, None, "unknown", "unknown", ()),
        ("Carrier pigeon", None, "unknown", "unknown", ("carrier pigeon",)),
        ("Venue", "by magic", "in_person", "unknown", ("by magic",)),
    ],
)
def test_attending_type_and_access_map_to_delivery_and_route(attending_type, access, mode, route, unmapped):
    assert feed_rules.delivery_from_attending(attending_type, access) == (mode, route, unmapped)


@pytest.mark.parametrize(
    ("terms", "category"),
    [
        ([Term("esdServiceTypes", "1", "Adult learning")], "skills_training"),
        ([Term("esdNeeds", "2", "Debt")], "money"),
        ([Term("esdServiceTypes", "3", "English for speakers of other languages")], "esol"),
        ([Term("", "4", "Digital inclusion")], "digital_skills"),
        ([Term("esdServiceTypes", "5", "Reiki training")], None),
        ([Term("esdServiceTypes", "6", "Complementary therapies")], None),
        ([Term("someOtherVocab", "7", "Debt")], None),
        ([Term("esdServiceTypes", "8", "Allotments"), Term("esdNeeds", "9", "Childcare")], "childcare"),
        ([], None),
    ],
)
def test_taxonomy_terms_map_by_table_never_by_keyword(terms, category):
    assert feed_rules.category_from_taxonomy(terms).category == category


def test_reiki_training_is_not_skills_training():
    match = feed_rules.category_from_taxonomy([Term("", "", "Reiki Training")])
    assert match.category is None and match.unmapped == (Term("", "", "Reiki Training"),)


@pytest.mark.parametrize(
    ("name", "email", "person"),
    [
        ("Sarah Jones", "", True),
        ("", "sarah.jones@council.example", True),
        ("", "j.smith@council.example", True),
        ("", "jane_doe2@council.example", True),
        ("Mrs Patel", "", True),
        ("Advice line", "advice@cab.example", False),
        ("Employment Hub enquiries", "", False),
        ("Duty Manager", "", False),
        ("", "employment.support@council.example", False),
        ("", "info@council.example", False),
        ("Reception", "", False),
        ("", "", False),
    ],
)
def test_named_person_contacts_are_recognised(name, email, person):
    assert feed_rules.looks_like_named_person(name, email) is person


@pytest.mark.parametrize(
    ("service", "org", "expected"),
    [
        ({}, {"name": "Leeds Mind"}, ("Leeds Mind", "organisation")),
        ({"organization_name": "Community Transport"}, None, ("Community Transport", "organization_name")),
        ({"url": "https://www.armleyshed.example/about"}, {}, ("armleyshed.example", "url")),
        ({}, None, ("Unknown provider", "none")),
    ],
)
def test_provider_for_a_service_without_an_organisation(service, org, expected):
    assert feed_rules.provider_name_from(service, org) == expected


LEEDS = ClaimantFacts(regime="working_enough", age=36, postcode="LS9 8AG")


@pytest.mark.parametrize(
    ("offer", "checks", "excluded"),
    [
        (OfferFacts(postcode="LS1 3EX"), [], []),
        (OfferFacts(postcode=""), ["Location not known"], []),
        (OfferFacts(delivery_mode="unknown"), ["Location not known (nor whether it is online)"], []),
        (
            OfferFacts(delivery_mode="unknown", postcode="B1 1BB"),
            ["Not known whether it is online; B1 1BB is outside the claimant's area"],
            [],
        ),
        (OfferFacts(delivery_mode="online"), [], []),
        (OfferFacts(delivery_mode="phone"), [], []),
        (OfferFacts(delivery_mode="home_visit"), [], []),
        (OfferFacts(postcode="LS1 3EX", ages_known=False), ["Age limits not known"], []),
        (OfferFacts(postcode="LS1 3EX", cost_known=False), ["Cost not known"], []),
        (OfferFacts(postcode="LS1 3EX", regimes_known=False), ["Regimes it is open to not known"], []),
        (OfferFacts(postcode="LS1 3EX", sessions_known=False), ["Times not known"], []),
        (OfferFacts(postcode="LS1 3EX", sessions_known=False, self_paced=True), [], []),
        (
            OfferFacts(postcode="B1 1BB"),
            [],
            ["Not within reach: B1 1BB is outside the claimant's area (LS) and its neighbours"],
        ),
        (
            OfferFacts(postcode="", regimes=frozenset({"light_touch"}), cost_known=False),
            ["Location not known", "Cost not known"],
            ["Not available to working_enough"],
        ),
    ],
)
def test_unknown_facts_are_checks_never_fits(offer, checks, excluded):
    matcher = matching.ClaimantMatcher(LEEDS)
    assert matcher.reasons(offer) == excluded
    assert matcher.checks(offer) == checks


def test_claimant_without_postcode_is_a_check_not_a_fit():
    offer = OfferFacts(postcode="LS1 3EX", sessions=(Slot(1, dt.time(18), dt.time(20)),))
    assert matching.check_reasons(offer, ClaimantFacts(postcode="")) == [
        "Claimant's postcode not recorded: cannot tell if it is within reach"
    ]
