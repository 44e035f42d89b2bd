"""``python manage.py retention_anonymise [--dry-run] [--today YYYY-MM-DD] [--batch-size N] [--actor USERNAME]``.

Anonymises every claimant whose claim closed ``IWP_RETENTION_YEARS`` (default 6) or more years before today.
``--dry-run`` writes nothing and lists who would be affected: claimant ids and closing dates, never names.
Irreversible: reversible only from a database backup taken before the run. See /work/notes/retention.md.
"""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from claimants.retention.services import DEFAULT_BATCH_SIZE, retention_anonymise
from iwp.models import StaffMember


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--today must be a date like 2026-03-31, not {value!r}.") from exc


class Command(BaseCommand):
    help = (
        "Anonymise claimants whose claim closed the retention period (IWP_RETENTION_YEARS, default 6) ago, keeping "
        "the aggregate figures. Irreversible: reversible only from a backup. Use --dry-run first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="list who would be affected; write nothing"
        )
        parser.add_argument("--today", default="", help="the day to count from, YYYY-MM-DD (default: today)")
        parser.add_argument(
            "--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help="claimants per transaction"
        )
        parser.add_argument(
            "--actor", default="", help="username recorded as the actor (default: none, a system run)"
        )

    def handle(self, *args, **options) -> None:
        today = _day(options["today"]) if options["today"] else timezone.localdate()
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be 1 or more.")
        actor = None
        if options["actor"]:
            actor = StaffMember.objects.filter(username=options["actor"]).first()
            if actor is None:
                raise CommandError(f"No member of staff has the username {options['actor']!r}.")
        result = retention_anonymise(
            today=today, dry_run=options["dry_run"], actor=actor, batch_size=options["batch_size"]
        )
        rule = (
            f"claims closed on or before {result.cutoff.isoformat()} "
            f"({result.years} years before {today.isoformat()})"
        )
        if result.dry_run:
            self.stdout.write(
                f"Dry run: nothing written. {len(result.due)} claimants would be anonymised: {rule}."
            )
            if result.due:
                self.stdout.write("claimant id\tclaim closed on")
                for pk, closed_on in result.due:
                    self.stdout.write(f"{pk}\t{closed_on.isoformat()}")
            return
        self.stdout.write(
            f"Anonymised {result.anonymised} claimants in {result.batches} batches: {rule}. "
            "Reversible only from a backup."
        )
        for label, rows in sorted(result.rows.items()):
            if rows:
                self.stdout.write(f"  {label}: {rows} rows")
