from django.apps import AppConfig


class ProvisionConfig(AppConfig):
    name = "provision"
    verbose_name = "Provision and referrals"

    def ready(self) -> None:
        from provision import dashboard

        dashboard.register()
