from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Role, RoleAssignment
from tests.factories import IcsFactory, RegionFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db


def _assign(**kwargs) -> RoleAssignment:
    with transaction.atomic():
        return RoleAssignment.objects.create(**kwargs)


@pytest.mark.parametrize("role", [Role.SUBMITTER, Role.SIGNATORY, Role.SYSTEM_LEAD])
def test_role_assignment_organisation_role_needs_organisation_only(role):
    user, ics, region = UserFactory(), IcsFactory(), RegionFactory()

    with pytest.raises(IntegrityError):
        _assign(user=user, role=role)
    with pytest.raises(IntegrityError):
        _assign(user=user, role=role, region=region)
    with pytest.raises(IntegrityError):
        _assign(user=user, role=role, organisation=ics, region=region)
    assert _assign(user=user, role=role, organisation=ics).organisation == ics


def test_role_assignment_reviewer_needs_region_only():
    user, ics, region = UserFactory(), IcsFactory(), RegionFactory()

    with pytest.raises(IntegrityError):
        _assign(user=user, role=Role.REGIONAL_REVIEWER)
    with pytest.raises(IntegrityError):
        _assign(user=user, role=Role.REGIONAL_REVIEWER, organisation=ics)
    with pytest.raises(IntegrityError):
        _assign(user=user, role=Role.REGIONAL_REVIEWER, organisation=ics, region=region)
    assert _assign(user=user, role=Role.REGIONAL_REVIEWER, region=region).region == region


def test_role_assignment_admin_has_neither_organisation_nor_region():
    user, ics, region = UserFactory(), IcsFactory(), RegionFactory()

    with pytest.raises(IntegrityError):
        _assign(user=user, role=Role.NATIONAL_ADMIN, organisation=ics)
    with pytest.raises(IntegrityError):
        _assign(user=user, role=Role.NATIONAL_ADMIN, region=region)
    assert _assign(user=user, role=Role.NATIONAL_ADMIN).scope_name == "England"


def test_role_assignment_unknown_role_refused():
    with pytest.raises(IntegrityError):
        _assign(user=UserFactory(), role="superhero")


def test_role_assignment_same_org_role_twice_refused():
    user, ics = UserFactory(), IcsFactory()
    _assign(user=user, role=Role.SIGNATORY, organisation=ics)

    with pytest.raises(IntegrityError):
        _assign(user=user, role=Role.SIGNATORY, organisation=ics)
    # Another role at the same organisation, or the same role elsewhere, is fine.
    _assign(user=user, role=Role.SUBMITTER, organisation=ics)
    _assign(user=user, role=Role.SIGNATORY, organisation=IcsFactory())
    assert RoleAssignment.objects.filter(user=user).count() == 3


def test_role_assignment_same_region_role_twice_refused():
    user, region = UserFactory(), RegionFactory()
    _assign(user=user, role=Role.REGIONAL_REVIEWER, region=region)

    with pytest.raises(IntegrityError):
        _assign(user=user, role=Role.REGIONAL_REVIEWER, region=region)
    _assign(user=user, role=Role.REGIONAL_REVIEWER, region=RegionFactory())
    assert RoleAssignment.objects.filter(user=user).count() == 2


def test_role_assignment_national_admin_twice_refused():
    user = UserFactory()
    _assign(user=user, role=Role.NATIONAL_ADMIN)

    with pytest.raises(IntegrityError):
        _assign(user=user, role=Role.NATIONAL_ADMIN)
    _assign(user=UserFactory(), role=Role.NATIONAL_ADMIN)
    assert RoleAssignment.objects.filter(role=Role.NATIONAL_ADMIN).count() == 2


def test_role_assignment_str_and_scope_name():
    user = UserFactory(username="ann")
    ics = IcsFactory(name="Alpha ICS", ods_code="QAA")
    region = RegionFactory(name="Region Alpha")

    lead = _assign(user=user, role=Role.SYSTEM_LEAD, organisation=ics)
    reviewer = _assign(user=user, role=Role.REGIONAL_REVIEWER, region=region)

    assert (str(lead), lead.scope_name) == ("ann – System lead – Alpha ICS (QAA)", "Alpha ICS")
    assert (str(reviewer), reviewer.scope_name) == (
        "ann – Regional reviewer – Region Alpha",
        "Region Alpha",
    )


def _answers(act_world, user) -> list[int]:
    """What the person gets for each action reserved to the return's organisation."""
    pk = act_world.submission.pk
    browser, api = Client(), APIClient()
    browser.force_login(user)
    api.force_authenticate(user)
    return [
        browser.post(reverse("submissions:upload", kwargs={"pk": pk})).status_code,
        browser.post(reverse("extensions:request", kwargs={"pk": pk})).status_code,
        api.post(reverse("api:version_create", kwargs={"pk": pk})).status_code,
        api.post(reverse("api:submission_submit", kwargs={"pk": pk}), {}).status_code,
        api.post(reverse("api:submission_extensions", kwargs={"pk": pk}), {}).status_code,
    ]


def test_superuser_flag_never_stands_in_for_an_organisation_role(act_world):
    superuser_admin = user_with_role(
        Role.NATIONAL_ADMIN, username="super", is_staff=True, is_superuser=True
    )
    plain_admin = user_with_role(Role.NATIONAL_ADMIN, username="plain")

    assert _answers(act_world, superuser_admin) == _answers(act_world, plain_admin) == [404] * 5
    assert _answers(act_world, act_world.outsider) == [404] * 5


def test_superuser_keeps_django_admin_model_permissions():
    user = UserFactory(is_staff=True, is_superuser=True)

    assert (user.has_perm("planning.change_collection"), user.has_perm("audit.view_trail")) == (
        True,
        False,
    )
