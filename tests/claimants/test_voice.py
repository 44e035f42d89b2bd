"""Staff screens speak of the claimant by name; the calculator keeps speaking to the claimant."""

import pytest

from claimants.record.voice import about


@pytest.mark.parametrize(
    ("said_to", "said_about"),
    [
        (
            "Your earnings of £500.00 are below your CET of £1,851.85, so you are in the Light Touch regime.",
            "Helen's earnings of £500.00 are below Helen's CET of £1,851.85, so Helen is in the Light Touch regime.",
        ),
        (
            "You are an apprentice, so your CET uses the apprentice rate",
            "Helen is an apprentice, so Helen's CET uses the apprentice rate",
        ),
        (
            "£0.00 for your partner, as your partner is in No work-related requirements",
            "£0.00 for Helen's partner, as Helen's partner is in No work-related requirements",
        ),
        (
            "Your partner's CET uses their 35 expected hours",
            "Helen's partner's CET uses their 35 expected hours",
        ),
        (
            "£0.00 for you, as you are in No work-related requirements",
            "£0.00 for Helen, as Helen is in No work-related requirements",
        ),
        (
            "Young people and youth services are unaffected.",
            "Young people and youth services are unaffected.",
        ),
    ],
)
def test_a_sentence_to_the_claimant_becomes_one_about_them(said_to, said_about):
    assert about(said_to, "Helen") == said_about


def test_without_a_name_the_sentence_is_unchanged():
    assert about("so you are in the Light Touch regime", "") == "so you are in the Light Touch regime"
