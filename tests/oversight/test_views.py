from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine

from oversight.exports import ERF_HEADING, IDENTIFIER_HEADINGS
from oversight.selectors import dashboard_for_user
from submissions.models import SubmissionStatus
from tests.factories import IcsFactory
from tests.oversight.support import AFTER_DEADLINE, in_state

EXPORTS = ("/dashboard/progress.xlsx", "/dashboard/progress.csv")


def _read_xlsx(content: bytes) -> tuple[list[list], str]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)], sheet.freeze_panes


def _read_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def _expected(dashboard) -> list[list]:
    """The selector's matrix as a table: identifiers, ERF total, one status label per return."""
    header = [*IDENTIFIER_HEADINGS, ERF_HEADING, *(f"{c.code}" for c in dashboard.columns)]
    return [
        header,
        *(
            [
                row["region"],
                row["ics"],
                row["ods_code"],
                row["name"],
                row["type"],
                row["erf_total"],
                *(cell["label"] for cell in row["cells"]),
            ]
            for row in dashboard.rows
        ),
    ]


@pytest.fixture
def filled(world):
    lead = world.user("system_lead")
    in_state(
        collection=world.collection,
        organisation=world.ics_a,
        status=SubmissionStatus.SUBMITTED,
        erf_total=Decimal(1234567),
        uploader=lead,
    )
    return world


@time_machine.travel(AFTER_DEADLINE)
def test_dashboard_page_shows_the_matrix_counts_and_time_to_deadline(client, filled):
    client.force_login(filled.user("national_admin"))

    response = client.get("/dashboard/")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-organisation="') == 2
    assert '<th scope="row" class="nhsuk-table__header">Alpha ICS' in html
    assert "4 days overdue" in html
    assert "£1,234,567" in html
    assert (
        f'<a href="/review/{filled.ics_a.submissions.get().pk}/"><strong class="nhsuk-tag '
        f'nhsuk-tag--purple">'
        "Submitted</strong></a>" in html
    )
    assert '<strong class="nhsuk-tag nhsuk-tag--yellow">Overdue</strong>' in html
    assert "1 of 2 returns submitted or approved (50%)" in html


def test_dashboard_page_filters_by_region_for_a_reviewer_and_refuses_another(client, filled):
    client.force_login(filled.user("regional_reviewer"))

    own = client.get("/dashboard/?region=YA1")
    other = client.get("/dashboard/?region=YB2")

    assert (
        own.status_code,
        own.content.decode().count('data-organisation="'),
        other.status_code,
    ) == (200, 1, 404)


def test_dashboard_page_reports_a_bad_filter_and_shows_everything(client, filled):
    client.force_login(filled.user("national_admin"))

    response = client.get("/dashboard/?status=nope")

    html = response.content.decode()
    assert (
        response.status_code,
        "There is a problem" in html,
        html.count('data-organisation="'),
    ) == (200, True, 2)
    assert "Choose a status from the list; until you do, the table shows them all." in html


def test_dashboard_page_shows_15_organisations_a_page_and_the_export_holds_them_all(client, filled):
    for number in range(30):
        IcsFactory(ods_code=f"Q{number:02d}", name=f"System {number:02d}", region=filled.region_a)
    client.force_login(filled.user("national_admin"))

    first = client.get("/dashboard/").content.decode()
    last = client.get("/dashboard/?region=YA1&page=3").content.decode()
    exported = _read_csv(client.get("/dashboard/progress.csv?page=2").content)

    assert (first.count('data-organisation="'), last.count('data-organisation="')) == (15, 1)
    assert "Showing 1 to 15 of 32 organisations" in first
    assert "Showing 31 to 31 of 31 organisations" in last
    assert 'href="?region=YA1&amp;page=2"' in last
    assert len(exported) == 1 + 32


@time_machine.travel(AFTER_DEADLINE)
def test_dashboard_xlsx_export_holds_the_filtered_matrix(client, filled):
    admin = filled.user("national_admin")
    client.force_login(admin)

    response = client.get("/dashboard/progress.xlsx?region=YA1")

    rows, frozen = _read_xlsx(response.content)
    dashboard = dashboard_for_user(
        user=admin, planning_round=filled.planning_round, region=filled.region_a
    )
    assert rows == _expected(dashboard)
    assert (len(rows), frozen) == (2, "F2")


@time_machine.travel(AFTER_DEADLINE)
def test_dashboard_csv_export_holds_the_filtered_matrix(client, filled):
    admin = filled.user("national_admin")
    client.force_login(admin)

    response = client.get("/dashboard/progress.csv?status=late")

    dashboard = dashboard_for_user(user=admin, planning_round=filled.planning_round, status="late")
    expected = [
        ["" if value is None else str(value) for value in row] for row in _expected(dashboard)
    ]
    assert _read_csv(response.content) == expected
    assert [row[2] for row in expected[1:]] == ["QBB"]


@pytest.mark.parametrize("url", EXPORTS)
def test_dashboard_exports_are_downloads(client, filled, url):
    client.force_login(filled.user("national_admin"))

    response = client.get(url + "?region=YA1")

    disposition = response["Content-Disposition"]
    assert (
        disposition.startswith('attachment; filename="progress-2021-22-YA1-'),
        disposition.endswith(url.rsplit(".", 1)[1] + '"'),
    ) == (True, True)
    assert (response["X-Content-Type-Options"], response["Cache-Control"]) == (
        "nosniff",
        "private, no-store",
    )


def test_dashboard_exports_neutralise_formulas(client, filled):
    filled.ics_a.name = '=HYPERLINK("http://evil.example","click")'
    filled.ics_a.save()
    client.force_login(filled.user("national_admin"))

    xlsx_rows, _ = _read_xlsx(client.get(EXPORTS[0]).content)
    csv_rows = _read_csv(client.get(EXPORTS[1]).content)

    neutral = "'" + filled.ics_a.name
    assert (xlsx_rows[1][3], csv_rows[1][3]) == (neutral, neutral)


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        ("national_admin", True),
        ("regional_reviewer", True),
        ("system_lead", False),
        ("submitter", False),
    ],
)
def test_navigation_links_to_the_dashboard_for_admins_and_reviewers(client, world, role, shown):
    client.force_login(world.user(role))

    response = client.get("/accounts/cover/")

    assert ('href="/dashboard/">Progress</a>' in response.content.decode()) is shown
