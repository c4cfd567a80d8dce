from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class WindowsConfig(AppConfig):
    name = "windows"
    verbose_name = gettext_lazy("服务大厅")
