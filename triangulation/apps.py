from django.apps import AppConfig


class TriangulationConfig(AppConfig):
    name = "triangulation"
    verbose_name = "Triangulation across returns"
