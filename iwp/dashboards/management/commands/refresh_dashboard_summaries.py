from django.core.management.base import BaseCommand

from iwp.dashboards.services import refresh_coach_figures
from iwp.dashboards.summaries import refresh_dashboard_summaries


class Command(BaseCommand):
    help = "Rebuild the team dashboards' nightly summaries (progression, continuity, trend) now."

    def handle(self, *args, **options) -> None:
        result = refresh_dashboard_summaries()
        coaches = refresh_coach_figures()
        self.stdout.write(
            f"Refreshed {result.claimants:,} claimants, {result.trend_rows:,} trend rows and {coaches:,} coaches' "
            f"figures in {result.seconds:.1f} s"
        )
