"""Deadline extensions: an organisation asks its region for more time, a reviewer grants (perhaps
for less time) or refuses, or sets an organisation's deadline directly. Every change is kept in the
request history and audited; the deadline in force is `DeadlineExtension`, read through
`extensions.deadlines`."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.selectors import users_of_organisation, users_reviewing_region
from audit.models import AuditAction
from audit.services import audit_record
from core.exceptions import Conflict
from core.formatting import london as london_text
from notifications.services import notify
from planning.models import Collection, Organisation
from submissions.models import Submission

from .models import DeadlineExtension, ExtensionRequest, ExtensionStatus

MAX_EXTENSION_DAYS = 60


def _check_extension_deadline(*, collection: Collection, deadline: dt.datetime) -> None:
    if deadline <= collection.deadline:
        raise ValidationError(
            {"deadline": "Choose a deadline after the collection's own deadline."}
        )
    if deadline > collection.deadline + dt.timedelta(days=MAX_EXTENSION_DAYS):
        raise ValidationError({"deadline": f"Extensions can be at most {MAX_EXTENSION_DAYS} days."})


def _extension_url(*, collection: Collection, organisation: Organisation) -> str:
    submission = Submission.objects.filter(collection=collection, organisation=organisation).first()
    return (
        reverse("extensions:return_extensions", kwargs={"pk": submission.pk}) if submission else ""
    )


def _submission_id(*, collection: Collection, organisation: Organisation) -> int | None:
    return (
        Submission.objects.filter(collection=collection, organisation=organisation)
        .values_list("pk", flat=True)
        .first()
    )


def _set_deadline_in_force(
    *,
    collection: Collection,
    organisation: Organisation,
    deadline: dt.datetime,
    reason: str,
    user: User,
) -> None:
    DeadlineExtension.objects.update_or_create(
        collection=collection,
        organisation=organisation,
        defaults={"deadline": deadline, "reason": reason, "granted_by": user},
    )


@transaction.atomic
def extension_request_create(
    *,
    collection: Collection,
    organisation: Organisation,
    requested_by: User,
    deadline: dt.datetime,
    reason: str,
    request=None,
) -> ExtensionRequest:
    """An organisation asks its region for more time."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why you need more time."})
    if not collection.is_owed_by(organisation):
        raise ValidationError(f"{organisation.name} does not owe {collection.title}.")
    _check_extension_deadline(collection=collection, deadline=deadline)
    current = DeadlineExtension.objects.filter(
        collection=collection, organisation=organisation
    ).first()
    if current and deadline <= current.deadline:
        raise ValidationError({"deadline": "Your deadline is already that late or later."})
    if ExtensionRequest.objects.filter(
        collection=collection, organisation=organisation, status=ExtensionStatus.PENDING
    ).exists():
        raise Conflict("A request is already waiting for a decision. Withdraw it to ask again.")
    extension_request = ExtensionRequest.objects.create(
        collection=collection,
        organisation=organisation,
        requested_by=requested_by,
        requested_deadline=deadline,
        reason=reason.strip(),
    )
    audit_record(
        action=AuditAction.EXTENSION_REQUESTED,
        actor=requested_by,
        obj=extension_request,
        submission_id=_submission_id(collection=collection, organisation=organisation),
        organisation_code=organisation.ods_code,
        after={"deadline": deadline.isoformat(), "reason": reason},
        request=request,
    )
    notify(
        recipients=users_reviewing_region(region_id=organisation.region_id),
        kind="extension_requested",
        subject=f"{organisation.name} asks for more time for {collection}",
        body=f"{requested_by.get_full_name() or requested_by.get_username()} asked to move the "
        f"deadline of "
        f"{collection} to {london_text(deadline)}: {reason.strip()}",
        url=_extension_url(collection=collection, organisation=organisation),
    )
    return extension_request


