"""Permission-matrix rows of the reviews app: the queue, the review page and its forms, comments,
endorsement, and the review API."""

from __future__ import annotations

from planning.models import Collection, OrganisationType
from submissions.models import Submission
from tests.factories import london
from tests.permission_support import (
    ADMIN,
    LEAD,
    REDIRECT,
    SEES_SYSTEM_A,
    UNAUTHORISED,
    Row,
    World,
    _submission_kwargs,
    _version,
    everyone,
    nobody,
    only,
)

REVIEWER = ("regional_reviewer",)


def _with_version(ics_attr: str):
    return lambda w: {"pk": _version(w, ics_attr).submission_id}


def _maternity_of_trust_a(world: World) -> dict:
    collection, _ = Collection.objects.get_or_create(
        planning_round=world.planning_round,
        code="MAT",
        stage="single",
        defaults={
            "name": "Maternity",
            "deadline": london(2021, 5, 6),
            "submitted_by": [OrganisationType.ICS, OrganisationType.PROVIDER],
            "accepted_formats": ["xlsx"],
        },
    )
    submission, _ = Submission.objects.get_or_create(
        collection=collection, organisation=world.trust_a
    )
    return {"pk": submission.pk}


def _answers(base: dict, **overrides) -> dict:
    return {**base, **overrides}


ROWS: list[Row] = [
    Row("reviews:queue", None, only(*REVIEWER, *ADMIN)),
    Row(
        "reviews:queue",
        None,
        only(*REVIEWER, *ADMIN),
        label="filtered",
        query="?status=submitted&waiting=on",
    ),
    Row("reviews:detail", _submission_kwargs("ics_a"), only(*REVIEWER, *ADMIN), label="own region"),
    Row("reviews:detail", _submission_kwargs("ics_b"), only(*ADMIN), label="other region"),
    Row("reviews:detail", lambda w: {"pk": 999999}, nobody(), label="unknown"),
    Row(
        "reviews:decide",
        _with_version("ics_a"),
        only(*REVIEWER, ok=400),
        method="post",
        label="own region, nothing chosen",
    ),
    Row("reviews:decide", _with_version("ics_b"), nobody(), method="post", label="other region"),
    Row("reviews:decide", _submission_kwargs("ics_a"), everyone(405), label="GET not allowed"),
    Row(
        "reviews:reopen",
        _submission_kwargs("ics_a"),
        # National admins may reopen too, as they can from Django admin.
        only(*REVIEWER, *ADMIN, ok=400),
        method="post",
        label="own region, no reason",
    ),
    Row(
        "reviews:reopen",
        _submission_kwargs("ics_b"),
        only(*ADMIN, ok=400),
        method="post",
        label="other region",
    ),
    Row("reviews:compare", _with_version("ics_a"), only(*REVIEWER, *ADMIN), label="own region"),
    Row("reviews:compare", _with_version("ics_b"), only(*ADMIN), label="other region"),
    Row(
        "reviews:compare_panel", _with_version("ics_a"), only(*REVIEWER, *ADMIN), label="own region"
    ),
    Row("reviews:compare_panel", _with_version("ics_b"), only(*ADMIN), label="other region"),
    Row(
        "reviews:comment_create",
        _submission_kwargs("ics_a"),
        _answers(only(*REVIEWER, ok=400), system_lead=REDIRECT),
        method="post",
        label="own system, no text",
    ),
    Row(
        "reviews:comment_create",
        _submission_kwargs("ics_a"),
        only(*REVIEWER, *LEAD, ok=REDIRECT),
        method="post",
        data={"text": "Please check F4."},
        label="own system",
    ),
    Row(
        "reviews:comment_create",
        _submission_kwargs("trust_a"),
        only("submitter", "signatory", *REVIEWER, ok=REDIRECT),
        method="post",
        data={"text": "Is F4 right?"},
        label="own trust",
    ),
    Row(
        "reviews:comment_create",
        _submission_kwargs("ics_b"),
        nobody(),
        method="post",
        label="other system",
    ),
    Row(
        "reviews:endorse",
        _maternity_of_trust_a,
        only(*LEAD, ok=REDIRECT),
        method="post",
        label="provider maternity return",
    ),
    Row(
        "reviews:endorse",
        _submission_kwargs("ics_a"),
        nobody(),
        method="post",
        label="return needing none",
    ),
    # api
    Row(
        "api:submission_reviews",
        _submission_kwargs("ics_a"),
        only(*SEES_SYSTEM_A, anonymous=UNAUTHORISED),
        label="own system",
    ),
    Row(
        "api:submission_reviews",
        _submission_kwargs("ics_b"),
        only(*ADMIN, anonymous=UNAUTHORISED),
        label="other system",
    ),
    Row(
        "api:submission_reviews",
        _with_version("ics_a"),
        only(*REVIEWER, ok=400, anonymous=UNAUTHORISED),
        method="post",
        label="own system, nothing sent",
    ),
    Row(
        "api:submission_reviews",
        _with_version("ics_b"),
        only(anonymous=UNAUTHORISED),
        method="post",
        label="other system",
    ),
    Row(
        "api:submission_comments",
        _submission_kwargs("ics_a"),
        only(*SEES_SYSTEM_A, anonymous=UNAUTHORISED),
        label="own system",
    ),
    Row(
        "api:submission_comments",
        _submission_kwargs("ics_b"),
        only(*ADMIN, anonymous=UNAUTHORISED),
        label="other system",
    ),
    Row(
        "api:submission_comments",
        _submission_kwargs("ics_a"),
        only(*REVIEWER, *LEAD, ok=400, anonymous=UNAUTHORISED),
        method="post",
        label="own system, nothing sent",
    ),
    Row(
        "api:submission_comments",
        _submission_kwargs("ics_a"),
        only(*REVIEWER, *LEAD, ok=201, anonymous=UNAUTHORISED),
        method="post",
        data={"text": "Is F4 right?"},
        label="own system",
    ),
    Row(
        "api:submission_comments",
        _submission_kwargs("ics_b"),
        only(anonymous=UNAUTHORISED),
        method="post",
        label="other system",
    ),
]
