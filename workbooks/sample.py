"""Plausible completed returns, written into the real generated template, for demos, tests and
benchmarks.

By default a sample passes every rule with no warnings. `errors=K` plants exactly K errors, each of
a
kind that trips one rule only (text in a number cell, a blank required cell, a formula where a
number
belongs): every other rule skips a cell that is not a number, so nothing cascades.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace

from .generate import build_template
from .model import (
    FIRST_DATA_ROW,
    UNITS,
    GridSheet,
    Measure,
    TableSheet,
    TemplateSpec,
    grid_blocks,
    table_input_cols,
)
from .specs import resolve_spec
from .types import MemberOrg, TemplateContext

PLANTED = ("n/a", None, "=1+1")  # text, blank, formula: one finding each


def sample_context(*, context: TemplateContext, cells: int) -> TemplateContext:
    """`context` with synthetic members added until the template has about `cells` input cells."""
    spec = resolve_spec(context=context)
    sheet = next(
        (sheet for sheet in spec.sheets if isinstance(sheet, GridSheet) and sheet.member_kinds),
        None,
    )
    if sheet is None:
        raise ValueError(
            f"The {context.collection_code} template has no member blocks to pad with."
        )
    per_block = len(sheet.measures) * len(sheet.value_headers)
    current = input_cell_count(spec=spec, context=context)
    extra = max(0, -(-(cells - current) // per_block))
    kind = (sheet.total_of or sheet.member_kinds)[0]
    synthetic = tuple(
        MemberOrg(f"SYN{index:05d}", f"Synthetic {kind} {index}", kind)
        for index in range(1, extra + 1)
    )
    return replace(context, members=context.members + synthetic)


def input_cell_count(*, spec: TemplateSpec, context: TemplateContext) -> int:
    total = 0
    for sheet in spec.sheets:
        if isinstance(sheet, GridSheet):
            blocks = grid_blocks(
                sheet=sheet,
                organisation_code=context.organisation_code,
                organisation_name=context.organisation_name,
                members=context.members,
            )
            total += len(blocks) * len(sheet.measures) * len(sheet.value_headers)
        else:
            total += len(sheet.rows) * len(table_input_cols(sheet))
    return total


def make_sample_return(
    *,
    context: TemplateContext,
    cells: int | None = None,
    errors: int = 0,
    seed: int = 0,
    growth: Sequence[float] | None = None,
) -> bytes:
    """`growth`, when given, is one factor per month against the baseline, shared by every additive
    row: returns of one system made with the same factors agree across activity, workforce and
    money,
    and its commissioner blocks split the providers' activity between them."""
    if cells:
        context = sample_context(context=context, cells=cells)
    spec = resolve_spec(context=context)
    rng = random.Random(seed)  # noqa: S311 - repeatable demo figures, not secrets
    values: dict[str, dict[int, list]] = {}
    for sheet in spec.sheets:
        if isinstance(sheet, GridSheet):
            values[sheet.name] = _grid_values(sheet, context=context, rng=rng, growth=growth)
        else:
            values[sheet.name] = _table_values(sheet, rng=rng)
    _plant_errors(spec, values, errors=errors, rng=rng)
    return build_template(context=context, fill=lambda sheet_name, row: values[sheet_name].get(row))


def _series(
    measure: Measure,
    *,
    count: int,
    rng: random.Random,
    baselines: int = 1,
    growth: Sequence[float] | None = None,
) -> list:
    """A baseline (when there is one) and a gently moving monthly series, well inside every band."""
    unit = UNITS[measure.unit]
    if unit.code == "percent":
        low = measure.floor + 1 if measure.floor is not None else 40
        return [round(rng.uniform(low, low + 15), 1) for _ in range(count)]
    base = {"count": rng.randint(200, 5000), "wte": round(rng.uniform(50, 2000), 1)}.get(
        unit.code, rng.randint(1000, 50000)
    )
    if growth is not None and unit.additive:
        months = count - baselines
        if len(growth) < months:
            raise ValueError(
                f"{measure.code} has {months} months but only {len(growth)} growth factors were "
                f"given."
            )
        series = [base] * baselines + [base * factor for factor in growth[:months]]
    else:
        series = [base]
        factor = rng.uniform(0.92, 1.05)
        for _ in range(count - 1):
            factor = min(1.08, max(0.9, factor + rng.uniform(-0.02, 0.02)))
            series.append(base * factor)
    if unit.number_kind == "whole" or unit.code.startswith("gbp"):
        return [round(value) for value in series]
    return [round(value, 1) for value in series]


