from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = gettext_lazy("事项目录")
