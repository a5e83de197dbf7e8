from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from accounts.models import Role, User
from accounts.selectors import (
    people_named,
    user_scope,
    users_holding_role,
    users_reviewing_region,
)
from planning.models import Organisation, OrganisationType, PlanningRound
from planning.selectors import current_round, rounds_visible_to
from submissions.models import ReturnValue, Submission, SubmissionStatus, Version
from submissions.selectors import collection_specs, submissions_for_user, version_named
from workbooks.model import UNITS, GridSheet, Measure
from workbooks.specs import spec_for

from .models import Comment, CommentSide, Decision, DecisionKind, Endorsement
from .rules import can_view_review

# Queue ------------------------------------------------------------------------------------------


def review_queue_for_user(*, user: User) -> QuerySet[Submission]:
    """Every return a reviewer reviews: their regions' (all for a national admin). Each row carries
    `last_comment_side` and `waiting`: submitted and undecided, or the organisation spoke last."""
    scope = user_scope(user=user)
    submissions = submissions_for_user(user=user)
    if not scope.is_national_admin:
        submissions = submissions.filter(region_id__in=scope.reviewer_region_ids)
    last_side = (
        Comment.objects.filter(submission_id=OuterRef("pk"))
        .order_by("-created_at", "-id")
        .values("side")[:1]
    )
    return (
        submissions.select_related("system")
        .annotate(last_comment_side=Coalesce(Subquery(last_side), Value("")))
        .annotate(
            waiting=Q(status=SubmissionStatus.SUBMITTED)
            | Q(last_comment_side=CommentSide.ORGANISATION)
        )
    )


def queue_status_counts(*, queue: QuerySet[Submission]) -> list[tuple[str, str, int]]:
    """How many returns of the queue are in each status, in the order of the life of a return."""
    counts = dict(queue.order_by().values_list("status").annotate(n=Count("pk")))
    return [
        (status.value, status.label, counts.get(status.value, 0)) for status in SubmissionStatus
    ]


def queue_icss(*, user: User) -> QuerySet[Organisation]:
    scope = user_scope(user=user)
    icss = Organisation.objects.filter(org_type=OrganisationType.ICS)
    return icss if scope.is_national_admin else icss.filter(region_id__in=scope.reviewer_region_ids)


def round_from_query(*, user: User, value: str | None) -> PlanningRound | None:
    """The round a page's filter names, if the user may see it; else the current round."""
    if value and value.isdigit():
        return rounds_visible_to(user=user).filter(pk=int(value)).first()
    return current_round()


# One return -------------------------------------------------------------------------------------


def submission_get_for_reviewer(*, user: User, pk: int) -> Submission:
    """The return, or 404 unless the user reviews its region (or is a national admin)."""
    submission = review_queue_for_user(user=user).filter(pk=pk).first()
    if submission is None or not can_view_review(user, submission):
        raise Http404("No such return")
    return submission


def decisions_of_submission(*, submission: Submission) -> QuerySet[Decision]:
    return submission.decisions.select_related("reviewer", "version").order_by("-created_at", "-id")


UNKNOWN_PARENT = (
    "That comment is not part of this return, so it cannot be answered. "
    "Reload the page to see its comments."
)


def comment_references(
    *, submission: Submission, version_id: int | None, parent_id: int | None
) -> tuple[Version | None, Comment | None]:
    """The version and the comment answered that a new comment names, both of this return; an id
    that names nothing of it is refused alike in the browser and the API."""
    version = None if version_id is None else version_named(submission=submission, pk=version_id)
    parent = None
    if parent_id is not None:
        parent = comments_of_submission(submission=submission).filter(pk=parent_id).first()
        if parent is None:
            raise ValidationError({"parent": UNKNOWN_PARENT})
    return version, parent


_STANDING_KINDS = (DecisionKind.APPROVE, DecisionKind.REQUEST_CHANGES, DecisionKind.REOPEN)


def standing_decisions(*, submissions: list[Submission]) -> dict[int, Decision]:
    """The decision each return's status rests on (approved, or changes asked for), newest first
    by return; returns awaiting or without a decision have none. One query for any number."""
    decided = [s.pk for s in submissions if s is not None and s.status in SubmissionStatus.DECIDED]
    if not decided:
        return {}
    standing: dict[int, Decision] = {}
    for decision in (
        Decision.objects.filter(submission_id__in=decided, kind__in=_STANDING_KINDS)
        .select_related("reviewer", "version", "submission__collection")
        .order_by("-created_at", "-id")
    ):
        standing.setdefault(decision.submission_id, decision)
    return standing


def comments_of_submission(*, submission: Submission) -> QuerySet[Comment]:
    return submission.comments.select_related("author", "version").order_by("created_at", "id")


def comment_threads(*, submission: Submission) -> list[tuple[Comment, list[Comment]]]:
    """Top-level comments, each with its replies, oldest first."""
    comments = list(comments_of_submission(submission=submission))
    replies: dict[int, list[Comment]] = {}
    for comment in comments:
        if comment.parent_id:
            replies.setdefault(comment.parent_id, []).append(comment)
    return [(comment, replies.get(comment.pk, [])) for comment in comments if not comment.parent_id]


def endorsement_of_version(*, version: Version | None) -> Endorsement | None:
    if version is None:
        return None
    return Endorsement.objects.select_related("endorsed_by").filter(version=version).first()


def related_submissions(*, submission: Submission) -> QuerySet[Submission]:
    """The same return at every stage of the round (draft and final), this one included."""
    return Submission.objects.filter(
        organisation_id=submission.organisation_id,
        collection__code=submission.collection.code,
        collection__planning_round_id=submission.collection.planning_round_id,
    )


