"""Which words of which table the retention job replaces: a declarative registry (DESIGN §6.5).

Claimants registers its own tables here (``claimants.retention.tables``); appointments and provision register
theirs from their ``AppConfig.ready`` (claimants may not import them). The service applies every entry to a batch
of claimant ids with one ``UPDATE`` per table. ``kept`` says, per free-text field left as it is, why it holds no
personal data: the completeness test fails if any text field of a table that belongs to a claimant is in neither
list, so a field added later must be classified before it can hold somebody's words for ever.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Case, Value, When

from claimants.retention.rules import ANONYMISED


@dataclass(frozen=True)
class RetentionTable:
    """One table's part of anonymising a claimant.

    ``claimant_path``: the lookup from a row to its claimant's id ("claimant_id", "plan__claimant_id").
    ``words``: free-text fields: a non-empty value becomes "Anonymised", an empty one stays empty.
    ``emptied``: fields set to a fixed value (a JSON field to ``{}``/``[]``, an email to "").
    ``rewritten``: JSON fields holding words among other things, rewritten row by row by the function given
    (e.g. a list of step texts → as many "Anonymised"), so a count read from them stays the same.
    ``kept``: text fields left as they are, each with the reason it holds no personal data.
    ``elsewhere``: fields the service replaces itself (the NINO, from the claimant's id), with how.
    """

    model: type[models.Model]
    claimant_path: str
    words: tuple[str, ...] = ()
    emptied: Mapping[str, Any] = field(default_factory=dict)
    rewritten: Mapping[str, Callable[[Any], Any]] = field(default_factory=dict)
    kept: Mapping[str, str] = field(default_factory=dict)
    # Replaced by the service itself, because the value depends on the row's id (the claimant's NINO).
    elsewhere: Mapping[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.model._meta.label

    def values(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            name: Case(When(**{name: ""}, then=Value("")), default=Value(ANONYMISED)) for name in self.words
        }
        values.update(self.emptied)
        return values

    def covers(self) -> set[str]:
        """Every field this entry replaces."""
        return {*self.words, *self.emptied, *self.rewritten, *self.elsewhere}

    def anonymise(self, claimant_ids: list[int]) -> int:
        """Replace the words of every row of these claimants; returns the number of rows."""
        rows = self.model._base_manager.filter(**{f"{self.claimant_path}__in": claimant_ids})
        count = rows.update(**self.values()) if (self.words or self.emptied) else 0
        if self.rewritten:
            changed = []
            for row in rows.only("pk", *self.rewritten):
                for name, rewrite in self.rewritten.items():
                    setattr(row, name, rewrite(getattr(row, name)))
                changed.append(row)
            self.model._base_manager.bulk_update(changed, list(self.rewritten), batch_size=500)
            count = max(count, len(changed))
        return count


@dataclass
class RetentionRegistry:
    tables: dict[str, RetentionTable] = field(default_factory=dict)

    def add(self, table: RetentionTable) -> None:
        self.tables[table.label] = table

    def __iter__(self):
        return iter(sorted(self.tables.values(), key=lambda t: t.label))


registry = RetentionRegistry()
