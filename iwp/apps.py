from django.apps import AppConfig


class IwpConfig(AppConfig):
    name = "iwp"
    verbose_name = "Organisation, access and audit"
