"""Who gets what from every URL of the portal (deny by default, denied objects are 404).

One row of MATRIX is one request: a URL name, how to build its arguments from the world (see
tests/world.py), and the expected answer for each principal. Principals are the "A"-side users
of tests/world.py, so "own" objects are A's and "other" objects are B's.

Adding a URL = adding a row. test_matrix_covers_every_named_url fails until every named URL
pattern (except Django admin's) has at least one row.

Expected answers: an HTTP status, LOGIN (302 to the login page) or REDIRECT (302 elsewhere).
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import User
from tests.permission_rows import EXTRA_PRINCIPALS, ROWS_FROM_APPS
from tests.permission_rows.admin_actions import ADMIN_ACTIONS
from tests.permission_support import (  # noqa: F401 - re-exported for row modules' convenience
    ADMIN,
    ANONYMOUS,
    EXCLUDED_NAMESPACES,
    LEAD,
    LOGIN,
    NO_ROLE,
    PRINCIPALS,
    REDIRECT,
    ROLES,
    SEES_SYSTEM_A,
    SEES_TRUST_A,
    SIGNED_IN,
    UNAUTHORISED,
    Row,
    World,
    _collection,
    _invitation_kwargs,
    _invite_data,
    _org,
    _other_round,
    _region,
    _reset_kwargs,
    _round,
    _submission,
    _submission_kwargs,
    _version,
    _version_kwargs,
    everyone,
    nobody,
    only,
)

MATRIX: list[Row] = [
    # core
    # A national admin's home is the national overview; everyone else is sent to their work.
    Row(
        "shell:home",
        None,
        {**everyone(REDIRECT, anonymous=LOGIN), NO_ROLE: 200, "national_admin": 200},
    ),
    Row("shell:healthz", None, everyone(200)),
    # accounts
    Row("accounts:login", None, everyone(REDIRECT, anonymous=200)),
    Row("accounts:logout", None, everyone(LOGIN), method="post"),
    Row("accounts:password_reset", None, everyone(200)),
    Row(
        "accounts:password_reset",
        None,
        everyone(REDIRECT),
        method="post",
        data={"email": "a@example.nhs.uk"},
    ),
    Row("accounts:password_reset_done", None, everyone(200)),
    Row("accounts:password_reset_confirm", _reset_kwargs, everyone(REDIRECT), label="valid token"),
    Row(
        "accounts:password_reset_confirm",
        lambda w: {"uidb64": "MQ", "token": "bad-token"},
        everyone(200),
        label="bad token",
    ),
    Row("accounts:password_reset_complete", None, everyone(200)),
    Row("accounts:invite", None, only(*ADMIN)),
    Row("accounts:invite", None, only(*ADMIN, ok=REDIRECT), method="post", data=_invite_data),
    Row("accounts:invitation_accept", _invitation_kwargs, everyone(200), label="valid token"),
    Row(
        "accounts:invitation_accept",
        lambda w: {"token": "no-such-token"},
        everyone(410),
        label="bad token",
    ),
    # planning: an organisation's returns
    Row("planning:organisation_returns", _org("trust_a"), only(*SEES_TRUST_A), label="own trust"),
    Row(
        "planning:organisation_returns",
        lambda w: {"ods_code": w.trust_a.ods_code.lower()},
        only(*SEES_TRUST_A),
        label="own trust lower case",
    ),
    Row(
        "planning:organisation_returns",
        _org("trust_a"),
        only(*SEES_TRUST_A),
        label="own trust other round",
        query="?round={other_round}",
    ),
    Row(
        "planning:organisation_returns",
        _org("trust_a"),
        only(*SEES_TRUST_A, ok=404),
        label="bad round",
        query="?round=abc",
    ),
    Row("planning:organisation_returns", _org("trust_b"), only(*ADMIN), label="other trust"),
    Row("planning:organisation_returns", _org("ics_a"), only(*SEES_SYSTEM_A), label="own ICS"),
    Row("planning:organisation_returns", _org("ics_b"), only(*ADMIN), label="other ICS"),
    Row("planning:organisation_returns", _org("ccg_a"), only(*SEES_SYSTEM_A), label="own CCG"),
    Row("planning:organisation_returns", _org("ccg_b"), only(*ADMIN), label="other CCG"),
    Row("planning:organisation_returns", _org("lms_a"), only(*SEES_SYSTEM_A), label="own LMS"),
    Row("planning:organisation_returns", _org("lms_b"), only(*ADMIN), label="other LMS"),
    Row(
        "planning:organisation_returns",
        _org("alliance_a"),
        only("regional_reviewer", *ADMIN),
        label="cancer alliance in own region",
    ),
    Row("planning:organisation_returns", lambda w: {"ods_code": "NOPE"}, nobody(), label="unknown"),
    # planning: who signs off a provider's returns
    Row("planning:sign_off", _org("trust_a"), only("signatory", *ADMIN), label="own trust"),
    Row("planning:sign_off", _org("trust_b"), only(*ADMIN), label="other trust"),
    Row("planning:sign_off", _org("ics_a"), nobody(), label="a system hands nothing on"),
    # planning: regions
    Row("planning:region_list", None, only(*ADMIN)),
    Row(
        "planning:region_detail",
        _region("region_a"),
        only("regional_reviewer", *ADMIN),
        label="own region",
    ),
    Row("planning:region_detail", _region("region_b"), only(*ADMIN), label="other region"),
    Row("planning:region_detail", lambda w: {"code": "ZZZ"}, nobody(), label="unknown"),
    # planning: rounds and collections (national admins only)
    Row("planning:round_list", None, only(*ADMIN)),
    Row("planning:round_detail", _round, only(*ADMIN)),
    Row("planning:round_detail", lambda w: {"pk": 999999}, nobody(), label="unknown"),
    Row("planning:round_copy", _round, only(*ADMIN)),
    Row(
        "planning:round_copy",
        _round,
        only(*ADMIN, ok=REDIRECT),
        method="post",
        data={"name": "2022/23", "shift_days": "364"},
    ),
    Row("planning:round_make_current", _other_round, only(*ADMIN, ok=REDIRECT), method="post"),
    Row("planning:round_make_current", _other_round, everyone(405), label="GET not allowed"),
    Row("planning:collection_edit", _collection, only(*ADMIN)),
    Row(
        "planning:collection_edit",
        _collection,
        only(*ADMIN, ok=200),
        method="post",
        data={},
        label="post invalid",
    ),
    Row(
        "planning:collection_edit",
        lambda w: {"round_pk": w.other_round.pk, "pk": w.collection.pk},
        nobody(),
        label="collection of another round",
    ),
    # submissions: the return page and its files
    Row(
        "submissions:detail", _submission_kwargs("ics_a"), only(*SEES_SYSTEM_A), label="own system"
    ),
    Row("submissions:detail", _submission_kwargs("ics_b"), only(*ADMIN), label="other system"),
    Row("submissions:detail", lambda w: {"pk": 999999}, nobody(), label="unknown"),
    Row(
        "submissions:upload",
        _submission_kwargs("ics_a"),
        only(*LEAD, ok=400),
        method="post",
        label="own system, no file",
    ),
    Row(
        "submissions:upload",
        _submission_kwargs("ics_b"),
        nobody(),
        method="post",
        label="other system",
    ),
    Row(
        "submissions:upload",
        _submission_kwargs("ics_a"),
        everyone(405, anonymous=405),
        label="GET not allowed",
    ),
    Row(
        "submissions:submit_check",
        _version_kwargs("ics_a"),
        only(*LEAD, ok=302),
        method="post",
        label="own system, version with errors",
    ),
    Row("submissions:submit_check", _version_kwargs("ics_b"), nobody(), label="other system"),
    Row(
        "submissions:submit_explain",
        _version_kwargs("ics_a"),
        only(*LEAD, ok=302),
        label="own system, version with errors",
    ),
    Row("submissions:submit_explain", _version_kwargs("ics_b"), nobody(), label="other system"),
    Row(
        "submissions:submitted",
        lambda w: {"pk": _version(w, "ics_a").submission_id},
        only(*SEES_SYSTEM_A, ok=302),
        label="own system, nothing submitted",
    ),
    Row(
        "submissions:submitted",
        lambda w: {"pk": _version(w, "ics_b").submission_id},
        only(*ADMIN, ok=302),
        label="other system",
    ),
    Row(
        "submissions:template",
        _submission_kwargs("ics_a"),
        only(*SEES_SYSTEM_A),
        label="own system",
    ),
    Row("submissions:template", _submission_kwargs("ics_b"), only(*ADMIN), label="other system"),
    Row(
        "submissions:version_detail",
        _version_kwargs("ics_a"),
        only(*SEES_SYSTEM_A),
        label="own system",
    ),
    Row("submissions:version_detail", _version_kwargs("ics_b"), only(*ADMIN), label="other system"),
    Row(
        "submissions:version_findings",
        _version_kwargs("ics_a"),
        only(*SEES_SYSTEM_A),
        label="own system",
    ),
    Row(
        "submissions:version_findings", _version_kwargs("ics_b"), only(*ADMIN), label="other system"
    ),
    Row(
        "submissions:version_panel",
        _version_kwargs("ics_a"),
        only(*SEES_SYSTEM_A),
        label="own system",
    ),
    Row("submissions:version_panel", _version_kwargs("ics_b"), only(*ADMIN), label="other system"),
    Row(
        "submissions:version_file",
        _version_kwargs("ics_a"),
        only(*SEES_SYSTEM_A),
        label="own system",
    ),
    Row("submissions:version_file", _version_kwargs("ics_b"), only(*ADMIN), label="other system"),
    Row(
        "submissions:version_findings_csv",
        _version_kwargs("ics_a"),
        only(*SEES_SYSTEM_A),
        label="own system",
    ),
    Row(
        "submissions:version_findings_csv",
        _version_kwargs("ics_b"),
        only(*ADMIN),
        label="other system",
    ),
    Row(
        "submissions:version_highlighted",
        _version_kwargs("ics_a"),
        only(*SEES_SYSTEM_A),
        label="own system",
    ),
    Row(
        "submissions:version_highlighted",
        _version_kwargs("ics_b"),
        only(*ADMIN),
        label="other system",
    ),
    Row(
        "submissions:version_highlighted_panel",
        _version_kwargs("ics_a"),
        only(*SEES_SYSTEM_A),
        label="own system",
    ),
    Row(
        "submissions:version_highlighted_panel",
        _version_kwargs("ics_b"),
        only(*ADMIN),
        label="other system",
    ),
    Row("submissions:template_versions", _collection, only(*ADMIN)),
    Row(
        "submissions:template_versions",
        _collection,
        only(*ADMIN, ok=200),
        method="post",
        data={},
        label="post invalid",
    ),
    # api: token and session authentication; anonymous callers get 401, hidden objects 404
    Row(
        "api:token",
        None,
        everyone(400),
        method="post",
        data={"username": "nobody", "password": "wrong"},
    ),
    Row("api:submission_list", None, everyone(200, anonymous=UNAUTHORISED)),
    Row(
        "api:submission_detail",
        _submission_kwargs("ics_a"),
        only(*SEES_SYSTEM_A, anonymous=UNAUTHORISED),
        label="own system",
    ),
    Row(
        "api:submission_detail",
        _submission_kwargs("ics_b"),
        only(*ADMIN, anonymous=UNAUTHORISED),
        label="other system",
    ),
    Row(
        "api:submission_template",
        _submission_kwargs("ics_a"),
        only(*SEES_SYSTEM_A, anonymous=UNAUTHORISED),
        label="own system",
    ),
    Row(
        "api:submission_template",
        _submission_kwargs("ics_b"),
        only(*ADMIN, anonymous=UNAUTHORISED),
        label="other system",
    ),
    Row(
        "api:version_create",
        _submission_kwargs("ics_a"),
        only(*LEAD, ok=400, anonymous=UNAUTHORISED),
        method="post",
        label="own system, no file",
    ),
    Row(
        "api:version_create",
        _submission_kwargs("ics_b"),
        only(anonymous=UNAUTHORISED),
        method="post",
        label="other system",
    ),
    Row(
        "api:submission_submit",
        lambda w: {"pk": _version(w, "ics_a").submission_id},
        only(*LEAD, ok=400, anonymous=UNAUTHORISED),
        method="post",
        label="own system, nothing sent",
    ),
    Row(
        "api:submission_submit",
        lambda w: {"pk": _version(w, "ics_b").submission_id},
        only(anonymous=UNAUTHORISED),
        method="post",
        label="other system",
    ),
    Row(
        "api:version_detail",
        _version_kwargs("ics_a"),
        only(*SEES_SYSTEM_A, anonymous=UNAUTHORISED),
        label="own system",
    ),
    Row(
        "api:version_detail",
        _version_kwargs("ics_b"),
        only(*ADMIN, anonymous=UNAUTHORISED),
        label="other system",
    ),
    Row("api:schema", None, everyone(200, anonymous=UNAUTHORISED)),
    Row("api:docs", None, everyone(200, anonymous=UNAUTHORISED)),
]
# Each later app keeps its rows in its own module under tests/permission_rows/.
MATRIX += ROWS_FROM_APPS


def _named_url_patterns(
    resolver: URLResolver, prefix: str = "", *, excluded=EXCLUDED_NAMESPACES
) -> set[str]:
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in excluded:
                continue
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            names |= _named_url_patterns(pattern, namespace, excluded=excluded)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(prefix + pattern.name)
    return names


def test_matrix_covers_every_named_url():
    uncovered = _named_url_patterns(get_resolver()) - {row.name for row in MATRIX}
    assert sorted(uncovered) == [], "add a row to MATRIX for each of these URL names"


def test_matrix_names_only_existing_urls():
    existing = _named_url_patterns(get_resolver(), excluded=set())
    assert {row.name for row in MATRIX} - existing == set()


def test_matrix_rows_give_every_principal_an_answer():
    assert [
        row.id
        for row in MATRIX
        if not set(PRINCIPALS) <= set(row.expected) <= set(PRINCIPALS) | set(EXTRA_PRINCIPALS)
    ] == []


def test_matrix_covers_every_django_admin_action():
    superuser = User(username="superuser", is_staff=True, is_superuser=True)
    request = RequestFactory().get("/")
    request.user = superuser
    offered = {
        model._meta.label: sorted(model_admin.get_actions(request))
        for model, model_admin in admin.site._registry.items()
        if model_admin.get_actions(request)
    }
    assert offered == {label: sorted(actions) for label, actions in ADMIN_ACTIONS.items()}


def _principal_client(client, world: World, principal: str):
    if principal == NO_ROLE:
        client.force_login(world.no_role_user)
    elif principal in EXTRA_PRINCIPALS:
        client.force_login(EXTRA_PRINCIPALS[principal](world))
    elif principal != ANONYMOUS:
        client.force_login(world.user(principal))
    return client


CASES = [
    pytest.param(row, principal, id=f"{row.id}-{principal}")
    for row in MATRIX
    for principal in row.expected
]


@pytest.mark.parametrize(("row", "principal"), CASES)
def test_url_answers_principal_as_the_matrix_says(
    client, db, module_world, row: Row, principal: str
):
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
