from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from demo.seed import demo_round_create
from planning.services import round_make_current
from tests.factories import CcgFactory, IcsFactory, PlanningRoundFactory, TrustFactory


@pytest.fixture
def system(db):
    demo_round_create()
    ics = IcsFactory(ods_code="QHM", name="North East and North Cumbria")
    TrustFactory(ods_code="RTD", parent_ics=ics)
    TrustFactory(ods_code="RR7", parent_ics=ics)
    CcgFactory(ods_code="13T", parent_ics=ics)
    return ics


def run(*args) -> tuple[int, str]:
    from io import StringIO

    out = StringIO()
    try:
        call_command(*args, stdout=out, stderr=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


@pytest.mark.django_db
def test_make_sample_return_then_validate_file_passes(system, tmp_path):
    path = tmp_path / "act.xlsx"
    run(
        "make_sample_return",
        "--collection",
        "ACT",
        "--organisation",
        "QHM",
        "--stage",
        "final",
        "--out",
        str(path),
    )
    code, output = run(
        "validate_file",
        "--collection",
        "ACT",
        "--organisation",
        "QHM",
        "--stage",
        "final",
        str(path),
        "--json",
    )
    report = json.loads(output)
    assert (code, report["errors"], report["warnings"], report["template_version"]) == (
        0,
        0,
        0,
        "2021.1",
    )


@pytest.mark.django_db
def test_validate_file_exits_1_and_lists_planted_errors(system, tmp_path):
    path = tmp_path / "act.xlsx"
    run(
        "make_sample_return",
        "--collection",
        "ACT",
        "--organisation",
        "QHM",
        "--stage",
        "draft",
        "--out",
        str(path),
        "--errors",
        "4",
    )
    code, output = run(
        "validate_file",
        "--collection",
        "ACT",
        "--organisation",
        "QHM",
        "--stage",
        "draft",
        str(path),
    )
    assert (code, output.splitlines()[-1].startswith("4 errors, 0 warnings")) == (1, True)


@pytest.mark.django_db
def test_validate_file_rejects_wrong_file_type(system, tmp_path):
    path = tmp_path / "plan.xlsx"
    path.write_bytes(b"MZ not a workbook")
    code, output = run(
        "validate_file",
        "--collection",
        "ACT",
        "--organisation",
        "QHM",
        "--stage",
        "draft",
        str(path),
    )
    assert (code, output.strip()) == (
        1,
        "plan.xlsx is not a file type we accept; upload an Excel workbook (.xlsx).",
    )


@pytest.mark.django_db
def test_make_sample_return_pads_and_validate_file_matches(system, tmp_path):
    path = tmp_path / "act.xlsx"
    run(
        "make_sample_return",
        "--collection",
        "ACT",
        "--organisation",
        "QHM",
        "--stage",
        "draft",
        "--out",
        str(path),
        "--cells",
        "20000",
    )
    code, output = run(
        "validate_file",
        "--collection",
        "ACT",
        "--organisation",
        "QHM",
        "--stage",
        "draft",
        str(path),
        "--cells",
        "20000",
        "--json",
    )
    report = json.loads(output)
    assert (code, report["errors"], report["cells_read"] > 20_000) == (0, 0, True)


@pytest.mark.django_db
def test_bench_validation_runs_without_demo_data(tmp_path):
    code, output = run("bench_validation", "--sizes", "real")
    lines = output.splitlines()
    assert (code, lines[0], lines[2].split()[0], lines[2].split()[-5:-3]) == (
        0,
        "ACT 2021.1 for QXX (15 members)",
        "real",
        ["0", "0"],
    )


@pytest.mark.django_db
def test_make_sample_return_and_validate_file_take_the_round_by_name(system, tmp_path):
    round_make_current(planning_round=PlanningRoundFactory(name="2022/23"))
    path = tmp_path / "act.xlsx"

    made, _ = run(
        "make_sample_return",
        "--collection",
        "ACT",
        "--organisation",
        "QHM",
        "--stage",
        "draft",
        "--round",
        "2021/22",
        "--out",
        str(path),
    )
    checked, output = run(
        "validate_file",
        "--collection",
        "ACT",
        "--organisation",
        "QHM",
        "--round",
        "2021/22",
        str(path),
        "--json",
    )
    with pytest.raises(CommandError) as missing:
        run("validate_file", "--collection", "ACT", "--organisation", "QHM", str(path))

    assert (made, checked, json.loads(output)["errors"]) == (0, 0, 0)
    assert str(missing.value) == "No collection ACT in 2022/23."
