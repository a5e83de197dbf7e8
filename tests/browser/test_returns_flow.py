"""A system lead downloads the template, uploads a return with a mistake, watches the findings
appear without reloading, uploads the fix and submits it with the declaration."""

from __future__ import annotations

import io
import os
from pathlib import Path

import openpyxl
import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.factories import PASSWORD

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def serious_violations(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{violation['id']}: {violation['help']}"
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def submit_version(page, number: int) -> None:
    """From the return page once version `number` is checked: explain any warnings, check the
    answers, agree to the declaration and submit; ends on the confirmation page."""
    page.get_by_test_id("submit-version").get_by_text(f"Submit version {number}").click()
    if page.get_by_role("heading", name="Explain the warnings").count():
        for explanation in page.locator("textarea").all():
            explanation.fill("The new day-case unit opens in June 2021.")
        page.get_by_role("button", name="Continue").click()
    page.get_by_label("I agree to the declaration").check()
    page.get_by_role("button", name=f"Submit version {number}").click()
    page.get_by_test_id("confirmation").wait_for()


def test_lead_uploads_fixes_and_submits_a_return(page, live_server, act_world, worker):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("lead-qhm")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("link", name="Activity and performance (draft)").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the template (.xlsx)").click()
    assert download.value.suggested_filename == "ACT-draft-QHM-template-2021.1.xlsx"
    # openpyxl decides by file extension, and Playwright saves downloads without one.
    template = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert "QHM" in [cell.value for row in template.worksheets[0].iter_rows() for cell in row]

    page.locator("input[type=file][name=file]").set_input_files(
        files=[{"name": "act-draft.xlsx", "mimeType": XLSX, "buffer": act_world.sample(errors=2)}]
    )
    page.get_by_role("button", name="Upload", exact=True).click()
    page.get_by_test_id("findings").first.wait_for(timeout=60_000)
    assert page.get_by_test_id("version-panel").get_by_text("2 errors").is_visible()
    assert serious_violations(page) == []

    page.locator("input[type=file][name=file]").set_input_files(
        files=[{"name": "act-draft-fixed.xlsx", "mimeType": XLSX, "buffer": act_world.sample()}]
    )
    page.get_by_role("button", name="Upload", exact=True).click()
    page.get_by_test_id("submit-version").wait_for(timeout=60_000)
    submit_version(page, 2)
    assert serious_violations(page) == []
    page.get_by_role("link", name="Go to the return").click()

    assert page.locator("#submission-status").get_by_text("Submitted").is_visible()
    assert serious_violations(page) == []
