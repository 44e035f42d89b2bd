"""Regime history: one row per claimant per assessment period per calculation, with its explanation."""

from __future__ import annotations

from django.db import models
from django.db.models import Exists, OuterRef

from claimants.models.claimant import MONEY, CauseChoices, Claimant, RegimeChoices
from claimants.regimes.engine import Regime


class AssessmentQuerySet(models.QuerySet):
    def current(self) -> AssessmentQuerySet:
        """The outcome in force for each (claimant, period): the latest calculation, i.e. the row with no later
        (higher id) row for the same claimant and period. History is insert-only (issue #13): a recalculation adds
        a row and never flips a flag on the one it replaces, so an uprating rewrites nothing it does not add."""
        later = RegimeAssessment.objects.filter(
            claimant_id=OuterRef("claimant_id"), period_start=OuterRef("period_start"), id__gt=OuterRef("id")
        )
        return self.filter(~Exists(later))


class RegimeAssessment(models.Model):
    """One calculation of one claimant's regime for one assessment period (history; never edited). The latest
    row (highest id) of a claimant's period is its outcome in force: ``RegimeAssessment.objects.current()``."""

    # No database foreign keys on history (issue #13): every writer (claimant_recalculate, the uprating's chunks)
    # holds the claimant row locked FOR UPDATE while it writes, so the key is guaranteed by the writer, and a
    # national uprating skips two constraint-trigger checks per row. Deleting a claimant still deletes their
    # history: Django's collector cascades in Python whatever the database says.
    claimant = models.ForeignKey(
        Claimant, on_delete=models.CASCADE, related_name="assessments", db_constraint=False, db_index=False
    )
    period_start = models.DateField()
    period_end = models.DateField()
    regime = models.CharField(max_length=40, choices=RegimeChoices.choices)
    partner_regime = models.CharField(max_length=40, choices=RegimeChoices.choices, blank=True)
    previous_regime = models.CharField(max_length=40, choices=RegimeChoices.choices, blank=True)
    cause = models.CharField(max_length=12, choices=CauseChoices.choices)
    employed_earnings = models.DecimalField(**MONEY)
    self_employed_earnings = models.DecimalField(**MONEY)
    household_earnings = models.DecimalField(**MONEY, null=True, blank=True)
    aet_individual = models.DecimalField(**MONEY)
    aet_couple = models.DecimalField(**MONEY, null=True, blank=True)
    cet_individual = models.DecimalField(**MONEY)
    cet_partner = models.DecimalField(**MONEY, null=True, blank=True)
    cet_household = models.DecimalField(**MONEY, null=True, blank=True)
    easement_active = models.BooleanField(default=False)
    explanation = models.JSONField(default=list)
    calculated_at = models.DateTimeField(auto_now_add=True)
    background_job = models.ForeignKey(
        "iwp.BackgroundJob",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        # A BRIN index instead (PostgreSQL, migration 0018): a job's rows are appended together, so block ranges
        # find them, and the index costs next to nothing per inserted row where a B-tree cost ~1 µs.
        db_index=False,
    )

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["claimant", "-period_start", "-calculated_at"]
        indexes = [
            # The latest row of a claimant's period is the last entry of its (claimant, period) run: one index
            # probe, backwards. Also serves every read of a claimant's history (its prefix).
            models.Index(fields=["claimant", "period_start", "id"], name="assessment_period_latest_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.claimant_id} {self.period_start}: {self.regime}"

    @property
    def conclusion(self) -> list[str]:
        """The sentences of the explanation that state the outcome ("… so you are in the Light Touch regime"),
        for headlines and timelines; the full working stays in ``explanation``."""
        labels = {
            Regime(self.regime).label,
            Regime(self.partner_regime).label if self.partner_regime else None,
        }
        picked: list[str] = []
        for index, line in enumerate(self.explanation):
            if not any(f"in the {label} " in line for label in labels if label):
                continue
            # A bare "So … is in the Intensive Work Search regime." gives its reason in the sentence before (the
            # engine's simplest case: "£880.00 is below the single AET …"): the headline keeps both, or it would
            # say where the claimant is without why.
            if line.startswith("So ") and index and self.explanation[index - 1] not in picked:
                picked.append(self.explanation[index - 1])
            picked.append(line)
        return picked or self.explanation[-1:]


class RegimeMove(models.Model):
    """A claimant whose regime now (``Claimant.current_regime``) an uprating job changed, from what to what: the
    job page's "Who moved", one row per claimant, written by the chunk that moved them. So the list is exactly the
    figure above it ("N claimants moved regime"), which the job counts from the same comparison. History cannot
    give this: it holds periods, and a claimant whose earlier periods changed has not necessarily moved now."""

    # No database foreign keys, as on history: the chunk holds the claimant row locked while it writes and runs
    # only for a job that exists; deleting either still deletes these rows (Django's collector cascades).
    job = models.ForeignKey(
        "iwp.BackgroundJob", on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    claimant = models.ForeignKey(Claimant, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    # Never blank in practice: a claimant with no regime before is decided for the first time, not moved (the job
    # counts them apart and keeps no row; in a first full calculation that is every claimant).
    from_regime = models.CharField(max_length=40, choices=RegimeChoices.choices, blank=True)
    to_regime = models.CharField(max_length=40, choices=RegimeChoices.choices)

    class Meta:
        constraints = [
            # A chunk runs once per job (a done chunk is skipped), and a claimant is in one chunk.
            models.UniqueConstraint(fields=["job", "claimant"], name="regime_move_once_per_job"),
        ]

    def __str__(self) -> str:
        return f"{self.claimant_id}: {self.from_regime or 'none'} → {self.to_regime} (job {self.job_id})"
