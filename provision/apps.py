from django.apps import AppConfig


class ProvisionConfig(AppConfig):
    name = "provision"
    verbose_name = "Provision and referrals"

    def ready(self) -> None:
        from claimants.progression.links import registry as plan_links
        from provision import dashboard, progression, timeline

        dashboard.register()
        progression.register(plan_links)
        timeline.register()
