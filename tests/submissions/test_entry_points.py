"""Every change of a return's status, from every entry point (browser, API, Celery's validation,
Django admin), leaves exactly one audit event saying from what to what, and the event's reason
where a person gave one."""

from __future__ import annotations

import io

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from audit.models import AuditEvent
from notifications.models import Notification
from reviews.models import Decision
from submissions.models import Submission
from submissions.models import SubmissionStatus as S
from submissions.validation import version_validate
from tests.factories import api_token, london
from tests.reviews.support import put_in_state, submit


@pytest.fixture
def moves():
    """The status moves recorded after this fixture: (action, before, after) of each event that
    has a status on both sides and changed it."""
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def read() -> list[tuple[str, str, str]]:
        return [
            (event.action, event.before["status"], event.after["status"])
            for event in AuditEvent.objects.filter(id__gt=last).order_by("id")
            if (event.before or {}).get("status")
            and (event.after or {}).get("status")
            and event.before["status"] != event.after["status"]
        ]

    return read


def _browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return client


def _file(data: bytes):
    stream = io.BytesIO(data)
    stream.name = "plan.xlsx"
    return stream


@pytest.mark.parametrize("via", ["browser", "api"])
def test_upload_validate_and_submit_leave_one_event_per_move(
    act_world, moves, django_capture_on_commit_callbacks, via
):
    submission, lead = act_world.submission, act_world.lead
    with django_capture_on_commit_callbacks(execute=False):
        if via == "browser":
            response = _browser(lead).post(
                reverse("submissions:upload", kwargs={"pk": submission.pk}),
                {"file": _file(act_world.sample())},
            )
            assert response.status_code == 302
        else:
            response = _api(lead).post(
                f"/api/v1/submissions/{submission.pk}/versions/",
                {"file": _file(act_world.sample())},
            )
            assert response.status_code == 202
    submission.refresh_from_db()
    version_validate(version_id=submission.current_version_id)
    submission.refresh_from_db()
    with time_machine.travel(london(2021, 5, 5)):
        if via == "browser":
            response = _browser(lead).post(
                reverse("submissions:submit_check", kwargs={"pk": submission.current_version_id}),
                {"declaration": "on"},
            )
            assert response.status_code == 302
        else:
            response = _api(lead).post(
                f"/api/v1/submissions/{submission.pk}/submit/",
                {"version": submission.current_version_id, "declaration": True},
                format="json",
            )
            assert response.status_code == 200

    assert moves() == [
        ("upload", "not_started", "uploaded"),
        ("validation_started", "uploaded", "validating"),
        ("validation_finished", "validating", "valid"),
        ("submit", "valid", "submitted"),
    ]


@pytest.fixture
def submitted(act_world):
    """A return submitted through the services, as the region finds it."""
    version = submit(submission=act_world.submission, user=act_world.lead, data=act_world.sample())
    return act_world.submission, version


@pytest.mark.parametrize(
    ("via", "decision", "after"),
    [
        ("browser", "approve", "approved"),
        ("browser", "request_changes", "changes_requested"),
        ("api", "approve", "approved"),
        ("api", "request_changes", "changes_requested"),
    ],
)
def test_a_decision_leaves_one_event(act_world, submitted, moves, via, decision, after):
    submission, version = submitted
    payload = {"version": version.pk, "decision": decision, "comment": "Staffing does not add up."}
    if via == "browser":
        response = _browser(act_world.reviewer).post(
            reverse("reviews:decide", kwargs={"pk": submission.pk}), payload
        )
        assert response.status_code == 302
    else:
        response = _api(act_world.reviewer).post(
            f"/api/v1/submissions/{submission.pk}/reviews/", payload, format="json"
        )
        assert response.status_code == 201

    assert moves() == [(f"review.{decision}", "submitted", after)]


def _approved(submission, version) -> None:
    put_in_state(submission=submission, state=S.APPROVED, version=version)


def test_reopen_on_the_review_page_leaves_one_event(act_world, submitted, moves):
    submission, version = submitted
    _approved(submission, version)

    response = _browser(act_world.reviewer).post(
        reverse("reviews:reopen", kwargs={"pk": submission.pk}),
        {"reason": "The trust merged; the plan must change."},
    )

    assert response.status_code == 302
    assert moves() == [("review.reopen", "approved", "changes_requested")]


def test_reopen_from_django_admin_asks_for_a_reason_and_leaves_one_event(
    act_world, submitted, moves, django_capture_on_commit_callbacks
):
    submission, version = submitted
    _approved(submission, version)
    act_world.reviewer.is_staff = act_world.reviewer.is_superuser = True
    act_world.reviewer.save()
    admin = _browser(act_world.reviewer)
    changelist = reverse("admin:submissions_submission_changelist")
    action = {"action": "reopen", "_selected_action": [submission.pk]}
    Notification.objects.all().delete()

    asked = admin.post(changelist, action)
    assert asked.status_code == 200
    assert b"Why the returns are reopened" in asked.content
    assert Submission.objects.get(pk=submission.pk).status == S.APPROVED
    assert moves() == []

    with django_capture_on_commit_callbacks(execute=True):
        done = admin.post(
            changelist, {**action, "apply": "Reopen", "reason": "Reopened for the merger."}
        )

    assert done.status_code == 302
    assert moves() == [("review.reopen", "approved", "changes_requested")]
    assert list(Decision.objects.filter(submission=submission).values_list("kind", "comment")) == [
        ("reopen", "Reopened for the merger.")
    ]
    assert set(Notification.objects.values_list("recipient__username", "kind")) == {
        ("lead-qhm", "review"),
        ("submitter-qhm", "review"),
    }
