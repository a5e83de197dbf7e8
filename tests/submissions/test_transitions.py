from __future__ import annotations

import pytest

from submissions.models import Submission
from submissions.models import SubmissionStatus as S
from submissions.transitions import (
    TRANSITIONS,
    Action,
    TransitionConflict,
    allowed_actions,
    transition,
)

ALL_STATES = list(S.values)


@pytest.mark.parametrize("action", list(Action.values))
@pytest.mark.parametrize("state", ALL_STATES)
def test_transition_follows_the_table_for_every_state_and_action(act_world, action, state):
    Submission.objects.filter(pk=act_world.submission.pk).update(status=state)
    act_world.submission.refresh_from_db()
    rule = TRANSITIONS[action]
    if state in rule.sources:
        transition(submission=act_world.submission, action=action)
        assert Submission.objects.get(pk=act_world.submission.pk).status == rule.target
    else:
        with pytest.raises(TransitionConflict):
            transition(submission=act_world.submission, action=action)
        assert Submission.objects.get(pk=act_world.submission.pk).status == state


def test_transition_refuses_a_stale_caller(act_world):
    Submission.objects.filter(pk=act_world.submission.pk).update(status=S.VALID)
    first = Submission.objects.get(pk=act_world.submission.pk)
    second = Submission.objects.get(pk=act_world.submission.pk)
    transition(submission=first, action=Action.SUBMIT)
    with pytest.raises(TransitionConflict) as conflict:
        transition(submission=second, action=Action.SUBMIT)
    assert conflict.value.status == S.SUBMITTED
    assert "submitted" in str(conflict.value)


def test_transition_guard_blocks_when_the_column_changed(act_world):
    Submission.objects.filter(pk=act_world.submission.pk).update(status=S.VALID)
    act_world.submission.refresh_from_db()
    with pytest.raises(TransitionConflict):
        transition(
            submission=act_world.submission,
            action=Action.SUBMIT,
            guard={"current_version_id": 999_999},
        )


def test_allowed_actions_of_an_approved_return_is_only_reopen():
    assert allowed_actions(status=S.APPROVED) == [Action.REOPEN]


def test_upload_is_not_allowed_on_an_approved_return():
    assert S.APPROVED not in TRANSITIONS[Action.UPLOAD].sources
