from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import reverse

from reviews.models import Decision
from submissions.models import Submission, SubmissionStatus
from tests.reviews.support import put_in_state, stored_version


def _approve_in_admin(client, user, submission) -> list[str]:
    get_user_model().objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
    client.force_login(user)
    response = client.post(
        reverse("admin:reviews_submittedreturn_changelist"),
        {"action": "approve", "_selected_action": [submission.pk]},
        follow=True,
    )
    return [str(message) for message in response.context["messages"]]


def test_admin_approval_refused_to_the_reviewer_who_uploaded_the_version(client, act_world):
    version = stored_version(
        submission=act_world.submission, number=1, data=b"x", user=act_world.reviewer
    )
    put_in_state(submission=act_world.submission, state=SubmissionStatus.SUBMITTED, version=version)

    messages = _approve_in_admin(client, act_world.reviewer, act_world.submission)

    assert messages == [
        f"{act_world.submission}: You cannot approve version 1: you uploaded it, and a second "
        "person must approve what one person prepared. No one else holds that role, so ask a "
        "national admin to approve it."
    ]
    assert Submission.objects.get(pk=act_world.submission.pk).status == SubmissionStatus.SUBMITTED
    assert Decision.objects.count() == 0


def test_admin_approval_by_an_independent_reviewer_goes_through(client, act_world):
    version = stored_version(
        submission=act_world.submission, number=1, data=b"x", user=act_world.lead
    )
    put_in_state(submission=act_world.submission, state=SubmissionStatus.SUBMITTED, version=version)

    messages = _approve_in_admin(client, act_world.reviewer, act_world.submission)

    assert messages == [f"{act_world.submission}: approved."]
    assert Submission.objects.get(pk=act_world.submission.pk).status == SubmissionStatus.APPROVED
