from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "appointments"
    verbose_name = "Appointments and agreed actions"

    def ready(self) -> None:
        from appointments import caseload, figures
        from iwp.figures import registry

        caseload.register()
        figures.register(registry)
