from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
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
from submissions.models import Submission, SubmissionStatus, Version, VersionStatus
from submissions.selectors import collection_specs, submissions_for_user, version_named
from submissions.services import member_organisations
from workbooks.compare import CellChange, CellLabel, SheetLabels, template_labels
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


def related_versions(*, submission: Submission) -> QuerySet[Version]:
    """Every version of this return and of its other stage, whatever became of it."""
    return (
        Version.objects.filter(submission__in=related_submissions(submission=submission))
        .select_related("submission__collection", "uploaded_by")
        .order_by("submission__collection__deadline", "submission_id", "number")
    )


def comparable_versions(*, submission: Submission) -> QuerySet[Version]:
    """Versions a reviewer may compare on this return's page: its own and its other stage's that
    were checked, since a queued, rejected or failed file has no values to compare."""
    return related_versions(submission=submission).filter(status__in=VersionStatus.CHECKED)


def comparable_version_get(*, submission: Submission, pk: str | int | None) -> Version:
    try:
        return comparable_versions(submission=submission).get(pk=int(pk))
    except (TypeError, ValueError, Version.DoesNotExist):
        raise Http404("No such version of this return") from None


@dataclass(frozen=True)
class ComparisonChoice:
    """The two versions a comparison opens on, oldest first, and why when they are of two stages."""

    old: Version
    new: Version
    note: str = ""


def comparison_default(*, submission: Submission, versions: list[Version]) -> ComparisonChoice:
    """The two newest versions of this return's stage; with only one, that one and the newest of
    the other stage. `versions` is `comparable_versions`, oldest stage first."""
    own = [version for version in versions if version.submission_id == submission.pk]
    if len(own) >= 2:
        return ComparisonChoice(old=own[-2], new=own[-1])
    others = [version for version in versions if version.submission_id != submission.pk]
    if not own or not others:
        return ComparisonChoice(old=versions[-1], new=versions[-1])
    only, other = own[-1], others[-1]
    stage = only.submission.collection.get_stage_display().lower()
    other_stage = other.submission.collection.get_stage_display().lower()
    old, new = sorted((only, other), key=versions.index)
    return ComparisonChoice(
        old=old,
        new=new,
        note=f"This return has one {stage} version, so it is compared with the newest "
        f"{other_stage} version (version {other.number}).",
    )


COMPARISON_PAGE_SIZE = 50
OUTSIDE_TEMPLATE = "Outside the template's rows and columns"


@dataclass(frozen=True)
class LabelledChange:
    change: CellChange
    label: CellLabel | None  # None for a cell outside the template's rows and columns

    @property
    def before(self) -> str:
        return _shown(self.change.old)

    @property
    def after(self) -> str:
        return _shown(self.change.new)

    @property
    def difference(self) -> str:
        if self.change.difference is None:
            return ""
        return ("+" if self.change.difference > 0 else "") + _shown(self.change.difference)


def _shown(value: object) -> str:
    """A figure with thousands separators and without binary noise; words as they are."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return "" if value is None else str(value)
    return f"{Decimal(str(value)).normalize():,f}"


@dataclass(frozen=True)
class SheetChanges:
    """One sheet's changes on the page shown, and how many the sheet has in all."""

    name: str
    title: str
    period_header: str
    count: int
    first_page: int
    changes: list[LabelledChange]

    @property
    def count_text(self) -> str:
        return f"{self.count:,} change" + ("" if self.count == 1 else "s")

    @property
    def by_organisation(self) -> list[tuple[str, list[LabelledChange]]]:
        """The page's changes in runs of one organisation (the template lays each one's rows out
        together), so its name heads its rows instead of repeating on each."""
        runs: list[tuple[str, list[LabelledChange]]] = []
        for item in self.changes:
            organisation = item.label.organisation if item.label else OUTSIDE_TEMPLATE
            if not runs or runs[-1][0] != organisation:
                runs.append((organisation, []))
            runs[-1][1].append(item)
        return runs


@dataclass(frozen=True)
class ComparisonPage:
    page: Page
    sheets: list[SheetChanges]  # every sheet with a change, those on this page with theirs
    listed: int  # the changes kept for listing (the first few thousand of a whole new file)
    total: int  # every change found

    @property
    def showing(self) -> str:
        """E.g. "Showing 51 to 100 of 5,762 changes"."""
        noun = "change" if self.total == 1 else "changes"
        return (
            f"Showing {self.page.start_index():,} to {self.page.end_index():,} of "
            f"{self.total:,} {noun}"
        )

    @property
    def unlisted(self) -> str:
        """What to do about changes beyond those kept for listing; "" when all are listed."""
        if self.total <= self.listed:
            return ""
        return (
            f"Only the first {self.listed:,} changes are listed here. Download the two files to "
            "compare the rest."
        )


def comparison_page(
    *,
    submission: Submission,
    version: Version,
    changes: list[CellChange],
    total: int,
    number: str | None,
) -> ComparisonPage:
    """One page of the changes, grouped by sheet, each labelled with its organisation, measure and
    period from the template `version` was made from (the newer of the two)."""
    page = Paginator(changes, COMPARISON_PAGE_SIZE).get_page(number)
    labels = _template_labels(submission=submission, version=version)
    counts = Counter(change.sheet for change in changes)
    starts: dict[str, int] = {}
    for index, change in enumerate(changes):
        starts.setdefault(change.sheet, index // COMPARISON_PAGE_SIZE + 1)
    on_page: dict[str, list[LabelledChange]] = defaultdict(list)
    for change in page.object_list:
        sheet = labels.get(change.sheet)
        on_page[change.sheet].append(
            LabelledChange(change=change, label=sheet.label(change.cell) if sheet else None)
        )
    sheets = []
    for name, count in counts.items():
        sheet = labels.get(name)
        sheets.append(
            SheetChanges(
                name=name,
                title=sheet.title if sheet else name,
                period_header=sheet.period_header if sheet else "Period",
                count=count,
                first_page=starts[name],
                changes=on_page.get(name, []),
            )
        )
    return ComparisonPage(page=page, sheets=sheets, listed=len(changes), total=total)


def _template_labels(*, submission: Submission, version: Version) -> dict[str, SheetLabels]:
    specs = collection_specs(collection=version.submission.collection)
    spec = spec_for(specs=specs, version=version.template_version) or (specs[-1] if specs else None)
    if spec is None:
        return {}
    organisation = submission.organisation
    return template_labels(
        spec=spec,
        organisation_code=organisation.ods_code,
        organisation_name=organisation.name,
        members=member_organisations(
            organisation=organisation,
            day=submission.collection.planning_round.reference_date,
        ),
    )


def has_waiting_comment(*, submission: Submission) -> bool:
    last = submission.comments.order_by("-created_at", "-id").values_list("side", flat=True).first()
    return last == CommentSide.ORGANISATION


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
