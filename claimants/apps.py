from django.apps import AppConfig


class ClaimantsConfig(AppConfig):
    name = "claimants"
    verbose_name = "Claimants and regimes"

    def ready(self) -> None:
        from claimants import figures
        from claimants.record import caseload
        from iwp.figures import registry

        caseload.register_claimant_items()
        figures.register(registry)
