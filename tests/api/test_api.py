from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import Role
from planning.models import Organisation
from submissions.models import Submission, SubmissionStatus, Version
from submissions.services import submissions_ensure_for_round
from submissions.validation import version_validate
from tests.factories import (
    PASSWORD,
    CollectionFactory,
    IcsFactory,
    api_token,
    grant,
    user_with_role,
)
from tests.reviews.support import put_in_state, stored_version, submit


@pytest.fixture
def api(act_world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(act_world.lead)}")
    return client


def named(data: bytes, name: str = "plan.xlsx"):
    stream = io.BytesIO(data)
    stream.name = name
    return stream


def test_token_is_issued_for_a_correct_password(act_world):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "lead-qhm", "password": PASSWORD}
    )
    assert response.status_code == 200
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert api.get("/api/v1/submissions/").status_code == 200


def test_token_is_refused_for_a_wrong_password(act_world):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "lead-qhm", "password": "wrong"}
    )
    assert response.status_code == 400


def test_submissions_list_needs_authentication(act_world):
    assert APIClient().get("/api/v1/submissions/").status_code == 401


def test_submissions_list_shows_only_the_users_returns(api, act_world):
    body = api.get("/api/v1/submissions/").json()
    assert {row["organisation"] for row in body["results"]} == {"QHM"}
    assert {row["collection"] for row in body["results"]} == {"ACT", "NAR"}


def test_submissions_list_filters(api, act_world):
    body = api.get(
        "/api/v1/submissions/", {"round": "2021/22", "organisation": "qhm", "collection": "ACT"}
    ).json()
    assert [(row["collection"], row["stage"], row["status"]) for row in body["results"]] == [
        ("ACT", "draft", "not_started")
    ]


def test_submission_of_another_organisation_is_404(api, act_world):
    assert api.get(f"/api/v1/submissions/{act_world.other_submission.pk}/").status_code == 404
    assert (
        api.post(
            f"/api/v1/submissions/{act_world.other_submission.pk}/versions/",
            {"file": named(act_world.sample())},
            format="multipart",
        ).status_code
        == 404
    )


def test_template_endpoint_returns_the_workbook(api, act_world):
    response = api.get(f"/api/v1/submissions/{act_world.submission.pk}/template/")
    assert response.status_code == 200
    assert response.content[:2] == b"PK"


def test_upload_returns_202_then_the_version_reports_its_findings(api, act_world):
    response = api.post(
        f"/api/v1/submissions/{act_world.submission.pk}/versions/",
        {"file": named(act_world.sample(errors=1))},
        format="multipart",
    )
    assert response.status_code == 202
    body = response.json()
    assert (body["status"], body["number"], body["original_name"]) == ("queued", 1, "plan.xlsx")
    version_validate(version_id=body["id"])
    detail = api.get(f"/api/v1/versions/{body['id']}/").json()
    assert (detail["status"], detail["error_count"], detail["progress"]) == ("invalid", 1, 100)
    assert [f["severity"] for f in detail["findings"]].count("error") == 1
    assert set(detail["findings"][0]) >= {"severity", "rule", "sheet", "cell", "value", "message"}


def test_upload_of_identical_bytes_returns_the_existing_version(api, act_world):
    data = act_world.sample()
    first = api.post(
        f"/api/v1/submissions/{act_world.submission.pk}/versions/",
        {"file": named(data)},
        format="multipart",
    )
    second = api.post(
        f"/api/v1/submissions/{act_world.submission.pk}/versions/",
        {"file": named(data)},
        format="multipart",
    )
    assert (second.status_code, second.json()["id"]) == (200, first.json()["id"])
    assert "identical" in second.json()["detail"]


