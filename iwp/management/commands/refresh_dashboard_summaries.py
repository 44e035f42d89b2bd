from django.core.management.base import BaseCommand

from iwp.summaries import refresh_dashboard_summaries


class Command(BaseCommand):
    help = "Rebuild the team dashboards' nightly summaries (progression, continuity, trend) now."

    def handle(self, *args, **options) -> None:
        result = refresh_dashboard_summaries()
        self.stdout.write(
            f"Refreshed {result.claimants:,} claimants and {result.trend_rows:,} trend rows in {result.seconds:.1f} s"
        )
