"""Permission rows for API tokens: everyone signed in sees and revokes only their own."""

from __future__ import annotations

from knox.models import AuthToken

from accounts.models import Role
from accounts.services import invitation_create
from tests.factories import UserFactory
from tests.permission_support import LOGIN, UNAUTHORISED, Row, World, everyone, nobody


def _strangers_token(world: World) -> dict:
    token, _ = AuthToken.objects.create(user=UserFactory(username="token-holder"))
    return {"key": token.token_key}


def _invitation_of_an_existing_account(world: World) -> dict:
    UserFactory(username="invited-again", email="invited.again@example.nhs.uk")
    _, token = invitation_create(
        email="invited.again@example.nhs.uk",
        role=Role.SUBMITTER,
        organisation=world.trust_a,
        invited_by=world.user("national_admin"),
    )
    return {"token": token}


ROWS = [
    Row(
        "accounts:invitation_accept",
        _invitation_of_an_existing_account,
        everyone(403, anonymous=LOGIN),
        label="existing account, signed in as someone else",
    ),
    Row("accounts:api_tokens", None, everyone(200, anonymous=LOGIN)),
    Row(
        "accounts:api_token_revoke",
        _strangers_token,
        nobody(),
        method="post",
        label="another person's token",
    ),
    Row("api:token_list", None, everyone(200, anonymous=UNAUTHORISED)),
    Row(
        "api:token_revoke",
        _strangers_token,
        everyone(404, anonymous=UNAUTHORISED),
        method="delete",
        label="another person's token",
    ),
]
