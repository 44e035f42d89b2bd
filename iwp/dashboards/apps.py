from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    """The top floor: team dashboards, summaries, reassignment and absence cover. No models of its own (the
    maintained figures are ``iwp`` tables); installed so that its tasks and management command are found, and
    to register the recounter behind ``iwp.figures.figures_changed``."""

    name = "iwp.dashboards"
    label = "dashboards"
    verbose_name = "Team dashboards"

    def ready(self) -> None:
        # The apps say which coaches a change touched through the core hook (they never import the dashboards);
        # the dashboards answer by recounting those coaches' figures once the change commits.
        from iwp.dashboards.services import recount_touched_figures
        from iwp.figures import register_recounter

        register_recounter(recount_touched_figures)
