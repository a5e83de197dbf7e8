from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role
from tests.factories import grant


def _home(client, user):
    client.force_login(user)
    return client.get(reverse("shell:home"))


@pytest.mark.parametrize(
    ("role", "location"),
    [
        ("submitter", "/organisations/RA1/"),
        ("signatory", "/organisations/RA1/"),
        ("system_lead", "/organisations/QAA/"),
        ("regional_reviewer", "/regions/YA1/"),
        ("national_admin", "/regions/"),
    ],
)
def test_home_redirects_each_role_to_its_work(client, world, role, location):
    response = _home(client, world.user(role))

    assert (response.status_code, response["Location"]) == (302, location)


def test_home_lists_organisations_and_regions_for_several_roles(client, world):
    user = world.user("submitter")
    grant(user, Role.SUBMITTER, organisation=world.ics_a)
    grant(user, Role.REGIONAL_REVIEWER, region=world.region_b)

    response = _home(client, user)

    assert response.status_code == 200
    assert [o.ods_code for o in response.context["organisations"]] == ["RA1", "QAA"]
    assert [r.code for r in response.context["regions"]] == ["YB2"]


def test_home_without_roles_says_so(client, world):
    response = _home(client, world.no_role_user)

    assert response.status_code == 200
    assert "You do not have a role at any organisation yet." in response.content.decode()


def test_home_anonymous_goes_to_login(client, db):
    response = client.get(reverse("shell:home"))

    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/")


def test_healthz_answers_ok_without_login(client, db):
    response = client.get(reverse("shell:healthz"))

    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert client.post(reverse("shell:healthz")).status_code == 405


def test_organisation_returns_shows_task_list_with_status_tags(client, world):
    client.force_login(world.user("system_lead"))

    response = client.get(reverse("planning:organisation_returns", kwargs={"ods_code": "QAA"}))

    content = response.content.decode()
    assert [row.collection.code for row in response.context["rows"]] == ["ACT"]
    assert response.context["can_act"] is True
    assert '<strong class="nhsuk-tag nhsuk-tag--grey">Not started</strong>' in content
    assert "Your returns for 2021/22" in content


def test_organisation_returns_reviewer_reads_without_acting(client, world):
    client.force_login(world.user("regional_reviewer"))

    response = client.get(reverse("planning:organisation_returns", kwargs={"ods_code": "QAA"}))

    assert response.context["can_act"] is False
    assert "<h1>Returns for 2021/22</h1>" in response.content.decode()


def test_headers_deny_framing_and_set_csp(client, db):
    response = client.get(reverse("accounts:login"))

    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert "script-src 'self'" in response["Content-Security-Policy"]