@transaction.atomic
def extension_decide(
    *,
    extension_request: ExtensionRequest,
    decided_by: User,
    grant: bool,
    reason: str,
    deadline: dt.datetime | None = None,
    request=None,
) -> ExtensionRequest:
    """A reviewer grants (possibly for less time than asked) or refuses a request."""
    collection, organisation = extension_request.collection, extension_request.organisation
    deadline = deadline or extension_request.requested_deadline
    if grant:
        _check_extension_deadline(collection=collection, deadline=deadline)
    elif not reason.strip():
        raise ValidationError({"reason": "Say why the request is refused."})
    decided = ExtensionRequest.objects.filter(
        pk=extension_request.pk, status=ExtensionStatus.PENDING
    ).update(
        status=ExtensionStatus.GRANTED if grant else ExtensionStatus.REFUSED,
        decided_by=decided_by,
        decided_at=timezone.now(),
        decided_deadline=deadline if grant else None,
        decision_reason=reason.strip(),
    )
    if not decided:
        raise Conflict("This request has already been decided or withdrawn. Reload the page.")
    if grant:
        _set_deadline_in_force(
            collection=collection,
            organisation=organisation,
            deadline=deadline,
            reason=reason.strip() or extension_request.reason,
            user=decided_by,
        )
    extension_request.refresh_from_db()
    audit_record(
        action=AuditAction.EXTENSION_DECIDED,
        actor=decided_by,
        obj=extension_request,
        submission_id=_submission_id(collection=collection, organisation=organisation),
        organisation_code=organisation.ods_code,
        after={
            "status": extension_request.status,
            "deadline": deadline.isoformat() if grant else None,
            "reason": reason.strip(),
        },
        request=request,
    )
    outcome = f"granted: the deadline is now {london_text(deadline)}" if grant else "refused"
    notify(
        recipients=users_of_organisation(organisation_id=organisation.pk),
        kind="extension_decided",
        subject=f"Extension for {collection} {'granted' if grant else 'refused'}",
        body=f"Your request for more time for {collection} was {outcome}. {reason.strip()}".strip(),
        url=_extension_url(collection=collection, organisation=organisation),
    )
    return extension_request


@transaction.atomic
def extension_withdraw(*, extension_request: ExtensionRequest, user: User, request=None) -> None:
    withdrawn = ExtensionRequest.objects.filter(
        pk=extension_request.pk, status=ExtensionStatus.PENDING
    ).update(status=ExtensionStatus.WITHDRAWN, decided_by=user, decided_at=timezone.now())
    if not withdrawn:
        raise Conflict(
            "This request has already been decided. Reload the page to see the decision."
        )
    audit_record(
        action=AuditAction.EXTENSION_WITHDRAWN,
        actor=user,
        obj=extension_request,
        submission_id=_submission_id(
            collection=extension_request.collection, organisation=extension_request.organisation
        ),
        organisation_code=extension_request.organisation.ods_code,
        request=request,
    )


def deadline_change_check(
    *, collection: Collection, organisation: Organisation, deadline: dt.datetime, reason: str
) -> None:
    """Refuse a deadline for one organisation that deadline_extension_grant would not set."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why the deadline changes."})
    if not collection.is_owed_by(organisation):
        raise ValidationError(f"{organisation.name} does not owe {collection.title}.")
    if deadline < collection.deadline:
        raise ValidationError(
            {"deadline": "An organisation's deadline cannot be earlier than the collection's."}
        )
    if deadline > collection.deadline + dt.timedelta(days=MAX_EXTENSION_DAYS):
        raise ValidationError({"deadline": f"Extensions can be at most {MAX_EXTENSION_DAYS} days."})


@transaction.atomic
def deadline_extension_grant(
    *,
    collection: Collection,
    organisation: Organisation,
    deadline: dt.datetime,
    reason: str,
    granted_by: User,
    request=None,
) -> DeadlineExtension | None:
    """A reviewer or admin sets one organisation's deadline directly: a later one, a shorter
    extension, or back to the collection's own deadline. Kept in the request history too."""
    deadline_change_check(
        collection=collection, organisation=organisation, deadline=deadline, reason=reason
    )
    previous = DeadlineExtension.objects.filter(
        collection=collection, organisation=organisation
    ).first()
    now = timezone.now()
    ExtensionRequest.objects.create(
        collection=collection,
        organisation=organisation,
        requested_by=granted_by,
        requested_deadline=deadline,
        reason=reason.strip(),
        status=ExtensionStatus.GRANTED,
        decided_by=granted_by,
        decided_at=now,
        decided_deadline=deadline,
        decision_reason=reason.strip(),
    )
    if deadline == collection.deadline:
        DeadlineExtension.objects.filter(collection=collection, organisation=organisation).delete()
        extension = None
    else:
        _set_deadline_in_force(
            collection=collection,
            organisation=organisation,
            deadline=deadline,
            reason=reason.strip(),
            user=granted_by,
        )
        extension = DeadlineExtension.objects.get(collection=collection, organisation=organisation)
    audit_record(
        action=AuditAction.EXTENSION_DECIDED,
        actor=granted_by,
        obj=collection,
        submission_id=_submission_id(collection=collection, organisation=organisation),
        organisation_code=organisation.ods_code,
        before={"deadline": (previous.deadline if previous else collection.deadline).isoformat()},
        after={"deadline": deadline.isoformat(), "reason": reason.strip()},
        request=request,
    )
    notify(
        recipients=users_of_organisation(organisation_id=organisation.pk),
        kind="extension_decided",
        subject=f"Your deadline for {collection} has changed",
        body=f"The deadline of {collection} for {organisation.name} is now "
        f"{london_text(deadline)}. {reason.strip()}",
        url=_extension_url(collection=collection, organisation=organisation),
    )
    return extension
