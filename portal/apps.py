from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "门户与账户"

    def ready(self) -> None:
        # Imported for their side effects: the system checks, and the calendar cache invalidation signals.
        from portal import checks, workdays  # noqa: F401
