"""What a coach types into the caseload search box, read as name words, NINO, date of birth or postcode
(claimants/record/search.py: pure, so these run without a database)."""

from datetime import date

import pytest

from claimants.record.search import ParsedSearch, parse_date, parse_search

TODAY = date(2026, 12, 6)


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("Helen King", ("helen", "king")),
        ("helen king", ("helen", "king")),
        ("King, Helen", ("king", "helen")),
        ("king helen", ("king", "helen")),
        ("  HELEN   KING ", ("helen", "king")),
        ("hel kin", ("hel", "kin")),
        ("Kin", ("kin",)),
        ("O'Brien", ("o'brien",)),
        ("Smith-Jones", ("smith-jones",)),
        ("King; Helen.", ("king", "helen")),
        ("a b c d e f g h", ("a", "b", "c", "d", "e", "f")),  # at most six words
    ],
)
def test_names_are_lower_case_words_in_the_order_typed(typed, words):
    parsed = parse_search(typed, today=TODAY)
    assert parsed.words == words
    assert (parsed.nino, parsed.date_of_birth, parsed.postcode, parsed.problem) == ("", None, "", "")


def test_two_or_more_words_give_the_exact_names_either_way_round():
    assert parse_search("King, Helen").exact_names == ("king helen", "helen king")
    assert parse_search("Kin").exact_names == ()


@pytest.mark.parametrize(
    ("typed", "nino"),
    [
        ("QQ 12 34 56 C", "QQ123456C"),
        ("qq123456c", "QQ123456C"),
        ("QQ123456", "QQ123456"),  # no suffix: the start of a number
        ("jk 12 34", "JK1234"),
    ],
)
def test_ninos_with_or_without_spaces(typed, nino):
    parsed = parse_search(typed, today=TODAY)
    assert parsed.nino == nino
    assert parsed.words == ()


@pytest.mark.parametrize(
    "typed",
    [
        "3/4/1985",
        "03/04/1985",
        "3-4-1985",
        "3.4.85",
        "03 04 1985",
        "03041985",
        "3 April 1985",
        "3 apr 1985",
        "3rd April 1985",
        "1985-04-03",
    ],
)
def test_dates_of_birth_as_coaches_type_them_day_first(typed):
    parsed = parse_search(typed, today=TODAY)
    assert parsed.date_of_birth == date(1985, 4, 3)
    assert (parsed.words, parsed.nino, parsed.problem) == ((), "", "")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("1/1/01", date(2001, 1, 1)), ("1/1/26", date(2026, 1, 1)), ("1/1/27", date(1927, 1, 1))],
)
def test_two_digit_years_are_the_latest_not_in_the_future(typed, expected):
    assert parse_date(typed, today=TODAY) == expected


@pytest.mark.parametrize(
    "typed", ["31/02/1985", "29/2/2023", "1/13/1985", "0/4/1985", "31 June 1990", "1985-02-30"]
)
def test_impossible_dates_are_a_problem_to_show_not_an_error(typed):
    parsed = parse_search(typed, today=TODAY)
    assert parsed.problem.startswith(f"“{typed}” is not a real date")
    assert parsed.date_of_birth is None and parsed.words == ()


@pytest.mark.parametrize(
    ("typed", "postcode", "outward"),
    [
        ("LS1 4AB", "LS14AB", ""),
        ("ls14ab", "LS14AB", ""),
        ("sw1a 1aa", "SW1A1AA", ""),
        ("M1 1AE", "M11AE", ""),
        ("LS1", "", "LS1"),
        ("m1", "", "M1"),
    ],
)
def test_postcodes_with_or_without_space_or_capitals(typed, postcode, outward):
    parsed = parse_search(typed, today=TODAY)
    assert (parsed.postcode, parsed.outward_code) == (postcode, outward)
    assert parsed.words == ()


def test_an_outward_code_that_could_start_a_nino_is_looked_up_as_both():
    assert parse_search("LS12") == ParsedSearch(text="LS12", nino="LS12", outward_code="LS12")


@pytest.mark.parametrize("typed", ["", "   "])
def test_nothing_typed_is_no_search(typed):
    assert not parse_search(typed)


def test_a_month_name_that_is_not_one_is_a_name_search():
    # "3 Smith 1985" is not a date; it matches nobody's name either, but it must not fail.
    parsed = parse_search("3 Smith 1985", today=TODAY)
    assert parsed.date_of_birth is None and parsed.problem == ""
