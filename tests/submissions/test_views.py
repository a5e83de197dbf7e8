from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from submissions.models import (
    Finding,
    ProductKind,
    ProductStatus,
    Severity,
    Submission,
    SubmissionStatus,
    Version,
    VersionProduct,
    VersionStatus,
)
from submissions.products import product_build, product_for, products_sweep
from submissions.validation import version_validate
from tests.workbooks.conftest import replace_entry, sheet_part


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


def test_the_last_poll_brings_the_whole_page_up_to_date(client, act_world):
    client.force_login(act_world.lead)
    upload_via_page(client, act_world, act_world.sample())
    version = Version.objects.get(submission=act_world.submission)
    url = reverse("submissions:version_panel", kwargs={"pk": version.pk})
    assert "hx-swap-oob" not in client.get(url, headers={"HX-Request": "true"}).content.decode()
    version_validate(version_id=version.pk)
    page = client.get(url, headers={"HX-Request": "true"}).content.decode()
    for area in ("submission-status", "page-messages", "draft-notice-area", "versions-area"):
        assert f'id="{area}" hx-swap-oob="true"' in page
    assert "Version 1 has no errors and can be submitted." in page
    assert "Waiting to be checked" not in page
    assert "hx-swap-oob" not in client.get(url).content.decode()


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
    assert {row["Severity"] for row in rows} >= {"Error"}


def test_highlighted_workbook_comments_the_offending_cells(client, act_world):
    version = _validated_version(client, act_world, act_world.sample(errors=1))
    finding = version.findings.get(severity="error")
    response = client.get(reverse("submissions:version_highlighted", kwargs={"pk": version.pk}))
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert finding.message in workbook[finding.sheet][finding.cell].comment.text
    assert response["Content-Disposition"] == 'attachment; filename="ACT-QHM-v1-findings.xlsx"'


def test_marked_workbook_of_a_large_file_is_prepared_in_the_background_with_progress(
    client, act_world, settings, django_capture_on_commit_callbacks
):
    settings.PRODUCT_INLINE_MAX_BYTES = 0
    version = _validated_version(client, act_world, act_world.sample(errors=1))
    url = reverse("submissions:version_highlighted", kwargs={"pk": version.pk})

    with django_capture_on_commit_callbacks() as queued:
        waiting = client.get(url)
    product = VersionProduct.objects.get(version=version)
    panel = client.get(reverse("submissions:version_highlighted_panel", kwargs={"pk": version.pk}))

    assert (waiting.status_code, product.status, len(queued)) == (202, ProductStatus.QUEUED, 1)
    page = waiting.content.decode()
    assert 'hx-trigger="every 2s"' in page and '<meta http-equiv="refresh" content="5">' in page
    assert "We are preparing your workbook with the cells marked" in panel.content.decode()

    assert product_build(product_id=product.pk, limited=True) == ProductStatus.DONE
    ready = client.get(url)
    marked = openpyxl.load_workbook(io.BytesIO(b"".join(ready.streaming_content)))
    finding = version.findings.get(severity="error")
    assert finding.message in marked[finding.sheet][finding.cell].comment.text
    assert VersionProduct.objects.count() == 1


def test_marked_workbook_of_a_file_that_fails_the_package_check_says_why(client, act_world):
    version = _validated_version(client, act_world, act_world.sample())
    with version.file.open("rb") as stream:
        data = stream.read()
    part = sheet_part(data, "ERF")
    content = zipfile.ZipFile(io.BytesIO(data)).read(part)
    # As a file stored before the check covered every part could be.
    version.file.save("upload", ContentFile(replace_entry(data, part, b"<!DOCTYPE x>" + content)))

    response = client.get(reverse("submissions:version_highlighted", kwargs={"pk": version.pk}))

    assert response.status_code == 200
    assert "XML entity or DTD declarations" in response.content.decode()
    assert VersionProduct.objects.get(version=version).status == ProductStatus.FAILED


