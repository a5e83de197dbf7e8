"""Schemathesis fuzzing of every operation in /api/v1/schema/, called through the Django WSGI
application (no network) as the system leads of two ICSs, each with returns, versions, findings,
comments, decisions, extension requests and audit events of their own.

For every generated call: no 5xx, and an answer the schema documents (schemathesis' conformance
checks: status code, content type, body and headers); the same call without a token answers 401 or
403; and nothing of the other system comes back. Path and body ids are drawn partly from the other
system's real objects, so "another organisation's id" is tried on every operation, not left to
chance."""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import Resolver404, resolve
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode, checks
from schemathesis.core.failures import FailureGroup

from accounts.models import Role, User
from audit.models import AuditEvent
from extensions.services import extension_request_create
from planning.models import Organisation, OrganisationType, Stage
from reviews.services import comment_add, decision_record
from submissions.models import Finding, Submission
from submissions.services import (
    submissions_ensure_for_round,
    template_context,
    template_versions_ensure,
)
from tests.conftest import module_transaction
from tests.factories import (
    CollectionFactory,
    IcsFactory,
    PlanningRoundFactory,
    RegionFactory,
    TrustFactory,
    api_token,
    london,
    user_with_role,
)
from tests.reviews.support import submit
from workbooks.sample import make_sample_return

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

SCHEMA_PATH = "/api/v1/schema/"
# Per operation and per user: 25 examples, each sent with and without a token (about a minute in
# all). API_FUZZ_EXAMPLES raises it for a deeper run by hand; derandomized, so a run repeats
# exactly.
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "25"))
# The system leads call every operation; the regions' reviewers also call those only they may use.
REVIEWER_OPERATIONS = {
    ("POST", "/api/v1/submissions/{id}/reviews/"),
    ("POST", "/api/v1/extensions/{id}/decision/"),
}
# Operations anyone may call: the token exchange is how a caller gets authenticated at all.
OPEN_OPERATIONS = {("POST", "/api/v1/auth/token/")}


def _operations() -> list[tuple[str, str]]:
    raw = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(
        (method.upper(), path) for path, methods in raw["paths"].items() for method in methods
    )


def _callers() -> list[tuple[str, str, str, str]]:
    return [
        (method, path, side, role)
        for method, path in _operations()
        for side in ("a", "b")
        for role in ("lead", "reviewer")
        if role == "lead" or (method, path) in REVIEWER_OPERATIONS
    ]


@dataclass
class System:
    """One ICS and its region's reviewer: their API tokens, and every kind of object the API can
    show
    of the ICS, by kind."""

    users: dict[str, User]
    tokens: dict[str, str]
    codes: set[str]
    # Strings that only this system's objects carry: names, usernames, comment text, file hashes.
    markers: set[str]
    ids: dict[str, set[int]] = field(default_factory=dict)

    def all_ids(self) -> list[int]:
        return sorted(set().union(*self.ids.values()))


def _build_system(*, code: str, name: str, region_code: str):
    region = RegionFactory(code=region_code, name=f"{name} region")
    ics = IcsFactory(ods_code=code, name=f"{name} Integrated Care System", region=region)
    TrustFactory(ods_code=f"R{code[1:]}", name=f"{name} Hospitals NHS Trust", parent_ics=ics)
    lead = user_with_role(Role.SYSTEM_LEAD, organisation=ics, username=f"lead-{code.lower()}")
    user_with_role(Role.SIGNATORY, organisation=ics, username=lead.username)
    reviewer = user_with_role(
        Role.REGIONAL_REVIEWER, region=region, username=f"reviewer-{region_code.lower()}"
    )
    return region, ics, lead, reviewer


