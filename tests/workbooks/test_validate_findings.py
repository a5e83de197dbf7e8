"""The same findings for the same file: every finding (severity, rule, sheet, cell, value, message,
order) of a corpus of returns, pinned as the validator gave them before its rules were reworked for
speed. The corpus is every workbook collection's sample return, clean and with planted errors, and
seeded mutations of the activity return that trip every grid rule: text, blanks, formulas, numbers
out of range or not whole, totals that do not add up, figures outside the plausibility bands, rows
moved and locked totals changed."""

from __future__ import annotations

import io
import json
import random
from functools import cache
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.workbooks.conftest import definition, edit_cells, ics_context
from workbooks.model import FIRST_DATA_ROW, GridSheet, col_letter
from workbooks.sample import make_sample_return
from workbooks.specs import resolve_spec
from workbooks.validate import validate_workbook

PINNED = Path(__file__).parent / "data" / "findings_pinned.json"
WORKBOOK_CODES = sorted(item.code for item in definition().collections if item.template)
MUTATIONS = 16


def _mutant(value: object, rng: random.Random) -> object:
    number = value if isinstance(value, int | float) else 100
    return rng.choice(
        (
            "n/a",
            None,
            "=1+1",
            -number,
            number * 3,
            number * 0.2,
            number + 0.5,
            0,
            1e12,
            "123",
            number * 1.3,
            number * 0.85,
        )
    )


def _mutated(seed: int) -> bytes:
    """The activity return with a few seeded edits on its grid sheets."""
    rng = random.Random(seed)  # noqa: S311 - a repeatable corpus
    context = ics_context("ACT")
    data = make_sample_return(context=context, seed=seed)
    spec = resolve_spec(context=context)
    grids = [sheet for sheet in spec.sheets if isinstance(sheet, GridSheet)]
    workbook = load_workbook(io.BytesIO(data))
    for _ in range(rng.randint(1, 8)):
        sheet = rng.choice(grids)
        ws = workbook[sheet.name]
        row = rng.randint(FIRST_DATA_ROW, ws.max_row)
        kind = rng.random()
        if kind < 0.08:
            ref = f"C{row}"
            ws[ref] = "XX-MOVED"
        elif kind < 0.16:
            ref = f"{col_letter(sheet.total_col)}{row}"
            ws[ref] = 42
        else:
            col = rng.randint(sheet.first_value_col, sheet.total_col - 1)
            ref = f"{col_letter(col)}{row}"
            ws[ref] = _mutant(ws[ref].value, rng)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@cache
def corpus() -> dict[str, tuple[bytes, object]]:
    files = {}
    for code in WORKBOOK_CODES:
        context = ics_context(code)
        files[f"{code}-clean"] = (make_sample_return(context=context), context)
        files[f"{code}-errors"] = (make_sample_return(context=context, errors=9, seed=5), context)
    act = ics_context("ACT")
    files["ACT-warnings"] = (
        edit_cells(
            make_sample_return(context=act),
            "Activity",
            {"L4": 1, "M4": 99_000_000, "L12": 10, "N5": 0},
        ),
        act,
    )
    for seed in range(MUTATIONS):
        files[f"ACT-mutation-{seed}"] = (_mutated(seed), act)
    return files


def findings_of(name: str) -> list[list[str]]:
    data, context = corpus()[name]
    result = validate_workbook(data=data, context=context)
    return [
        [f.severity, f.rule, f.sheet, f.cell, f.value, f.message, f.measure]
        for f in result.findings
    ]


def pin() -> None:
    """Run once against the validator being matched: `python -c 'from tests.workbooks.
    test_validate_findings import pin; pin()'` (with Django settings, as pytest has)."""
    PINNED.write_text(
        json.dumps({name: findings_of(name) for name in corpus()}, indent=1, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )


@cache
def pinned() -> dict[str, list[list[str]]]:
    return json.loads(PINNED.read_text(encoding="utf-8"))


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(pinned()))
def test_validate_workbook_gives_the_pinned_findings(name):
    assert findings_of(name) == pinned()[name]
