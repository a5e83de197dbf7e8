from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.models import Role
from audit.models import AuditAction, AuditEvent
from extensions.selectors import extension_request_get_for_user
from extensions.services import extension_request_create
from notifications.models import Notification
from planning.models import Organisation
from planning.services import sign_off_delegation_grant, sign_off_delegation_revoke
from submissions.models import Submission
from submissions.selectors import (
    may_upload,
    signing_capacity,
    signing_refusal,
    submission_get_for_user,
    version_get_for_user,
)
from submissions.services import submission_submit, template_context, version_create
from submissions.validation import version_validate
from tests.factories import CollectionFactory, london, user_with_role
from tests.reviews.support import stored_version
from workbooks.sample import make_sample_return


def test_signing_capacity_of_the_systems_own_lead(act_world):
    assert (
        signing_capacity(user=act_world.lead, submission=act_world.submission).role == "System lead"
    )


def _provider_return(act_world) -> Submission:
    pcc = CollectionFactory(
        planning_round=act_world.act.planning_round, code="PCC", submitted_by=["provider"]
    )
    return Submission.objects.create(
        collection=pcc, organisation=Organisation.objects.get(ods_code="RTD")
    )


def test_system_lead_signs_a_providers_return_only_once_the_provider_hands_sign_off_over(act_world):
    submission = _provider_return(act_world)
    signatory = user_with_role(
        Role.SIGNATORY, organisation=submission.organisation, username="rtd-signatory"
    )
    before = signing_capacity(user=act_world.lead, submission=submission)
    refusal = signing_refusal(user=act_world.lead, submission=submission)

    delegation = sign_off_delegation_grant(
        organisation=submission.organisation, granted_by=signatory, reason="Board minute 21/34"
    )

    capacity = signing_capacity(user=act_world.lead, submission=submission)
    assert (before, capacity.role) == (
        None,
        "System lead of North East and North Cumbria, for the NHS trust",
    )
    assert refusal == (
        "Only a signatory of The Newcastle upon Tyne Hospitals NHS Foundation Trust can sign off "
        "this return: it has not handed sign-off to North East and North Cumbria in the portal. "
        "Ask rtd-signatory to sign it off, or a signatory of The Newcastle upon Tyne Hospitals "
        "NHS Foundation Trust to hand sign-off to the system from its returns page."
    )
    assert may_upload(user=act_world.lead, submission=submission)
    assert list(
        AuditEvent.objects.filter(organisation_code="RTD").values_list("action", "actor_id")
    ) == [(AuditAction.SIGN_OFF_DELEGATED, signatory.pk)]
    assert Notification.objects.get(recipient=act_world.lead).kind == "sign_off_delegation"

    sign_off_delegation_revoke(delegation=delegation, user=signatory)

    assert signing_capacity(user=act_world.lead, submission=submission) is None
    assert AuditEvent.objects.filter(
        action=AuditAction.SIGN_OFF_DELEGATION_REVOKED, actor=signatory
    ).exists()


def test_only_the_providers_signatory_hands_sign_off_to_the_system(act_world):
    submission = _provider_return(act_world)

    with pytest.raises(PermissionDenied) as refused:
        sign_off_delegation_grant(
            organisation=submission.organisation, granted_by=act_world.lead, reason="We decide"
        )

    assert str(refused.value) == (
        "Only a signatory of The Newcastle upon Tyne Hospitals NHS Foundation Trust (or a national "
        "admin) can hand its sign-off to its system or take it back."
    )


def test_submitter_has_no_signing_capacity(act_world):
    assert signing_capacity(user=act_world.submitter, submission=act_world.submission) is None


def test_lead_ccg_submits_the_mental_health_finance_return_on_behalf_of_its_ics(act_world):
    ccg = Organisation.objects.get(ods_code="13T")
    Organisation.objects.filter(pk=act_world.ics.pk).update(lead_ccg=ccg)
    act_world.ics.refresh_from_db()
    finmh = CollectionFactory(
        planning_round=act_world.act.planning_round,
        code="FIN-MH",
        submitted_by=["ics"],
        lead_ccg_may_submit=True,
    )
    submission = Submission.objects.create(collection=finmh, organisation=act_world.ics)
    ccg_signatory = user_with_role(Role.SIGNATORY, organisation=ccg, username="ccg-13t")

    assert submission_get_for_user(user=ccg_signatory, pk=submission.pk) == submission
    assert signing_capacity(user=ccg_signatory, submission=submission).role == (
        "Signatory of the lead CCG, on behalf of the ICS"
    )
    assert signing_capacity(user=ccg_signatory, submission=act_world.submission) is None


def test_submission_records_the_capacity(act_world):
    submission = _provider_return(act_world)
    sign_off_delegation_grant(
        organisation=submission.organisation,
        granted_by=user_with_role(Role.NATIONAL_ADMIN, username="admin"),
        reason="Board minute 21/34",
    )
    data = make_sample_return(context=template_context(submission=submission))
    version = version_create(
        submission=submission, user=act_world.lead, stream=io.BytesIO(data), filename="pcc.xlsx"
    ).version
    version_validate(version_id=version.pk)
    version.refresh_from_db()
    explanations = {f.pk: "Explained in the board paper." for f in version.findings.all()}
    submission.refresh_from_db()
    submission_submit(
        submission=submission,
        version=version,
        user=act_world.lead,
        declaration=True,
        explanations=explanations,
    )
    submission.refresh_from_db()
    assert (submission.submitted_role, submission.submitted_by) == (
        "System lead of North East and North Cumbria, for the NHS trust",
        act_world.lead,
    )


def test_lead_ccg_opens_the_versions_and_extension_requests_of_returns_it_submits(act_world):
    ccg = Organisation.objects.get(ods_code="13T")
    Organisation.objects.filter(pk=act_world.ics.pk).update(lead_ccg=ccg)
    finmh = CollectionFactory(
        planning_round=act_world.act.planning_round,
        code="FIN-MH",
        submitted_by=["ics"],
        lead_ccg_may_submit=True,
        deadline=london(2021, 5, 6),
    )
    submission = Submission.objects.create(collection=finmh, organisation=act_world.ics)
    ccg_signatory = user_with_role(Role.SIGNATORY, organisation=ccg, username="ccg-13t")
    version = stored_version(
        submission=submission, number=1, data=b"PK version bytes", user=ccg_signatory
    )
    extension = extension_request_create(
        collection=finmh,
        organisation=act_world.ics,
        requested_by=ccg_signatory,
        deadline=london(2021, 5, 10),
        reason="The finance director is away.",
    )

    assert version_get_for_user(user=ccg_signatory, pk=version.pk) == version
    assert extension_request_get_for_user(user=ccg_signatory, pk=extension.pk) == extension
    act_version = stored_version(
        submission=act_world.submission, number=1, data=b"PK act", user=act_world.lead
    )
    with pytest.raises(Http404):
        version_get_for_user(user=ccg_signatory, pk=act_version.pk)