def _populate(*, ics, lead: User, reviewer: User, name: str, act) -> System:
    submission = Submission.objects.get(collection=act, organisation=ics)
    data = make_sample_return(context=template_context(submission=submission))
    version = submit(submission=submission, user=lead, data=data, name=f"{name.lower()}-plan.xlsx")
    decision = decision_record(
        submission=submission,
        version=version,
        reviewer=reviewer,
        kind="comment",
        comment=f"{name} reviewer remark",
    )
    comment = comment_add(
        submission=submission,
        author=lead,
        text=f"{name} private comment",
        version=version,
        sheet="Cover",
        cell="B2",
    )
    extension = extension_request_create(
        collection=act,
        organisation=ics,
        requested_by=lead,
        deadline=act.deadline + dt.timedelta(days=7),
        reason=f"{name} needs time",
    )
    submissions = set(Submission.objects.filter(organisation=ics).values_list("pk", flat=True))
    return System(
        users={"lead": lead, "reviewer": reviewer},
        tokens={
            "lead": api_token(lead),
            "reviewer": api_token(reviewer),
        },
        codes={
            ics.ods_code,
            *Organisation.objects.filter(parent_ics=ics).values_list("ods_code", flat=True),
        },
        markers={
            ics.name,
            lead.username,
            reviewer.username,
            f"{name} private comment",
            f"{name} reviewer remark",
            f"{name} needs time",
            version.sha256,
            version.original_name,
        },
        ids={
            "submission": submissions,
            "version": {version.pk},
            "finding": set(Finding.objects.filter(version=version).values_list("pk", flat=True)),
            "comment": {comment.pk},
            "decision": {decision.pk},
            "extension": {extension.pk},
            "audit": set(
                AuditEvent.objects.filter(submission_id__in=submissions).values_list(
                    "pk", flat=True
                )
            ),
        },
    )


@pytest.fixture(scope="module")
def systems(django_db_setup, django_db_blocker) -> dict[str, System]:
    """Two ICSs in two regions, built once for the module and rolled back after it."""
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            planning_round = PlanningRoundFactory(name="2021/22", is_current=True)
            act = CollectionFactory(
                planning_round=planning_round,
                code="ACT",
                name="Activity and performance",
                stage=Stage.DRAFT,
                deadline=london(2021, 5, 6),
                submitted_by=[OrganisationType.ICS],
                accepted_formats=["xlsx"],
            )
            CollectionFactory(
                planning_round=planning_round,
                code="NAR",
                name="Narrative plan",
                stage=Stage.DRAFT,
                deadline=london(2021, 5, 6),
                submitted_by=[OrganisationType.ICS],
                accepted_formats=["docx", "pdf"],
            )
            built = {
                side: _build_system(code=code, name=name, region_code=region)
                for side, code, name, region in (
                    ("a", "QAQ", "Alpha", "Y61"),
                    ("b", "QBQ", "Beta", "Y62"),
                )
            }
            submissions_ensure_for_round(planning_round=planning_round)
            template_versions_ensure(planning_round=planning_round)
            yield {
                side: _populate(
                    ics=ics, lead=lead, reviewer=reviewer, name=ics.name.split()[0], act=act
                )
                for side, (_, ics, lead, reviewer) in built.items()
            }


@pytest.fixture
def wsgi_app():
    # Django closes the connection at the end of each request when it is not in autocommit; here
    # the request runs inside the test's transaction, which must outlive it (Django's own test
    # client disconnects these receivers for the same reason).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _json(response) -> object | None:
    if "json" not in response.headers.get("Content-Type", ""):
        return None
    return json.loads(response.content or b"null")


# Each kind of object the API returns, told apart by the fields only it has.
_SHAPES = (
    ("submission", {"organisation", "versions"}),
    ("version", {"sha256"}),
    ("finding", {"severity", "rule"}),
    ("comment", {"side", "text"}),
    ("decision", {"decision", "reviewer"}),
    ("extension", {"requested_by"}),
    ("audit", {"object_type", "occurred_at"}),
)