def test_stuck_product_is_sent_again_then_failed_after_its_attempts(act_world, client, settings):
    settings.PRODUCT_INLINE_MAX_BYTES = 0
    version = _validated_version(client, act_world, act_world.sample())
    product = product_for(kind=ProductKind.MARKED, version=version)
    stale = timezone.now() + dt.timedelta(seconds=settings.VALIDATION_RUNNING_STALE_SECONDS + 1)
    VersionProduct.objects.filter(pk=product.pk).update(
        status=ProductStatus.RUNNING, attempts=1, started_at=timezone.now()
    )

    assert products_sweep(now=stale) == {"requeued": 1, "failed": 0}
    VersionProduct.objects.filter(pk=product.pk).update(
        status=ProductStatus.RUNNING, attempts=settings.PRODUCT_MAX_ATTEMPTS
    )
    assert products_sweep(now=stale) == {"requeued": 0, "failed": 1}
    assert VersionProduct.objects.get(pk=product.pk).message == (
        "This could not be prepared after 3 attempts. Try again later."
    )


def test_original_file_downloads_byte_for_byte(client, act_world):
    data = act_world.sample()
    version = _validated_version(client, act_world, data)
    response = client.get(reverse("submissions:version_file", kwargs={"pk": version.pk}))
    assert b"".join(response.streaming_content) == data


def test_original_file_is_named_from_its_detected_format_not_its_uploaded_name(client, act_world):
    version = _validated_version(client, act_world, act_world.sample())
    # As a version stored before names were checked could be called.
    Version.objects.filter(pk=version.pk).update(original_name="plan.html")

    response = client.get(reverse("submissions:version_file", kwargs={"pk": version.pk}))

    assert response["Content-Disposition"] == 'attachment; filename="ACT-QHM-v1.xlsx"'


def _url(name: str, pk: int) -> str:
    return reverse(f"submissions:{name}", kwargs={"pk": pk})


def _warn(version: Version, *, measure: str, cell: str, rule: str = "ACT.PLAUS.MONTH") -> Finding:
    return Finding.objects.create(
        version=version,
        severity=Severity.WARNING,
        rule=rule,
        sheet="Activity",
        cell=cell,
        value="250",
        measure=measure,
        message=f"{measure} for QHM in Jun-21 is 250, +60% on May-21.",
    )


def test_submit_goes_through_check_your_answers_to_a_confirmation(client, act_world):
    version = _validated_version(client, act_world, act_world.sample())
    explain = client.get(_url("submit_explain", version.pk))
    assert explain.url == _url("submit_check", version.pk)
    check = _url("submit_check", version.pk)
    assert "Check your answers before submitting" in client.get(check).content.decode()
    refused = client.post(check, {})
    page = refused.content.decode()
    assert (refused.status_code, "<title>Error: Check your answers" in page) == (400, True)
    assert "Agree to the declaration to submit the return." in page
    response = client.post(check, {"declaration": "on"})
    assert response.url == _url("submitted", act_world.submission.pk)
    confirmation = client.get(response.url).content.decode()
    assert f"ACT-DRAFT-QHM-{act_world.submission.pk:05d}-V1" in confirmation
    assert "What happens next" in confirmation
    assert Submission.objects.get(pk=act_world.submission.pk).status == SubmissionStatus.SUBMITTED


def test_warnings_are_explained_once_per_rule_and_measure(client, act_world):
    version = _validated_version(client, act_world, act_world.sample())
    findings = [_warn(version, measure="Remote share", cell=f"H{row}") for row in (5, 6, 7)]
    findings.append(_warn(version, measure="Day cases", cell="H9"))
    explain = _url("submit_explain", version.pk)
    page = client.get(explain).content.decode()
    assert page.count('data-testid="explanation-box"') == 2
    refused = client.post(explain, {"explain_0": "", "explain_1": "Day-case unit opens."})
    page = refused.content.decode()
    assert refused.status_code == 400
    assert '<a href="#id_explain_0">Explain why these values are right' in page
    assert 'id="explain_0-error"' in page
    response = client.post(
        explain, {"explain_0": "Clinics moved online.", "explain_1": "Day-case unit opens."}
    )
    assert response.url == _url("submit_check", version.pk)
    assert "Clinics moved online." in client.get(response.url).content.decode()
    client.post(response.url, {"declaration": "on"})
    assert [Finding.objects.get(pk=finding.pk).explanation for finding in findings] == [
        "Clinics moved online."
    ] * 3 + ["Day-case unit opens."]


