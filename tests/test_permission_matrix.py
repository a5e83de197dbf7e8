"""Who gets what from every URL of the portal (SPEC §1: deny by default, denied objects are 404).

One row of MATRIX is one request: a URL name, how to build its arguments from the world (see
tests/world.py), and the expected answer for each principal. Principals are the "A"-side users
of tests/world.py, so "own" objects are A's and "other" objects are B's.

Adding a URL = adding a row. test_matrix_covers_every_named_url fails until every named URL
pattern (except Django admin's) has at least one row.

Expected answers: an HTTP status, LOGIN (302 to the login page) or REDIRECT (302 elsewhere).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import Role
from accounts.services import invitation_create
from django.core.files.base import ContentFile

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


def only(*allowed: str, ok: int | str = 200, denied: int | str = 404, anonymous: int | str = LOGIN) -> dict:
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
    return {"uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)}


def _invitation_kwargs(world: World) -> dict:
    _, token = invitation_create(
        email="new.person@example.nhs.uk", role=Role.SUBMITTER, organisation=world.trust_a,
        invited_by=world.user("national_admin"),
    )
    return {"token": token}


def _submission(world: World, ics_attr: str) -> Submission:
    submission, _ = Submission.objects.get_or_create(collection=world.collection, organisation=getattr(world, ics_attr))
    return submission


def _version(world: World, ics_attr: str) -> Version:
    """A checked version with one finding, made directly: the matrix is about access, not uploads."""
    submission = _submission(world, ics_attr)
    data = make_sample_return(context=template_context(submission=submission), errors=1)
    version = Version(submission=submission, number=1, file_format="xlsx", sha256="0" * 64, size=len(data),
                      original_name="plan.xlsx", uploaded_by=world.user("system_lead"), status=VersionStatus.INVALID,
                      error_count=1)
    version.file.save("upload", ContentFile(data), save=False)
    version.save()
    Finding.objects.create(version=version, severity="error", rule="T.1", sheet="Cover", cell="B2", value="x",
                           message="Wrong.")
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
_invite_data = lambda w: {"email": "x@example.nhs.uk", "role": "submitter", "organisation": w.trust_a.pk}  # noqa: E731


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


MATRIX: list[Row] = [
    # core
    Row("core:home", None, {**everyone(REDIRECT, anonymous=LOGIN), NO_ROLE: 200}),
    Row("core:healthz", None, everyone(200)),
    # accounts
    Row("accounts:login", None, everyone(REDIRECT, anonymous=200)),
    Row("accounts:logout", None, everyone(LOGIN), method="post"),
    Row("accounts:password_reset", None, everyone(200)),
    Row("accounts:password_reset", None, everyone(REDIRECT), method="post", data={"email": "a@example.nhs.uk"}),
    Row("accounts:password_reset_done", None, everyone(200)),
    Row("accounts:password_reset_confirm", _reset_kwargs, everyone(REDIRECT), label="valid token"),
    Row("accounts:password_reset_confirm", lambda w: {"uidb64": "MQ", "token": "bad-token"}, everyone(200),
        label="bad token"),
    Row("accounts:password_reset_complete", None, everyone(200)),
    Row("accounts:invite", None, only(*ADMIN)),
    Row("accounts:invite", None, only(*ADMIN, ok=REDIRECT), method="post", data=_invite_data),
    Row("accounts:invitation_accept", _invitation_kwargs, everyone(200), label="valid token"),
    Row("accounts:invitation_accept", lambda w: {"token": "no-such-token"}, everyone(410), label="bad token"),
    # planning: an organisation's returns
    Row("planning:organisation_returns", _org("trust_a"), only(*SEES_TRUST_A), label="own trust"),
    Row("planning:organisation_returns", lambda w: {"ods_code": w.trust_a.ods_code.lower()}, only(*SEES_TRUST_A),
        label="own trust lower case"),
    Row("planning:organisation_returns", _org("trust_a"), only(*SEES_TRUST_A), label="own trust other round",
        query="?round={other_round}"),
    Row("planning:organisation_returns", _org("trust_a"), only(*SEES_TRUST_A, ok=404), label="bad round",
        query="?round=abc"),
    Row("planning:organisation_returns", _org("trust_b"), only(*ADMIN), label="other trust"),
    Row("planning:organisation_returns", _org("ics_a"), only(*SEES_SYSTEM_A), label="own ICS"),
    Row("planning:organisation_returns", _org("ics_b"), only(*ADMIN), label="other ICS"),
    Row("planning:organisation_returns", _org("ccg_a"), only(*SEES_SYSTEM_A), label="own CCG"),
    Row("planning:organisation_returns", _org("ccg_b"), only(*ADMIN), label="other CCG"),
    Row("planning:organisation_returns", _org("lms_a"), only(*SEES_SYSTEM_A), label="own LMS"),
    Row("planning:organisation_returns", _org("lms_b"), only(*ADMIN), label="other LMS"),
    Row("planning:organisation_returns", _org("alliance_a"), only("regional_reviewer", *ADMIN),
        label="cancer alliance in own region"),
    Row("planning:organisation_returns", lambda w: {"ods_code": "NOPE"}, nobody(), label="unknown"),
    # planning: regions
    Row("planning:region_list", None, only(*ADMIN)),
    Row("planning:region_detail", _region("region_a"), only("regional_reviewer", *ADMIN), label="own region"),
    Row("planning:region_detail", _region("region_b"), only(*ADMIN), label="other region"),
    Row("planning:region_detail", lambda w: {"code": "ZZZ"}, nobody(), label="unknown"),
    # planning: rounds and collections (national admins only)
    Row("planning:round_list", None, only(*ADMIN)),
    Row("planning:round_detail", _round, only(*ADMIN)),
    Row("planning:round_detail", lambda w: {"pk": 999999}, nobody(), label="unknown"),
    Row("planning:round_copy", _round, only(*ADMIN)),
    Row("planning:round_copy", _round, only(*ADMIN, ok=REDIRECT), method="post",
        data={"name": "2022/23", "shift_days": "364"}),
    Row("planning:round_make_current", _other_round, only(*ADMIN, ok=REDIRECT), method="post"),
    Row("planning:round_make_current", _other_round, everyone(405), label="GET not allowed"),
    Row("planning:collection_edit", _collection, only(*ADMIN)),
    Row("planning:collection_edit", _collection, only(*ADMIN, ok=200), method="post", data={},
        label="post invalid"),
    Row("planning:collection_edit", lambda w: {"round_pk": w.other_round.pk, "pk": w.collection.pk}, nobody(),
        label="collection of another round"),
    # submissions: the return page and its files
    Row("submissions:detail", _submission_kwargs("ics_a"), only(*SEES_SYSTEM_A), label="own system"),
    Row("submissions:detail", _submission_kwargs("ics_b"), only(*ADMIN), label="other system"),
    Row("submissions:detail", lambda w: {"pk": 999999}, nobody(), label="unknown"),
    Row("submissions:upload", _submission_kwargs("ics_a"), only(*LEAD, ok=400), method="post",
        label="own system, no file"),
    Row("submissions:upload", _submission_kwargs("ics_b"), nobody(), method="post", label="other system"),
    Row("submissions:upload", _submission_kwargs("ics_a"), everyone(405, anonymous=405), label="GET not allowed"),
    Row("submissions:submit", lambda w: {"pk": _version(w, "ics_a").submission_id},
        only(*LEAD, ok=400), method="post", label="own system, no declaration"),
    Row("submissions:submit", lambda w: {"pk": _version(w, "ics_b").submission_id}, nobody(), method="post",
        label="other system"),
    Row("submissions:template", _submission_kwargs("ics_a"), only(*SEES_SYSTEM_A), label="own system"),
    Row("submissions:template", _submission_kwargs("ics_b"), only(*ADMIN), label="other system"),
    Row("submissions:version_detail", _version_kwargs("ics_a"), only(*SEES_SYSTEM_A), label="own system"),
    Row("submissions:version_detail", _version_kwargs("ics_b"), only(*ADMIN), label="other system"),
    Row("submissions:version_panel", _version_kwargs("ics_a"), only(*SEES_SYSTEM_A), label="own system"),
    Row("submissions:version_panel", _version_kwargs("ics_b"), only(*ADMIN), label="other system"),
    Row("submissions:version_file", _version_kwargs("ics_a"), only(*SEES_SYSTEM_A), label="own system"),
    Row("submissions:version_file", _version_kwargs("ics_b"), only(*ADMIN), label="other system"),
    Row("submissions:version_findings_csv", _version_kwargs("ics_a"), only(*SEES_SYSTEM_A), label="own system"),
    Row("submissions:version_findings_csv", _version_kwargs("ics_b"), only(*ADMIN), label="other system"),
    Row("submissions:version_highlighted", _version_kwargs("ics_a"), only(*SEES_SYSTEM_A), label="own system"),
    Row("submissions:version_highlighted", _version_kwargs("ics_b"), only(*ADMIN), label="other system"),
    Row("submissions:template_versions", _collection, only(*ADMIN)),
    Row("submissions:template_versions", _collection, only(*ADMIN, ok=200), method="post", data={},
        label="post invalid"),
    # api: token and session authentication; anonymous callers get 401, hidden objects 404
    Row("api:token", None, everyone(400), method="post", data={"username": "nobody", "password": "wrong"}),
    Row("api:submission_list", None, everyone(200, anonymous=UNAUTHORISED)),
    Row("api:submission_detail", _submission_kwargs("ics_a"), only(*SEES_SYSTEM_A, anonymous=UNAUTHORISED),
        label="own system"),
    Row("api:submission_detail", _submission_kwargs("ics_b"), only(*ADMIN, anonymous=UNAUTHORISED),
        label="other system"),
    Row("api:submission_template", _submission_kwargs("ics_a"), only(*SEES_SYSTEM_A, anonymous=UNAUTHORISED),
        label="own system"),
    Row("api:submission_template", _submission_kwargs("ics_b"), only(*ADMIN, anonymous=UNAUTHORISED),
        label="other system"),
    Row("api:version_create", _submission_kwargs("ics_a"), only(*LEAD, ok=400, anonymous=UNAUTHORISED),
        method="post", label="own system, no file"),
    Row("api:version_create", _submission_kwargs("ics_b"), only(anonymous=UNAUTHORISED), method="post",
        label="other system"),
    Row("api:submission_submit", lambda w: {"pk": _version(w, "ics_a").submission_id},
        only(*LEAD, ok=400, anonymous=UNAUTHORISED), method="post", label="own system, nothing sent"),
    Row("api:submission_submit", lambda w: {"pk": _version(w, "ics_b").submission_id},
        only(anonymous=UNAUTHORISED), method="post", label="other system"),
    Row("api:version_detail", _version_kwargs("ics_a"), only(*SEES_SYSTEM_A, anonymous=UNAUTHORISED),
        label="own system"),
    Row("api:version_detail", _version_kwargs("ics_b"), only(*ADMIN, anonymous=UNAUTHORISED), label="other system"),
    Row("api:schema", None, everyone(200, anonymous=UNAUTHORISED)),
    Row("api:docs", None, everyone(200, anonymous=UNAUTHORISED)),
]


def _named_url_patterns(resolver: URLResolver, prefix: str = "") -> set[str]:
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in EXCLUDED_NAMESPACES:
                continue
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            names |= _named_url_patterns(pattern, namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(prefix + pattern.name)
    return names


def test_matrix_covers_every_named_url():
    uncovered = _named_url_patterns(get_resolver()) - {row.name for row in MATRIX}
    assert sorted(uncovered) == [], "add a row to MATRIX for each of these URL names"


def test_matrix_names_only_existing_urls():
    assert {row.name for row in MATRIX} - _named_url_patterns(get_resolver()) == set()


def test_matrix_rows_give_every_principal_an_answer():
    assert [row.id for row in MATRIX if set(row.expected) != set(PRINCIPALS)] == []


def _principal_client(client, world: World, principal: str):
    if principal == NO_ROLE:
        client.force_login(world.no_role_user)
    elif principal != ANONYMOUS:
        client.force_login(world.user(principal))
    return client


CASES = [pytest.param(row, principal, id=f"{row.id}-{principal}") for row in MATRIX for principal in PRINCIPALS]


@pytest.mark.parametrize(("row", "principal"), CASES)
def test_url_answers_principal_as_the_matrix_says(client, db, module_world, row: Row, principal: str):
    world = module_world
    url = reverse(row.name, kwargs=row.kwargs(world) if row.kwargs else None)
    url += row.query.format(other_round=world.other_round.pk)
    data = row.data(world) if callable(row.data) else row.data
    response = getattr(_principal_client(client, world, principal), row.method)(url, data)

    expected = row.expected[principal]
    login_url = reverse("accounts:login")
    if expected == LOGIN:
        assert (response.status_code, response["Location"].split("?")[0]) == (302, login_url)
    elif expected == REDIRECT:
        assert response.status_code == 302
        assert response["Location"].split("?")[0] != login_url or row.name == "accounts:login"
    else:
        assert response.status_code == expected
