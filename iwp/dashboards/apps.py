from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    """The top floor: team dashboards, summaries, reassignment and absence cover. No models of its own (the
    maintained figures are ``iwp`` tables); installed so that its tasks and management command are found."""

    name = "iwp.dashboards"
    label = "dashboards"
    verbose_name = "Team dashboards"
