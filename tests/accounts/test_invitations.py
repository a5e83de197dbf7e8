from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, Role, RoleAssignment, User
from accounts.services import invitation_accept, invitation_create
from tests.factories import PASSWORD, IcsFactory, RegionFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a-long-new-password-42"
LINK = re.compile(r"https?://[^/\s]+(/accounts/invitations/[^/\s]+/)")


@pytest.fixture
def admin():
    return user_with_role(
        Role.NATIONAL_ADMIN, username="national", first_name="Nat", last_name="Admin"
    )


def _invite_by_email(client, admin, capture, **data) -> str:
    client.force_login(admin)
    with capture(execute=True):
        response = client.post(reverse("accounts:invite"), data)
    assert (response.status_code, response["Location"]) == (302, reverse("accounts:invite"))
    client.logout()
    (message,) = mail.outbox
    return LINK.search(message.body).group(1)


def _accept(client, path: str, username: str = "newlead", **extra):
    data = {
        "username": username,
        "first_name": "New",
        "last_name": "Lead",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        **extra,
    }
    return client.post(path, data)


def test_invite_sends_email_with_link(client, admin, django_capture_on_commit_callbacks):
    ics = IcsFactory(name="Alpha ICS", ods_code="QAA")

    path = _invite_by_email(
        client,
        admin,
        django_capture_on_commit_callbacks,
        email="New.Lead@Example.NHS.uk",
        role=Role.SYSTEM_LEAD,
        organisation=ics.pk,
    )

    (message,) = mail.outbox
    invitation = Invitation.objects.get()
    assert message.to == ["new.lead@example.nhs.uk"]
    assert message.subject == "You have been invited to the plan submission portal"
    assert (
        "Nat Admin has invited you to the NHS plan submission portal as system lead for Alpha ICS "
        "(QAA)." in (message.body)
    )
    assert message.body.count(settings.SITE_URL.rstrip("/") + path) == 1
    assert (invitation.email, invitation.role, invitation.organisation, invitation.invited_by) == (
        "new.lead@example.nhs.uk",
        Role.SYSTEM_LEAD,
        ics,
        admin,
    )
    # Only the token's hash is stored.
    assert path.rstrip("/").rsplit("/", 1)[1] not in invitation.token_hash


def test_invite_link_sets_password_logs_in_and_grants_role(
    client, admin, django_capture_on_commit_callbacks
):
    ics = IcsFactory(ods_code="QAA")
    path = _invite_by_email(
        client,
        admin,
        django_capture_on_commit_callbacks,
        email="new.lead@example.nhs.uk",
        role=Role.SYSTEM_LEAD,
        organisation=ics.pk,
    )

    assert client.get(path).status_code == 200
    response = _accept(client, path)

    user = User.objects.get(username="newlead")
    assert (response.status_code, response["Location"]) == (302, reverse("shell:home"))
    assert client.get(reverse("shell:home"))["Location"] == reverse(
        "planning:organisation_returns", kwargs={"ods_code": "QAA"}
    )
    assert (user.email, user.first_name, user.check_password(NEW_PASSWORD)) == (
        "new.lead@example.nhs.uk",
        "New",
        True,
    )
    assert list(RoleAssignment.objects.filter(user=user).values_list("role", "organisation")) == [
        (Role.SYSTEM_LEAD, ics.pk)
    ]
    assert Invitation.objects.get().accepted_by == user


def test_invite_link_is_single_use(client, admin, django_capture_on_commit_callbacks):
    path = _invite_by_email(
        client,
        admin,
        django_capture_on_commit_callbacks,
        email="reviewer@example.nhs.uk",
        role=Role.REGIONAL_REVIEWER,
        region=RegionFactory().pk,
    )
    _accept(client, path, username="first")
    client.logout()

    second_get = client.get(path)
    second_post = _accept(client, path, username="second")

    assert (second_get.status_code, second_post.status_code) == (410, 410)
    assert "This invitation has expired or has been used" in second_post.content.decode()
    assert list(
        User.objects.filter(username__in=["first", "second"]).values_list("username", flat=True)
    ) == ["first"]


def test_invite_link_expires(client, admin, time_machine):
    time_machine.move_to(dt.datetime(2021, 5, 1, 9, 0, tzinfo=dt.UTC), tick=False)
    _, token = invitation_create(
        email="late@example.nhs.uk", role=Role.NATIONAL_ADMIN, invited_by=admin
    )
    path = reverse("accounts:invitation_accept", kwargs={"token": token})

    time_machine.move_to(
        timezone.now() + dt.timedelta(days=settings.INVITATION_VALID_DAYS, seconds=-1), tick=False
    )
    assert client.get(path).status_code == 200

    time_machine.move_to(timezone.now() + dt.timedelta(seconds=1), tick=False)
    assert client.get(path).status_code == 410
    assert _accept(client, path, username="late").status_code == 410
    assert not User.objects.filter(username="late").exists()


def test_invite_link_with_invalid_token_is_gone(client):
    response = client.get(reverse("accounts:invitation_accept", kwargs={"token": "made-up"}))

    assert response.status_code == 410
    assert "This invitation has expired or has been used" in response.content.decode()


