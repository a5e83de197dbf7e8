from __future__ import annotations

import rules
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q


class User(AbstractUser):
    """A person. What they may do comes from their role assignments, not from Django groups."""

    class Meta:
        ordering = ["username"]

    def has_perm(self, perm, obj=None):
        # Django lets the superuser flag pass every permission check. It keeps that meaning for
        # Django admin's model permissions only: a portal permission (a django-rules one) comes from
        # the person's roles, so a superuser national admin cannot upload, ask for an extension or
        # sign off for an organisation, exactly like any other national admin.
        if rules.perm_exists(perm):
            return self.is_active and rules.has_perm(perm, self, obj)
        return super().has_perm(perm, obj)


class Role(models.TextChoices):
    SUBMITTER = "submitter", "Submitter"
    SIGNATORY = "signatory", "Signatory"
    SYSTEM_LEAD = "system_lead", "System lead"
    REGIONAL_REVIEWER = "regional_reviewer", "Regional reviewer"
    NATIONAL_ADMIN = "national_admin", "National admin"


ORGANISATION_ROLES = (Role.SUBMITTER, Role.SIGNATORY, Role.SYSTEM_LEAD)


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(max_length=20, choices=Role.choices)
    organisation = models.ForeignKey(
        "planning.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
    )
    region = models.ForeignKey(
        "planning.Region",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user", "role"]
        constraints = [
            models.CheckConstraint(
                name="role_scope_matches_role",
                condition=(
                    Q(role__in=ORGANISATION_ROLES, organisation__isnull=False, region__isnull=True)
                    | Q(
                        role=Role.REGIONAL_REVIEWER, organisation__isnull=True, region__isnull=False
                    )
                    | Q(role=Role.NATIONAL_ADMIN, organisation__isnull=True, region__isnull=True)
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "organisation"],
                condition=Q(organisation__isnull=False),
                name="unique_org_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "region"],
                condition=Q(region__isnull=False),
                name="unique_region_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(role="national_admin"),
                name="unique_national_admin",
            ),
        ]

    def __str__(self) -> str:
        scope = self.organisation or self.region or "England"
        return f"{self.user} – {self.get_role_display()} – {scope}"

    @property
    def scope_name(self) -> str:
        if self.organisation_id:
            return self.organisation.name
        if self.region_id:
            return self.region.name
        return "England"


class Invitation(models.Model):
    """An emailed, single-use, expiring link to set a password and take up a role."""

    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    organisation = models.ForeignKey(
        "planning.Organisation", on_delete=models.CASCADE, null=True, blank=True
    )
    region = models.ForeignKey("planning.Region", on_delete=models.CASCADE, null=True, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="invitations_sent")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="invitations_accepted"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation for {self.email} ({self.get_role_display()})"


DELEGABLE_ROLES = (Role.SIGNATORY, Role.SYSTEM_LEAD, Role.REGIONAL_REVIEWER)


class Delegation(models.Model):
    """Out-of-office cover: a role handed to a named colleague for a set period. It ends by itself
    because every permission check reads only delegations in force at that moment."""

    role_assignment = models.ForeignKey(
        RoleAssignment, on_delete=models.CASCADE, related_name="delegations"
    )
    to_user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="delegations_received")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                name="delegation_ends_after_start", condition=Q(ends_at__gt=models.F("starts_at"))
            ),
            models.CheckConstraint(name="delegation_has_reason", condition=~Q(reason="")),
        ]
        indexes = [models.Index(fields=["to_user", "ends_at"])]

    def __str__(self) -> str:
        return (
            f"{self.role_assignment} → {self.to_user} "
            f"({self.starts_at:%d %b} to {self.ends_at:%d %b %Y})"
        )

    @property
    def delegator(self) -> User:
        return self.role_assignment.user
