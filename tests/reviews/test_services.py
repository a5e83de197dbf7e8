from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Role
from accounts.selectors import forget_user_scope
from audit.models import AuditEvent
from notifications.models import Notification
from planning.models import OrganisationType
from reviews.models import CommentSide, Decision, DecisionKind, Endorsement
from reviews.selectors import has_waiting_comment, review_queue_for_user
from reviews.services import (
    DecisionConflict,
    comment_add,
    decision_record,
    endorsement_record,
    submission_reopen,
)
from submissions.models import Submission
from submissions.models import SubmissionStatus as S
from submissions.services import submissions_ensure_for_round, template_context
from tests.factories import CollectionFactory, TrustFactory, grant, london, user_with_role
from tests.reviews.support import put_in_state, stored_version, submit
from workbooks.sample import make_sample_return

# Table-driven: every review action, in every state, by every kind of person ---------------------

PRINCIPALS = {
    "submitter": lambda w: w.user("submitter"),
    "signatory": lambda w: w.user("signatory"),
    "system_lead": lambda w: w.user("system_lead"),
    "reviewer_of_region": lambda w: w.user("regional_reviewer"),
    "reviewer_of_other_region": lambda w: w.user("regional_reviewer", "b"),
    "national_admin": lambda w: w.user("national_admin"),
}
REVIEW_ACTIONS = ("approve", "request_changes", "comment", "reopen")
# Who may take each action: a reviewer of the organisation's region; reopening, a national admin too
# (Django admin's "Reopen approved returns" is theirs).
ALLOWED_TO = {
    "approve": {"reviewer_of_region"},
    "request_changes": {"reviewer_of_region"},
    "comment": {"reviewer_of_region"},
    "reopen": {"reviewer_of_region", "national_admin"},
}
# Which state each action starts from.
ALLOWED_FROM = {
    "approve": S.SUBMITTED,
    "request_changes": S.SUBMITTED,
    "comment": S.SUBMITTED,
    "reopen": S.APPROVED,
}
RESULT = {
    "approve": S.APPROVED,
    "request_changes": S.CHANGES_REQUESTED,
    "comment": S.SUBMITTED,
    "reopen": S.CHANGES_REQUESTED,
}


def _act(action: str, *, submission, version, user):
    if action == "reopen":
        return submission_reopen(
            submission=submission, reviewer=user, reason="The board changed the plan."
        )
    return decision_record(
        submission=submission,
        version=version,
        reviewer=user,
        kind=action,
        comment="Check the elective figures.",
    )


@pytest.mark.parametrize("principal", list(PRINCIPALS))
@pytest.mark.parametrize("action", REVIEW_ACTIONS)
@pytest.mark.parametrize("state", list(S.values))
def test_review_actions_follow_the_table_for_every_state_and_role(
    db, module_world, state, action, principal
):
    world = module_world
    submission, _ = Submission.objects.get_or_create(
        collection=world.collection, organisation=world.trust_a
    )
    data = make_sample_return(context=template_context(submission=submission))
    version = stored_version(
        submission=submission, number=1, data=data, user=world.user("signatory")
    )
    put_in_state(submission=submission, state=state, version=version)
    user = PRINCIPALS[principal](world)
    may = principal in ALLOWED_TO[action]
    allowed = may and state == ALLOWED_FROM[action]

    if allowed:
        assert _act(action, submission=submission, version=version, user=user).kind == action
    else:
        refusal = DecisionConflict if may else PermissionDenied
        with pytest.raises(refusal):
            _act(action, submission=submission, version=version, user=user)
    assert Submission.objects.get(pk=submission.pk).status == (RESULT[action] if allowed else state)
    assert Decision.objects.filter(submission=submission).count() == (1 if allowed else 0)


# Decisions --------------------------------------------------------------------------------------


@pytest.fixture
def submitted(act_world):
    return submit(submission=act_world.submission, user=act_world.lead, data=act_world.sample())


def test_request_changes_needs_a_reason(act_world, submitted):
    with pytest.raises(ValidationError) as refused:
        decision_record(
            submission=act_world.submission,
            version=submitted,
            reviewer=act_world.reviewer,
            kind=DecisionKind.REQUEST_CHANGES,
            comment="   ",
        )
    assert "Say what needs to change" in refused.value.message_dict["comment"][0]
    assert Submission.objects.get(pk=act_world.submission.pk).status == S.SUBMITTED


