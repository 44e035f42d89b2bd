from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "appointments"
    verbose_name = "Appointments and agreed actions"

    def ready(self) -> None:
        from appointments import audit_log, caseload, figures, progression, retention, timeline
        from claimants.progression.links import registry as plan_links
        from claimants.retention.registry import registry as retention_registry
        from iwp.figures import registry

        caseload.register()
        audit_log.register()  # the audit page's claimant filter
        figures.register(registry)
        progression.register(plan_links)
        timeline.register()
        retention.register(retention_registry)
