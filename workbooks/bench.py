"""Measure one workbook in a fresh process, so its peak memory is that work's alone.

`python -m workbooks.bench read PATH` times a bare python-calamine read of every sheet, the floor
validation is compared with. `python -m workbooks.bench validate PATH [--mark]` validates with the
context pickled on stdin (a padded system has thousands of members, too long for argv, and the
context carries its templates) and, with `--mark`, then builds the marked workbook from the findings
as the worker does. Each prints one JSON object. Used by the `bench_validation` management command.
"""

from __future__ import annotations

import io
import json
import pickle
import resource
import sys
import time
from typing import TYPE_CHECKING

from python_calamine import CalamineWorkbook

if TYPE_CHECKING:
    from .types import TemplateContext


def context_to_bytes(context: TemplateContext) -> bytes:
    return pickle.dumps(context)


def context_from_bytes(data: bytes) -> TemplateContext:
    # Only ever the parent bench process's own pickle, on this child's stdin.
    return pickle.loads(data)  # noqa: S301


def peak_mb() -> float:
    """This process's own peak resident memory. ru_maxrss survives exec, so in a child of the large
    bench process it would report the parent's peak; VmHWM belongs to this address space alone."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bare_read(*, data: bytes) -> dict:
    """Every sheet's values read with python-calamine and nothing else."""
    started, cpu = time.perf_counter(), time.process_time()
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    for name in workbook.sheet_names:
        workbook.get_sheet_by_name(name).to_python()
    return {
        "seconds": time.perf_counter() - started,
        "cpu": time.process_time() - cpu,
        "peak_mb": peak_mb(),
    }


def validate(*, data: bytes, context: TemplateContext, mark: bool) -> dict:
    # Imported here, so the bare read's process carries calamine alone and validation's carries
    # everything validation needs: the peaks compare the two jobs.
    from .validate import validate_workbook

    cpu = time.process_time()
    result = validate_workbook(data=data, context=context)
    figures = {
        "cells": result.cells_read,
        "seconds": result.seconds,
        "cpu": time.process_time() - cpu,
        "errors": result.error_count,
        "warnings": result.warning_count,
        # Read before marking, so it is validation's peak alone.
        "peak_mb": peak_mb(),
    }
    if mark:
        from .highlight import highlight_workbook
        from .reader import check_stored

        started, cpu = time.perf_counter(), time.process_time()
        # As the worker builds it: the stored file checked again, then marked.
        check_stored(data=data)
        highlight_workbook(data=data, findings=result.findings)
        figures["mark_seconds"] = time.perf_counter() - started
        figures["mark_cpu"] = time.process_time() - cpu
    return figures


def main(argv: list[str]) -> None:
    mode, path, *flags = argv
    with open(path, "rb") as handle:
        data = handle.read()
    if mode == "read":
        figures = bare_read(data=data)
    else:
        context = context_from_bytes(sys.stdin.buffer.read())
        figures = validate(data=data, context=context, mark="--mark" in flags)
    print(json.dumps(figures))


if __name__ == "__main__":
    main(sys.argv[1:])
