from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "appointments"
    verbose_name = "Appointments and agreed actions"

    def ready(self) -> None:
        from appointments import audit_log, caseload, figures
        from iwp.figures import registry

        caseload.register()
        audit_log.register()  # the audit page's claimant filter
        figures.register(registry)
