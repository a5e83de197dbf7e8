"""Rounds and their collections: copying a round to the next year, editing a collection, choosing
the current round. Each change makes sure every organisation that owes a return has one."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from audit.models import AuditAction
from audit.services import audit_record

from core.formatting import shift_london_datetime
from submissions.models import TemplateVersion
from submissions.services import submissions_ensure_for_round

from .models import Collection, PlanningRound, RoundStatus


@transaction.atomic
def round_copy(
    *, source: PlanningRound, name: str, shift_days: int, user: User | None = None, request=None
) -> PlanningRound:
    """A new draft round with every collection of the source, dates moved by shift_days.
    Organisations see it only once it is published."""
    if PlanningRound.objects.filter(name=name).exists():
        raise ValidationError({"name": "A round with this name already exists."})
    new_round = PlanningRound.objects.create(
        name=name,
        starts_on=source.starts_on + dt.timedelta(days=shift_days),
        ends_on=source.ends_on + dt.timedelta(days=shift_days),
        status=RoundStatus.DRAFT,
        copied_from=source,
    )
    Collection.objects.bulk_create(
        Collection(
            planning_round=new_round,
            code=collection.code,
            name=collection.name,
            stage=collection.stage,
            deadline=shift_london_datetime(collection.deadline, days=shift_days),
            submitted_by=list(collection.submitted_by),
            trust_kinds=list(collection.trust_kinds),
            accepted_formats=list(collection.accepted_formats),
            closes_at_deadline=collection.closes_at_deadline,
            is_mandatory=collection.is_mandatory,
            lead_ccg_may_submit=collection.lead_ccg_may_submit,
            description=collection.description,
        )
        for collection in source.collections.all()
    )
    for template_version in TemplateVersion.objects.filter(
        collection__planning_round=source
    ).select_related("collection"):
        TemplateVersion.objects.get_or_create(
            collection=new_round.collections.get(
                code=template_version.collection.code, stage=template_version.collection.stage
            ),
            version=template_version.version,
            defaults={"is_accepted": template_version.is_accepted, "note": template_version.note},
        )
    submissions_ensure_for_round(planning_round=new_round)
    audit_record(
        action=AuditAction.ROUND_COPIED,
        actor=user,
        obj=new_round,
        after={"copied_from": source.name, "shift_days": shift_days},
        request=request,
    )
    return new_round


@transaction.atomic
def collection_update(*, collection: Collection, **fields) -> Collection:
    for name, value in fields.items():
        setattr(collection, name, value)
    collection.full_clean()
    collection.save()
    # A change of who submits may add organisations that owe the return.
    submissions_ensure_for_round(planning_round=collection.planning_round)
    return collection


@transaction.atomic
def round_make_current(
    *, planning_round: PlanningRound, user: User | None = None, request=None
) -> None:
    """Organisations land on this round; only a published round may be current."""
    if planning_round.status != RoundStatus.PUBLISHED:
        raise ValidationError(
            f"Publish {planning_round.name} before making it current: organisations cannot see "
            "a round that is not published."
        )
    if PlanningRound.objects.filter(pk=planning_round.pk, is_current=True).exists():
        return
    previous = list(
        PlanningRound.objects.select_for_update()
        .exclude(pk=planning_round.pk)
        .filter(is_current=True)
        .values_list("name", flat=True)
    )
    PlanningRound.objects.exclude(pk=planning_round.pk).filter(is_current=True).update(
        is_current=False
    )
    made = PlanningRound.objects.filter(pk=planning_round.pk, status=RoundStatus.PUBLISHED).update(
        is_current=True
    )
    if not made:
        raise ValidationError(f"{planning_round.name} changed meanwhile. Reload the page.")
    planning_round.is_current = True
    audit_record(
        action=AuditAction.ROUND_MADE_CURRENT,
        actor=user,
        obj=planning_round,
        before={"current": previous[0] if previous else None},
        after={"current": planning_round.name},
        request=request,
    )
