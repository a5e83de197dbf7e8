from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Role
from erf.models import NationalBaseline
from erf.services import national_baselines_import_csv
from tests.factories import IcsFactory, RegionFactory, user_with_role

CSV = b'ods_code,month,baseline_value\nQHM,2019-04,30000000\nQHM,2019-05,"29,000,000"\n'


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
