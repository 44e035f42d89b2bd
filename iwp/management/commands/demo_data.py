from django.core.management.base import BaseCommand, CommandError

from iwp.demo import DEMO_PASSWORD, demo_build
from iwp.models import StaffMember


class Command(BaseCommand):
    help = "Create the reproducible demo organisation, staff and claimants, and print the demo logins."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--claimants-per-coach", type=int, nargs=2, default=(8, 14), metavar=("MIN", "MAX")
        )
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if staff already exist.")

    def handle(self, *args, seed: int, if_empty: bool, claimants_per_coach: list[int], **options) -> None:
        if StaffMember.objects.exists():
            if if_empty:
                self.stdout.write("Demo data already loaded.")
                self._print_logins()
                return
            raise CommandError("The database already has staff; use a fresh database (or --if-empty).")
        result = demo_build(seed=seed, claimants_per_coach=(claimants_per_coach[0], claimants_per_coach[1]))
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data created: " + ", ".join(f"{v} {k}" for k, v in result.counts.items())
            )
        )
        self._print_logins()

    def _print_logins(self) -> None:
        self.stdout.write("\nSign in at http://127.0.0.1:8000/ with password " + DEMO_PASSWORD + " as:")
        shown = set()
        for user in StaffMember.objects.select_related("jobcentre", "team__jobcentre").order_by("id"):
            role = "Administrator" if user.is_superuser else user.get_role_display()
            if user.leads_district:
                role = "District leader"
            if role in shown:
                continue
            shown.add(role)
            self.stdout.write(f"  {role:<18} {user.username:<22} {user.office}")
