from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "appointments"
    verbose_name = "Appointments and agreed actions"

    def ready(self) -> None:
        from appointments import caseload

        caseload.register()
