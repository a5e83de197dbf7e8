from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo round, its users and generated sample returns, made through the services."""

    name = "demo"
