"""Deadline extensions: the deadline in force for one organisation's return (`DeadlineExtension`,
read wherever a deadline is checked, through `extensions.deadlines`) and the history of requests
and decisions that set it (`ExtensionRequest`)."""

from __future__ import annotations

from enum import nonmember

from django.db import models
from django.db.models import Q

from planning.models import Collection, Organisation


class DeadlineExtension(models.Model):
    """A later deadline for one organisation on one collection, granted with a reason."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="extensions")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="deadline_extensions"
    )
    deadline = models.DateTimeField()
    reason = models.TextField()
    granted_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # The table kept its name when the model moved here from planning (ADR 0032).
        db_table = "planning_deadlineextension"
        ordering = ["-granted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "organisation"], name="one_extension_per_collection_org"
            ),
            models.CheckConstraint(name="extension_has_reason", condition=~Q(reason="")),
        ]

    def __str__(self) -> str:
        return f"{self.organisation.ods_code} {self.collection}: {self.deadline:%d %b %Y %H:%M}"


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a decision"
    GRANTED = "granted", "Granted"
    REFUSED = "refused", "Refused"
    WITHDRAWN = "withdrawn", "Withdrawn"

    # Answered, so the organisation can no longer withdraw it and the queue no longer counts it.
    DECIDED = nonmember(frozenset({"granted", "refused"}))


class ExtensionRequest(models.Model):
    """The history of deadline changes for one organisation's return: requests by the organisation
    and decisions by its region. The deadline in force is kept in DeadlineExtension."""

    collection = models.ForeignKey(
        Collection, on_delete=models.CASCADE, related_name="extension_requests"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="extension_requests"
    )
    requested_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    requested_deadline = models.DateTimeField()
    reason = models.TextField()
    status = models.CharField(
        max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    decided_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_deadline = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        db_table = "planning_extensionrequest"
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(name="extension_request_has_reason", condition=~Q(reason="")),
            models.CheckConstraint(
                name="granted_extension_has_deadline",
                condition=~Q(status="granted") | Q(decided_deadline__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["collection", "organisation", "status"])]

    def __str__(self) -> str:
        return f"{self.organisation.ods_code} {self.collection}: {self.get_status_display()}"

    @property
    def is_pending(self) -> bool:
        return self.status == ExtensionStatus.PENDING

    @property
    def is_decided(self) -> bool:
        return self.status in ExtensionStatus.DECIDED
