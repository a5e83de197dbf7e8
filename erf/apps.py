from django.apps import AppConfig


class ErfConfig(AppConfig):
    name = "erf"
    verbose_name = "Elective Recovery Fund"
