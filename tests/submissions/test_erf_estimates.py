from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone

from erf.models import EstimateRefresh, NationalBaseline
from erf.returns import erf_estimate_of_return
from submissions.erf_estimates import (
    erf_baselines_import,
    erf_estimate_of_version,
    estimate_refresh_run,
    estimate_refreshes_sweep,
)
from submissions.models import Version
from submissions.services import template_context
from submissions.tasks import refresh_erf_estimates
from tests.checked_returns import checked_version
from tests.returns_world import ERF_BASELINES

pytestmark = pytest.mark.services


def baselines_csv(*, system: str = "QHM", scale: float = 1.0) -> io.BytesIO:
    rows = ["ods_code,month,baseline_value"] + [
        f"{system},{month},{int(value * scale)}" for month, value in ERF_BASELINES.items()
    ]
    return io.BytesIO("\n".join(rows).encode())


def expected_total(world, version) -> int:
    """The estimate of the version's file with the baselines held now, worked out afresh."""
    with version.file.open("rb") as stream:
        data = stream.read()
    spec = template_context(submission=world.submission).specs[-1]
    return erf_estimate_of_return(submission=world.submission, data=data, spec=spec).total


def refreshed(version):
    """The estimate the return pages show once the queued refresh has run."""
    estimate_refresh_run(refresh_id=EstimateRefresh.objects.get().pk)
    version.refresh_from_db()
    estimate = erf_estimate_of_version(version=version)
    return estimate.total if estimate else None


def test_erf_baselines_import_gives_an_estimate_to_a_version_checked_before_them(act_world):
    NationalBaseline.objects.all().delete()
    version = checked_version(submission=act_world.submission, user=act_world.lead)
    before = erf_estimate_of_version(version=version)
    result = erf_baselines_import(stream=baselines_csv())
    assert (before, result.returns_to_update) == (None, 1)
    assert refreshed(version) == expected_total(act_world, version)


def test_erf_baselines_import_with_changed_figures_updates_a_stored_estimate(act_world):
    version = checked_version(submission=act_world.submission, user=act_world.lead)
    shown_before = erf_estimate_of_version(version=version).total
    result = erf_baselines_import(stream=baselines_csv(scale=0.5))
    after = refreshed(version)
    assert (result.updated, result.returns_to_update, after) == (
        6,
        1,
        expected_total(act_world, version),
    )
    assert after != shown_before


def test_erf_estimate_refresh_run_again_does_nothing(act_world):
    NationalBaseline.objects.all().delete()
    version = checked_version(submission=act_world.submission, user=act_world.lead)
    erf_baselines_import(stream=baselines_csv())
    refresh_id = EstimateRefresh.objects.get().pk
    first = estimate_refresh_run(refresh_id=refresh_id)
    shown = erf_estimate_of_version(version=Version.objects.get(pk=version.pk)).total
    second = estimate_refresh_run(refresh_id=refresh_id)
    again = erf_estimate_of_version(version=Version.objects.get(pk=version.pk)).total
    assert (first, second, again) == ("done", None, shown)


def test_erf_estimate_refresh_run_skips_a_version_whose_file_is_missing(act_world):
    NationalBaseline.objects.all().delete()
    lost = checked_version(submission=act_world.submission, user=act_world.lead)
    kept = checked_version(submission=act_world.submission, user=act_world.lead, seed=1)
    Version.objects.filter(pk=lost.pk).update(file="versions/lost.xlsx")
    erf_baselines_import(stream=baselines_csv())
    refresh = EstimateRefresh.objects.get()

    status = estimate_refresh_run(refresh_id=refresh.pk)

    refresh.refresh_from_db()
    totals = dict(Version.objects.filter(pk__in=[lost.pk, kept.pk]).values_list("pk", "erf_total"))
    assert (status, refresh.status, refresh.changed_count) == ("done", "done", 1)
    assert totals == {lost.pk: None, kept.pk: expected_total(act_world, kept)}


def test_erf_estimate_refresh_run_queues_again_after_an_unexpected_error(act_world, monkeypatch):
    NationalBaseline.objects.all().delete()
    checked_version(submission=act_world.submission, user=act_world.lead)
    sends = record_sends(monkeypatch)
    erf_baselines_import(stream=baselines_csv())
    refresh = EstimateRefresh.objects.get()

    def broken(version):
        raise RuntimeError("database went away")

    monkeypatch.setattr("submissions.erf_estimates.estimate_of_stored_file", broken)
    status = estimate_refresh_run(refresh_id=refresh.pk)

    refresh.refresh_from_db()
    assert (status, refresh.status, len(sends)) == (None, "queued", 1)


def test_erf_baselines_import_of_figures_already_held_updates_no_return(act_world):
    checked_version(submission=act_world.submission, user=act_world.lead)
    result = erf_baselines_import(stream=baselines_csv())
    assert (result.unchanged, result.returns_to_update) == (6, 0)


def test_erf_baselines_import_of_another_system_updates_no_return(act_world):
    checked_version(submission=act_world.submission, user=act_world.lead)
    result = erf_baselines_import(stream=baselines_csv(system="QMJ"))
    assert (result.created, result.returns_to_update) == (6, 0)


def record_sends(monkeypatch) -> list[dict]:
    sent: list[dict] = []
    monkeypatch.setattr(refresh_erf_estimates, "apply_async", lambda **kwargs: sent.append(kwargs))
    return sent


def test_erf_baselines_import_queues_its_refresh_once_it_commits(
    act_world, django_capture_on_commit_callbacks, monkeypatch
):
    NationalBaseline.objects.all().delete()
    checked_version(submission=act_world.submission, user=act_world.lead)
    sent = record_sends(monkeypatch)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        erf_baselines_import(stream=baselines_csv())
    queued_before_commit = len(sent)
    for callback in callbacks:
        callback()
    assert (queued_before_commit, [send["args"] for send in sent]) == (
        0,
        [[EstimateRefresh.objects.get().pk]],
    )


def test_erf_refreshes_sweep_sends_again_a_refresh_the_broker_lost(act_world, monkeypatch):
    NationalBaseline.objects.all().delete()
    checked_version(submission=act_world.submission, user=act_world.lead)
    erf_baselines_import(stream=baselines_csv())
    sent = record_sends(monkeypatch)
    later = timezone.now() + dt.timedelta(hours=1)
    assert (estimate_refreshes_sweep(now=later), len(sent)) == ({"requeued": 1, "failed": 0}, 1)
