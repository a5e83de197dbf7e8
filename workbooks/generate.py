"""Build a template workbook for one collection and organisation from its `TemplateSpec`.

openpyxl's write-only mode streams rows to disk, so a padded million-cell workbook (the benchmark)
costs little memory; `fill` lets `workbooks.sample` write values into the same template in the same
pass instead of re-opening it.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill, Protection
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from .model import (
    COVER_FIELDS,
    COVER_SHEET,
    FIRST_DATA_ROW,
    INSTRUCTIONS_SHEET,
    UNITS,
    GridSheet,
    TableSheet,
    TemplateSpec,
    col_letter,
    grid_blocks,
)
from .specs import resolve_spec
from .types import TemplateContext

# fill(sheet name, row number) -> the values of that row's input cells, in column order, or None.
RowFill = Callable[[str, int], Sequence[object] | None]

LOCKED_FILL = PatternFill("solid", fgColor="E8EDEE")
HEADER_FILL = PatternFill("solid", fgColor="005EB8")
HEADER_FONT = Font(bold=True, color="FFFFFF")
TITLE_FONT = Font(bold=True, size=14)
UNLOCKED = Protection(locked=False)


def build_template(*, context: TemplateContext, fill: RowFill | None = None) -> bytes:
    """The xlsx template for `context` (latest version unless `context.template_version` is set)."""
    spec = resolve_spec(context=context)
    workbook = Workbook(write_only=True)
    _cover_sheet(workbook, spec=spec, context=context)
    _instructions_sheet(workbook, spec=spec, definitions=dict(context.measure_definitions))
    for sheet in spec.sheets:
        if isinstance(sheet, GridSheet):
            _grid_sheet(workbook, sheet=sheet, context=context, fill=fill)
        else:
            _table_sheet(workbook, sheet=sheet, context=context, fill=fill)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(
    ws,
    value: object,
    *,
    font: Font | None = None,
    fill: PatternFill | None = None,
    unlocked: bool = False,
) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if unlocked:
        cell.protection = UNLOCKED
    return cell


def _protect(ws) -> None:
    # No password: protection stops accidental edits to labels and formulas; the identifiers are
    # checked on upload anyway, so a password would add friction without adding assurance.
    ws.protection.sheet = True
    ws.protection.formatColumns = False


def _cover_sheet(workbook: Workbook, *, spec: TemplateSpec, context: TemplateContext) -> None:
    ws = workbook.create_sheet(COVER_SHEET)
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 60
    _protect(ws)
    ws.append([_cell(ws, spec.title, font=TITLE_FONT)])
    ws.append(
        [
            _cell(
                ws,
                "Do not change this sheet: the portal reads these identifiers to check the upload.",
            )
        ]
    )
    values = {**context.__dict__, "template_version": spec.version}
    for field, label, ref, name in COVER_FIELDS:
        ws.append(
            [
                _cell(ws, label, font=Font(bold=True)),
                _cell(ws, str(values[field]), fill=LOCKED_FILL),
            ]
        )
        workbook.defined_names[name] = DefinedName(
            name, attr_text=f"'{COVER_SHEET}'!${ref[0]}${ref[1:]}"
        )


def _instructions_sheet(
    workbook: Workbook, *, spec: TemplateSpec, definitions: dict[str, str]
) -> None:
    ws = workbook.create_sheet(INSTRUCTIONS_SHEET)
    ws.column_dimensions["A"].width = 120
    _protect(ws)
    ws.append([_cell(ws, "Instructions", font=TITLE_FONT)])
    ws.append([])
    for line in spec.instructions:
        ws.append([_cell(ws, line)])
    ws.append([])
    ws.append([_cell(ws, "How to complete this template", font=Font(bold=True))])
    for line in (
        "Enter figures in the white cells only; grey cells are labels or formulas and are locked.",
        "Type numbers, not formulas, in the white cells: the portal rejects formulas where a number belongs.",
        "Leave no white cell blank; enter 0 where there is no activity.",
        "Do not add, remove or reorder sheets, rows or columns, and do not change the Cover sheet.",
        "Upload the completed workbook as .xlsx (not .xlsm or .xls).",
    ):
        ws.append([_cell(ws, line)])
    # A measure on several sheets is defined once, where it first appears.
    defined: dict[str, str] = {}
    for sheet in spec.sheets:
        for measure in sheet.measures if isinstance(sheet, GridSheet) else ():
            if measure.code in definitions:
                defined.setdefault(
                    measure.code, f"{measure.label} ({measure.code}): {definitions[measure.code]}"
                )
    if defined:
        ws.append([])
        ws.append([_cell(ws, "Technical definitions", font=Font(bold=True))])
        for line in defined.values():
            ws.append([_cell(ws, line)])
    ws.append([])
    ws.append([_cell(ws, f"Template version {spec.version}", font=Font(bold=True))])
    ws.append([_cell(ws, spec.changes)])


def _header_rows(ws, *, title: str, headers: Sequence[str]) -> None:
    ws.append([_cell(ws, title, font=TITLE_FONT)])
    ws.append([_cell(ws, "White cells are for input; grey cells are locked.")])
    ws.append([_cell(ws, header, font=HEADER_FONT, fill=HEADER_FILL) for header in headers])


class _Validations:
    """Collects input ranges per unit, merging consecutive rows, into one data validation per unit."""

    def __init__(self) -> None:
        # (unit, choices, first column, last column) -> [first row, last row] runs
        self.ranges: dict[tuple[str, tuple[str, ...], int, int], list[list[int]]] = {}

    def add(
        self, *, unit: str, choices: tuple[str, ...], row: int, first_col: int, last_col: int
    ) -> None:
        runs = self.ranges.setdefault((unit, choices, first_col, last_col), [])
        if runs and runs[-1][1] == row - 1:
            runs[-1][1] = row
        else:
            runs.append([row, row])

    def attach(self, ws) -> None:
        for (unit_code, choices, first_col, last_col), runs in self.ranges.items():
            validation = _data_validation(unit_code, choices)
            if validation is None:
                continue
            for start, end in runs:
                validation.add(f"{col_letter(first_col)}{start}:{col_letter(last_col)}{end}")
            ws.data_validations.append(validation)


def _data_validation(unit_code: str, choices: tuple[str, ...]) -> DataValidation | None:
    unit = UNITS[unit_code]
    if unit.number_kind == "choice":
        return DataValidation(
            type="list",
            formula1='"' + ",".join(choices) + '"',
            allow_blank=True,
            showErrorMessage=True,
            error="Choose a value from the list.",
        )
    if unit.number_kind == "text":
        return None
    kind = "whole" if unit.number_kind == "whole" else "decimal"
    if unit.minimum is not None and unit.maximum is not None:
        operator, formula1, formula2 = "between", str(unit.minimum), str(unit.maximum)
        message = f"Enter a number from {unit.minimum:g} to {unit.maximum:g}."
    elif unit.minimum is not None:
        operator, formula1, formula2 = "greaterThanOrEqual", str(unit.minimum), None
        message = (
            f"Enter a {'whole ' if kind == 'whole' else ''}number of {unit.minimum:g} or more."
        )
    else:
        operator, formula1, formula2 = "between", "-1000000000000", "1000000000000"
        message = "Enter a number."
    return DataValidation(
        type=kind,
        operator=operator,
        formula1=formula1,
        formula2=formula2,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Invalid entry",
        error=message,
    )


def _grid_sheet(
    workbook: Workbook, *, sheet: GridSheet, context: TemplateContext, fill: RowFill | None
) -> None:
    ws = workbook.create_sheet(sheet.name)
    for col, width in zip("ABCDE", (12, 40, 12, 60, 10)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = f"{col_letter(sheet.first_value_col)}{FIRST_DATA_ROW}"
    _protect(ws)
    _header_rows(ws, title=sheet.title, headers=sheet.headers)
    validations = _Validations()
    first, last = sheet.first_value_col, sheet.total_col - 1
    first_period = col_letter(last - len(sheet.periods) + 1)
    blocks = grid_blocks(
        sheet=sheet,
        organisation_code=context.organisation_code,
        organisation_name=context.organisation_name,
        members=context.members,
    )
    for block in blocks:
        for grid_row in block.rows.values():
            unit = UNITS[grid_row.measure.unit]
            values = (fill(sheet.name, grid_row.row) if fill else None) or [None] * (
                last - first + 1
            )
            total = _total_formula(
                grid_row.measure, first=first_period, last=col_letter(last), row=grid_row.row
            )
            ws.append(
                [
                    _cell(ws, value, fill=LOCKED_FILL)
                    for value in (
                        grid_row.org_code,
                        grid_row.org_name,
                        grid_row.measure.code,
                        grid_row.measure.label,
                        unit.label,
                    )
                ]
                + [_cell(ws, value, unlocked=True) for value in values]
                + [_cell(ws, total, fill=LOCKED_FILL)]
            )
            validations.add(
                unit=unit.code, choices=(), row=grid_row.row, first_col=first, last_col=last
            )
    validations.attach(ws)


def _total_formula(measure, *, first: str, last: str, row: int) -> str:
    """Flows add up over the months; rates are averaged; a snapshot is its latest month."""
    function = measure.total_function
    if function == "LATEST":
        return f'=IF({last}{row}="","",{last}{row})'
    return f'=IFERROR({function}({first}{row}:{last}{row}),"")'


def _table_sheet(
    workbook: Workbook, *, sheet: TableSheet, context: TemplateContext, fill: RowFill | None
) -> None:
    ws = workbook.create_sheet(sheet.name)
    ws.column_dimensions["A"].width = 10
    ws.column_dimensions["B"].width = 60
    for index in range(len(sheet.columns)):
        ws.column_dimensions[col_letter(sheet.first_value_col + index)].width = 22
    _protect(ws)
    _header_rows(ws, title=sheet.title, headers=sheet.headers)
    validations = _Validations()
    for offset, table_row in enumerate(sheet.rows):
        row = FIRST_DATA_ROW + offset
        filled = iter((fill(sheet.name, row) if fill else None) or ())
        cells = [
            _cell(ws, table_row.code, fill=LOCKED_FILL),
            _cell(ws, table_row.label, fill=LOCKED_FILL),
        ]
        for index, column in enumerate(sheet.columns):
            col = sheet.first_value_col + index
            if column.kind == "formula":
                cells.append(_cell(ws, column.formula.format(r=row), fill=LOCKED_FILL))
            elif column.kind == "constant":
                cells.append(_cell(ws, table_row.values.get(column.header), fill=LOCKED_FILL))
            elif column.kind == "national":
                value = context.national_value(row_code=table_row.code, header=column.header)
                cells.append(_cell(ws, value, fill=LOCKED_FILL))
            else:
                value = next(filled, None)
                cells.append(
                    _cell(
                        ws,
                        table_row.values.get(column.header) if value is None else value,
                        unlocked=True,
                    )
                )
                validations.add(
                    unit=column.unit, choices=column.choices, row=row, first_col=col, last_col=col
                )
        ws.append(cells)
    validations.attach(ws)
