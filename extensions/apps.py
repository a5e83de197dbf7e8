from django.apps import AppConfig


class ExtensionsConfig(AppConfig):
    """Deadline extensions: requests, decisions and deadlines set directly, with their pages and
    API.
    The deadline in force is planning's (`planning.models.DeadlineExtension`): every deadline check
    reads it there."""

    name = "extensions"
