from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from submissions.models import Submission


class DecisionKind(models.TextChoices):
    APPROVE = "approve", "Approve"
    REQUEST_CHANGES = "request_changes", "Request changes"
    COMMENT = "comment", "Comment"
    REOPEN = "reopen", "Reopen"


class Decision(models.Model):
    """A reviewer's decision on one submitted version; append-only, the review history of a
    return."""

    submission = models.ForeignKey(
        "submissions.Submission", on_delete=models.PROTECT, related_name="decisions"
    )
    version = models.ForeignKey(
        "submissions.Version", on_delete=models.PROTECT, related_name="decisions"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=DecisionKind.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Sending a return back or reopening it without saying why leaves the organisation
            # guessing.
            models.CheckConstraint(
                name="decision_reason_when_required",
                condition=~Q(kind__in=["request_changes", "reopen", "comment"]) | ~Q(comment=""),
            ),
        ]
        indexes = [models.Index(fields=["submission", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version.number} of {self.submission_id}"

    @property
    def is_approval(self) -> bool:
        return self.kind == DecisionKind.APPROVE

    @property
    def is_reopening(self) -> bool:
        return self.kind == DecisionKind.REOPEN


class CommentSide(models.TextChoices):
    ORGANISATION = "organisation", "Organisation"
    REGION = "region", "Regional team"


class Comment(models.Model):
    """One message in a return's review thread, optionally about one cell of one version."""

    submission = models.ForeignKey(
        "submissions.Submission", on_delete=models.PROTECT, related_name="comments"
    )
    version = models.ForeignKey(
        "submissions.Version",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="comments",
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Which side spoke decides whether the return is waiting for the reviewer ("waiting for me").
    side = models.CharField(max_length=20, choices=CommentSide.choices)
    text = models.TextField()
    sheet = models.CharField(max_length=100, blank=True)
    cell = models.CharField(max_length=20, blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replies"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(name="comment_has_text", condition=~Q(text=""))]
        indexes = [models.Index(fields=["submission", "-created_at"])]

    def __str__(self) -> str:
        where = f" on {self.sheet}!{self.cell}" if self.cell else ""
        return f"Comment by {self.author}{where}"


class Endorsement(models.Model):
    """A system lead's endorsement of one submitted version of a provider's maternity return."""

    submission = models.ForeignKey(
        "submissions.Submission", on_delete=models.PROTECT, related_name="endorsements"
    )
    version = models.OneToOneField(
        "submissions.Version", on_delete=models.PROTECT, related_name="endorsement"
    )
    endorsed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Endorsement of {self.version} by {self.endorsed_by}"


class SubmittedReturn(Submission):
    """Returns awaiting a decision, as the Django admin lists them for its approve action."""

    class Meta:
        proxy = True
        verbose_name = "submitted return"
