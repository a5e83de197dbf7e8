from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from python_calamine import CalamineWorkbook

from accounts.models import Role, User
from accounts.selectors import (
    people_named,
    user_scope,
    users_holding_role,
    users_reviewing_region,
)
from planning.models import Organisation, OrganisationType, PlanningRound
from planning.selectors import current_round
from submissions.models import Submission, SubmissionStatus, Version
from submissions.selectors import submissions_for_user
from submissions.services import template_context
from workbooks.model import COVER_SHEET, INSTRUCTIONS_SHEET, GridSheet, col_letter, grid_blocks
from workbooks.specs import spec_for

from .models import Comment, CommentSide, Decision, Endorsement
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


def round_from_query(*, value: str | None) -> PlanningRound | None:
    if value and value.isdigit():
        return PlanningRound.objects.filter(pk=int(value)).first()
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

Cell = tuple[str, int, int]  # sheet, row, column (1-based)
_SKIPPED_SHEETS = frozenset({INSTRUCTIONS_SHEET})


def _number(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    # Through str so 0.1 + 0.2 style binary noise does not show up as a difference.
    return Decimal(str(value)).normalize()


def _read_cells(version: Version) -> dict[Cell, object]:
    with version.file.open("rb") as stream:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(stream.read()))
    cells: dict[Cell, object] = {}
    for name in workbook.sheet_names:
        if name in _SKIPPED_SHEETS:
            continue
        for row_index, row in enumerate(workbook.get_sheet_by_name(name).to_python(), start=1):
            for col_index, value in enumerate(row, start=1):
                if value not in ("", None):
                    cells[(name, row_index, col_index)] = value
    return cells


@dataclass(frozen=True)
class CellChange:
    sheet: str
    cell: str
    old: object
    new: object
    difference: Decimal | None


def _sheet_order(name: str, order: dict[str, int]) -> tuple[int, str]:
    return (order.get(name, len(order)), name)


def version_diff(*, old: Version, new: Version) -> list[CellChange]:
    """Every cell whose value differs between two workbook versions, in sheet then row order.
    Cells are compared by position: versions of one return share the template's layout."""
    if old.file_format != "xlsx" or new.file_format != "xlsx":
        return []
    before, after = _read_cells(old), _read_cells(new)
    changes = []
    for key in set(before) | set(after):
        old_value, new_value = before.get(key, ""), after.get(key, "")
        old_number, new_number = _number(old_value), _number(new_value)
        if old_number is not None and new_number is not None:
            if old_number == new_number:
                continue
            difference = new_number - old_number
        elif old_value == new_value:
            continue
        else:
            difference = None
        sheet, row, col = key
        changes.append(
            CellChange(
                sheet=sheet,
                cell=f"{col_letter(col)}{row}",
                old=old_value,
                new=new_value,
                difference=difference,
            )
        )
    order = {COVER_SHEET: 0}
    changes.sort(
        key=lambda change: (_sheet_order(change.sheet, order), _cell_sort_key(change.cell))
    )
    return changes


def _cell_sort_key(cell: str) -> tuple[int, int]:
    letters = cell.rstrip("0123456789")
    number = int(cell[len(letters) :])
    column = 0
    for letter in letters:
        column = column * 26 + ord(letter) - 64
    return (number, column)


@dataclass(frozen=True)
class MeasureTotal:
    code: str
    label: str
    unit: str
    total: Decimal


@dataclass(frozen=True)
class SheetTotals:
    sheet: str
    title: str
    periods: int
    totals: list[MeasureTotal]


def version_totals(*, version: Version) -> list[SheetTotals]:
    """Per grid sheet, each measure of the organisation's own (system total) block summed over the
    months: the headline figures a reviewer reads first. The baseline column is not a month."""
    if version.file_format != "xlsx" or not version.template_version:
        return []
    context = template_context(
        submission=version.submission, template_version=version.template_version
    )
    spec = spec_for(collection_code=context.collection_code, version=version.template_version)
    if spec is None:
        return []
    cells = _read_cells(version)
    result = []
    for sheet in spec.sheets:
        if not isinstance(sheet, GridSheet):
            continue
        own = grid_blocks(
            sheet=sheet,
            organisation_code=context.organisation_code,
            organisation_name=context.organisation_name,
            members=context.members,
        )[0]
        first_month = sheet.first_value_col + (1 if sheet.baseline_label else 0)
        month_cols = range(first_month, first_month + len(sheet.periods))
        totals = []
        for code, grid_row in own.rows.items():
            numbers = [_number(cells.get((sheet.name, grid_row.row, col))) for col in month_cols]
            totals.append(
                MeasureTotal(
                    code=code,
                    label=grid_row.measure.label,
                    unit=grid_row.measure.unit,
                    total=sum((n for n in numbers if n is not None), Decimal(0)),
                )
            )
        result.append(
            SheetTotals(
                sheet=sheet.name, title=sheet.title, periods=len(sheet.periods), totals=totals
            )
        )
    return result


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
