from django.apps import AppConfig


class ExtensionsConfig(AppConfig):
    """Deadline extensions, in one place: the models (the deadline in force and the request
    history), the deadline in force as every deadline check reads it (`deadlines`), requests,
    decisions and deadlines set directly (`services`, `selectors`), pages, admin and API."""

    name = "extensions"
