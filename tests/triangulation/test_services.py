from __future__ import annotations

import datetime as dt
import io
import threading

import pytest
from django.db import connection
from openpyxl import load_workbook

from planning.models import Stage
from submissions.models import Submission, Version, VersionStatus
from submissions.services import (
    submissions_ensure_for_round,
    template_context,
    template_versions_ensure,
    version_create,
)
from submissions.validation import version_validate
from tests.factories import CollectionFactory, london
from tests.triangulation.conftest import STEADY, TOO_MANY_STAFF
from tests.workbooks.conftest import edit_cells
from triangulation import tasks
from triangulation.models import TriangulationBands, TriangulationFinding, TriangulationRun
from triangulation.selectors import triangulation_findings_of_version
from triangulation.services import triangulation_sweep
from workbooks.sample import make_sample_return


def stored(tri_world) -> list[tuple[str, str, list[str]]]:
    return [
        (
            f.rule,
            f.organisation_code,
            sorted(v.submission.collection.code for v in f.versions.all()),
        )
        for f in TriangulationFinding.objects.filter(run__system=tri_world.base.ics).order_by(
            "position"
        )
    ]


MISMATCH = [
    ("TRI.WF.001", "RR7", ["ACT", "WF"]),
    ("TRI.WF.001", "RTD", ["ACT", "WF"]),
    ("TRI.WF.001", "QHM", ["ACT", "WF"]),
    ("TRI.FIN.002", "RR7", ["FIN-SYS", "WF"]),
    ("TRI.FIN.002", "RTD", ["FIN-SYS", "WF"]),
    ("TRI.FIN.002", "QHM", ["FIN-SYS", "WF"]),
]


def test_a_mismatching_workforce_plan_warns_on_each_return_until_it_is_corrected(tri_world):
    act, fin = tri_world.upload("ACT"), tri_world.upload("FIN-SYS")
    wrong = tri_world.upload("WF", growth=TOO_MANY_STAFF)
    assert tri_world.run() == 6
    assert stored(tri_world) == MISMATCH
    assert [f.rule for f in triangulation_findings_of_version(version=act)] == ["TRI.WF.001"] * 3
    assert len(triangulation_findings_of_version(version=wrong)) == 6

    corrected = tri_world.upload("WF", seed=2)
    assert tri_world.run() == 0
    assert stored(tri_world) == []
    assert [triangulation_findings_of_version(version=v) for v in (act, fin, wrong, corrected)] == [
        [],
        [],
        [],
        [],
    ]
    assert set(TriangulationRun.objects.get(system=tri_world.base.ics).versions.all()) == {
        act,
        fin,
        corrected,
    }


def test_the_run_is_idempotent(tri_world):
    tri_world.upload("ACT")
    tri_world.upload("FIN-SYS")
    tri_world.upload("WF", growth=TOO_MANY_STAFF)
    assert tri_world.run() == 6
    first = [
        (f.rule, f.organisation_code, f.message, f.figures)
        for f in TriangulationFinding.objects.all()
    ]
    assert tri_world.run() == 6
    assert (
        tasks.run_triangulation(
            tri_world.base.ics.pk, tri_world.base.act.planning_round_id, Stage.DRAFT
        )
        == 6
    )
    again = [
        (f.rule, f.organisation_code, f.message, f.figures)
        for f in TriangulationFinding.objects.all()
    ]
    assert again == first
    assert TriangulationRun.objects.count() == 1


def test_the_bands_of_the_round_decide(tri_world):
    tri_world.upload("ACT")
    tri_world.upload("FIN-SYS")
    tri_world.upload("WF", growth=TOO_MANY_STAFF)
    TriangulationBands.objects.create(
        planning_round=tri_world.base.act.planning_round, workforce_tolerance=20, pay_tolerance=20
    )
    assert tri_world.run() == 0


def test_a_return_whose_current_version_is_not_checked_is_left_out(tri_world):
    tri_world.upload("ACT")
    wf = tri_world.upload("WF", growth=TOO_MANY_STAFF)
    assert tri_world.run() == 3
    Version.objects.filter(pk=wf.pk).update(status=VersionStatus.REJECTED)
    assert tri_world.run() == 0


def test_a_provider_blank_in_one_return_is_named(tri_world):
    tri_world.upload("ACT")
    submission = tri_world.returns["WF"]
    data = make_sample_return(
        context=template_context(submission=submission), growth=STEADY, seed=1
    )
    sheet = load_workbook(io.BytesIO(data))["Workforce"]
    row = next(
        cell.row
        for cell in sheet["A"]
        if cell.value == "RTD" and sheet.cell(cell.row, 3).value == "WF-TOT"
    )
    blank = edit_cells(data, "Workforce", {f"{column}{row}": None for column in "FGHIJKLMNOPQR"})
    version = version_create(
        submission=submission,
        user=tri_world.base.lead,
        stream=io.BytesIO(blank),
        filename="wf.xlsx",
    ).version
    assert version_validate(version_id=version.pk) == VersionStatus.INVALID
    tri_world.run()
    assert [row for row in stored(tri_world) if row[0] == "TRI.PRV.001"] == [
        ("TRI.PRV.001", "RTD", ["ACT", "WF"])
    ]


