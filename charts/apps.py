from django.apps import AppConfig


class ChartsConfig(AppConfig):
    name = "charts"
    default_auto_field = "django.db.models.BigAutoField"
