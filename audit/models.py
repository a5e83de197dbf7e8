from __future__ import annotations

from django.conf import settings
from django.db import models

from core.formatting import plain_changes


class AuditAction(models.TextChoices):
    """The actions the portal records. `AuditEvent.action` is a plain CharField: apps may add
    more."""

    LOGIN = "login", "Signed in"
    LOGIN_FAILED = "login_failed", "Sign-in failed"
    LOGOUT = "logout", "Signed out"
    UPLOAD = "upload", "Uploaded a version"
    UPLOAD_REJECTED = "upload_rejected", "Upload refused"
    VALIDATION_STARTED = "validation_started", "Validation started"
    VALIDATION_FINISHED = "validation_finished", "Validation finished"
    DOWNLOAD = "download", "Downloaded a file"
    VIEW_RETURN = "view_return", "Viewed a return"
    SUBMIT = "submit", "Submitted a return"
    DECISION = "decision", "Made a decision"
    COMMENT = "comment", "Commented"
    EXTENSION_REQUESTED = "extension_requested", "Asked for an extension"
    EXTENSION_DECIDED = "extension_decided", "Decided an extension"
    EXTENSION_WITHDRAWN = "extension_withdrawn", "Withdrew an extension request"
    ROLE_GRANTED = "role_granted", "Granted a role"
    ROLE_REMOVED = "role_removed", "Removed a role"
    PERMISSIONS_CHANGED = "permissions_changed", "Changed a person's account permissions"
    DELEGATION = "delegation", "Handed a role on for cover"
    DELEGATION_ENDED = "delegation_ended", "Ended cover early"
    SIGN_OFF_DELEGATED = "sign_off_delegated", "Handed sign-off to the system"
    SIGN_OFF_DELEGATION_REVOKED = (
        "sign_off_delegation_revoked",
        "Took sign-off back from the system",
    )
    ACCESS_REFUSED = "access_refused", "Access refused"
    TEMPLATE_ISSUED = "template_issued", "Issued a template version"
    ROUND_COPIED = "round_copied", "Copied a planning round into a draft"
    ROUND_PUBLISHED = "round_published", "Published a planning round"
    ROUND_CLOSED = "round_closed", "Closed a planning round"
    ROUND_MADE_CURRENT = "round_made_current", "Made a planning round current"
    GUIDANCE_PUBLISHED = "guidance_published", "Published round guidance"
    ROUND_DEFINED = "round_defined", "Installed a round definition"
    PROVIDER_NAMED = "provider_named", "Named the provider that submits a return"
    INVITATION_SENT = "invitation_sent", "Sent an invitation"
    INVITATION_ACCEPTED = "invitation_accepted", "Accepted an invitation"
    EXPORT = "export", "Exported the audit trail"
    ROUND_CHANGED = "round_changed", "Changed a planning round"
    COLLECTION_CHANGED = "collection_changed", "Changed a collection"
    TRIANGULATION_BANDS_CHANGED = (
        "triangulation_bands_changed",
        "Changed a round's triangulation bands",
    )
    TOKEN_ISSUED = "token_issued", "Issued an API token"
    TOKEN_REVOKED = "token_revoked", "Revoked an API token"
    PASSWORD_RESET_REQUESTED = "password_reset_requested", "Asked to reset a password"
    PASSWORD_RESET_COMPLETED = "password_reset_completed", "Reset a password"


# The reviews app records its own actions under these names.
REVIEW_ACTION_LABELS = {
    "review.approve": "Approved a return",
    "review.request_changes": "Asked for changes to a return",
    "review.reopen": "Reopened an approved return",
    "review.comment": "Commented on a return",
    "review.endorse": "Endorsed a return",
}


class AuditQuerySet(models.QuerySet):
    """Audit rows are written once and never changed: bulk updates and deletes are refused too."""

    def update(self, **kwargs):
        raise PermissionError("Audit events cannot be changed.")

    def delete(self):
        raise PermissionError("Audit events cannot be deleted.")


class AuditEvent(models.Model):
    """Who did what, when (UTC), from where, to which object, with before and after."""

    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(
        max_length=150, blank=True, help_text="Kept even if the user is renamed."
    )
    action = models.CharField(max_length=50, db_index=True)
    object_type = models.CharField(max_length=50, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(max_length=300, blank=True)
    submission_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    organisation_code = models.CharField(max_length=16, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    path = models.CharField(max_length=300, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    detail = models.TextField(blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    @property
    def action_label(self) -> str:
        try:
            return AuditAction(self.action).label
        except ValueError:
            return REVIEW_ACTION_LABELS.get(self.action, "Another action")

    @property
    def changes(self) -> list[str]:
        return plain_changes(before=self.before, after=self.after)

    def __str__(self) -> str:
        return (
            f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_name or 'system'} "
            f"{self.action} {self.object_label}"
        )

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events cannot be deleted.")
