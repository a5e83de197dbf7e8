from __future__ import annotations

import io

import pytest
from django.http import Http404

from accounts.models import Role
from planning.models import Organisation
from planning.selectors import extension_request_get_for_user
from planning.services import extension_request_create
from submissions.models import Submission
from submissions.selectors import (
    may_upload,
    signing_capacity,
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


def test_system_lead_signs_a_providers_return_for_it(act_world):
    trust = Organisation.objects.get(ods_code="RTD")
    pcc = CollectionFactory(
        planning_round=act_world.act.planning_round, code="PCC", submitted_by=["provider"]
    )
    submission = Submission.objects.create(collection=pcc, organisation=trust)
    capacity = signing_capacity(user=act_world.lead, submission=submission)
    assert capacity.role == "System lead of North East and North Cumbria, for the NHS trust"
    assert may_upload(user=act_world.lead, submission=submission)


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
    trust = Organisation.objects.get(ods_code="RTD")
    pcc = CollectionFactory(
        planning_round=act_world.act.planning_round, code="PCC", submitted_by=["provider"]
    )
    submission = Submission.objects.create(collection=pcc, organisation=trust)
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
