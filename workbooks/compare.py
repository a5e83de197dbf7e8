"""Cell-by-cell comparison of two versions of one return (pure: bytes in, changes out).

Both files are read through `workbooks.reader`, so only the template's own sheets are compared and
a sheet far beyond the template is refused rather than allocated."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from .model import COVER_SHEET, INSTRUCTIONS_SHEET, col_letter
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
