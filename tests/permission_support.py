"""Building blocks of the permission matrix (tests/test_permission_matrix.py) and its row
modules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.tokens import default_token_generator
from django.core.files.base import ContentFile
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import Role
from accounts.services import invitation_create
from submissions.models import Finding, Submission, Version, VersionStatus
from submissions.services import template_context
from tests.factories import UserFactory
from tests.world import World
from workbooks.sample import make_sample_return

LOGIN = "login"
REDIRECT = "redirect"
ANONYMOUS = "anonymous"
NO_ROLE = "no_role"
ROLES = ("submitter", "signatory", "system_lead", "regional_reviewer", "national_admin")
SIGNED_IN = (NO_ROLE, *ROLES)
PRINCIPALS = (ANONYMOUS, *SIGNED_IN)
EXCLUDED_NAMESPACES = {"admin"}


def only(
    *allowed: str, ok: int | str = 200, denied: int | str = 404, anonymous: int | str = LOGIN
) -> dict:
    """`ok` for the allowed principals, `denied` for every other signed-in one."""
    unknown = set(allowed) - set(SIGNED_IN)
    assert not unknown, f"unknown principals {unknown}"
    expected = {principal: (ok if principal in allowed else denied) for principal in SIGNED_IN}
    expected[ANONYMOUS] = anonymous
    return expected


def everyone(status: int | str, *, anonymous: int | str | None = None) -> dict:
    expected = {principal: status for principal in SIGNED_IN}
    expected[ANONYMOUS] = status if anonymous is None else anonymous
    return expected


def nobody() -> dict:
    return only()


ADMIN = ("national_admin",)
LEAD = ("system_lead",)
UNAUTHORISED = 401
SEES_TRUST_A = ("submitter", "signatory", "system_lead", "regional_reviewer", "national_admin")
SEES_SYSTEM_A = ("system_lead", "regional_reviewer", "national_admin")


def _reset_kwargs(world: World) -> dict:
    # A user of their own: logging in (force_login sets last_login) would invalidate the token.
    user = UserFactory(username="forgetful")
    return {
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    }


def _invitation_kwargs(world: World) -> dict:
    _, token = invitation_create(
        email="new.person@example.nhs.uk",
        role=Role.SUBMITTER,
        organisation=world.trust_a,
        invited_by=world.user("national_admin"),
    )
    return {"token": token}


def _submission(world: World, ics_attr: str) -> Submission:
    submission, _ = Submission.objects.get_or_create(
        collection=world.collection, organisation=getattr(world, ics_attr)
    )
    return submission


def _version(world: World, ics_attr: str) -> Version:
    """A checked version with one finding, made directly: the matrix is about access, not
    uploads."""
    submission = _submission(world, ics_attr)
    data = make_sample_return(context=template_context(submission=submission), errors=1)
    version = Version(
        submission=submission,
        number=1,
        file_format="xlsx",
        sha256="0" * 64,
        size=len(data),
        original_name="plan.xlsx",
        uploaded_by=world.user("system_lead"),
        status=VersionStatus.INVALID,
        error_count=1,
    )
    version.file.save("upload", ContentFile(data), save=False)
    version.save()
    Finding.objects.create(
        version=version,
        severity="error",
        rule="T.1",
        sheet="Cover",
        cell="B2",
        value="x",
        message="Wrong.",
    )
    Submission.objects.filter(pk=submission.pk).update(current_version=version, status="invalid")
    return version


def _submission_kwargs(ics_attr: str) -> Callable[[World], dict]:
    return lambda w: {"pk": _submission(w, ics_attr).pk}


def _version_kwargs(ics_attr: str) -> Callable[[World], dict]:
    return lambda w: {"pk": _version(w, ics_attr).pk}


def _org(attr: str) -> Callable[[World], dict]:
    return lambda w: {"ods_code": getattr(w, attr).ods_code}


def _region(attr: str) -> Callable[[World], dict]:
    return lambda w: {"code": getattr(w, attr).code}


_round = lambda w: {"pk": w.planning_round.pk}  # noqa: E731
_other_round = lambda w: {"pk": w.other_round.pk}  # noqa: E731
_collection = lambda w: {"round_pk": w.planning_round.pk, "pk": w.collection.pk}  # noqa: E731


def _invite_data(w: World) -> dict:
    return {"email": "x@example.nhs.uk", "role": "submitter", "organisation": w.trust_a.pk}


@dataclass(frozen=True)
class Row:
    name: str
    kwargs: Callable[[World], dict] | None
    expected: dict
    label: str = ""
    method: str = "get"
    data: Callable[[World], dict] | dict = field(default_factory=dict)
    query: str = ""

    @property
    def id(self) -> str:
        return f"{self.name}[{self.label or self.method}]"
