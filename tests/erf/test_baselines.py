from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Role
from erf.models import NationalBaseline
from erf.returns import erf_estimate_of_return
from erf.services import national_baselines_import_csv
from submissions.erf_estimates import erf_estimate_of_version
from submissions.services import template_context
from tests.checked_returns import checked_version
from tests.factories import IcsFactory, RegionFactory, user_with_role
from tests.returns_world import ERF_BASELINES
from tests.worker_support import wait_for

CSV = b'ods_code,month,baseline_value\nQHM,2019-04,30000000\nQHM,2019-05,"29,000,000"\n'


ACT_WORLD_CSV = "\n".join(
    ["ods_code,month,baseline_value"]
    + [f"QHM,{month},{value}" for month, value in ERF_BASELINES.items()]
).encode()


def shown_estimate(version):
    """The estimate the return and review pages show for the version."""
    version.refresh_from_db()
    estimate = erf_estimate_of_version(version=version)
    return estimate.total if estimate else None


def held() -> list[tuple[str, str, int]]:
    return [
        (row.organisation.ods_code, row.month, int(row.value))
        for row in NationalBaseline.objects.select_related("organisation")
    ]


def test_national_baselines_import_creates_then_changes_nothing(db):
    IcsFactory(ods_code="QHM")
    first = national_baselines_import_csv(stream=io.BytesIO(CSV))
    again = national_baselines_import_csv(stream=io.BytesIO(CSV))
    assert ((first.created, again.unchanged), held()) == (
        (2, 2),
        [("QHM", "2019-04", 30_000_000), ("QHM", "2019-05", 29_000_000)],
    )


def test_national_baselines_import_with_a_bad_row_loads_nothing(db):
    IcsFactory(ods_code="QHM")
    bad = CSV + b"RTD,2019-06,1\nQHM,April,1\n"
    result = national_baselines_import_csv(stream=io.BytesIO(bad))
    assert (result.errors, held()) == (
        [
            "line 4: RTD is not a system's ODS code",
            "line 5: month 'April' is not written like 2019-04",
        ],
        [],
    )


def test_baselines_import_page_loads_a_file_for_a_national_admin(client, db):
    IcsFactory(ods_code="QHM", region=RegionFactory(code="Y63"))
    client.force_login(user_with_role(Role.NATIONAL_ADMIN, username="admin"))
    url = reverse("erf:baselines_import")
    response = client.post(url, {"file": SimpleUploadedFile("b.csv", CSV)}, follow=True)
    assert (response.status_code, len(held())) == (200, 2)
    assert "Baselines loaded: 2 added" in response.content.decode()


def test_baselines_import_page_is_not_found_for_a_system_lead(client, db):
    ics = IcsFactory(ods_code="QHM")
    client.force_login(user_with_role(Role.SYSTEM_LEAD, organisation=ics, username="lead"))
    assert client.get(reverse("erf:baselines_import")).status_code == 404


def test_baselines_import_page_says_how_many_returns_it_updates(client, act_world):
    NationalBaseline.objects.all().delete()
    checked_version(submission=act_world.submission, user=act_world.lead)
    client.force_login(user_with_role(Role.NATIONAL_ADMIN, username="admin"))
    url = reverse("erf:baselines_import")
    response = client.post(url, {"file": SimpleUploadedFile("b.csv", ACT_WORLD_CSV)}, follow=True)
    page = response.content.decode()
    assert (
        "Baselines loaded: 6 added, 0 changed, 0 already held. The ERF estimates of 1 return will "
        "be updated with them in the next few minutes." in page,
        "The ERF estimates of 1 return are being updated" in page,
    ) == (True, True)


@pytest.mark.django_db(transaction=True)
def test_baselines_import_page_has_a_real_worker_update_the_return_estimate(
    client, act_world, worker
):
    NationalBaseline.objects.all().delete()
    version = checked_version(submission=act_world.submission, user=act_world.lead)
    client.force_login(user_with_role(Role.NATIONAL_ADMIN, username="admin"))
    client.post(
        reverse("erf:baselines_import"), {"file": SimpleUploadedFile("b.csv", ACT_WORLD_CSV)}
    )
    with version.file.open("rb") as stream:
        expected = erf_estimate_of_return(
            submission=act_world.submission,
            data=stream.read(),
            spec=template_context(submission=act_world.submission).specs[-1],
        ).total
    assert wait_for(lambda: shown_estimate(version)) == expected
