from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import Role
from audit.models import AuditEvent
from planning.definitions import (
    DefinitionRejected,
    parse_definition,
    round_erf_scheme,
    shipped_definition_text,
)
from planning.models import LinkKind, OrganisationLink, OrganisationType, PlanningRound, TrustKind
from submissions.models import Submission, TemplateVersion
from submissions.rounds import round_create_from_definition, round_definition_install
from submissions.rules import can_submit_submission, can_upload_to_submission, can_view_submission
from submissions.selectors import collection_specs
from submissions.services import submission_name_provider
from tests.checked_returns import checked_version
from tests.factories import CcgFactory, IcsFactory, RegionFactory, TrustFactory, user_with_role

TEXT_2122 = shipped_definition_text(slug="2021-22")
TEXT_2223 = shipped_definition_text(slug="2022-23")


@pytest.fixture
def systems(db):
    region = RegionFactory(code="Y62", name="North West")
    merseyside = IcsFactory(ods_code="QYG", name="Cheshire and Merseyside", region=region)
    birmingham = IcsFactory(ods_code="QHL", name="Birmingham and Solihull", region=region)
    trusts = {
        "REP": TrustFactory(
            ods_code="REP",
            name="Liverpool Women's NHS Foundation Trust",
            parent_ics=merseyside,
            trust_kind=TrustKind.SPECIALIST,
        ),
        "RQ3": TrustFactory(
            ods_code="RQ3",
            name="Birmingham Women's and Children's NHS Foundation Trust",
            parent_ics=birmingham,
            trust_kind=TrustKind.SPECIALIST,
        ),
        "RBL": TrustFactory(
            ods_code="RBL", name="Wirral University Teaching Hospital", parent_ics=merseyside
        ),
        "RW4": TrustFactory(
            ods_code="RW4",
            name="Mersey Care NHS Foundation Trust",
            parent_ics=merseyside,
            trust_kind=TrustKind.MENTAL_HEALTH,
        ),
    }
    CcgFactory(ods_code="01T", name="NHS South Sefton CCG", parent_ics=merseyside)
    return {"QYG": merseyside, "QHL": birmingham, **trusts}


def owed(planning_round: PlanningRound) -> dict[str, list[str]]:
    rows = Submission.objects.filter(collection__planning_round=planning_round).values_list(
        "organisation__ods_code", "collection__code", "collection__stage"
    )
    result: dict[str, list[str]] = {}
    for code, collection, stage in sorted(rows):
        result.setdefault(code, []).append(
            collection if stage == "single" else f"{collection}/{stage}"
        )
    return result


def test_parse_definition_returns_every_problem_with_its_line():
    text = TEXT_2122.replace(
        "formats: [xlsx]\n    template: PCC", "formats: [docx]\n    template: PCC"
    )
    definition, problems = parse_definition(text=text)
    assert (definition, [(p.path, p.message) for p in problems]) == (
        None,
        [("collections[0].formats", "A collection with a workbook template must accept xlsx.")],
    )
    assert str(problems[0]).startswith(f"line {problems[0].line}, collections[0].formats: ")


def test_round_create_from_definition_makes_collections_templates_and_returns(systems):
    planning_round = round_create_from_definition(text=TEXT_2122)
    act = planning_round.collections.get(code="ACT", stage="draft")
    assert (planning_round.name, planning_round.starts_on, planning_round.is_current) == (
        "2021/22",
        dt.date(2021, 4, 1),
        False,
    )
    assert (act.deadline.isoformat(), act.accepted_formats) == (
        "2021-05-06T11:00:00+00:00",
        ["xlsx"],
    )
    assert [spec.version for spec in collection_specs(collection=act)] == ["2021.1"]
    assert AuditEvent.objects.filter(action="round_defined").count() == 1


def test_round_create_from_definition_reads_organisations_on_its_reference_date(systems):
    text = TEXT_2122.replace("reference_date: 2021-04-01", "reference_date: 2021-03-15")
    assert round_create_from_definition(text=text).reference_date == dt.date(2021, 3, 15)


def test_round_definition_install_moves_the_reference_date_of_a_round_without_uploads(systems):
    planning_round = round_create_from_definition(text=TEXT_2122)
    text = TEXT_2122.replace("reference_date: 2021-04-01", "reference_date: 2021-03-15")
    round_definition_install(planning_round=planning_round, text=text)
    planning_round.refresh_from_db()
    assert planning_round.reference_date == dt.date(2021, 3, 15)


def test_round_definition_install_places_returns_as_organisations_stood_on_a_moved_date(systems):
    """Wirral joined Birmingham on 20 March 2021, from Merseyside, and a trust opened that day:
    moving the reference date before then moves Wirral's returns back and drops the new trust's."""
    wirral = systems["RBL"]
    wirral.parent_ics = systems["QHL"]
    wirral.save()
    OrganisationLink.objects.create(
        organisation=wirral,
        kind=LinkKind.SYSTEM,
        other=systems["QYG"],
        valid_to=dt.date(2021, 3, 19),
        source="ICS boundary change",
    )
    TrustFactory(ods_code="RXX", parent_ics=systems["QYG"], valid_from=dt.date(2021, 3, 20))
    planning_round = round_create_from_definition(text=TEXT_2122)
    text = TEXT_2122.replace("reference_date: 2021-04-01", "reference_date: 2021-03-15")

    round_definition_install(planning_round=planning_round, text=text)

    returns = Submission.objects.filter(collection__planning_round=planning_round)
    assert set(returns.filter(organisation=wirral).values_list("system__ods_code", flat=True)) == {
        "QYG"
    }
    assert list(returns.filter(organisation__ods_code="RXX")) == []


