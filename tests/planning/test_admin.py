from __future__ import annotations

from django.urls import reverse

from accounts.models import Role
from planning.models import Organisation, SignOffDelegation
from planning.services import sign_off_delegation_grant
from tests.factories import UserFactory, user_with_role


def test_admin_takes_sign_off_back_through_the_service_and_refuses_anyone_else(client, act_world):
    trust = Organisation.objects.get(ods_code="RTD")
    signatory = user_with_role(Role.SIGNATORY, organisation=trust, username="rtd-signatory")
    delegation = sign_off_delegation_grant(
        organisation=trust, granted_by=signatory, reason="Board minute 21/34"
    )
    url = reverse("admin:planning_signoffdelegation_changelist")
    action = {"action": "revoke", "_selected_action": [delegation.pk]}

    client.force_login(UserFactory(username="staff-only", is_staff=True, is_superuser=True))
    refused = [str(m) for m in client.post(url, action, follow=True).context["messages"]]
    client.force_login(user_with_role(Role.NATIONAL_ADMIN, is_staff=True, is_superuser=True))
    revoked = [str(m) for m in client.post(url, action, follow=True).context["messages"]]

    assert refused == [
        f"{delegation}: Only a signatory of The Newcastle upon Tyne Hospitals NHS Foundation "
        "Trust (or a national admin) can hand its sign-off to its system or take it back."
    ]
    assert revoked == [f"{delegation}: sign-off taken back."]
    assert SignOffDelegation.objects.get(pk=delegation.pk).revoked_at is not None
