"""``python manage.py ingest_earnings FILE [--json] [--all-or-nothing] [--no-recalculate]``.

Prints the summary and the rejected rows. Exit status: 0 when every row was applied or unchanged, 1 when any row was
rejected, 2 when the file could not be read at all.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from claimants.earnings.feed import ingest_earnings
from iwp.models import StaffMember

SHOW_REJECTED = 1000


class Command(BaseCommand):
    help = "Ingest a file of monthly earnings: an RTI-style CSV, or JSON with --json. Use - to read standard input."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the file to ingest, or - for standard input")
        parser.add_argument("--json", action="store_true", help='the file is JSON: {"records": [...]}')
        parser.add_argument(
            "--all-or-nothing", action="store_true", help="reject the whole file if any row is invalid"
        )
        parser.add_argument(
            "--no-recalculate", action="store_true", help="record the earnings without recalculating regimes"
        )
        parser.add_argument(
            "--actor", default="", help="username recorded as the actor (default: none, a system run)"
        )

    def handle(self, *args, **options) -> None:
        actor = None
        if options["actor"]:
            actor = StaffMember.objects.filter(username=options["actor"]).first()
            if actor is None:
                raise CommandError(f"No member of staff has the username {options['actor']!r}.", returncode=2)
        path = options["file"]
        try:
            result = ingest_earnings(
                source=sys.stdin if path == "-" else path,
                fmt="json" if options["json"] else "csv",
                actor=actor,
                strict=options["all_or_nothing"],
                recalculate=not options["no_recalculate"],
            )
        except OSError as exc:
            raise CommandError(f"Cannot open {path}: {exc.strerror or exc}", returncode=2) from exc

        for line in result.summary_lines():
            self.stdout.write(line)
        if result.rejected:
            self.stdout.write("")
            self.stdout.write("Rejected rows (row: reasons):")
            for row in result.rejected[:SHOW_REJECTED]:
                self.stdout.write(f"  {row.row}: {row.nino or '-'} {row.period_start or '-'}: {row.reason}")
            if result.rejected_count > SHOW_REJECTED:
                self.stdout.write(f"  … and {result.rejected_count - SHOW_REJECTED} more")
        if result.error:
            raise CommandError(result.error, returncode=2)
        if result.rejected_count:
            raise CommandError(f"{result.rejected_count} row(s) rejected.", returncode=1)