def comparable_versions(*, submission: Submission) -> QuerySet[Version]:
    """Versions a reviewer may compare on this return's page: its own and its other stage's."""
    return (
        Version.objects.filter(submission__in=related_submissions(submission=submission))
        .select_related("submission__collection", "uploaded_by")
        .order_by("submission__collection__deadline", "submission_id", "number")
    )


def comparable_version_get(*, submission: Submission, pk: str | int | None) -> Version:
    try:
        return comparable_versions(submission=submission).get(pk=int(pk))
    except (TypeError, ValueError, Version.DoesNotExist):
        raise Http404("No such version of this return") from None


def has_waiting_comment(*, submission: Submission) -> bool:
    last = submission.comments.order_by("-created_at", "-id").values_list("side", flat=True).first()
    return last == CommentSide.ORGANISATION


# Workbook contents ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureTotal:
    code: str
    label: str
    unit: str
    total: Decimal
    averaged: bool = False
    baseline: Decimal | None = None

    @property
    def change(self) -> str:
        """The change against the baseline, e.g. "+4.2%"; "" without a baseline to compare."""
        if not self.baseline:
            return ""
        return f"{100 * (self.total - self.baseline) / self.baseline:+.1f}%"


def _headline(numbers: list[Decimal], *, adds_up: bool) -> Decimal:
    """Flows (activity, staff, money) add up over the months; rates and shares are averaged, as
    adding up twelve monthly percentages means nothing."""
    if adds_up:
        return sum(numbers, Decimal(0))
    return sum(numbers, Decimal(0)) / len(numbers) if numbers else Decimal(0)


@dataclass(frozen=True)
class SheetTotals:
    sheet: str
    title: str
    periods: int
    totals: list[MeasureTotal]


def measure_adds_up(*, measure: Measure) -> bool:
    """Whether a measure's months add up to a total (a flow) or not (a rate or a share). Read from
    its unit for now; the round's definition will say so of each measure."""
    return UNITS[measure.unit].additive


def version_totals(*, version: Version) -> list[SheetTotals]:
    """Per grid sheet, each measure of the organisation's own (system total) block summed over the
    months: the headline figures a reviewer reads first. The baseline column is not a month.
    From the values validation stored, so the page never opens the file."""
    if version.file_format != "xlsx" or not version.template_version:
        return []
    spec = spec_for(
        specs=collection_specs(collection=version.submission.collection),
        version=version.template_version,
    )
    if spec is None:
        return []
    months: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    baselines: dict[tuple[str, str], Decimal] = {}
    own = ReturnValue.objects.filter(version=version, organisation_kind="self").values_list(
        "sheet", "measure", "is_baseline", "value"
    )
    for sheet_name, measure, is_baseline, value in own:
        # Through str so 0.1 + 0.2 style binary noise does not show up in a total.
        number = Decimal(str(value))
        if is_baseline:
            baselines[(sheet_name, measure)] = number
        else:
            months[(sheet_name, measure)].append(number)
    return [
        SheetTotals(
            sheet=sheet.name,
            title=sheet.title,
            periods=len(sheet.periods),
            totals=[
                _measure_total(
                    measure=measure,
                    months=months[(sheet.name, measure.code)],
                    baseline=baselines.get((sheet.name, measure.code)),
                )
                for measure in sheet.measures
            ],
        )
        for sheet in spec.sheets
        if isinstance(sheet, GridSheet)
    ]


def _measure_total(*, measure: Measure, months: list[Decimal], baseline: Decimal | None):
    adds_up = measure_adds_up(measure=measure)
    return MeasureTotal(
        code=measure.code,
        label=measure.label,
        unit=measure.unit,
        total=_headline(months, adds_up=adds_up),
        averaged=not adds_up,
        # The baseline is one month's figure: over the same months for a flow.
        baseline=baseline * len(months) if baseline is not None and adds_up else baseline,
    )


APPROVE, ENDORSE = "approve", "endorse"


def four_eyes_refusal(*, user: User, submission: Submission, version: Version, action: str) -> str:
    """Why the user may not approve or endorse this version (they uploaded it, signed it off, or
    it was signed off by someone covering for them), naming who can instead; "" when they may."""
    signer = submission.submitted_by
    reasons = []
    if version.uploaded_by_id == user.pk:
        reasons.append("uploaded it")
    if submission.submitted_by_id == user.pk and submission.submitted_version_id == version.pk:
        reasons.append("signed it off")
    if submission.submitted_on_behalf_of_id == user.pk and signer is not None:
        reasons.append(
            f"had it signed off by {signer.get_full_name() or signer.get_username()}, "
            "who was covering for you"
        )
    if not reasons:
        return ""
    conflicted = {
        user.pk,
        version.uploaded_by_id,
        submission.submitted_by_id,
        submission.submitted_on_behalf_of_id,
    } - {None}
    if action == APPROVE:
        others = users_reviewing_region(region_id=submission.region_id)
        role = f"reviewers of {submission.region.name}"
    else:
        others = users_holding_role(role=Role.SYSTEM_LEAD, organisation_id=submission.system_id)
        role = f"system leads of {submission.system.name}" if submission.system_id else ""
    names = people_named(users=others.exclude(pk__in=conflicted))
    instead = (
        f"Ask {names} ({role}) to {action} it."
        if names
        else f"No one else holds that role, so ask a national admin to {action} it."
    )
    return (
        f"You cannot {action} version {version.number}: you {' and '.join(reasons)}, and a "
        f"second person must {action} what one person prepared. {instead}"
    )
