"""Rounds set up from their definitions, and every change to a round that changes what is owed:
installing or updating a definition, copying or rolling a round forward, editing a collection.
Each issues the template versions and makes sure every organisation that owes a return has one,
so it lives with the returns (the contract of a definition is in `planning.definitions`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.models import AuditAction
from audit.services import audit_changes_apply, audit_record
from core.formatting import shift_london_datetime
from planning.definitions import DefinitionRejected, parse_definition
from planning.models import Collection, PlanningRound, RoundStatus
from workbooks.definition import CollectionDefinition, Definition, Problem
from workbooks.definition_roll import definition_roll_forward
from workbooks.specs import template_layout_key

from .models import TemplateVersion, Version
from .services import (
    submissions_ensure_for_round,
    submissions_replace_for_round,
    template_version_issue,
)


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
        reference_date=source.reference_date + dt.timedelta(days=shift_days),
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
def collection_update(
    *, collection: Collection, changed_by: User | None = None, **fields
) -> Collection:
    """Edit a collection (its deadline included), audited with the fields' before and after."""
    audit_changes_apply(
        instance=collection, fields=fields, action=AuditAction.COLLECTION_CHANGED, actor=changed_by
    )
    collection.full_clean()
    collection.save()
    # A change of who submits may add organisations that owe the return.
    submissions_ensure_for_round(planning_round=collection.planning_round)
    return collection


# Round definitions ------------------------------------------------------------------------------


def london_datetime(text: str) -> dt.datetime:
    """A definition's "YYYY-MM-DD HH:MM" on the London clock, as an aware datetime."""
    local = dt.datetime.strptime(text, "%Y-%m-%d %H:%M")
    return timezone.make_aware(local, timezone.get_default_timezone())


def collection_fields(item: CollectionDefinition) -> dict:
    owed = item.owed_by
    return {
        "name": item.name,
        "description": item.description,
        # One return per system: the system owes it, and may name a provider to submit it.
        "submitted_by": ["ics"] if owed.system_or_named_provider else list(owed.types),
        "trust_kinds": list(owed.trust_kinds),
        "named_provider_may_submit": owed.system_or_named_provider,
        "lead_ccg_may_submit": owed.lead_ccg_may_submit,
        "accepted_formats": list(item.formats),
        "is_mandatory": item.mandatory,
        "closes_at_deadline": item.closes_at_deadline,
    }


def _install_problems(*, planning_round: PlanningRound, definition: Definition) -> list[Problem]:
    """What the definition would break in a round already running."""
    problems = []
    wanted = {(item.code, stage.stage) for item in definition.collections for stage in item.stages}
    for collection in planning_round.collections.all():
        if (collection.code, collection.stage) in wanted:
            continue
        if Version.objects.filter(submission__collection=collection).exists():
            problems.append(
                Problem(
                    "collections",
                    None,
                    f"{collection} already has uploads, so it cannot be removed from the round.",
                )
            )
    issued = {
        (row.collection.code, row.version): row.template
        for row in TemplateVersion.objects.filter(
            collection__planning_round=planning_round
        ).select_related("collection")
    }
    for item in definition.collections:
        if not item.template:
            continue
        template = definition.template_data[item.template]
        before = issued.get((item.code, template["version"]))
        if before and before != template:
            problems.append(
                Problem(
                    f"templates.{item.template}.version",
                    None,
                    f"Version {template['version']} of the {item.name} template was already "
                    "issued with different content; give the changed template a new version "
                    "number.",
                )
            )
        newest = max(
            (version for code, version in issued if code == item.code),
            key=template_layout_key,
            default=None,
        )
        if newest and template_layout_key(template["version"]) < template_layout_key(newest):
            # An older layout issued now would become the one organisations download.
            problems.append(
                Problem(
                    f"templates.{item.template}.version",
                    None,
                    f"Version {newest} of the {item.name} template is already issued; version "
                    f"{template['version']} is older. Give the template a version after {newest}.",
                )
            )
    if definition.reference_date != planning_round.reference_date and (
        Version.objects.filter(submission__collection__planning_round=planning_round).exists()
    ):
        # Returns keep the system and region they were placed in on the reference date (ADR 0030).
        problems.append(
            Problem(
                "round.reference_date",
                None,
                f"The round already has uploads, so the organisations it reads cannot change: keep "
                f"the reference date {planning_round.reference_date:%Y-%m-%d}.",
            )
        )
    return problems


