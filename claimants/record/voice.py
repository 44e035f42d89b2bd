"""Staff screens speak of the claimant by name.

The regime engine explains a decision to the claimant ("… so you are in the Light Touch regime"), which is what a
coach reads aloud from the calculator or a letter. On the record, the regime page and the timeline the coach is
reading about someone, so the same sentences are shown in the third person. The engine's voice has a small,
fixed vocabulary (``claimants.regimes.engine._Voice``: you / are / your / your partner / your partner's), so the
turn is a short list of whole-word replacements, applied in order (longest phrases first).
"""

from __future__ import annotations

import re

_TURNS: tuple[tuple[str, str], ...] = (
    (r"\bYour partner's\b", "{Name}'s partner's"),
    (r"\byour partner's\b", "{name}'s partner's"),
    (r"\bYour partner\b", "{Name}'s partner"),
    (r"\byour partner\b", "{name}'s partner"),
    (r"\bYou are\b", "{Name} is"),
    (r"\byou are\b", "{name} is"),
    (r"\bYour\b", "{Name}'s"),
    (r"\byour\b", "{name}'s"),
    (r"\bYou\b", "{Name}"),
    (r"\byou\b", "{name}"),
)
_COMPILED = tuple((re.compile(pattern), replacement) for pattern, replacement in _TURNS)


def about(sentence: str, name: str) -> str:
    """``sentence`` (said to the claimant) said about the claimant called ``name``."""
    if not name or "you" not in sentence.lower():
        return sentence
    words = {"name": name, "Name": name[:1].upper() + name[1:]}
    for pattern, replacement in _COMPILED:
        sentence = pattern.sub(lambda _m, r=replacement: r.format(**words), sentence)
    return sentence
