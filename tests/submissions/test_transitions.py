from __future__ import annotations

import io

import pytest

from audit.models import AuditEvent
from notifications.models import Notification
from submissions.models import Submission, Version
from submissions.models import SubmissionStatus as S
from submissions.services import version_create
from submissions.transitions import (
    Action,
    TransitionConflict,
    allowed_actions,
    state_allows,
    transition,
)

# The lifecycle as the guidance describes it, written out here rather than read from the module:
# action -> (the statuses it may start from, the status it ends in, the audit event it leaves).
OPEN = {"not_started", "uploaded", "validating", "invalid", "valid", "changes_requested"}
EXPECTED = {
    "upload": (OPEN, "uploaded", "upload"),
    # A submitted return stays submitted while a newer draft is checked.
    "upload_draft": ({"submitted"}, "submitted", "upload"),
    "start_validation": ({"uploaded"}, "validating", "validation_started"),
    "pass_validation": ({"uploaded", "validating"}, "valid", "validation_finished"),
    "fail_validation": ({"uploaded", "validating"}, "invalid", "validation_finished"),
    # Any version checked without errors may be submitted, whatever the newest upload shows.
    "submit": (OPEN, "submitted", "submit"),
    "resubmit": ({"submitted"}, "submitted", "submit"),
    "approve": ({"submitted"}, "approved", "review.approve"),
    "request_changes": ({"submitted"}, "changes_requested", "review.request_changes"),
    "reopen": ({"approved"}, "changes_requested", "review.reopen"),
}
# Who is told when a return moves: (notification kind, people of the organisation, reviewers).
EXPECTED_NOTICES = {
    "submit": {"submitted": {"lead-qhm", "submitter-qhm", "reviewer-y63"}},
    "resubmit": {"submitted": {"lead-qhm", "submitter-qhm", "reviewer-y63"}},
    "approve": {"review": {"lead-qhm", "submitter-qhm"}},
    "request_changes": {"review": {"lead-qhm", "submitter-qhm"}},
    "reopen": {"review": {"lead-qhm", "submitter-qhm"}},
}
ALL_STATES = sorted(S.values)


def test_expected_table_covers_every_action_and_state():
    assert set(EXPECTED) == set(Action.values)
    assert set().union(*(sources for sources, _, _ in EXPECTED.values())) <= set(ALL_STATES)


@pytest.fixture
def uploaded(act_world) -> Version:
    """A version uploaded through the service; its own events and notices are left behind."""
    version = version_create(
        submission=act_world.submission,
        user=act_world.submitter,
        stream=io.BytesIO(act_world.sample()),
        filename="plan.xlsx",
    ).version
    Notification.objects.all().delete()
    return version


@pytest.fixture
def new_events():
    """The audit events recorded after this fixture (the trail itself cannot be emptied)."""
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    return lambda: AuditEvent.objects.filter(id__gt=last)


def _notified(kind_of: dict) -> dict[str, set[str]]:
    return {
        kind: set(
            Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True)
        )
        for kind in kind_of
    }


@pytest.mark.parametrize("action", sorted(EXPECTED))
@pytest.mark.parametrize("state", ALL_STATES)
def test_transition_follows_the_table_and_records_one_event(
    act_world, uploaded, new_events, django_capture_on_commit_callbacks, action, state
):
    Submission.objects.filter(pk=act_world.submission.pk).update(
        status=state, submitted_version=uploaded
    )
    submission = Submission.objects.get(pk=act_world.submission.pk)
    sources, target, audit_action = EXPECTED[action]
    move = {
        "submission": submission,
        "action": action,
        "actor": act_world.reviewer,
        "reason": "The workforce plan does not match the activity plan.",
        "version": uploaded,
    }

    assert state_allows(status=state, action=action) == (state in sources)
    if state not in sources:
        with pytest.raises(TransitionConflict):
            transition(**move)
        assert Submission.objects.get(pk=submission.pk).status == state
        assert new_events().count() == 0
        return
    with django_capture_on_commit_callbacks(execute=True):
        transition(**move)

    assert Submission.objects.get(pk=submission.pk).status == target
    (event,) = new_events()
    assert (event.action, event.actor, event.submission_id) == (
        audit_action,
        act_world.reviewer,
        submission.pk,
    )
    assert (event.before, event.after) == (
        {"status": state},
        {"status": target, "version": uploaded.number},
    )
    assert event.detail == "The workforce plan does not match the activity plan."
    expected_notices = EXPECTED_NOTICES.get(action, {})
    assert _notified(expected_notices) == expected_notices
    assert Notification.objects.count() == sum(map(len, expected_notices.values()))


@pytest.mark.parametrize("action", ["request_changes", "reopen"])
def test_transition_refuses_a_decision_without_a_reason(act_world, uploaded, new_events, action):
    source = {"request_changes": S.SUBMITTED, "reopen": S.APPROVED}[action]
    Submission.objects.filter(pk=act_world.submission.pk).update(status=source)
    act_world.submission.refresh_from_db()

    with pytest.raises(ValueError, match="reason"):
        transition(
            submission=act_world.submission,
            action=action,
            actor=act_world.reviewer,
            reason="  ",
            version=uploaded,
        )
    assert Submission.objects.get(pk=act_world.submission.pk).status == source
    assert new_events().count() == 0


def test_transition_refuses_a_stale_caller(act_world, new_events):
    Submission.objects.filter(pk=act_world.submission.pk).update(status=S.UPLOADED)
    first = Submission.objects.get(pk=act_world.submission.pk)
    second = Submission.objects.get(pk=act_world.submission.pk)
    transition(submission=first, action=Action.START_VALIDATION, actor=None)
    with pytest.raises(TransitionConflict) as conflict:
        transition(submission=second, action=Action.START_VALIDATION, actor=None)
    assert conflict.value.status == S.VALIDATING
    assert conflict.value.message == (
        "Cannot start validation a return that is validating. "
        "Reload the page to see its current state."
    )
    assert [event.action for event in new_events()] == ["validation_started"]


def test_transition_guard_blocks_when_the_column_changed(act_world, new_events):
    Submission.objects.filter(pk=act_world.submission.pk).update(status=S.UPLOADED)
    act_world.submission.refresh_from_db()
    with pytest.raises(TransitionConflict):
        transition(
            submission=act_world.submission,
            action=Action.START_VALIDATION,
            actor=None,
            guard={"current_version_id": 999_999},
        )
    assert new_events().count() == 0


def test_allowed_actions_of_an_approved_return_is_only_reopen():
    assert allowed_actions(status=S.APPROVED) == [Action.REOPEN]
