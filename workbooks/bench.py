"""Measure one validation in a fresh process, so peak memory is this file's alone.

Run as `python -m workbooks.bench PATH` with the context pickled on stdin (a padded system has
thousands of members, too long for argv, and the context carries its templates); prints one JSON
object. Used by the
`bench_validation` management command, which starts one child per workbook size.
"""

from __future__ import annotations

import io
import json
import pickle
import resource
import sys
import time
from python_calamine import CalamineWorkbook

from .types import TemplateContext
from .validate import validate_workbook


def context_to_bytes(context: TemplateContext) -> bytes:
    return pickle.dumps(context)


def context_from_bytes(data: bytes) -> TemplateContext:
    # Only ever the parent bench process's own pickle, on this child's stdin.
    return pickle.loads(data)  # noqa: S301


def bare_calamine_seconds(data: bytes) -> float:
    """Time to read every sheet's values with python-calamine and nothing else: the floor we compare with."""
    started = time.perf_counter()
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    for name in workbook.sheet_names:
        workbook.get_sheet_by_name(name).to_python()
    return time.perf_counter() - started


def measure(*, data: bytes, context: TemplateContext) -> dict:
    result = validate_workbook(data=data, context=context)
    # ru_maxrss is in KiB on Linux; read it before the calamine-only pass so it is validation's peak.
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "cells": result.cells_read,
        "seconds": result.seconds,
        "errors": result.error_count,
        "warnings": result.warning_count,
        "peak_mb": peak_mb,
        "calamine_seconds": bare_calamine_seconds(data),
    }


def main(argv: list[str]) -> None:
    (path,) = argv
    context = context_from_bytes(sys.stdin.buffer.read())
    with open(path, "rb") as handle:
        data = handle.read()
    print(json.dumps(measure(data=data, context=context)))


if __name__ == "__main__":
    main(sys.argv[1:])
