"""What a work coach typed into the caseload search box, read as the things it could be (issue #17).

Pure: no Django, no database. The selector (``claimants.selectors.caseload_for``) turns a ``ParsedSearch`` into
SQL. One box serves every way a coach identifies someone, so the input is read for each meaning it could have
and the selector matches any of them:

* a National Insurance number, with or without spaces, whole ("QQ 12 34 56 C") or its start ("QQ1234");
* a date of birth as coaches type it ("3/4/1985", "03.04.85", "3 April 1985", "1985-04-03"): UK day-first order;
* a postcode, whole ("LS1 4AB", "ls14ab") or its outward code ("LS1");
* otherwise name words, in any order, whole or partial ("King, Helen", "hel kin").

A date that cannot exist ("31/02/1985") is reported as a problem for the page to show, never raised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

MAX_WORDS = 6  # more words than a name has only slows the query

# Loose on purpose: coaches search with the test prefixes HMRC never issues ("QQ 12 34 56 C"), so this is the
# shape of a NINO, not the validation rule (``claimants.models.claimant.NINO_RE``).
_NINO = re.compile(r"^[A-Z]{2}\d{6}[A-D]?$")
_NINO_START = re.compile(r"^[A-Z]{2}\d{2,5}$")
_POSTCODE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?\d[A-Z]{2}$")
_OUTWARD = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?$")

_DAY_FIRST = re.compile(r"^(\d{1,2})[/.\-\s]+(\d{1,2})[/.\-\s]+(\d{4}|\d{2})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_COMPACT = re.compile(r"^(\d{2})(\d{2})(\d{4})$")
_WORDY = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[\s\-]+([a-z]+)\.?,?[\s\-]+(\d{4}|\d{2})$")
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_WORD_SPLIT = re.compile(r"[\s,;]+")
_NOT_NAME = re.compile(r"[^\w'\-]")


@dataclass(frozen=True)
class ParsedSearch:
    """Every meaning the text could have; empty fields are meanings it cannot have."""

    text: str = ""
    words: tuple[str, ...] = ()  # lower-case name words, each matched anywhere in "first last"
    nino: str = ""  # compact upper case: 9 characters is the whole number, fewer its start
    date_of_birth: date | None = None
    postcode: str = ""  # compact upper case, whole postcode
    outward_code: str = ""  # compact upper case, e.g. "LS1"
    problem: str = ""  # a message for the coach; the search then matches nobody

    def __bool__(self) -> bool:
        return bool(self.text)

    @property
    def exact_names(self) -> tuple[str, ...]:
        """The full names ("first last", lower case) that count as an exact match: as typed or reversed."""
        if len(self.words) < 2:
            return ()
        return (" ".join(self.words), " ".join(reversed(self.words)))


def _year(value: str, today: date) -> int:
    """A two-digit year is the most recent one not in the future ("85" → 1985, "01" → 2001)."""
    year = int(value)
    if len(value) == 4:
        return year
    century = today.year - today.year % 100
    return century + year if century + year <= today.year else century - 100 + year


def parse_date(text: str, *, today: date | None = None) -> date | None:
    """A date typed day first, in words or ISO form. Raises ``ValueError`` when it has a date's shape but no
    such day exists; returns None when it does not look like a date at all."""
    today = today or date.today()
    value = text.strip().lower()
    if match := _ISO.match(value):
        year, month, day = (int(g) for g in match.groups())
    elif match := _DAY_FIRST.match(value) or _COMPACT.match(value):
        day, month = int(match[1]), int(match[2])
        year = _year(match[3], today)
    elif (match := _WORDY.match(value)) and match[2] in _MONTHS:
        day, month, year = int(match[1]), _MONTHS[match[2]], _year(match[3], today)
    else:
        return None
    return date(year, month, day)  # ValueError for 31/02 or month 13


def parse_search(text: str, *, today: date | None = None) -> ParsedSearch:
    """Read what was typed into the caseload search box."""
    text = " ".join(text.split())
    if not text:
        return ParsedSearch()
    try:
        born = parse_date(text, today=today)
    except ValueError:
        return ParsedSearch(
            text=text, problem=f"“{text}” is not a real date. Enter a date of birth like 3/4/1985."
        )
    if born:
        return ParsedSearch(text=text, date_of_birth=born)
    compact = re.sub(r"\s+", "", text).upper()
    if _NINO.match(compact):
        return ParsedSearch(text=text, nino=compact)
    if _POSTCODE.match(compact):
        return ParsedSearch(text=text, postcode=compact)
    nino_start = compact if _NINO_START.match(compact) else ""
    outward = compact if _OUTWARD.match(compact) else ""
    if nino_start or outward:
        # "LS12" is both the start of a NINO and an outward code: look for either.
        return ParsedSearch(text=text, nino=nino_start, outward_code=outward)
    words = tuple(
        word
        for word in (_NOT_NAME.sub("", part).strip("'-").lower() for part in _WORD_SPLIT.split(text))
        if word
    )
    return ParsedSearch(text=text, words=words[:MAX_WORDS])
