from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from planning.models import LinkKind, Organisation, OrganisationType, Region
from planning.reference_data import (
    ICB_CHANGES_FILE,
    REFERENCE_DIR,
    organisations_import_csv,
    reference_data_load,
)
from tests.factories import CcgFactory, IcsFactory, RegionFactory, TrustFactory, UserFactory

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
        label: (0, 0, [])
        for label in ("regions", "ICSs", "trusts", "CCGs", "Cancer Alliances", "LMSs")
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
        ("ccgs.csv", "CCGs"),
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


def test_ccgs_file_holds_the_106_ccgs_of_april_2021_and_the_lead_ccg_of_27_systems(db):
    reference_data_load()

    ccgs = Organisation.objects.filter(org_type=OrganisationType.CCG)
    led = Organisation.objects.filter(org_type=OrganisationType.ICS, lead_ccg__isnull=False)
    assert (ccgs.count(), ccgs.filter(ods_code__contains="-").count(), led.count()) == (106, 0, 27)
    assert (
        Organisation.objects.get(ods_code="QT1").lead_ccg.name,
        Organisation.objects.get(ods_code="02Q").parent_ics.ods_code,
    ) == ("NHS Nottingham and Nottinghamshire CCG", "QF7")


def test_ccg_import_reports_unknown_ics_and_bad_dates(db):
    IcsFactory(ods_code="QF7")

    _, result = organisations_import_csv(
        stream=_csv(
            "ods_code,name,icss_ods_code,valid_from,valid_to,is_lead_ccg,note\n"
            "02Q,NHS Bassetlaw CCG,QF7,,2022-06-31,,\n"
            "02P,NHS Barnsley CCG,QZZ,,,,\n"
            "03N,NHS Sheffield CCG,QF7,2013-04-01,,yes,\n"
        )
    )

    sheffield = Organisation.objects.get(ods_code="03N")
    assert result.errors == [
        "line 2: valid_to '2022-06-31' is not a date like 2022-07-01",
        "line 3: unknown ICS QZZ",
    ]
    assert (
        sheffield.valid_from.isoformat(),
        Organisation.objects.get(ods_code="QF7").lead_ccg,
    ) == (
        "2013-04-01",
        sheffield,
    )


def _changes(*rows: str) -> io.BytesIO:
    header = (
        "effective_from,change,ods_code,org_type,name,region_code,system_ods_code,"
        "predecessor_ods_codes,note\n"
    )
    return _csv(header + "".join(f"{row}\n" for row in rows))


def test_changes_file_with_a_refused_row_changes_nothing(db):
    region = RegionFactory(code="Y63")
    ics = IcsFactory(ods_code="QF7", region=region)
    ccg = CcgFactory(ods_code="02Q", parent_ics=ics, region=region)

    with pytest.raises(ValidationError) as error:
        organisations_import_csv(
            stream=_changes(
                "2022-07-01,establish,QF7,icb,NHS South Yorkshire ICB,Y63,,QF7,",
                "2022-07-01,move,02Q,ccg,,,QT1,,",
                "2022-07-01,merge,RFF,,,,,,",
            )
        )

    ccg.refresh_from_db()
    assert error.value.messages == [
        "Nothing was changed. Correct these rows and import the file again:",
        "line 4: the change must be establish, move or close",
        "line 3: no organisation QT1 of that kind exists on 01 July 2022",
    ]
    assert (ccg.parent_ics, Organisation.objects.filter(org_type="icb").count()) == (ics, 0)


def test_changes_before_the_last_change_are_refused(db):
    region = RegionFactory(code="Y63")
    first, second = (
        IcsFactory(ods_code="QF7", region=region),
        IcsFactory(ods_code="QT1", region=region),
    )
    TrustFactory(ods_code="RP5", parent_ics=first, region=region)
    organisations_import_csv(stream=_changes("2022-07-01,move,RP5,provider,,,QT1,,"))

    with pytest.raises(ValidationError) as error:
        organisations_import_csv(stream=_changes("2022-04-01,move,RP5,provider,,,QF7,,"))

    assert error.value.messages[1] == (
        "line 2: RP5 last changed its integrated care system on 01 July 2022: import changes in "
        "date order"
    )
    assert Organisation.objects.get(ods_code="RP5").parent_ics == second


def test_reference_files_loaded_again_leave_dated_changes_alone(db):
    reference_data_load()
    with open(ICB_CHANGES_FILE, "rb") as stream:
        organisations_import_csv(stream=stream)

    results = reference_data_load()

    bassetlaw = Organisation.objects.get(ods_code="02Q")
    assert (bassetlaw.parent_ics.ods_code, bassetlaw.parent_ics.org_type) == ("QT1", "icb")
    assert list(bassetlaw.links.values_list("kind", "other__ods_code", "region__code")) == [
        (LinkKind.REGION, None, "Y63"),
        (LinkKind.SYSTEM, "QF7", None),
    ]
    assert (results["CCGs"].updated, results["CCGs"].kept_dated) == (0, 106)


def test_admin_organisation_import_page_imports_ccgs_and_changes(client):
    client = _superuser_client(client)
    reference_data_load()
    url = reverse("admin:planning_organisation_import")

    with open(ICB_CHANGES_FILE, "rb") as upload:
        response = client.post(url, {"file": upload}, follow=True)

    assert [str(m) for m in response.context["messages"]] == [
        "organisation changes: 42 created, 1 updated, 0 unchanged, 0 errors"
    ]
