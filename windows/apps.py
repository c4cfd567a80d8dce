from django.apps import AppConfig


class WindowsConfig(AppConfig):
    name = "windows"
    verbose_name = "服务大厅"