def _grid_values(
    sheet: GridSheet,
    *,
    context: TemplateContext,
    rng: random.Random,
    growth: Sequence[float] | None = None,
) -> dict[int, list]:
    blocks = grid_blocks(
        sheet=sheet,
        organisation_code=context.organisation_code,
        organisation_name=context.organisation_name,
        members=context.members,
    )
    count = len(sheet.value_headers)
    by_row: dict[int, list] = {}
    for block in blocks:
        for grid_row in block.rows.values():
            by_row[grid_row.row] = _series(
                grid_row.measure,
                count=count,
                rng=rng,
                baselines=sheet.baseline_count,
                growth=growth,
            )
        _apply_sums(sheet, block, by_row=by_row, count=count)
    members = [block for block in blocks[1:] if block.org_kind in sheet.total_of]
    others = [block for block in blocks[1:] if block.org_kind not in sheet.total_of]
    if growth is not None and members and others:
        _split_between(others, members, by_row=by_row, count=count)
        for block in others:
            # Shares are rounded one row at a time; the block's own totals must still add up.
            _apply_sums(sheet, block, by_row=by_row, count=count)
    if members:
        # The own block is the sum of its members; sum rules hold for it because they are linear.
        for code, grid_row in blocks[0].rows.items():
            if UNITS[grid_row.measure.unit].additive:
                by_row[grid_row.row] = [
                    _tidy(sum(by_row[block.rows[code].row][index] for block in members))
                    for index in range(count)
                ]
    return by_row


def _apply_sums(sheet: GridSheet, block, *, by_row: dict[int, list], count: int) -> None:
    for rule in sheet.sums:
        parts = [by_row[block.rows[code].row] for code in rule.parts]
        minus = [by_row[block.rows[code].row] for code in rule.minus]
        by_row[block.rows[rule.total].row] = [
            _tidy(sum(part[index] for part in parts) - sum(part[index] for part in minus))
            for index in range(count)
        ]


def _split_between(others: list, members: list, *, by_row: dict[int, list], count: int) -> None:
    """Commissioner blocks share the providers' activity equally, so the two views agree."""
    for code, grid_row in others[0].rows.items():
        if not UNITS[grid_row.measure.unit].additive:
            continue
        for index in range(count):
            whole = sum(by_row[block.rows[code].row][index] for block in members)
            share = whole / len(others)
            for block in others:
                by_row[block.rows[code].row][index] = (
                    round(share) if isinstance(whole, int) else _tidy(share)
                )


def _tidy(value: float) -> float | int:
    # Sums of one-decimal figures pick up binary noise (0.30000000000000004); keep what a person
    # would type.
    return round(value, 2) if isinstance(value, float) else value


def _table_values(sheet: TableSheet, *, rng: random.Random) -> dict[int, list]:
    by_row = {}
    for offset, table_row in enumerate(sheet.rows):
        row_values = []
        for _col, column in table_input_cols(sheet):
            if column.unit == "choice":
                row_values.append(rng.choice(column.choices))
            elif column.unit == "text":
                row_values.append(
                    f"Action plan agreed for {table_row.label.lower()}; evidence held by the LMS."
                )
            elif column.header in table_row.values:
                row_values.append(table_row.values[column.header])
            elif column.unit.endswith("signed"):
                row_values.append(rng.randint(0, 500) * 1000)
            else:
                row_values.append(rng.randint(20_000, 40_000) * 1000)
        by_row[FIRST_DATA_ROW + offset] = row_values
    return by_row


def _plant_errors(
    spec: TemplateSpec, values: dict[str, dict[int, list]], *, errors: int, rng: random.Random
) -> None:
    if not errors:
        return
    candidates = [
        (sheet.name, row, index)
        for sheet in spec.sheets
        if isinstance(sheet, GridSheet)
        for row, row_values in values[sheet.name].items()
        for index in range(len(row_values))
    ]
    if errors > len(candidates):
        raise ValueError(f"Cannot plant {errors} errors in {len(candidates)} input cells.")
    for number, (sheet_name, row, index) in enumerate(rng.sample(candidates, errors)):
        values[sheet_name][row][index] = PLANTED[number % len(PLANTED)]