def test_an_explanation_given_for_an_earlier_version_is_offered_again(client, act_world):
    first = _validated_version(client, act_world, act_world.sample(seed=1))
    explained = _warn(first, measure="Remote share", cell="H5")
    Finding.objects.filter(pk=explained.pk).update(explanation="Clinics moved online.")
    second = _validated_version(client, act_world, act_world.sample(seed=2))
    _warn(second, measure="Remote share", cell="H6")
    page = client.get(_url("submit_explain", second.pk)).content.decode()
    assert ">\nClinics moved online.</textarea>" in page
    assert "Filled in with the explanation given for version 1" in page


def test_an_earlier_version_is_offered_and_submitted_with_a_warning(client, act_world):
    good = _validated_version(client, act_world, act_world.sample(seed=1))
    _validated_version(client, act_world, act_world.sample(seed=2, errors=1))
    page = client.get(_url("detail", act_world.submission.pk)).content.decode()
    assert f'href="{_url("submit_explain", good.pk)}"' in page
    check = client.get(_url("submit_check", good.pk)).content.decode()
    assert "This is not the newest version" in check
    assert "Submit version 1, not the newest" in check
    client.post(_url("submit_check", good.pk), {"declaration": "on"})
    submission = Submission.objects.get(pk=act_world.submission.pk)
    assert (submission.status, submission.submitted_version_id) == (
        SubmissionStatus.SUBMITTED,
        good.pk,
    )


def test_return_page_says_a_newer_draft_is_not_submitted(client, act_world):
    first = _validated_version(client, act_world, act_world.sample(seed=1))
    client.post(_url("submit_check", first.pk), {"declaration": "on"})
    _validated_version(client, act_world, act_world.sample(seed=2))
    page = client.get(_url("detail", act_world.submission.pk)).content.decode()
    assert "Version 1 stays submitted until you submit another version" in page
    assert 'data-testid="draft-notice"' in page
    assert 'name="file"' in page  # a submitted return still takes a newer draft


def test_submit_of_a_version_with_errors_goes_back_saying_why(client, act_world):
    version = _validated_version(client, act_world, act_world.sample(errors=1))
    response = client.get(_url("submit_check", version.pk), follow=True)
    assert "Version 1 has errors: fix them" in response.content.decode()


def test_submit_pages_are_404_for_a_submitter_who_cannot_sign(client, act_world):
    version = _validated_version(client, act_world, act_world.sample())
    client.force_login(act_world.submitter)
    assert client.get(_url("submit_check", version.pk)).status_code == 404


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


def test_the_return_page_counts_findings_by_sheet_and_check_and_opens_them_on_demand(
    client, act_world
):
    version = _validated_version(client, act_world, act_world.sample())
    for row in range(60):
        _warn(version, measure="Remote share", cell=f"H{row + 5}")
    page = client.get(_url("detail", act_world.submission.pk)).content.decode()
    assert page.count("+60% on May-21") == 0
    assert "A large change from one month to the next" in page
    findings = client.get(
        _url("version_findings", version.pk), {"sheet": "Activity", "rule": "ACT.PLAUS.MONTH"}
    )
    assert findings.context["page"].paginator.count == 60
    assert findings.content.decode().count("+60% on May-21") == 50


def test_upload_hint_says_the_formats_and_the_limit_in_plain_english(client, act_world):
    client.force_login(act_world.lead)

    page = client.get(reverse("submissions:detail", kwargs={"pk": act_world.submission.pk}))

    assert "Excel workbook (.xlsx), up to 50 MB." in page.content.decode()
