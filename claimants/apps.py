from django.apps import AppConfig


class ClaimantsConfig(AppConfig):
    name = "claimants"
    verbose_name = "Claimants and regimes"

    def ready(self) -> None:
        from claimants import caseload

        caseload.register_claimant_items()