def test_round_definition_install_keeps_the_reference_date_once_returns_are_uploaded(act_world):
    planning_round = act_world.act.planning_round
    checked_version(submission=act_world.submission, user=act_world.lead)
    text = TEXT_2122.replace("reference_date: 2021-04-01", "reference_date: 2021-03-15")
    with pytest.raises(DefinitionRejected) as rejected:
        round_definition_install(planning_round=planning_round, text=text)
    assert [problem.message for problem in rejected.value.problems] == [
        "The round already has uploads, so the organisations it reads cannot change: keep the "
        f"reference date {planning_round.reference_date:%Y-%m-%d}."
    ]


@pytest.mark.parametrize(
    ("text", "acute_or_specialist", "mental_health_trust"),
    [
        (TEXT_2122, ["PCC", "PIE"], ["MHWF-P/draft", "MHWF-P/final", "PCC", "PIE"]),
        (TEXT_2223, None, ["MHWF-P/draft", "MHWF-P/final"]),
    ],
    ids=["2021-22", "2022-23"],
)
def test_obligations_follow_the_rounds_rule_over_organisation_types(
    systems, text, acute_or_specialist, mental_health_trust
):
    planning_round = round_create_from_definition(text=text)
    found = owed(planning_round)
    # One maternity return per system; the women's hospitals owe none of their own, and a
    # system may name them to submit its return.
    assert [code for code, returns in found.items() if "MAT" in returns] == ["QHL", "QYG"]
    assert [found.get(code) for code in ("REP", "RQ3", "RBL")] == [acute_or_specialist] * 3
    assert found["RW4"] == mental_health_trust


def test_a_system_names_a_womens_hospital_to_submit_its_maternity_return(systems):
    planning_round = round_create_from_definition(text=TEXT_2122)
    mat = Submission.objects.get(
        collection__planning_round=planning_round,
        collection__code="MAT",
        organisation=systems["QYG"],
    )
    lead = user_with_role(Role.SYSTEM_LEAD, organisation=systems["QYG"], username="lead-qyg")
    signatory = user_with_role(Role.SIGNATORY, organisation=systems["REP"], username="sign-rep")
    other = user_with_role(Role.SIGNATORY, organisation=systems["RBL"], username="sign-rbl")
    before = [
        rule(signatory, mat)
        for rule in (can_view_submission, can_upload_to_submission, can_submit_submission)
    ]
    submission_name_provider(submission=mat, provider=systems["REP"], user=lead)
    mat.refresh_from_db()
    after = [
        rule(signatory, mat)
        for rule in (can_view_submission, can_upload_to_submission, can_submit_submission)
    ]
    assert (before, after, can_upload_to_submission(other, mat)) == ([False] * 3, [True] * 3, False)
    assert Submission.objects.filter(collection__code="MAT").count() == 2


def test_a_system_cannot_name_another_systems_provider(systems):
    planning_round = round_create_from_definition(text=TEXT_2122)
    mat = Submission.objects.get(
        collection__planning_round=planning_round,
        collection__code="MAT",
        organisation=systems["QYG"],
    )
    lead = user_with_role(Role.SYSTEM_LEAD, organisation=systems["QYG"], username="lead-qyg")
    with pytest.raises(Exception, match="Choose one of the trusts of Cheshire and Merseyside"):
        submission_name_provider(submission=mat, provider=systems["RQ3"], user=lead)


def test_installing_the_same_definition_again_issues_nothing_new(systems):
    planning_round = round_create_from_definition(text=TEXT_2122)
    count = TemplateVersion.objects.count()
    round_definition_install(planning_round=planning_round, text=TEXT_2122)
    assert TemplateVersion.objects.count() == count


def test_a_changed_template_needs_a_new_version_number(systems):
    planning_round = round_create_from_definition(text=TEXT_2122)
    changed = TEXT_2122.replace(
        '"Elective ordinary spells"', '"Elective ordinary (overnight) spells"'
    )
    with pytest.raises(DefinitionRejected) as rejected:
        round_definition_install(planning_round=planning_round, text=changed)
    assert [(p.path, p.message) for p in rejected.value.problems] == [
        (
            "templates.ACT.version",
            "Version 2021.1 of the Activity and performance template was already issued with "
            "different content; give the changed template a new version number.",
        )
    ]
    fixed = changed.replace(
        'version: "2021.1"\n    title: "Activity and performance plan 2021/22"',
        'version: "2021.2"\n    title: "Activity and performance plan 2021/22"',
    )
    round_definition_install(planning_round=planning_round, text=fixed)
    with pytest.raises(DefinitionRejected) as older:
        round_definition_install(planning_round=planning_round, text=TEXT_2122)
    assert [p.message for p in older.value.problems] == [
        "Version 2021.2 of the Activity and performance template is already issued; version "
        "2021.1 is older. Give the template a version after 2021.2."
    ]
    act = planning_round.collections.get(code="ACT", stage="draft")
    assert [spec.version for spec in collection_specs(collection=act)] == ["2021.1", "2021.2"]


def test_round_erf_scheme_is_the_definitions(systems):
    planning_round = round_create_from_definition(text=TEXT_2223)
    scheme = round_erf_scheme(planning_round=planning_round)
    assert (scheme.month_names[0], scheme.month_names[-1], str(scheme.months[0].threshold_pct)) == (
        "2022-04",
        "2023-03",
        "104",
    )


def test_org_types_without_returns_owe_nothing(systems):
    planning_round = round_create_from_definition(text=TEXT_2223)
    ccg = Submission.objects.filter(
        collection__planning_round=planning_round, organisation__org_type=OrganisationType.CCG
    )
    assert list(ccg) == []
