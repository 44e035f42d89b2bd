"""``manage.py export_provision --district DISTRICT --format oruk``: the district's provision list, as Open
Referral UK JSON (a list of services), on standard output — or ``--format csv`` for the spreadsheet export.

DISTRICT is the district's name (any case) or its code (the number it has in the admin). The list is the one
a lead sees: active and paused entries (paused as ``temporarily closed``); ``--include-archived`` adds the
archived ones (as ``inactive``).
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from iwp.csv_export import csv_text
from iwp.models import District
from provision.importing import audit_export, export_rows
from provision.openreferral import selectors, serialise


def district_named(text: str) -> District:
    text = text.strip()
    district = District.objects.filter(name__iexact=text).first()
    if district is None and text.isdigit():
        district = District.objects.filter(pk=int(text)).first()
    if district is None:
        known = ", ".join(District.objects.values_list("name", flat=True)[:20])
        raise CommandError(f"No district called “{text}”. Districts: {known or 'none yet'}")
    return district


class Command(BaseCommand):
    help = "Write a district's provision list to standard output as Open Referral UK JSON (or CSV)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--district", required=True, help="The district's name or code")
        parser.add_argument("--format", choices=["oruk", "csv"], default="oruk")
        parser.add_argument("--include-archived", action="store_true", help="Archived entries too")
        parser.add_argument(
            "--base-url",
            default=settings.OPENREFERRAL_BASE_URL,
            help="Where the feed is published, for services' URLs (default: OPENREFERRAL_BASE_URL)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        district = district_named(options["district"])
        offers = selectors.exportable_offers(district, include_archived=options["include_archived"])
        if options["format"] == "csv":
            rows = list(export_rows(offers))
            self.stdout.write(csv_text(rows), ending="")
            count = len(rows) - 1
        else:
            document = serialise.services(offers, base_url=options["base_url"])
            self.stdout.write(json.dumps(document, indent=2, ensure_ascii=False))
            count = len(document)
        # Audited like a download from the page; no member of staff is signed in to a command.
        audit_export(
            actor=None,
            what="provision_list",
            rows=count,
            district=district,
            via="command",
            format=options["format"],
        )
