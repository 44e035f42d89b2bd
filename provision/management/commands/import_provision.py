"""``manage.py import_provision FILE --district DISTRICT [--format csv|oruk] [--strict] [--json]``

Imports a CSV or an Open Referral UK feed into a district's provision list through the same service as the
import page (``importing.import_file``), so a scheduled import and a lead's upload behave and report alike.
``--json`` prints one JSON object (issue 12's contract); the exit status is 0 when any row was imported (new,
updated or unchanged), 1 when nothing was.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from iwp.models import District
from provision import importing


def find_district(value: str) -> District:
    """A district by its name (any case) or its code. Districts have no separate code today: the code is the
    district's id, as the admin and the URLs show it."""
    value = value.strip()
    found = District.objects.filter(name__iexact=value).first()
    if found is None and value.isdigit():
        found = District.objects.filter(pk=int(value)).first()
    if found is None:
        raise CommandError(f"No district called “{value}” (give its name or its code)")
    return found


class Command(BaseCommand):
    help = "Import a CSV or Open Referral UK JSON file into a district's provision list"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The file to import")
        parser.add_argument("--district", required=True, help="The district's name or code")
        parser.add_argument(
            "--format",
            choices=importing.KINDS,
            help="csv or oruk; by default from the file's extension (.json is oruk, anything else csv)",
        )
        parser.add_argument(
            "--strict", action="store_true", help="All or nothing: import nothing if any row is rejected"
        )
        parser.add_argument("--json", action="store_true", help="Print the result as one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError as e:
            raise CommandError(f"Cannot read {path}: {e.strerror}") from None
        district = find_district(options["district"])
        kind = options["format"] or ("oruk" if path.suffix.lower() == ".json" else "csv")
        # The command's switch is explicit: --strict is all or nothing, without it the good rows are imported
        # (a scheduled feed import must not stop at one bad service).
        result, run = importing.import_file(
            actor=None,
            district=district,
            content=content,
            kind=kind,
            strict=bool(options["strict"]),
            file_name=path.name,
        )
        if options["json"]:
            self.stdout.write(json.dumps(result.command_json(), ensure_ascii=False))
        else:
            self._summary(result, run.pk)
        if not result.imported:
            # SystemExit(1) after the output: "nothing was imported" is an outcome, not a crash (no traceback).
            raise SystemExit(1)

    def _summary(self, result: importing.ImportResult, run_id: int) -> None:
        out = self.stdout.write
        if result.file_error:
            out(f"Nothing was imported: {result.file_error}")
        out(
            f"{result.created} new, {result.updated} updated, {result.unchanged} unchanged, "
            f"{result.error_count} rejected, {result.withdrawn} no longer in the source feed"
        )
        for r in result.rejected:
            out(f"  rejected row {r['row']} id {r['id'] or '-'} “{r['name']}”: {'; '.join(r['reasons'])}")
        for item in result.not_mapped_list():
            out(f"  not mapped: {item['field']} ({item['count']})")
        for warning in result.warnings:
            out(f"  warning: {warning}")
        out(f"Report: import run {run_id}")
