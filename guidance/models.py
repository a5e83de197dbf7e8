"""A round's guidance in the portal: what the FutureNHS platform carried for earlier rounds."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class GuidanceKind(models.TextChoices):
    NOTICE = "notice", "Notice"
    DOCUMENT = "document", "Document"
    DEFINITION = "definition", "Technical definition"
    FAQ = "faq", "Frequently asked question"


class GuidanceItem(models.Model):
    """One published piece of a round's guidance. A technical definition names its measure."""

    planning_round = models.ForeignKey(
        "planning.PlanningRound", on_delete=models.CASCADE, related_name="guidance"
    )
    kind = models.CharField(max_length=12, choices=GuidanceKind.choices)
    title = models.CharField(
        max_length=200, help_text="A notice's headline, a document's name or an FAQ's question."
    )
    body = models.TextField(help_text="The notice, summary, definition or answer.")
    measure_code = models.CharField(
        max_length=30, blank=True, help_text="For a technical definition, the measure it defines."
    )
    file = models.FileField(upload_to="guidance/", blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    published_at = models.DateTimeField(auto_now_add=True, db_index=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="definition_names_its_measure",
                condition=~Q(kind="definition") | ~Q(measure_code=""),
            ),
            models.UniqueConstraint(
                fields=["planning_round", "measure_code"],
                condition=Q(kind="definition"),
                name="one_definition_per_measure",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"


class GuidanceVisit(models.Model):
    """When a person last read a round's guidance, so what is new since can be marked."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    planning_round = models.ForeignKey(
        "planning.PlanningRound", on_delete=models.CASCADE, related_name="+"
    )
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "planning_round"], name="one_visit_per_round")
        ]


class RegionalContact(models.Model):
    """Where a region's organisations ask about planning in a round (2021/22 implementation
    guidance, section 7.1)."""

    planning_round = models.ForeignKey(
        "planning.PlanningRound", on_delete=models.CASCADE, related_name="regional_contacts"
    )
    region = models.ForeignKey("planning.Region", on_delete=models.CASCADE, related_name="+")
    email = models.EmailField()

    class Meta:
        ordering = ["region__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["planning_round", "region"], name="one_contact_per_region_and_round"
            )
        ]

    def __str__(self) -> str:
        return f"{self.region}: {self.email}"
