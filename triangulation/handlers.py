"""Checks across returns run again whenever one of the returns gets new values."""

from django.dispatch import receiver

from submissions.signals import return_values_changed

from .services import triangulation_enqueue


@receiver(return_values_changed, dispatch_uid="triangulation_enqueue")
def enqueue_triangulation(sender, *, version, **kwargs) -> None:
    triangulation_enqueue(version=version)
