from django.apps import AppConfig


class ClaimantsConfig(AppConfig):
    name = "claimants"
    verbose_name = "Claimants and regimes"
