from django.apps import AppConfig


class IwpConfig(AppConfig):
    name = "iwp"
    verbose_name = "Organisation, access and audit"

    def ready(self) -> None:
        from iwp import auth_events

        auth_events.connect()  # sign-in, sign-out and failed sign-in are audited (issue #15)
