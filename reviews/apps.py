from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = gettext_lazy("后台审查")
