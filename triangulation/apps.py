from django.apps import AppConfig


class TriangulationConfig(AppConfig):
    name = "triangulation"
    verbose_name = "Triangulation across returns"

    def ready(self):
        from . import handlers  # noqa: F401 - runs the checks again when a return's values change
