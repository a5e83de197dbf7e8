"""Build a template workbook for one collection and organisation from its `TemplateSpec`.

openpyxl's write-only mode streams rows to disk, so a padded million-cell workbook (the benchmark)
costs little memory; `fill` lets `workbooks.sample` write values into the same template in the same
pass instead of re-opening it.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator, Sequence
from xml.sax.saxutils import escape

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
from .xlsxscan import sheet_parts

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
    grid_rows = {}
    for sheet in spec.sheets:
        if isinstance(sheet, GridSheet):
            grid_rows[sheet.name] = _grid_sheet(workbook, sheet=sheet, context=context, fill=fill)
        else:
            _table_sheet(workbook, sheet=sheet, context=context, fill=fill)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _with_rows(buffer.getvalue(), grid_rows)


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
        "Type numbers, not formulas, in the white cells: the portal rejects formulas where a "
        "number belongs.",
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
    """Collects input ranges per unit, merging consecutive rows, into one data validation per
    unit."""

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
            # All at once: adding ranges one by one checks each against every earlier one, which
            # grew with the square of a padded return's blocks.
            validation.sqref = " ".join(
                f"{col_letter(first_col)}{start}:{col_letter(last_col)}{end}" for start, end in runs
            )
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
) -> Callable[[], Iterator[str]]:
    """Writes the sheet's header and validations; returns its data rows as XML, written after save.

    A padded return has over a million cells: openpyxl builds an object per cell and writes it
    through lxml, which took most of two minutes, so the rows are formatted here instead, in the
    form openpyxl writes them (inline strings, shared styles)."""
    ws = workbook.create_sheet(sheet.name)
    for col, width in zip("ABCDE", (12, 40, 12, 60, 10), strict=True):
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
            validations.add(
                unit=grid_row.measure.unit,
                choices=(),
                row=grid_row.row,
                first_col=first,
                last_col=last,
            )
    validations.attach(ws)
    locked = _cell(ws, None, fill=LOCKED_FILL).style_id
    unlocked = _cell(ws, None, unlocked=True).style_id
    letters = [col_letter(col) for col in range(1, sheet.total_col + 1)]
    blank = [None] * (last - first + 1)

    def rows() -> Iterator[str]:
        for block in blocks:
            for grid_row in block.rows.values():
                row = grid_row.row
                labels = (
                    grid_row.org_code,
                    grid_row.org_name,
                    grid_row.measure.code,
                    grid_row.measure.label,
                    UNITS[grid_row.measure.unit].label,
                )
                values = (fill(sheet.name, row) if fill else None) or blank
                total = _total_formula(
                    grid_row.measure, first=first_period, last=col_letter(last), row=row
                )
                styles = [locked] * len(labels) + [unlocked] * len(values) + [locked]
                cells = (*labels, *values, total)
                yield (
                    f'<row r="{row}">'
                    + "".join(
                        _cell_xml(f"{letter}{row}", value, style)
                        for letter, value, style in zip(letters, cells, styles, strict=True)
                    )
                    + "</row>"
                )

    return rows


def _cell_xml(ref: str, value: object, style: int) -> str:
    """One cell as openpyxl writes it: numbers to 16 significant figures, text inline."""
    if value is None:
        return f'<c r="{ref}" s="{style}" t="n"></c>'
    if value == "":
        return f'<c r="{ref}" s="{style}" t="inlineStr"></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" s="{style}" t="b"><v>{value:d}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}" s="{style}" t="n"><v>{value:.16g}</v></c>'
    text = str(value)
    if text.startswith("=") and len(text) > 1:
        return f'<c r="{ref}" s="{style}"><f>{escape(text[1:])}</f><v></v></c>'
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>'


def _with_rows(data: bytes, rows: dict[str, Callable[[], Iterator[str]]]) -> bytes:
    """`data` with each named sheet's rows streamed in after its header rows."""
    source = zipfile.ZipFile(io.BytesIO(data))
    parts = {part: rows[name] for name, part in sheet_parts(source).items() if name in rows}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename not in parts:
                target.writestr(info, content)
                continue
            head, tail = content.split(b"</sheetData>", 1)
            with target.open(info.filename, "w", force_zip64=True) as part:
                part.write(head)
                for chunk in _batched(parts[info.filename](), 1000):
                    part.write("".join(chunk).encode())
                part.write(b"</sheetData>" + tail)
    return buffer.getvalue()


def _batched(items: Iterator[str], size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


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