@transaction.atomic
def round_definition_install(
    *, planning_round: PlanningRound, text: str, user: User | None = None, request=None
) -> Definition:
    """Make the round match its definition file (see `planning.definitions` for the contract)."""
    definition, problems = parse_definition(text=text)
    if definition is not None:
        problems = _install_problems(planning_round=planning_round, definition=definition)
    if problems:
        raise DefinitionRejected(problems)
    before = {"definition": bool(planning_round.definition)}
    moved = definition.reference_date != planning_round.reference_date
    PlanningRound.objects.filter(pk=planning_round.pk).update(
        definition=definition.data,
        definition_source=text,
        starts_on=definition.starts_on,
        ends_on=definition.ends_on,
        reference_date=definition.reference_date,
    )
    planning_round.refresh_from_db()
    wanted = set()
    for item in definition.collections:
        for stage in item.stages:
            collection, _ = Collection.objects.update_or_create(
                planning_round=planning_round,
                code=item.code,
                stage=stage.stage,
                defaults={**collection_fields(item), "deadline": london_datetime(stage.deadline)},
            )
            wanted.add(collection.pk)
            if item.template:
                _issue_template(
                    collection=collection,
                    template=definition.template_data[item.template],
                    user=user,
                    request=request,
                )
    planning_round.collections.exclude(pk__in=wanted).delete()
    if moved:
        submissions_replace_for_round(planning_round=planning_round)
    submissions_ensure_for_round(planning_round=planning_round)
    audit_record(
        action=AuditAction.ROUND_DEFINED,
        actor=user,
        obj=planning_round,
        before=before,
        after={"collections": len(wanted), "name": definition.name},
        request=request,
    )
    return definition


def _issue_template(*, collection: Collection, template: dict, user: User | None, request) -> None:
    if collection.template_versions.filter(version=template["version"]).exists():
        return
    issued = TemplateVersion.objects.create(
        collection=collection,
        version=template["version"],
        template=template,
        note=template.get("changes", ""),
        issued_by=user,
    )
    audit_record(
        action=AuditAction.TEMPLATE_ISSUED,
        actor=user,
        obj=issued,
        after={"version": issued.version, "note": issued.note},
        request=request,
    )


@transaction.atomic
def round_create_from_definition(
    *, text: str, user: User | None = None, request=None
) -> PlanningRound:
    """A new round (not current) made from a definition file."""
    definition, problems = parse_definition(text=text)
    if problems:
        raise DefinitionRejected(problems)
    if PlanningRound.objects.filter(name=definition.name).exists():
        raise DefinitionRejected(
            [Problem("round.name", None, f"A round called {definition.name} already exists.")]
        )
    planning_round = PlanningRound.objects.create(
        name=definition.name,
        starts_on=definition.starts_on,
        ends_on=definition.ends_on,
        reference_date=definition.reference_date,
    )
    round_definition_install(planning_round=planning_round, text=text, user=user, request=request)
    return planning_round


# Template fixes from an edited definition -------------------------------------------------------


@dataclass(frozen=True)
class TemplateFix:
    """A template the edited definition gives a new version while returns are already owed."""

    code: str
    version: str
    earlier: tuple[str, ...]


def definition_template_fixes(
    *, planning_round: PlanningRound, definition: Definition
) -> list[TemplateFix]:
    """The templates installing `definition` would issue anew over versions already issued."""
    issued: dict[str, set[str]] = {}
    for code, version in TemplateVersion.objects.filter(
        collection__planning_round=planning_round
    ).values_list("collection__code", "version"):
        issued.setdefault(code, set()).add(version)
    fixes = []
    for item in definition.collections:
        if not item.template or item.code not in issued:
            continue
        version = definition.template_data[item.template]["version"]
        if version not in issued[item.code]:
            earlier = tuple(sorted(issued[item.code], key=template_layout_key))
            fixes.append(TemplateFix(code=item.code, version=version, earlier=earlier))
    return fixes


@transaction.atomic
def round_definition_update(
    *,
    planning_round: PlanningRound,
    text: str,
    note: str,
    keep_earlier: bool,
    user: User | None,
    request=None,
) -> list[TemplateFix]:
    """Install an edited definition on a round. Where it gives a template a new version, that
    version is announced as a mid-round fix with the change note: every organisation owing the
    return is told which earlier versions are still accepted."""
    definition, problems = parse_definition(text=text)
    if problems:
        raise DefinitionRejected(problems)
    fixes = definition_template_fixes(planning_round=planning_round, definition=definition)
    announce = fixes and planning_round.is_visible_to_organisations
    if announce and not note.strip():
        raise ValidationError(
            {"note": "Say what changed in the template, for the organisations that owe it."}
        )
    round_definition_install(planning_round=planning_round, text=text, user=user, request=request)
    if announce:
        for fix in fixes:
            for collection in planning_round.collections.filter(code=fix.code):
                template_version_issue(
                    collection=collection,
                    version=fix.version,
                    still_accepted=list(fix.earlier) if keep_earlier else [],
                    note=note,
                    issued_by=user,
                    request=request,
                )
    return fixes


@transaction.atomic
def round_roll_forward(
    *, source: PlanningRound, name: str, user: User | None = None, request=None
) -> PlanningRound:
    """The next round as a draft: the source's definition a year on (periods, labels, baseline
    year, template versions; deadlines on the same weekday at the same time), checked and set up
    like any other definition, for the national team to edit before publishing."""
    data = definition_roll_forward(yaml.safe_load(source.definition_source))
    data["round"]["name"] = name
    new_round = round_create_from_definition(
        text=yaml.safe_dump(data, sort_keys=False, allow_unicode=True), user=user, request=request
    )
    PlanningRound.objects.filter(pk=new_round.pk).update(copied_from=source)
    new_round.copied_from = source
    audit_record(
        action=AuditAction.ROUND_COPIED,
        actor=user,
        obj=new_round,
        after={"copied_from": source.name, "rolled_forward": "a year"},
        request=request,
    )
    return new_round
