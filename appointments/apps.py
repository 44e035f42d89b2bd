from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "appointments"
    verbose_name = "Appointments and agreed actions"

    def ready(self) -> None:
        from appointments import caseload, figures, progression, timeline
        from claimants.progression.links import registry as plan_links
        from iwp.figures import registry

        caseload.register()
        figures.register(registry)
        progression.register(plan_links)
        timeline.register()