def test_reopen_needs_a_reason(act_world, submitted):
    decision_record(
        submission=act_world.submission,
        version=submitted,
        reviewer=act_world.reviewer,
        kind=DecisionKind.APPROVE,
    )
    with pytest.raises(ValidationError):
        submission_reopen(submission=act_world.submission, reviewer=act_world.reviewer, reason="")
    assert Submission.objects.get(pk=act_world.submission.pk).status == S.APPROVED


def test_a_decision_on_a_version_replaced_by_a_newer_submission_is_refused(act_world, submitted):
    stale = Submission.objects.get(pk=act_world.submission.pk)
    newer = submit(
        submission=act_world.submission, user=act_world.lead, data=act_world.sample(seed=1)
    )
    with pytest.raises(DecisionConflict) as conflict:
        decision_record(
            submission=stale,
            version=submitted,
            reviewer=act_world.reviewer,
            kind=DecisionKind.APPROVE,
        )
    assert f"version {newer.number} was submitted since" in conflict.value.message
    assert "Reload the page" in conflict.value.message
    assert Submission.objects.get(pk=act_world.submission.pk).status == S.SUBMITTED
    assert not Decision.objects.exists()


def test_a_decision_on_a_page_read_before_another_reviewer_decided_is_refused(act_world, submitted):
    first = Submission.objects.get(pk=act_world.submission.pk)
    second = Submission.objects.get(pk=act_world.submission.pk)
    decision_record(
        submission=first,
        version=submitted,
        reviewer=act_world.reviewer,
        kind=DecisionKind.REQUEST_CHANGES,
        comment="Fix the totals.",
    )
    with pytest.raises(DecisionConflict) as conflict:
        decision_record(
            submission=second,
            version=submitted,
            reviewer=act_world.reviewer,
            kind=DecisionKind.APPROVE,
        )
    assert "changes requested" in conflict.value.message
    assert Submission.objects.get(pk=act_world.submission.pk).status == S.CHANGES_REQUESTED


def test_a_decision_is_audited_and_the_organisation_told(act_world, submitted):
    decision = decision_record(
        submission=act_world.submission,
        version=submitted,
        reviewer=act_world.reviewer,
        kind=DecisionKind.REQUEST_CHANGES,
        comment="Elective day cases look low.",
    )
    event = AuditEvent.objects.get(action="review.request_changes")
    assert (event.submission_id, event.before, event.after["status"], event.actor) == (
        act_world.submission.pk,
        {"status": "submitted"},
        "changes_requested",
        act_world.reviewer,
    )
    told = set(
        Notification.objects.filter(kind="review").values_list("recipient__username", flat=True)
    )
    assert told == {"lead-qhm", "submitter-qhm"}
    assert "Elective day cases look low." in Notification.objects.filter(kind="review").first().body
    assert decision.version == submitted


def test_after_changes_are_requested_the_organisation_can_upload_and_submit_again(
    act_world, submitted
):
    decision_record(
        submission=act_world.submission,
        version=submitted,
        reviewer=act_world.reviewer,
        kind=DecisionKind.REQUEST_CHANGES,
        comment="Fix the totals.",
    )
    fixed = submit(
        submission=act_world.submission, user=act_world.lead, data=act_world.sample(seed=2)
    )
    decision_record(
        submission=act_world.submission,
        version=fixed,
        reviewer=act_world.reviewer,
        kind=DecisionKind.APPROVE,
    )
    assert Submission.objects.get(pk=act_world.submission.pk).status == S.APPROVED


# Comments ---------------------------------------------------------------------------------------


def test_comment_by_the_organisation_waits_for_the_reviewer_until_answered(act_world, submitted):
    submission = act_world.submission
    asked = comment_add(
        submission=submission,
        author=act_world.reviewer,
        text="Why is F4 so high?",
        version=submitted,
        sheet="Activity",
        cell="$f$4",
    )
    assert (asked.side, asked.cell) == (CommentSide.REGION, "F4")
    assert not has_waiting_comment(submission=submission)
    reply = comment_add(
        submission=submission,
        author=act_world.submitter,
        text="A new theatre opened.",
        parent=asked,
    )
    assert reply.side == CommentSide.ORGANISATION
    assert has_waiting_comment(submission=submission)
    assert Notification.objects.filter(recipient=act_world.reviewer, kind="review").count() == 1
    comment_add(
        submission=submission, author=act_world.reviewer, text="Thanks, understood.", parent=asked
    )
    assert not has_waiting_comment(submission=submission)
    assert AuditEvent.objects.filter(action="review.comment").count() == 3


