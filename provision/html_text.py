"""Plain text from the HTML that council feeds put in descriptions (issue 12): paragraphs and lists kept as
plain structure, images (base64 ones too), styles and scripts dropped, entities decoded. Stored clean, so every
page, the search cards and the export show words, never markup.

Why nh3: it binds Ammonia (Rust, html5ever's parser — the browsers' parsing algorithm), is MIT-licensed,
maintained and fast (a 145,000-character description in about a millisecond). It turns any tag soup into a
small well-formed HTML with only the structure tags we keep, and drops ``script``/``style`` *with* their content;
the standard library's ``HTMLParser`` then only has to walk that tidy result into lines and decode entities.
Not bleach (deprecated by its maintainers in 2023, in favour of nh3); not html2text (GPL-3.0, and it writes
Markdown — a coach would read ``**`` and ``![](data:…)``); not BeautifulSoup alone (a test dependency today, and
its ``get_text`` loses paragraphs and list items).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3

# The tags whose structure survives as lines; everything else is unwrapped to its text.
_BLOCKS = frozenset(
    {"p", "div", "section", "article", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote"}
)
_KEPT = frozenset({*_BLOCKS, "br", "ul", "ol", "li", "td", "th"})
# Dropped with everything inside them: code, styling, media and embedded objects.
_DROPPED = frozenset(
    {
        "script",
        "style",
        "img",
        "svg",
        "math",
        "iframe",
        "object",
        "embed",
        "video",
        "audio",
        "noscript",
        "template",
    }
)
# Text that still carries an inline image after cleaning (a data: URI pasted as text).
_DATA_URI = re.compile(r"data:[a-z]+/[a-z0-9.+-]+;base64,[A-Za-z0-9+/=]{16,}", re.I)
_LOOKS_LIKE_HTML = re.compile(r"<[a-zA-Z/!][^>]*>|&[a-zA-Z]+;|&#\d+;")


class _Lines(HTMLParser):
    """Walks nh3's output: block tags start a paragraph, ``br`` a line, list items a bullet (or number)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)  # &amp; &nbsp; &#8217; … decoded here
        self.out: list[str] = []
        self.lists: list[list[int]] = []  # one counter per open list; [-1] for a bulleted list

    def _break(self, blank: bool) -> None:
        self.out.append("\n\n" if blank else "\n")

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _BLOCKS:
            self._break(blank=True)
        elif tag == "br":
            self._break(blank=False)
        elif tag in ("ul", "ol"):
            self.lists.append([0 if tag == "ol" else -1])
            self._break(blank=not self.lists[:-1])
        elif tag == "li":
            self._break(blank=False)
            counter = self.lists[-1] if self.lists else [-1]
            if counter[0] >= 0:
                counter[0] += 1
                self.out.append(f"{'  ' * (len(self.lists) - 1)}{counter[0]}. ")
            else:
                self.out.append(f"{'  ' * max(len(self.lists) - 1, 0)}• ")
        elif tag in ("td", "th"):
            self.out.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("ul", "ol") and self.lists:
            self.lists.pop()
            self._break(blank=True)
        elif tag in _BLOCKS:
            self._break(blank=True)

    def handle_data(self, data: str) -> None:
        self.out.append(data)


def looks_like_html(text: str) -> bool:
    return bool(_LOOKS_LIKE_HTML.search(text or ""))


def clean_text(value: str) -> str:
    """Plain text from a description that may be HTML (or already plain: then only tidied)."""
    if not value:
        return ""
    text = str(value)
    if looks_like_html(text):
        tidy = nh3.clean(
            text,
            tags=set(_KEPT),
            clean_content_tags=set(_DROPPED),
            attributes={},
            strip_comments=True,
            link_rel=None,
        )
        parser = _Lines()
        parser.feed(tidy)
        parser.close()
        text = "".join(parser.out)
    text = _DATA_URI.sub("", text)
    text = text.replace("\xa0", " ").replace("\r\n", "\n").replace("\r", "\n")
    lines = [re.sub(r"[ \t\f\v]+", " ", line).strip() for line in text.split("\n")]
    # At most one blank line between paragraphs; none at either end.
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def clean_line(value: str) -> str:
    """One line of plain text (names, locations, contacts): markup removed, whitespace collapsed."""
    return " ".join(clean_text(value).split())
