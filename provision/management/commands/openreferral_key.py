"""``manage.py openreferral_key issue --district DISTRICT --holder "Leeds City Council"`` prints a new read key
for the district's Open Referral UK feed (shown once: only its hash is kept); ``revoke PREFIX`` stops one;
``list`` shows the district's keys."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from provision.management.commands.export_provision import district_named
from provision.models import OpenReferralKey
from provision.openreferral.keys import key_issue, key_revoke


class Command(BaseCommand):
    help = "Issue, list or revoke read keys for a district's Open Referral UK feed."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["issue", "list", "revoke"])
        parser.add_argument("prefix", nargs="?", default="", help="revoke: the key's first characters")
        parser.add_argument("--district", help="The district's name or code (issue, list)")
        parser.add_argument("--holder", default="", help="issue: who will hold the key")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "revoke":
            keys = list(OpenReferralKey.objects.filter(prefix=options["prefix"], revoked_at__isnull=True))
            if len(keys) != 1:
                raise CommandError("Give the first 8 characters of exactly one key that is still in use")
            key_revoke(key=keys[0])
            self.stdout.write(f"Revoked {keys[0]}")
            return
        if not options["district"]:
            raise CommandError("Give --district")
        district = district_named(options["district"])
        if options["action"] == "list":
            for key in OpenReferralKey.objects.filter(district=district):
                state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "in use"
                self.stdout.write(f"{key.prefix}  {key.holder}  issued {key.created_at:%Y-%m-%d}  {state}")
            return
        if not options["holder"].strip():
            raise CommandError("Give --holder: who will hold the key")
        key, raw = key_issue(district=district, holder=options["holder"])
        self.stdout.write(f"Key for {key.holder} to read {district.name}'s feed (shown once):\n{raw}")
