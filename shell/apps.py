from django.apps import AppConfig


class ShellConfig(AppConfig):
    """The NHS.UK page shell: home page, header context, template tags and error pages."""

    name = "shell"
