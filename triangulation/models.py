from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from planning.models import Stage
from submissions.models import Severity
from workbooks.rule_titles import rule_title

DEFAULT_WORKFORCE_TOLERANCE = Decimal("10")
DEFAULT_COST_TOLERANCE = Decimal("10")
DEFAULT_PAY_TOLERANCE = Decimal("10")
DEFAULT_COMMISSIONER_TOLERANCE = Decimal("10")


def _tolerance(default: Decimal, help_text: str) -> models.DecimalField:
    return models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=default,
        help_text=help_text,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(500))],
    )


class TriangulationBands(models.Model):
    """How far a round lets a system's returns disagree before a triangulation warning. A round
    without a row uses the defaults; an admin adds one in Django admin to change them."""

    planning_round = models.OneToOneField(
        "planning.PlanningRound", on_delete=models.CASCADE, related_name="triangulation_bands"
    )
    workforce_tolerance = _tolerance(
        DEFAULT_WORKFORCE_TOLERANCE,
        "Percentage points workforce growth (WTE on March 2020) may differ from activity growth "
        "(elective, outpatients and diagnostics on 2019/20).",
    )
    cost_tolerance = _tolerance(
        DEFAULT_COST_TOLERANCE,
        "Percentage points expenditure growth (H1 on the 2019/20 H1 outturn) may differ from "
        "activity growth.",
    )
    pay_tolerance = _tolerance(
        DEFAULT_PAY_TOLERANCE,
        "Percentage points pay growth (substantive, bank and agency) may differ from workforce "
        "growth.",
    )
    commissioner_tolerance = _tolerance(
        DEFAULT_COMMISSIONER_TOLERANCE,
        "Percent by which the CCGs' planned activity may differ from the sum of the providers', "
        "per measure.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "triangulation bands"
        verbose_name_plural = "triangulation bands"

    def __str__(self) -> str:
        return f"Triangulation bands of {self.planning_round}"


class TriangulationRun(models.Model):
    """One system's returns at one stage of a round: the row a re-run locks, so two runs of the
    same system never interleave, and the findings of the last run."""

    system = models.ForeignKey("planning.Organisation", on_delete=models.CASCADE, related_name="+")
    planning_round = models.ForeignKey(
        "planning.PlanningRound", on_delete=models.CASCADE, related_name="+"
    )
    stage = models.CharField(max_length=10, choices=Stage.choices)
    requested_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a return of the system last changed; later than ran_at means a run is "
        "owed.",
    )
    ran_at = models.DateTimeField(
        null=True, blank=True, help_text="When the last run started reading the returns."
    )
    attempts = models.PositiveSmallIntegerField(
        default=0,
        help_text="Runs started since the last request; the sweeper stops re-sending after the "
        "limit.",
    )
    versions = models.ManyToManyField(
        "submissions.Version",
        blank=True,
        related_name="+",
        help_text="The versions the last run compared.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["system", "planning_round", "stage"], name="one_run_per_system_stage"
            ),
        ]

    def __str__(self) -> str:
        return f"Triangulation of {self.system_id} in {self.planning_round_id} ({self.stage})"


class TriangulationFinding(models.Model):
    run = models.ForeignKey(TriangulationRun, on_delete=models.CASCADE, related_name="findings")
    position = models.PositiveSmallIntegerField()
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.WARNING)
    rule = models.CharField(max_length=50)
    organisation_code = models.CharField(
        max_length=16, help_text="The provider concerned, or the system."
    )
    organisation_name = models.CharField(max_length=300)
    message = models.TextField()
    figures = models.JSONField(
        default=list, help_text="The figures compared: [label, value] pairs."
    )
    versions = models.ManyToManyField(
        "submissions.Version",
        related_name="triangulation_findings",
        help_text="The versions of the returns the finding involves.",
    )

    class Meta:
        ordering = ["run", "position"]

    def __str__(self) -> str:
        return f"{self.rule} {self.organisation_code}"

    @property
    def title(self) -> str:
        """The kind of check in plain English; `rule` is its code, for machines."""
        return rule_title(self.rule)