def test_upload_of_a_bad_file_is_400_with_a_message(api, act_world):
    response = api.post(
        f"/api/v1/submissions/{act_world.submission.pk}/versions/",
        {"file": named(b"MZ\x90" + b"\x00" * 300)},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["detail"]


def _valid_version(api, act_world) -> Version:
    body = api.post(
        f"/api/v1/submissions/{act_world.submission.pk}/versions/",
        {"file": named(act_world.sample())},
        format="multipart",
    ).json()
    version_validate(version_id=body["id"])
    return Version.objects.get(pk=body["id"])


def test_submit_without_declaration_is_400(api, act_world):
    version = _valid_version(api, act_world)
    response = api.post(
        f"/api/v1/submissions/{act_world.submission.pk}/submit/",
        {"version": version.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "declaration" in response.json()


def test_submit_with_errors_remaining_is_409(api, act_world):
    body = api.post(
        f"/api/v1/submissions/{act_world.submission.pk}/versions/",
        {"file": named(act_world.sample(errors=1))},
        format="multipart",
    ).json()
    version_validate(version_id=body["id"])
    response = api.post(
        f"/api/v1/submissions/{act_world.submission.pk}/submit/",
        {"version": body["id"], "declaration": True},
        format="json",
    )
    assert response.status_code == 409
    assert "no errors" in response.json()["detail"]


def test_submit_signs_off(api, act_world):
    version = _valid_version(api, act_world)
    explanations = {str(f.pk): "The new unit opens in June 2021." for f in version.findings.all()}
    response = api.post(
        f"/api/v1/submissions/{act_world.submission.pk}/submit/",
        {"version": version.pk, "declaration": True, "explanations": explanations},
        format="json",
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["submitted_version"]) == (
        SubmissionStatus.SUBMITTED,
        version.pk,
    )


def test_submit_accepts_an_earlier_version_id(api, act_world):
    earlier = _valid_version(api, act_world)
    newer = api.post(
        f"/api/v1/submissions/{act_world.submission.pk}/versions/",
        {"file": named(act_world.sample(errors=1, seed=4))},
        format="multipart",
    ).json()
    version_validate(version_id=newer["id"])
    response = api.post(
        f"/api/v1/submissions/{act_world.submission.pk}/submit/",
        {"version": earlier.pk, "declaration": True, "explanations": {}},
        format="json",
    )
    assert (response.status_code, response.json()["submitted_version"]) == (200, earlier.pk)


def test_schema_and_docs_are_served(api, act_world):
    schema = api.get("/api/v1/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/submissions/{id}/versions/" in schema.content
    assert api.get("/api/v1/docs/").status_code == 200


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/submissions/").status_code == 200
    return len(queries)


def test_submissions_list_query_count_does_not_grow_with_data(act_world):
    admin = user_with_role(Role.NATIONAL_ADMIN, username="api-admin")
    client = APIClient()
    client.force_authenticate(admin)
    _list_queries(client)  # the first request also reads the user's roles
    small = _list_queries(client)
    for _ in range(8):
        IcsFactory(region=act_world.region)
    submissions_ensure_for_round(planning_round=act_world.act.planning_round)
    assert _list_queries(client) == small
    assert small <= 8


def test_extension_requested_and_granted_over_the_api(api, act_world):
    asked = api.post(
        f"/api/v1/submissions/{act_world.submission.pk}/extensions/",
        {"deadline": "2021-05-13T12:00:00+01:00", "reason": "Board meets on 12 May"},
        format="json",
    )
    assert asked.status_code == 201
    reviewer = APIClient()
    reviewer.force_authenticate(act_world.reviewer)
    decided = reviewer.post(
        f"/api/v1/extensions/{asked.json()['id']}/decision/",
        {"decision": "grant", "deadline": "2021-05-11T12:00:00+01:00", "reason": "Two days"},
        format="json",
    )
    assert (decided.status_code, decided.json()["status"]) == (200, "granted")
    listing = api.get(f"/api/v1/submissions/{act_world.submission.pk}/extensions/").json()
    assert listing["deadline"] == "2021-05-11T12:00:00+01:00"
    assert [item["status"] for item in listing["extensions"]] == ["granted"]


def test_extension_decision_by_the_organisation_is_404(api, act_world):
    asked = api.post(
        f"/api/v1/submissions/{act_world.submission.pk}/extensions/",
        {"deadline": "2021-05-13T12:00:00+01:00", "reason": "Board"},
        format="json",
    )
    response = api.post(
        f"/api/v1/extensions/{asked.json()['id']}/decision/", {"decision": "grant"}, format="json"
    )
    assert response.status_code == 404


def _token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return client


def test_api_refuses_an_approval_by_the_person_who_uploaded_and_signed_the_version(act_world):
    version = submit(submission=act_world.submission, user=act_world.lead, data=act_world.sample())
    grant(act_world.lead, Role.REGIONAL_REVIEWER, region=act_world.ics.region)

    response = _token_client(act_world.lead).post(
        f"/api/v1/submissions/{act_world.submission.pk}/reviews/",
        {"version": version.pk, "decision": "approve"},
        format="json",
    )

    assert response.status_code == 403
    assert response.json()["detail"].endswith(
        "Ask reviewer-y63 (reviewers of North East and Yorkshire) to approve it."
    )
    assert act_world.submission.decisions.count() == 0


def test_api_refuses_a_system_lead_signing_a_provider_return_not_handed_to_the_system(
    act_world,
):
    trust = Organisation.objects.get(ods_code="RTD")
    pcc = CollectionFactory(
        planning_round=act_world.act.planning_round, code="PCC", submitted_by=["provider"]
    )
    submission = Submission.objects.create(collection=pcc, organisation=trust)
    version = stored_version(submission=submission, number=1, data=b"x", user=act_world.lead)
    put_in_state(submission=submission, state=SubmissionStatus.VALID, version=version)

    response = _token_client(act_world.lead).post(
        f"/api/v1/submissions/{submission.pk}/submit/",
        {"version": version.pk, "declaration": True, "explanations": {}},
        format="json",
    )

    assert response.status_code == 403
    assert response.json()["detail"].startswith(
        "Only a signatory of The Newcastle upon Tyne Hospitals NHS Foundation Trust can sign off "
        "this return"
    )
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.VALID