def test_a_checked_version_queues_a_run_for_each_stage_it_is_part_of(
    tri_world, monkeypatch, django_capture_on_commit_callbacks
):
    CollectionFactory(
        planning_round=tri_world.base.act.planning_round,
        code="WF",
        stage=Stage.FINAL,
        deadline=london(2021, 6, 3),
        submitted_by=["ics"],
        accepted_formats=["xlsx"],
    )
    sent = []
    monkeypatch.setattr(
        tasks.run_triangulation, "apply_async", lambda args, retry: sent.append(tuple(args))
    )
    with django_capture_on_commit_callbacks(execute=True):
        tri_world.upload("FIN-SYS")
        tri_world.upload("WF")
    ics, planning_round = tri_world.base.ics.pk, tri_world.base.act.planning_round_id
    assert sent == [
        (ics, planning_round, Stage.DRAFT),
        (ics, planning_round, Stage.FINAL),
        (ics, planning_round, Stage.DRAFT),
    ]


def test_a_return_outside_the_checks_queues_nothing(
    act_world, monkeypatch, django_capture_on_commit_callbacks
):
    collection = CollectionFactory(
        planning_round=act_world.act.planning_round,
        code="MHWF-S",
        stage=Stage.DRAFT,
        submitted_by=["ics"],
        accepted_formats=["xlsx"],
    )
    submissions_ensure_for_round(planning_round=collection.planning_round)
    template_versions_ensure(planning_round=collection.planning_round)
    submission = Submission.objects.get(collection=collection, organisation=act_world.ics)
    sent = []
    monkeypatch.setattr(
        tasks.run_triangulation, "apply_async", lambda args, retry: sent.append(tuple(args))
    )
    with django_capture_on_commit_callbacks(execute=True):
        data = make_sample_return(context=template_context(submission=submission))
        version = version_create(
            submission=submission,
            user=act_world.lead,
            stream=io.BytesIO(data),
            filename="mhwf.xlsx",
        ).version
        assert version_validate(version_id=version.pk) == VersionStatus.VALID
    assert sent == []


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_leave_one_set_of_findings(tri_world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    tri_world.upload("ACT")
    tri_world.upload("FIN-SYS")
    tri_world.upload("WF", growth=TOO_MANY_STAFF)
    # A first run makes the run row; a race creating it is settled by its unique constraint instead.
    tri_world.run()
    start = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            start.wait()
            results.append(tri_world.run())
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (errors, results) == ([], [6, 6])
    assert TriangulationRun.objects.count() == 1
    assert stored(tri_world) == MISMATCH


def test_a_run_owed_is_sent_again_by_the_sweep_until_it_has_run(tri_world, monkeypatch, settings):
    sent = []
    monkeypatch.setattr(
        tasks.run_triangulation, "apply_async", lambda args, retry: sent.append(tuple(args))
    )
    tri_world.upload(
        "WF"
    )  # the message after commit never happens here: as if the broker had lost it
    run = TriangulationRun.objects.get(system=tri_world.base.ics, stage=Stage.DRAFT)
    later = run.requested_at + dt.timedelta(seconds=settings.TRIANGULATION_STALE_SECONDS + 1)
    assert (triangulation_sweep(now=run.requested_at), triangulation_sweep(now=later)) == (0, 1)
    assert sent == [(tri_world.base.ics.pk, tri_world.base.act.planning_round_id, Stage.DRAFT)]
    tasks.run_triangulation(*sent[0])
    assert triangulation_sweep(now=later) == 0


def test_a_run_that_keeps_dying_is_not_sent_again_after_its_attempts(
    tri_world, monkeypatch, settings
):
    sent = []
    monkeypatch.setattr(
        tasks.run_triangulation, "apply_async", lambda args, retry: sent.append(tuple(args))
    )
    tri_world.upload("WF")
    run = TriangulationRun.objects.get(system=tri_world.base.ics, stage=Stage.DRAFT)
    later = run.requested_at + dt.timedelta(seconds=settings.TRIANGULATION_STALE_SECONDS + 1)
    # Each started run dies before it finishes: its attempt is counted, its result never written.
    TriangulationRun.objects.filter(pk=run.pk).update(
        attempts=settings.TRIANGULATION_MAX_ATTEMPTS - 1
    )
    assert triangulation_sweep(now=later) == 1
    TriangulationRun.objects.filter(pk=run.pk).update(attempts=settings.TRIANGULATION_MAX_ATTEMPTS)
    assert triangulation_sweep(now=later) == 0
    tri_world.upload("WF", seed=2)
    assert TriangulationRun.objects.get(pk=run.pk).attempts == 0


def test_a_started_run_counts_its_attempt(tri_world):
    tri_world.upload("WF")
    tri_world.run()
    assert TriangulationRun.objects.get(system=tri_world.base.ics, stage=Stage.DRAFT).attempts == 1