def test_comment_is_refused_to_people_outside_the_return(act_world, submitted):
    with pytest.raises(PermissionDenied):
        comment_add(submission=act_world.submission, author=act_world.outsider, text="Hello")
    other_reviewer = user_with_role(Role.REGIONAL_REVIEWER, region=act_world.other_ics.region)
    with pytest.raises(PermissionDenied):
        comment_add(submission=act_world.submission, author=other_reviewer, text="Hello")


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"text": " "}, "text"),
        ({"text": "Look", "cell": "F4"}, "sheet"),
        ({"text": "Look", "sheet": "Activity", "cell": "4F"}, "cell"),
    ],
)
def test_comment_checks_what_it_is_given(act_world, fields, problem):
    with pytest.raises(ValidationError) as refused:
        comment_add(submission=act_world.submission, author=act_world.reviewer, **fields)
    assert problem in refused.value.message_dict


def test_queue_marks_returns_waiting_for_the_reviewer(act_world, submitted):
    queue = review_queue_for_user(user=act_world.reviewer).filter(collection=act_world.act)
    assert queue.get(pk=act_world.submission.pk).waiting is True
    decision_record(
        submission=act_world.submission,
        version=submitted,
        reviewer=act_world.reviewer,
        kind=DecisionKind.APPROVE,
    )
    assert queue.get(pk=act_world.submission.pk).waiting is False
    comment_add(submission=act_world.submission, author=act_world.lead, text="We have a question.")
    assert queue.get(pk=act_world.submission.pk).waiting is True


# Endorsement of a provider's maternity return (2021/22 implementation guidance, §5.4) ---------


@pytest.fixture
def maternity(act_world):
    collection = CollectionFactory(
        planning_round=act_world.act.planning_round,
        code="MAT",
        name="Maternity",
        deadline=london(2021, 5, 6),
        submitted_by=[OrganisationType.ICS, OrganisationType.PROVIDER],
        accepted_formats=["xlsx", "docx"],
    )
    submissions_ensure_for_round(planning_round=collection.planning_round)
    trust = TrustFactory._meta.model.objects.get(ods_code="RTD")
    signatory = user_with_role(Role.SIGNATORY, organisation=trust, username="signatory-rtd")
    submission = Submission.objects.get(collection=collection, organisation=trust)
    data = make_sample_return(context=template_context(submission=submission))
    version = submit(submission=submission, user=signatory, data=data)
    return submission, version


def test_provider_maternity_return_cannot_be_approved_until_the_system_lead_endorses_it(
    act_world, maternity
):
    submission, version = maternity
    with pytest.raises(DecisionConflict) as refused:
        decision_record(
            submission=submission,
            version=version,
            reviewer=act_world.reviewer,
            kind=DecisionKind.APPROVE,
        )
    assert "system lead's endorsement" in refused.value.message
    endorsement = endorsement_record(submission=submission, version=version, user=act_world.lead)
    assert endorsement.endorsed_by == act_world.lead
    assert AuditEvent.objects.filter(action="review.endorse", submission_id=submission.pk).exists()
    decision_record(
        submission=submission,
        version=version,
        reviewer=act_world.reviewer,
        kind=DecisionKind.APPROVE,
    )
    assert Submission.objects.get(pk=submission.pk).status == S.APPROVED


def test_only_the_system_lead_of_the_providers_ics_can_endorse(act_world, maternity):
    submission, version = maternity
    for user in (
        act_world.outsider,
        act_world.reviewer,
        act_world.submitter,
        submission.submitted_by,
    ):
        with pytest.raises(PermissionDenied):
            endorsement_record(submission=submission, version=version, user=user)
    assert not Endorsement.objects.exists()


def test_endorsement_is_of_the_submitted_version_only(act_world, maternity):
    submission, version = maternity
    decision_record(
        submission=submission,
        version=version,
        reviewer=act_world.reviewer,
        kind=DecisionKind.REQUEST_CHANGES,
        comment="Add the Birth-rate Plus figures.",
    )
    with pytest.raises(DecisionConflict):
        endorsement_record(submission=submission, version=version, user=act_world.lead)


