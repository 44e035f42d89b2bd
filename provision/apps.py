from django.apps import AppConfig


class ProvisionConfig(AppConfig):
    name = "provision"
    verbose_name = "Provision and referrals"

    def ready(self) -> None:
        from provision import audit_log, dashboard

        dashboard.register()
        audit_log.register()  # the audit page's claimant filter
