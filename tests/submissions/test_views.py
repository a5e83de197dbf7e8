from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from submissions.models import Submission, SubmissionStatus, Version, VersionStatus
from submissions.validation import version_validate


def upload_via_page(client, act_world, data: bytes, name: str = "plan.xlsx"):
    return client.post(
        reverse("submissions:upload", kwargs={"pk": act_world.submission.pk}),
        {"file": _named(data, name)},
    )


def _named(data: bytes, name: str):
    stream = io.BytesIO(data)
    stream.name = name
    return stream


def test_submission_page_shows_the_return_to_its_organisation(client, act_world):
    client.force_login(act_world.lead)
    response = client.get(reverse("submissions:detail", kwargs={"pk": act_world.submission.pk}))
    assert response.status_code == 200
    assert "Download the template" in response.content.decode()


def test_submission_page_is_404_for_another_organisation(client, act_world):
    client.force_login(act_world.outsider)
    response = client.get(reverse("submissions:detail", kwargs={"pk": act_world.submission.pk}))
    assert response.status_code == 404


def test_template_download_is_a_workbook_for_the_organisation(client, act_world):
    client.force_login(act_world.lead)
    response = client.get(reverse("submissions:template", kwargs={"pk": act_world.submission.pk}))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert len(workbook.sheetnames) >= 3


def test_upload_page_stores_a_version_and_redirects(client, act_world):
    client.force_login(act_world.lead)
    response = upload_via_page(client, act_world, act_world.sample())
    assert response.status_code == 302
    assert Version.objects.filter(submission=act_world.submission).count() == 1


def test_upload_page_shows_a_clear_error_for_a_renamed_executable(client, act_world):
    client.force_login(act_world.lead)
    response = upload_via_page(client, act_world, b"MZ\x90\x00" + b"\x00" * 500, name="plan.xlsx")
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert Version.objects.count() == 0


def test_reviewer_can_read_but_not_upload(client, act_world):
    client.force_login(act_world.reviewer)
    assert (
        client.get(
            reverse("submissions:detail", kwargs={"pk": act_world.submission.pk})
        ).status_code
        == 200
    )
    assert upload_via_page(client, act_world, act_world.sample()).status_code == 404


def _validated_version(client, act_world, data: bytes) -> Version:
    client.force_login(act_world.lead)
    upload_via_page(client, act_world, data)
    version = Version.objects.get(
        submission=act_world.submission,
        number=Version.objects.filter(submission=act_world.submission).count(),
    )
    version_validate(version_id=version.pk)
    version.refresh_from_db()
    return version


def test_version_panel_polls_while_checking_and_stops_when_done(client, act_world):
    client.force_login(act_world.lead)
    upload_via_page(client, act_world, act_world.sample())
    version = Version.objects.get(submission=act_world.submission)
    url = reverse("submissions:version_panel", kwargs={"pk": version.pk})
    assert 'hx-trigger="every 1s"' in client.get(url).content.decode()
    version_validate(version_id=version.pk)
    assert 'hx-trigger="every 1s"' not in client.get(url).content.decode()


def test_findings_csv_lists_every_finding(client, act_world):
    version = _validated_version(client, act_world, act_world.sample(errors=2))
    response = client.get(reverse("submissions:version_findings_csv", kwargs={"pk": version.pk}))
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == version.error_count + version.warning_count
    assert {row["severity"] for row in rows} >= {"error"}


def test_highlighted_workbook_comments_the_offending_cells(client, act_world):
    version = _validated_version(client, act_world, act_world.sample(errors=1))
    finding = version.findings.get(severity="error")
    response = client.get(reverse("submissions:version_highlighted", kwargs={"pk": version.pk}))
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert finding.message in workbook[finding.sheet][finding.cell].comment.text


def test_original_file_downloads_byte_for_byte(client, act_world):
    data = act_world.sample()
    version = _validated_version(client, act_world, data)
    response = client.get(reverse("submissions:version_file", kwargs={"pk": version.pk}))
    assert b"".join(response.streaming_content) == data


def test_submit_page_flow_signs_off(client, act_world):
    version = _validated_version(client, act_world, act_world.sample())
    explanations = {
        f"explanation_{f.pk}": "Expected change from the new unit." for f in version.findings.all()
    }
    response = client.post(
        reverse("submissions:submit", kwargs={"pk": act_world.submission.pk}),
        {"version": version.pk, "declaration": "on", **explanations},
    )
    assert response.status_code == 302
    assert Submission.objects.get(pk=act_world.submission.pk).status == SubmissionStatus.SUBMITTED


def test_submit_without_declaration_shows_the_error(client, act_world):
    version = _validated_version(client, act_world, act_world.sample())
    response = client.post(
        reverse("submissions:submit", kwargs={"pk": act_world.submission.pk}),
        {"version": version.pk},
    )
    assert response.status_code == 400
    assert "Confirm the sign-off declaration" in response.content.decode()


def test_submit_of_a_superseded_version_says_so(client, act_world):
    old = _validated_version(client, act_world, act_world.sample(seed=1))
    _validated_version(client, act_world, act_world.sample(seed=2))
    response = client.post(
        reverse("submissions:submit", kwargs={"pk": act_world.submission.pk}),
        {"version": old.pk, "declaration": "on"},
    )
    assert response.status_code == 400
    assert "newer version was uploaded" in response.content.decode()


@pytest.mark.parametrize("name", ["detail"])
def test_submission_page_query_count_is_bounded(
    client, act_world, django_assert_max_num_queries, name
):
    for seed in range(3):
        _validated_version(client, act_world, act_world.sample(seed=seed, errors=1))
    # 26: one of them reads the round's technical definitions shown beside the findings.
    with django_assert_max_num_queries(26):
        client.get(reverse("submissions:detail", kwargs={"pk": act_world.submission.pk}))


def test_failed_version_shows_its_message(client, act_world):
    client.force_login(act_world.lead)
    upload_via_page(client, act_world, act_world.sample())
    version = Version.objects.get(submission=act_world.submission)
    Version.objects.filter(pk=version.pk).update(
        status=VersionStatus.FAILED, message="We could not check this file."
    )
    response = client.get(reverse("submissions:detail", kwargs={"pk": act_world.submission.pk}))
    assert "We could not check this file." in response.content.decode()


def test_latest_version_notice_warns_of_a_newer_upload(client, act_world):
    first = _validated_version(client, act_world, act_world.sample(seed=1))
    url = reverse("submissions:latest_version_notice", kwargs={"pk": act_world.submission.pk})
    assert "newer version" not in client.get(url, {"seen": first.pk}).content.decode()
    second = _validated_version(client, act_world, act_world.sample(seed=2))
    notice = client.get(url, {"seen": first.pk}).content.decode()
    assert f"uploaded version {second.number}" in notice
