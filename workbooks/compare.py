"""Cell-by-cell comparison of two versions of one return (pure: bytes in, changes out).

Both files are read through `workbooks.reader`, so only the template's own sheets are compared and
a sheet far beyond the template is refused rather than allocated."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from .model import (
    COVER_FIELDS,
    COVER_SHEET,
    FIRST_DATA_ROW,
    INSTRUCTIONS_SHEET,
    GridSheet,
    TableSheet,
    TemplateSpec,
    col_letter,
    grid_blocks,
)
from .reader import read_sheets

Cell = tuple[str, int, int]  # sheet, row, column (1-based)


@dataclass(frozen=True)
class CellChange:
    sheet: str
    cell: str
    old: object
    new: object
    difference: Decimal | None


def _number(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    # Through str so 0.1 + 0.2 style binary noise does not show up as a difference.
    return Decimal(str(value)).normalize()


def read_cells(*, data: bytes, sheets: Iterable[str]) -> dict[Cell, object]:
    """Every non-blank cell of the named sheets (the Instructions sheet is the template's words)."""
    names = [name for name in sheets if name != INSTRUCTIONS_SHEET]
    cells: dict[Cell, object] = {}
    for name, rows in read_sheets(data=data, names=names).items():
        for row_index, row in enumerate(rows, start=1):
            for col_index, value in enumerate(row, start=1):
                if value not in ("", None):
                    cells[(name, row_index, col_index)] = value
    return cells


def compare_workbooks(
    *, old: bytes, new: bytes, old_sheets: Iterable[str], new_sheets: Iterable[str]
) -> list[CellChange]:
    """Every cell whose value differs, in sheet then row order. Cells are compared by position:
    versions of one return share the template's layout."""
    before = read_cells(data=old, sheets=old_sheets)
    after = read_cells(data=new, sheets=new_sheets)
    changes = []
    for key in set(before) | set(after):
        old_value, new_value = before.get(key, ""), after.get(key, "")
        old_number, new_number = _number(old_value), _number(new_value)
        if old_number is not None and new_number is not None:
            if old_number == new_number:
                continue
            difference = new_number - old_number
        elif old_value == new_value:
            continue
        else:
            difference = None
        sheet, row, col = key
        changes.append(
            CellChange(
                sheet=sheet,
                cell=f"{col_letter(col)}{row}",
                old=old_value,
                new=new_value,
                difference=difference,
            )
        )
    order = {COVER_SHEET: 0}
    changes.sort(
        key=lambda change: (_sheet_order(change.sheet, order), _cell_sort_key(change.cell))
    )
    return changes


def _sheet_order(name: str, order: dict[str, int]) -> tuple[int, str]:
    return (order.get(name, len(order)), name)


def _cell_sort_key(cell: str) -> tuple[int, int]:
    letters = cell.rstrip("0123456789")
    number = int(cell[len(letters) :])
    column = 0
    for letter in letters:
        column = column * 26 + ord(letter) - 64
    return (number, column)


@dataclass(frozen=True)
class CellLabel:
    """What a cell holds, in the template's own words: whose figure, of what, for when. A table
    sheet's rows stand where a grid's periods do (its `SheetLabels.period_header` names them)."""

    organisation: str
    measure: str
    period: str


@dataclass(frozen=True)
class SheetLabels:
    name: str
    title: str
    period_header: str
    rows: dict[int, tuple[str, str]]  # row number: organisation and measure (grid) or row label
    columns: dict[int, str]  # column number: its header
    by_row: bool = False  # a table sheet: rows are the periods, columns the measures

    def label(self, cell: str) -> CellLabel | None:
        """The cell's label; None for a cell outside the template's rows and columns."""
        row, column = _cell_sort_key(cell)
        if row not in self.rows or column not in self.columns:
            return None
        organisation, row_label = self.rows[row]
        if self.by_row:
            return CellLabel(organisation, self.columns[column], row_label)
        return CellLabel(organisation, row_label, self.columns[column])


def template_labels(
    *, spec: TemplateSpec, organisation_code: str, organisation_name: str, members: tuple
) -> dict[str, SheetLabels]:
    """The labels of every sheet of the template, from its definition, by sheet name."""
    # The cover's fields are one column of values, each row's label its field's name.
    sheets = {
        COVER_SHEET: SheetLabels(
            name=COVER_SHEET,
            title="Cover",
            period_header="",
            rows={
                _cell_sort_key(cell)[0]: (organisation_name, label)
                for _, label, cell, _ in COVER_FIELDS
            },
            columns={2: ""},
        )
    }
    for sheet in spec.sheets:
        if isinstance(sheet, GridSheet):
            sheets[sheet.name] = _grid_labels(
                sheet,
                organisation_code=organisation_code,
                organisation_name=organisation_name,
                members=members,
            )
        else:
            sheets[sheet.name] = _table_labels(sheet, organisation_name=organisation_name)
    return sheets


def _grid_labels(
    sheet: GridSheet, *, organisation_code: str, organisation_name: str, members: tuple
) -> SheetLabels:
    rows = {
        grid_row.row: (grid_row.org_name, grid_row.measure.label)
        for block in grid_blocks(
            sheet=sheet,
            organisation_code=organisation_code,
            organisation_name=organisation_name,
            members=members,
        )
        for grid_row in block.rows.values()
    }
    return SheetLabels(
        sheet.name, sheet.title, "Period", rows, dict(enumerate(sheet.headers, start=1))
    )


def _table_labels(sheet: TableSheet, *, organisation_name: str) -> SheetLabels:
    rows = {
        FIRST_DATA_ROW + offset: (organisation_name, table_row.label)
        for offset, table_row in enumerate(sheet.rows)
    }
    return SheetLabels(
        sheet.name,
        sheet.title,
        sheet.label_header,
        rows,
        dict(enumerate(sheet.headers, start=1)),
        by_row=True,
    )
