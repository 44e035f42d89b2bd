from django.apps import AppConfig


class ProvisionConfig(AppConfig):
    name = "provision"
    verbose_name = "Provision and referrals"

    def ready(self) -> None:
        from claimants.progression.links import registry as plan_links
        from claimants.retention.registry import registry as retention_registry
        from provision import audit_log, dashboard, progression, retention, timeline

        dashboard.register()
        audit_log.register()  # the audit page's claimant filter
        progression.register(plan_links)
        timeline.register()
        retention.register(retention_registry)
