from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from planning.models import Organisation, Region
from planning.reference_data import REFERENCE_DIR, organisations_import_csv, reference_data_load
from tests.factories import IcsFactory, RegionFactory, UserFactory

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {"regions": Region.objects.count(), "organisations": Organisation.objects.count()}


def test_load_reference_data_second_run_all_unchanged(db):
    out = io.StringIO()
    call_command("load_reference_data", stdout=out)
    first = _counts()
    second = reference_data_load()

    assert _counts() == first
    assert {label: (r.created, r.updated, r.errors) for label, r in second.items()} == {
        label: (0, 0, []) for label in ("regions", "ICSs", "trusts", "Cancer Alliances", "LMSs")
    }
    assert sum(r.unchanged for r in second.values()) == first["organisations"] + first["regions"]
    assert "regions: 7 created, 0 updated, 0 unchanged, 0 errors" in out.getvalue()


def _csv(text: str, encoding: str = "utf-8") -> io.BytesIO:
    return io.BytesIO(text.encode(encoding))


@pytest.mark.parametrize(
    ("filename", "label"),
    [
        ("regions.csv", "regions"),
        ("icss.csv", "ICSs"),
        ("trusts.csv", "trusts"),
        ("cancer_alliances.csv", "Cancer Alliances"),
        ("lmss.csv", "LMSs"),
    ],
)
def test_organisations_import_csv_recognises_file_by_header(db, filename, label):
    for earlier in ("regions.csv", "icss.csv"):
        if earlier != filename:
            organisations_import_csv(stream=open(REFERENCE_DIR / earlier, "rb"))

    with open(REFERENCE_DIR / filename, "rb") as stream:
        found, result = organisations_import_csv(stream=stream)

    assert (found, result.errors) == (label, [])
    assert result.created > 0


def test_organisations_import_csv_updates_and_counts(db):
    region = RegionFactory(code="Y63", name="Old name")

    label, result = organisations_import_csv(
        stream=_csv("code,name\nY63,North East and Yorkshire\nY62,North West\n")
    )

    region.refresh_from_db()
    assert (label, result.created, result.updated, result.unchanged) == ("regions", 1, 1, 0)
    assert region.name == "North East and Yorkshire"


def test_organisations_import_csv_reports_unknown_ics_codes(db):
    ics = IcsFactory(ods_code="QHM")
    RegionFactory(code="Y63")
    trusts = (
        "ods_code,name,icss_ods_code,trust_type,other_icss_ods_codes\n"
        "RTD,Newcastle,QHM,acute,QXX\n"
        "RZZ,Nowhere,QNO,acute,\n"
        "RYY,Odd,QHM,hospice,\n"
    )
    alliances = "code,name,icss_ods_codes\nE56000029,Northern,QHM;QYY\nE56000099,Nowhere,QNN\n"

    _, trust_result = organisations_import_csv(stream=_csv(trusts))
    _, alliance_result = organisations_import_csv(stream=_csv(alliances))

    assert trust_result.errors == [
        "line 2: unknown ICS code(s) QXX",
        "line 3: unknown ICS QNO",
        "line 4: unknown trust type 'hospice'",
    ]
    assert alliance_result.errors == ["line 2: unknown ICS code(s) QYY", "line 3: unknown ICS QNN"]
    assert list(Organisation.objects.get(ods_code="E56000029").covered_icss.all()) == [ics]
    assert sorted(Organisation.objects.values_list("ods_code", flat=True)) == [
        "E56000029",
        "QHM",
        "RTD",
    ]


def test_organisations_import_csv_reports_missing_values(db):
    _, result = organisations_import_csv(stream=_csv("code,name\nY63,\n,North West\n"))

    assert result.errors == ["line 2: missing name", "line 3: missing code"]


def test_organisations_import_csv_rejects_non_utf8(db):
    with pytest.raises(ValidationError) as error:
        organisations_import_csv(stream=_csv("code,name\nY99,Région\n", encoding="latin-1"))

    assert error.value.messages == [
        "The file is not UTF-8 text. Save it as CSV UTF-8 and try again."
    ]
    assert Region.objects.count() == 0


def test_organisations_import_csv_accepts_utf8_bom(db):
    label, result = organisations_import_csv(
        stream=_csv("\ufeffcode,name\nY63,North East and Yorkshire\n")
    )

    assert (label, result.created) == ("regions", 1)


def test_organisations_import_csv_rejects_unknown_header(db):
    with pytest.raises(ValidationError) as error:
        organisations_import_csv(stream=_csv("colour,size\nred,large\n"))

    assert "The columns were not recognised" in error.value.messages[0]


def test_organisations_import_csv_rejects_huge_file(db):
    with pytest.raises(ValidationError):
        organisations_import_csv(stream=_csv("code,name\n" + "Y63,x\n" * 1_000_000))


def _superuser_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_admin_organisation_import_page_imports_posted_csv(client):
    client = _superuser_client(client)
    url = reverse("admin:planning_organisation_import")
    upload = io.BytesIO(b"code,name\nY63,North East and Yorkshire\nY62,North West\n")
    upload.name = "regions.csv"

    assert client.get(url).status_code == 200
    response = client.post(url, {"file": upload}, follow=True)

    assert response.redirect_chain == [(reverse("admin:planning_organisation_changelist"), 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "regions: 2 created, 0 updated, 0 unchanged, 0 errors"
    ]
    assert sorted(Region.objects.values_list("code", flat=True)) == ["Y62", "Y63"]


def test_admin_organisation_import_page_shows_errors_for_bad_file(client):
    client = _superuser_client(client)
    upload = io.BytesIO("code,name\nY63,Région\n".encode("latin-1"))
    upload.name = "regions.csv"

    response = client.post(reverse("admin:planning_organisation_import"), {"file": upload})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "file": ["The file is not UTF-8 text. Save it as CSV UTF-8 and try again."]
    }
    assert Region.objects.count() == 0


def test_admin_organisation_import_page_refused_without_permission(client):
    client.force_login(UserFactory(username="staff", is_staff=True))
    upload = io.BytesIO(b"code,name\nY63,North East and Yorkshire\n")
    upload.name = "regions.csv"

    response = client.post(reverse("admin:planning_organisation_import"), {"file": upload})

    assert (response.status_code, response["Location"]) == (302, reverse("admin:index"))
    assert Region.objects.count() == 0


def test_admin_organisation_import_page_anonymous_sent_to_admin_login(client):
    response = client.get(reverse("admin:planning_organisation_import"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_organisations_import_csv_cancer_alliance_without_ics_codes_is_an_error(db):
    IcsFactory(ods_code="QHM")

    _, result = organisations_import_csv(
        stream=_csv("code,name,icss_ods_codes\nE56000029,Northern,;\n")
    )

    assert result.errors == ["line 2: missing icss_ods_codes"]
    assert not Organisation.objects.filter(ods_code="E56000029").exists()