def test_an_ics_maternity_return_needs_no_endorsement(act_world, maternity):
    ics_submission = Submission.objects.get(collection__code="MAT", organisation=act_world.ics)
    data = make_sample_return(context=template_context(submission=ics_submission))
    version = submit(submission=ics_submission, user=act_world.lead, data=data)
    decision_record(
        submission=ics_submission,
        version=version,
        reviewer=act_world.reviewer,
        kind=DecisionKind.APPROVE,
    )
    assert Submission.objects.get(pk=ics_submission.pk).status == S.APPROVED


# Four eyes ----------------------------------------------------------------------------------------


def test_nobody_approves_a_version_they_uploaded_and_signed_and_is_told_who_can(
    act_world, submitted
):
    _also_reviewer(act_world.lead, act_world)

    with pytest.raises(PermissionDenied) as refused:
        decision_record(
            submission=act_world.submission,
            version=submitted,
            reviewer=act_world.lead,
            kind=DecisionKind.APPROVE,
        )

    assert str(refused.value) == (
        f"You cannot approve version 1: you uploaded it and signed it off, and a second person "
        f"must approve what one person prepared. Ask {_name(act_world.reviewer)} (reviewers of "
        "North East and Yorkshire) to approve it."
    )
    assert Submission.objects.get(pk=act_world.submission.pk).status == S.SUBMITTED


def test_nobody_approves_a_version_signed_by_someone_covering_for_them(act_world):
    colleague = user_with_role(Role.SIGNATORY, organisation=act_world.ics, username="colleague")
    version = submit(submission=act_world.submission, user=colleague, data=act_world.sample())
    Submission.objects.filter(pk=act_world.submission.pk).update(
        submitted_on_behalf_of=act_world.lead
    )
    act_world.submission.refresh_from_db()
    _also_reviewer(act_world.lead, act_world)

    with pytest.raises(PermissionDenied) as refused:
        decision_record(
            submission=act_world.submission,
            version=version,
            reviewer=act_world.lead,
            kind=DecisionKind.APPROVE,
        )

    assert "who was covering for you" in str(refused.value)
    assert f"Ask {_name(act_world.reviewer)}" in str(refused.value)


def test_request_changes_is_not_a_four_eyes_decision(act_world, submitted):
    _also_reviewer(act_world.lead, act_world)

    decision = decision_record(
        submission=act_world.submission,
        version=submitted,
        reviewer=act_world.lead,
        kind=DecisionKind.REQUEST_CHANGES,
        comment="Our own numbers need another look.",
    )

    assert decision.kind == DecisionKind.REQUEST_CHANGES


def test_a_lead_who_signed_a_providers_maternity_return_may_not_endorse_it(act_world):
    trust = TrustFactory(ods_code="RXP", parent_ics=act_world.ics, region=act_world.ics.region)
    mat = CollectionFactory(
        planning_round=act_world.act.planning_round,
        code="MAT",
        submitted_by=[OrganisationType.PROVIDER],
        accepted_formats=["xlsx"],
    )
    submission = Submission.objects.create(collection=mat, organisation=trust)
    other_lead = user_with_role(Role.SYSTEM_LEAD, organisation=act_world.ics, username="lead-two")
    signatory = user_with_role(Role.SIGNATORY, organisation=trust, username="rxp-signatory")
    version = stored_version(submission=submission, number=1, data=b"x", user=act_world.lead)
    put_in_state(submission=submission, state=S.SUBMITTED, version=version)
    Submission.objects.filter(pk=submission.pk).update(submitted_by=signatory)
    submission.refresh_from_db()

    with pytest.raises(PermissionDenied) as refused:
        endorsement_record(submission=submission, version=version, user=act_world.lead)

    assert str(refused.value) == (
        "You cannot endorse version 1: you uploaded it, and a second person must endorse what one "
        f"person prepared. Ask {_name(other_lead)} (system leads of North East and North Cumbria) "
        "to endorse it."
    )
    assert endorsement_record(submission=submission, version=version, user=other_lead)


def _also_reviewer(user, act_world) -> None:
    grant(user, Role.REGIONAL_REVIEWER, region=act_world.ics.region)
    forget_user_scope(user=user)


def _name(user) -> str:
    return user.get_full_name() or user.get_username()