def test_invite_accept_rejects_weak_and_mismatched_passwords(client, admin):
    _, token = invitation_create(
        email="weak@example.nhs.uk",
        role=Role.SUBMITTER,
        organisation=IcsFactory(),
        invited_by=admin,
    )
    path = reverse("accounts:invitation_accept", kwargs={"token": token})

    weak = _accept(client, path, username="weak", password1="short", password2="short")
    mismatched = _accept(client, path, username="weak", password2="something-else-entirely")

    assert weak.status_code == 200
    assert "password1" in weak.context["form"].errors
    assert mismatched.context["form"].non_field_errors() == ["The two passwords do not match."]
    assert not User.objects.filter(username="weak").exists()
    assert Invitation.objects.get().accepted_at is None


def test_invite_accept_taken_username_leaves_invitation_open(client, admin):
    UserFactory(username="taken")
    _, token = invitation_create(
        email="new@example.nhs.uk", role=Role.SUBMITTER, organisation=IcsFactory(), invited_by=admin
    )
    path = reverse("accounts:invitation_accept", kwargs={"token": token})

    response = _accept(client, path, username="Taken")

    assert response.context["form"].errors == {
        "username": ["That username is taken. Choose another."]
    }
    assert Invitation.objects.get().accepted_at is None
    assert _accept(client, path, username="fresh").status_code == 302


@pytest.fixture
def existing_invited(admin):
    existing = UserFactory(username="existing", email="Existing@example.nhs.uk")
    ics = IcsFactory()
    _, token = invitation_create(
        email="existing@example.nhs.uk", role=Role.SIGNATORY, organisation=ics, invited_by=admin
    )
    return existing, ics, reverse("accounts:invitation_accept", kwargs={"token": token})


def test_invite_for_existing_account_never_sets_its_password(client, existing_invited):
    existing, _, path = existing_invited

    response = _accept(client, path, username="ignored")

    assert (response.status_code, response["Location"]) == (
        302,
        f"{reverse('accounts:login')}?next={path}",
    )
    existing.refresh_from_db()
    assert (existing.check_password(PASSWORD), existing.check_password(NEW_PASSWORD)) == (
        True,
        False,
    )
    assert RoleAssignment.objects.filter(user=existing).count() == 0
    assert not User.objects.filter(username="ignored").exists()
    assert Invitation.objects.get().accepted_at is None


def test_invite_for_existing_account_adds_the_role_once_its_owner_signs_in(
    client, existing_invited
):
    existing, ics, path = existing_invited
    client.post(reverse("accounts:login"), {"username": "existing", "password": PASSWORD})

    page = client.get(path)
    response = client.post(path)

    assert "Accept the role" in page.content.decode()
    assert (response.status_code, response["Location"]) == (302, reverse("shell:home"))
    assert list(
        RoleAssignment.objects.filter(user=existing).values_list("role", "organisation")
    ) == [(Role.SIGNATORY, ics.pk)]
    existing.refresh_from_db()
    assert existing.check_password(PASSWORD) is True
    assert Invitation.objects.get().accepted_by == existing


def test_invite_for_existing_account_is_refused_to_another_signed_in_person(
    client, existing_invited
):
    existing, _, path = existing_invited
    client.force_login(UserFactory(username="someone", email="someone@example.nhs.uk"))

    response = client.post(path)

    assert response.status_code == 403
    assert "sent to another email address" in response.content.decode()
    assert RoleAssignment.objects.filter(role=Role.SIGNATORY).count() == 0
    assert Invitation.objects.get().accepted_at is None


def test_invitation_service_refuses_a_new_account_for_a_used_email(existing_invited):
    existing, _, path = existing_invited

    with pytest.raises(ValidationError, match="already have an account"):
        invitation_accept(
            token=path.rstrip("/").rsplit("/", 1)[1], username="dup", password=NEW_PASSWORD
        )
    assert not User.objects.filter(username="dup").exists()


@pytest.mark.parametrize(
    "role", [Role.SUBMITTER, Role.SIGNATORY, Role.SYSTEM_LEAD, Role.REGIONAL_REVIEWER]
)
def test_invite_page_not_found_for_non_admin(client, role):
    ics = IcsFactory()
    scope = {"region": ics.region} if role == Role.REGIONAL_REVIEWER else {"organisation": ics}
    client.force_login(user_with_role(role, **scope))

    assert client.get(reverse("accounts:invite")).status_code == 404
    assert (
        client.post(
            reverse("accounts:invite"), {"email": "x@example.nhs.uk", "role": "national_admin"}
        ).status_code
        == 404
    )
    assert Invitation.objects.count() == 0


def test_invite_form_requires_scope_for_role(client, admin):
    client.force_login(admin)
    trust_free_ics = IcsFactory()

    no_org = client.post(
        reverse("accounts:invite"), {"email": "a@example.nhs.uk", "role": Role.SUBMITTER}
    )
    no_region = client.post(
        reverse("accounts:invite"), {"email": "a@example.nhs.uk", "role": Role.REGIONAL_REVIEWER}
    )
    ok = client.post(
        reverse("accounts:invite"),
        {"email": "a@example.nhs.uk", "role": Role.SUBMITTER, "organisation": trust_free_ics.pk},
    )

    assert no_org.context["form"].errors == {
        "organisation": ["Choose the organisation this person will work for."]
    }
    assert no_region.context["form"].errors == {
        "region": ["Choose the region this person will review."]
    }
    assert ok.status_code == 302
    assert Invitation.objects.count() == 1
