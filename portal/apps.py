from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = gettext_lazy("门户与账户")

    def ready(self) -> None:
        # Imported for their side effects: the system checks, and the calendar cache invalidation signals.
        from portal import checks, workdays  # noqa: F401