def leaks(body: object, other: System) -> list[str]:
    """Every place in a JSON body that shows an object of `other`."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for kind, keys in _SHAPES:
                if keys <= node.keys() and node.get("id") in other.ids[kind]:
                    found.append(f"{kind} {node['id']}")
            if (
                node.get("organisation") in other.codes
                or node.get("organisation_code") in other.codes
            ):
                found.append(
                    f"organisation {node.get('organisation') or node.get('organisation_code')}"
                )
            if (
                node.get("submission") in other.ids["submission"]
                or node.get("submission_id") in other.ids["submission"]
            ):
                found.append(f"submission {node.get('submission') or node.get('submission_id')}")
            for value in node.values():
                walk(value)

    walk(body)
    text = json.dumps(body)
    found.extend(f"marker {marker!r}" for marker in sorted(other.markers) if marker in text)
    return found


# Which kind of object each path's {id} names, so another system's id of that kind must answer 404.
_PATH_KIND = {
    "/api/v1/versions/": "version",
    "/api/v1/extensions/": "extension",
    "/api/v1/submissions/": "submission",
}


def _path_kind(path: str) -> str | None:
    return next(
        (kind for prefix, kind in _PATH_KIND.items() if path.startswith(prefix) and "{id}" in path),
        None,
    )


ERF_MONTHS = ["2021-04", "2021-06", "2021-09", "2022-01", "2021-13", "0000-00"]


def _no_route(path: str) -> bool:
    """True for a path no view answers (a negative id, say): its 404 comes before any
    authentication."""
    try:
        resolve(path)
    except Resolver404:
        return True
    return False


def _ids(me: System, other: System) -> st.SearchStrategy[int]:
    known = sorted(set(me.all_ids()) | set(other.all_ids()))
    return st.one_of(st.sampled_from(known), st.integers(min_value=-1, max_value=2**31))


# Every answer is one the schema documents: its status code, content type, body and headers.
CONFORMANCE = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]


def _nonconformance(case, response, label: str) -> list[str]:
    if _no_route(case.formatted_path):
        # No operation answers a path like /submissions/-1/: Django's own 404 page, not the API's.
        return [] if response.status_code == 404 else [f"{label}: {response.status_code}"]
    try:
        case.validate_response(response, checks=CONFORMANCE)
    except (AssertionError, FailureGroup) as failure:
        first_line = str(failure).strip().splitlines()
        return [f"{label}: {response.status_code} {' / '.join(first_line[:3])}"]
    return []


@pytest.mark.parametrize(("method", "path", "side", "role"), _callers())
def test_api_operation_survives_fuzzing_without_leaks(systems, wsgi_app, method, path, side, role):
    me, other = systems[side], systems["b" if side == "a" else "a"]
    auth = {"Authorization": f"Token {me.tokens[role]}"}
    schema = schemathesis.openapi.from_wsgi(SCHEMA_PATH, wsgi_app, headers=auth)
    operation = schema[path][method]
    kind = _path_kind(path)
    problems: list[str] = []

    # Valid and invalid inputs alike: a malformed body must be a 4xx, never a 5xx.
    cases = st.one_of(
        operation.as_strategy(), operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)
    )

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
            HealthCheck.data_too_large,
        ],
    )
    @given(case=cases, data=st.data())
    def run(case, data):
        if case.path_parameters and "id" in case.path_parameters:
            case.path_parameters["id"] = data.draw(_ids(me, other), label="id")
        if isinstance(case.body, dict):
            for name in ("version", "parent"):
                if name in case.body:
                    case.body[name] = data.draw(_ids(me, other), label=name)
            # A real month now and then, so the ERF calculator gets past its month check into the
            # arithmetic.
            months = case.body.get("months")
            for month in months if isinstance(months, list) else []:
                if isinstance(month, dict) and "month" in month:
                    month["month"] = data.draw(st.sampled_from(ERF_MONTHS), label="month")
        case.headers = {
            key: value
            for key, value in (case.headers or {}).items()
            if key.lower() != "authorization"
        }
        label = f"{method} {case.formatted_path} as {me.users[role].username}"

        response = case.call(headers=auth)
        problems.extend(_nonconformance(case, response, label))
        found = leaks(_json(response), other)
        if found:
            problems.append(f"{label}: shows {', '.join(found)}")
        if kind and case.path_parameters["id"] in other.ids[kind] and response.status_code != 404:
            problems.append(f"{label}: {response.status_code} for the other system's {kind}")
        if (method, path) not in OPEN_OPERATIONS:
            anonymous = case.call()
            problems.extend(_nonconformance(case, anonymous, f"{label} without a token"))
            if anonymous.status_code not in (401, 403) and not (
                anonymous.status_code == 404 and _no_route(case.formatted_path)
            ):
                problems.append(f"{label}: {anonymous.status_code} without a token")

    run()
    assert problems == []


def test_api_fuzzing_covers_every_operation_in_the_served_schema(systems, wsgi_app):
    schema = schemathesis.openapi.from_wsgi(
        SCHEMA_PATH, wsgi_app, headers={"Authorization": f"Token {systems['a'].tokens['lead']}"}
    )
    served = sorted(
        (operation.ok().method.upper(), operation.ok().path)
        for operation in schema.get_all_operations()
    )

    assert served == _operations()


def test_leak_check_finds_the_other_systems_objects(systems):
    other = systems["b"]
    submission_id = min(other.ids["submission"])
    body = {
        "results": [{"id": submission_id, "organisation": "QAQ", "versions": []}],
        "note": f"see {other.users['lead'].username}",
    }

    assert leaks(body, other) == [
        f"submission {submission_id}",
        f"marker {other.users['lead'].username!r}",
    ]
    assert leaks({"results": [{"id": -5, "organisation": "QAQ", "versions": []}]}, other) == []
