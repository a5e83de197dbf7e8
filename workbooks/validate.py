"""Validate an uploaded return against the rules declared for its collection and template version.

Values come from python-calamine (fast, Rust); formulas and the real extent of each sheet come from
one streaming pass over the sheet XML (`workbooks.xlsxscan`). Rules are the declarations of the
round's definition (`workbooks.definition`, in `context.specs`); this module only knows rule kinds.
"""

from __future__ import annotations

import datetime as dt
import io
import time
from collections.abc import Callable, Sequence

from python_calamine import CalamineError, CalamineWorkbook

from .filecheck import check_package
from .model import (
    COVER_FIELDS,
    COVER_SHEET,
    FIRST_DATA_ROW,
    HEADER_ROW,
    MEMBER_NAMES,
    UNITS,
    GridBlock,
    GridSheet,
    Measure,
    TableSheet,
    TemplateSpec,
    col_letter,
    grid_blocks,
    table_input_cols,
)
from .narrative import validate_narrative
from .reader import (
    MAX_SHEET_AREA,
    UNREADABLE,
    extra_sheets,
    template_extent,
    too_large_message,
)
from .specs import spec_for, spec_versions
from .types import Finding, GridNumbers, RejectedFile, TemplateContext, ValidationResult
from .xlsxscan import SheetScan, scan_sheet, sheet_parts

MAX_FINDINGS = 5_000  # beyond this the submitter needs to fix the pattern, not read a longer list
Progress = Callable[[int], None]


class Findings:
    def __init__(self) -> None:
        self.items: list[Finding] = []
        self.truncated = False

    def add(
        self,
        severity: str,
        rule: str,
        sheet: str,
        cell: str,
        value: object,
        message: str,
        measure: str = "",
    ) -> None:
        if len(self.items) >= MAX_FINDINGS:
            self.truncated = True
            return
        self.items.append(Finding(severity, rule, sheet, cell, _text(value), message, measure))

    def error(self, rule: str, sheet: str, cell: str, value: object, message: str) -> None:
        self.add("error", rule, sheet, cell, value, message)

    def warning(
        self, rule: str, sheet: str, cell: str, value: object, message: str, measure: str = ""
    ) -> None:
        self.add("warning", rule, sheet, cell, value, message, measure)

    def finish(self) -> list[Finding]:
        if self.truncated:
            self.items.append(
                Finding(
                    "error",
                    "VALIDATION.TRUNCATED",
                    "",
                    "",
                    str(MAX_FINDINGS),
                    f"Only the first {MAX_FINDINGS} findings are listed; fix these and upload "
                    "again to see the rest.",
                )
            )
        return self.items


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _num(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _in_sentence(label: str) -> str:
    """A measure's label inside a sentence: "Elective spells" -> "elective spells", but "A&E
    attendances" and "GPs" keep their capitals."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def validate_file(
    *,
    data: bytes,
    file_format: str,
    context: TemplateContext,
    accepted_versions: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> ValidationResult:
    if file_format == "xlsx":
        return validate_workbook(
            data=data, context=context, accepted_versions=accepted_versions, progress=progress
        )
    result = validate_narrative(data=data, file_format=file_format, context=context)
    if progress:
        progress(100)
    return result


def validate_workbook(
    *,
    data: bytes,
    context: TemplateContext,
    accepted_versions: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> ValidationResult:
    started = time.perf_counter()
    report = progress or (lambda percent: None)
    report(0)
    findings = Findings()
    state = {"cells": 0, "version": "", "grids": []}
    try:
        _validate(
            data=data,
            context=context,
            accepted_versions=accepted_versions,
            findings=findings,
            state=state,
            report=report,
        )
    except RejectedFile as rejected:
        findings.error("FILE.REJECTED", "", "", "", rejected.message)
    report(100)
    return ValidationResult(
        findings=findings.finish(),
        cells_read=state["cells"],
        template_version=state["version"],
        seconds=time.perf_counter() - started,
        grids=state["grids"],
    )


def _validate(
    *,
    data: bytes,
    context: TemplateContext,
    accepted_versions: Sequence[str] | None,
    findings: Findings,
    state: dict,
    report: Callable[[int], None],
) -> None:
    archive = check_package(data=data)
    try:
        parts = sheet_parts(archive)
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except MemoryError:
        raise  # a limit on the check, not a fault of the file: the caller reports it
    except Exception:  # calamine and the XML parser raise their own types for a broken workbook
        raise RejectedFile(UNREADABLE) from None
    if COVER_SHEET not in parts:
        findings.error(
            "STRUCT.SHEET",
            COVER_SHEET,
            "",
            "",
            "The Cover sheet is missing, so this is not a portal "
            "template; download the template for this return and copy your figures into it.",
        )
        return
    cover = _load(
        workbook, archive, parts, COVER_SHEET, formula_cols=range(0), findings=findings, state=state
    )
    spec = _check_cover(
        cover[0] if cover else [],
        context=context,
        accepted_versions=accepted_versions,
        findings=findings,
        state=state,
    )
    report(10)
    if spec is None:
        return
    for name in extra_sheets(present=parts, spec=spec):
        findings.warning(
            "STRUCT.EXTRA_SHEET",
            name,
            "",
            "",
            f"The sheet '{name}' is not part of the template, so the portal does not read it and "
            "reviewers will not see it; put anything they need in the template's own sheets.",
        )
    for index, sheet in enumerate(spec.sheets):
        _validate_sheet(
            workbook,
            archive,
            parts,
            sheet,
            spec=spec,
            context=context,
            findings=findings,
            state=state,
        )
        report(10 + 85 * (index + 1) // len(spec.sheets))


def _load(
    workbook: CalamineWorkbook,
    archive,
    parts: dict[str, str],
    name: str,
    *,
    formula_cols: range,
    findings: Findings,
    state: dict,
) -> tuple[list[list], SheetScan] | None:
    scan = scan_sheet(archive, parts[name], formula_cols=formula_cols)
    if scan.area > MAX_SHEET_AREA:
        findings.error(
            "STRUCT.SIZE",
            name,
            f"{col_letter(scan.max_col)}{scan.max_row}",
            "",
            too_large_message(name, scan.max_row, scan.max_col),
        )
        return None
    try:
        rows = workbook.get_sheet_by_name(name).to_python()
    except CalamineError:
        # calamine reads a sheet's XML only now: a sheet broken inside a sound zip is found here.
        raise RejectedFile(UNREADABLE) from None
    state["cells"] += sum(len(row) for row in rows)
    return rows, scan


def _cell_value(rows: list[list], row: int, col: int) -> object:
    if row - 1 < len(rows) and col - 1 < len(rows[row - 1]):
        return rows[row - 1][col - 1]
    return ""


def _check_cover(
    rows: list[list],
    *,
    context: TemplateContext,
    accepted_versions: Sequence[str] | None,
    findings: Findings,
    state: dict,
) -> TemplateSpec | None:
    found = {}
    for field, _label, ref, _name in COVER_FIELDS:
        found[field] = _text(_cell_value(rows, int(ref[1:]), ord(ref[0]) - 64)).strip()
    version = found["template_version"]
    state["version"] = version
    if found["collection_code"] != context.collection_code:
        findings.error(
            "STRUCT.IDENTIFIER",
            COVER_SHEET,
            "B3",
            found["collection_code"],
            f"This is the template for {found['collection_code'] or 'an unknown return'}, not "
            f"{context.collection_code}; download the {context.collection_code} template and use "
            f"that.",
        )
        return None
    spec = spec_for(specs=context.specs, version=version)
    known = spec_versions(specs=context.specs)
    if spec is None:
        findings.error(
            "STRUCT.VERSION",
            COVER_SHEET,
            "B9",
            version,
            f"Template version '{version}' is not one we issued for {context.collection_code} "
            f"(issued: "
            f"{', '.join(known)}); download the current template and copy your figures into it.",
        )
        return None
    if accepted_versions is not None and version not in accepted_versions:
        findings.error(
            "STRUCT.VERSION",
            COVER_SHEET,
            "B9",
            version,
            f"Template version {version} is no longer accepted for this return; accepted versions: "
            f"{', '.join(accepted_versions)}. Download the current template and copy your figures "
            f"in.",
        )
    if found["stage"] != context.stage:
        findings.error(
            "STRUCT.IDENTIFIER",
            COVER_SHEET,
            "B5",
            found["stage"],
            f"The template is for the {found['stage'] or 'unknown'} stage, but this upload is for "
            f"the "
            f"{context.stage} stage; download the {context.stage} template (your figures can be "
            f"copied).",
        )
    if found["organisation_code"] != context.organisation_code:
        # Rows are pre-filled per organisation, so checking them against another's would only add
        # noise.
        findings.error(
            "STRUCT.IDENTIFIER",
            COVER_SHEET,
            "B7",
            found["organisation_code"],
            f"The template is for organisation '{found['organisation_code']}', but this upload is "
            f"for "
            f"'{context.organisation_code}'; download the template for "
            f"{context.organisation_code}.",
        )
        return None
    return spec


def _validate_sheet(
    workbook,
    archive,
    parts,
    sheet: GridSheet | TableSheet,
    *,
    spec: TemplateSpec,
    context: TemplateContext,
    findings: Findings,
    state: dict,
) -> None:
    if sheet.name not in parts:
        findings.error(
            "STRUCT.SHEET",
            sheet.name,
            "",
            "",
            f"The sheet '{sheet.name}' is missing; do not delete or rename sheets. Download the "
            "template again and copy your figures into it.",
        )
        return
    # Grids: the inputs and the locked total column; tables: every column (locked ones included).
    last_input = (
        sheet.total_col
        if isinstance(sheet, GridSheet)
        else sheet.first_value_col + len(sheet.columns)
    )
    loaded = _load(
        workbook,
        archive,
        parts,
        sheet.name,
        formula_cols=range(sheet.first_value_col, last_input + 1),
        findings=findings,
        state=state,
    )
    if loaded is None:
        return
    rows, scan = loaded
    last_row, last_col = template_extent(sheet, context=context)
    if scan.max_row > last_row or scan.max_col > last_col:
        findings.warning(
            "STRUCT.OUTSIDE",
            sheet.name,
            f"{col_letter(scan.max_col)}{scan.max_row}",
            "",
            f"The sheet {sheet.name} has cells beyond the template's last row ({last_row}) or "
            f"column ({col_letter(last_col)}), out to {col_letter(scan.max_col)}{scan.max_row}; "
            "the portal does not read them, so move anything reviewers need into the template's "
            "cells.",
        )
    if not _check_headers(rows, sheet=sheet, findings=findings):
        return
    if isinstance(sheet, GridSheet):
        check = GridCheck(
            sheet=sheet, spec=spec, context=context, rows=rows, scan=scan, findings=findings
        )
        check.run()
        state["grids"].append(check.numbers_read())
    else:
        _check_table(sheet=sheet, rows=rows, scan=scan, findings=findings, context=context)


def _check_headers(rows: list[list], *, sheet: GridSheet | TableSheet, findings: Findings) -> bool:
    ok = True
    for col, expected in enumerate(sheet.headers, start=1):
        found = _text(_cell_value(rows, HEADER_ROW, col)).strip()
        if found != expected:
            ok = False
            findings.error(
                "STRUCT.HEADER",
                sheet.name,
                f"{col_letter(col)}{HEADER_ROW}",
                found,
                f"The column heading should be '{expected}'; do not insert, delete or move "
                f"columns.",
            )
    return ok


class CellCheck:
    """Type, range and completeness of one input cell; returns the number or None when it is not
    one."""

    @staticmethod
    def check(
        value: object,
        *,
        unit_code: str,
        is_formula: bool,
        sheet: str,
        cell: str,
        what: str,
        findings: Findings,
        choices: tuple[str, ...] = (),
        required: bool = True,
    ) -> float | None:
        unit = UNITS[unit_code]
        if is_formula:
            findings.error(
                "TYPE.FORMULA",
                sheet,
                cell,
                value,
                f"{what} holds a formula; type the figure itself (paste as values).",
            )
            return None
        kind = type(value)
        if kind is float or kind is int:
            return CellCheck._number(
                value, unit=unit, sheet=sheet, cell=cell, what=what, findings=findings
            )
        if value is None or value == "":
            if required:
                findings.error(
                    "REQUIRED",
                    sheet,
                    cell,
                    "",
                    f"{what} is blank; enter a figure (0 if there is none)."
                    if unit.number_kind in ("whole", "decimal")
                    else f"{what} is blank; complete it.",
                )
            return None
        if unit.number_kind == "choice":
            if value not in choices:
                findings.error(
                    "TYPE.CHOICE",
                    sheet,
                    cell,
                    value,
                    f"{what} must be one of: {', '.join(choices)}.",
                )
            return None
        if unit.number_kind == "text":
            return None
        if kind is bool:
            message = f"{what} holds TRUE/FALSE where a number belongs; enter a number."
        elif isinstance(value, (dt.date, dt.time, dt.timedelta)):
            message = f"{what} holds a date or time where a number belongs; enter a number."
        else:
            message = (
                f"{what} holds text ('{_text(value)[:40]}') where a number belongs; enter a number."
            )
        findings.error("TYPE.TEXT", sheet, cell, value, message)
        return None

    @staticmethod
    def _number(
        value: float, *, unit, sheet: str, cell: str, what: str, findings: Findings
    ) -> float | None:
        if unit.number_kind not in ("whole", "decimal"):
            findings.error("TYPE.TEXT", sheet, cell, value, f"{what} should be text, not a number.")
            return None
        if unit.number_kind == "whole" and value != int(value):
            findings.error(
                "TYPE.WHOLE",
                sheet,
                cell,
                value,
                f"{what} must be a whole number; enter {round(value)} or the correct count.",
            )
            return None
        if unit.minimum is not None and value < unit.minimum:
            findings.error(
                "RANGE.MIN",
                sheet,
                cell,
                value,
                f"{what} is {_num(value)}; it cannot be below {unit.minimum:g}.",
            )
            return None
        if unit.maximum is not None and value > unit.maximum:
            findings.error(
                "RANGE.MAX",
                sheet,
                cell,
                value,
                f"{what} is {_num(value)}; it cannot be above {unit.maximum:g}.",
            )
            return None
        if unit.code == "percent" and 0 < value < 1:
            # Excel shows 30% as 0.3 in a cell formatted as a number: the commonest slip here.
            findings.warning(
                "PERCENT.FRACTION",
                sheet,
                cell,
                value,
                f"{what} is {_num(value)}%. If you meant {_num(value * 100)}%, enter "
                f"{_num(value * 100)}: this column takes percentages as numbers from 0 to 100.",
            )
        return float(value)


NUMBER_TYPES = frozenset((float, int))


def _all_whole(cells: list, kinds: set[type]) -> bool:
    if kinds == {float}:
        return all(map(float.is_integer, cells))
    return all(value == int(value) for value in cells)


class GridCheck:
    def __init__(
        self,
        *,
        sheet: GridSheet,
        spec: TemplateSpec,
        context: TemplateContext,
        rows: list[list],
        scan: SheetScan,
        findings: Findings,
    ) -> None:
        self.sheet = sheet
        self.spec = spec
        self.rows = rows
        self.scan = scan
        self.findings = findings
        self.blocks = grid_blocks(
            sheet=sheet,
            organisation_code=context.organisation_code,
            organisation_name=context.organisation_name,
            members=context.members,
        )
        self.numbers: dict[
            int, list[float | None]
        ] = {}  # row -> value-column numbers (None: not a number)
        # The sheet's geometry is derived on every access; a million-cell return asks per row.
        self.first_value_col = sheet.first_value_col
        self.total_col = sheet.total_col
        self.baseline_count = sheet.baseline_count
        self.letters = [col_letter(col) for col in range(self.first_value_col, self.total_col)]

    def run(self) -> None:
        for block in self.blocks:
            for grid_row in block.rows.values():
                self._row(grid_row)
        for block in self.blocks:
            self._sums(block)
        if self.sheet.total_rule:
            self._system_total()
        for block in self.blocks:
            for grid_row in block.rows.values():
                if grid_row.row in self.numbers:
                    self._plausibility(grid_row.row, grid_row.measure, grid_row.org_name)

    def numbers_read(self) -> GridNumbers:
        rows = tuple(
            (grid_row.org_code, block.org_kind, code, grid_row.row)
            for block in self.blocks
            for code, grid_row in block.rows.items()
        )
        return GridNumbers(
            sheet_name=self.sheet.name,
            headers=self.sheet.value_headers,
            baseline_count=self.sheet.baseline_count,
            rows=rows,
            numbers=self.numbers,
        )

    def _row(self, grid_row) -> None:
        row = grid_row.row
        values = self.rows[row - 1] if row - 1 < len(self.rows) else []
        org_found = _text(values[0]).strip() if values else ""
        code_found = _text(values[2]).strip() if len(values) > 2 else ""
        if org_found != grid_row.org_code or code_found != grid_row.measure.code:
            cell, found = (
                (f"A{row}", org_found)
                if org_found != grid_row.org_code
                else (f"C{row}", code_found)
            )
            self.findings.error(
                "STRUCT.ROWS",
                self.sheet.name,
                cell,
                found,
                f"Row {row} should be {grid_row.measure.code} for {grid_row.org_code}; do not "
                "insert, "
                "delete or reorder rows. Download the template again and copy your figures in.",
            )
            return
        unit = UNITS[grid_row.measure.unit]
        first = self.first_value_col - 1
        cells = values[first : first + len(self.letters)]
        cells += [""] * (len(self.letters) - len(cells))
        formulas = self.scan.formulas.get(row, ())
        if self.total_col in formulas:
            formulas = formulas - {self.total_col}
        else:
            self._locked_total_changed(grid_row, values)
        minimum, maximum = unit.minimum, unit.maximum
        whole = unit.number_kind == "whole"
        percent = unit.code == "percent"
        # Fast path for the common row: plain numbers in range, no formula, checked a row at a time.
        kinds = set(map(type, cells))
        if (
            not formulas
            and kinds <= NUMBER_TYPES
            and (minimum is None or min(cells) >= minimum)
            and (maximum is None or max(cells) <= maximum)
            and (not whole or _all_whole(cells, kinds))
            # A share typed as a fraction (0.3 for 30%) gets its hint on the slow path.
            and not (percent and any(0 < value < 1 for value in cells))
        ):
            self.numbers[row] = [float(value) for value in cells]
            return
        numbers: list[float | None] = []
        for index, value in enumerate(cells):
            kind = type(value)
            # Fast path for the common case: a plain number in range, no formula.
            if (
                (kind is float or kind is int)
                and not formulas
                and (minimum is None or value >= minimum)
                and (maximum is None or value <= maximum)
                and (not whole or value == int(value))
                and not (percent and 0 < value < 1)
            ):
                numbers.append(float(value))
                continue
            col = self.first_value_col + index
            what = (
                f"{grid_row.measure.label} for {grid_row.org_name} "
                f"({self.sheet.value_headers[index]})"
            )
            numbers.append(
                CellCheck.check(
                    value,
                    unit_code=unit.code,
                    is_formula=col in formulas,
                    sheet=self.sheet.name,
                    cell=f"{self.letters[index]}{row}",
                    what=what,
                    findings=self.findings,
                )
            )
        self.numbers[row] = numbers

    def _locked_total_changed(self, grid_row, values: list) -> None:
        col = self.sheet.total_col
        self.findings.error(
            "LOCKED.CHANGED",
            self.sheet.name,
            f"{col_letter(col)}{grid_row.row}",
            values[col - 1] if col - 1 < len(values) else "",
            f"The {self.sheet.headers[col - 1].lower()} of {grid_row.measure.label} for "
            f"{grid_row.org_name} is a locked formula and was changed; download the template again "
            "and copy your figures into it.",
        )

    def _sums(self, block: GridBlock) -> None:
        for rule in self.sheet.sums:
            total_row = block.rows[rule.total]
            total = self.numbers.get(total_row.row)
            parts = [self.numbers.get(block.rows[code].row) for code in rule.parts]
            minus = [self.numbers.get(block.rows[code].row) for code in rule.minus]
            if total is None or any(part is None for part in parts + minus):
                continue
            tolerance = UNITS[total_row.measure.unit].tolerance + 1e-6
            split = 1 + len(parts)
            # Column by column through the rows at once; sums in the same order as term by term.
            for index, column in enumerate(zip(total, *parts, *minus, strict=True)):
                if None in column:
                    continue
                found = column[0]
                expected = sum(column[1:split]) - sum(column[split:])
                if abs(found - expected) > tolerance:
                    labels = " + ".join(
                        _in_sentence(self.sheet.measure(code).label) for code in rule.parts
                    )
                    labels += "".join(
                        f" - {_in_sentence(self.sheet.measure(code).label)}" for code in rule.minus
                    )
                    self.findings.error(
                        rule.code,
                        self.sheet.name,
                        f"{self.letters[index]}{total_row.row}",
                        found,
                        f"{total_row.measure.label} for {total_row.org_name} "
                        f"({self.sheet.value_headers[index]}) is "
                        f"{_num(found)}, but {labels} = {_num(expected)}; make the total equal "
                        f"the sum of its parts.",
                    )

    def _system_total(self) -> None:
        own = self.blocks[0]
        members = [block for block in self.blocks[1:] if block.org_kind in self.sheet.total_of]
        if not members:
            return
        kinds = " and ".join(f"{MEMBER_NAMES.get(kind, kind)}'" for kind in self.sheet.total_of)
        kinds += " blocks"
        for code, total_row in own.rows.items():
            unit = UNITS[total_row.measure.unit]
            if not unit.additive:
                continue
            total = self.numbers.get(total_row.row)
            parts = [self.numbers.get(block.rows[code].row) for block in members]
            if total is None or any(part is None for part in parts):
                continue
            for index, found in enumerate(total):
                terms = [part[index] for part in parts]
                if found is None or None in terms:
                    continue
                expected = sum(terms)
                if abs(found - expected) > unit.tolerance + 1e-6:
                    self.findings.error(
                        self.sheet.total_rule,
                        self.sheet.name,
                        f"{self.letters[index]}{total_row.row}",
                        found,
                        f"The system total of {_in_sentence(total_row.measure.label)} "
                        f"({self.sheet.value_headers[index]}) "
                        f"is {_num(found)}, but the {kinds} add up to {_num(expected)}; make them "
                        f"agree.",
                    )

    def _plausibility(self, row: int, measure: Measure, org_name: str) -> None:
        floor, band, month_band = measure.floor, measure.baseline_band, measure.month_band
        if floor is None and not band and month_band is None:
            return
        numbers = self.numbers[row]
        offset = self.baseline_count
        monthly = bool(self.sheet.baseline_periods)
        for index, value in enumerate(numbers[offset:]):
            if value is None:
                continue
            # A monthly baseline compares each month with the same month of the baseline year.
            baseline = numbers[index if monthly else 0] if offset else None
            previous = numbers[offset + index - 1] if index else None
            # Messages are built only for a figure that needs one: most figures need none.
            if (
                (floor is not None and value < floor)
                or (band and baseline and not band[0] * baseline <= value <= band[1] * baseline)
                or (
                    month_band is not None
                    and previous
                    and abs(value - previous) > month_band * previous
                )
            ):
                self._plausibility_warnings(
                    row, measure, org_name, index=index, baseline=baseline, previous=previous
                )

    def _plausibility_warnings(
        self,
        row: int,
        measure: Measure,
        org_name: str,
        *,
        index: int,
        baseline: float | None,
        previous: float | None,
    ) -> None:
        offset = self.baseline_count
        value = self.numbers[row][offset + index]
        monthly = bool(self.sheet.baseline_periods)
        periods = self.sheet.periods
        code = self.spec.collection_code
        baseline_label = self.sheet.baseline_headers[index if monthly else 0] if offset else ""
        cell = f"{self.letters[index + offset]}{row}"
        what = f"{measure.label} for {org_name} in {periods[index]}"
        if measure.floor is not None and value < measure.floor:
            self.findings.warning(
                f"{code}.PLAUS.FLOOR",
                self.sheet.name,
                cell,
                value,
                f"{what} is {_num(value)}%, below {measure.floor:g}% ({measure.floor_reason}); "
                "check the figure or explain it.",
                measure=measure.label,
            )
        if measure.baseline_band and baseline:
            low, high = measure.baseline_band
            if not low * baseline <= value <= high * baseline:
                self.findings.warning(
                    f"{code}.PLAUS.BASE",
                    self.sheet.name,
                    cell,
                    value,
                    f"{what} is {_num(value)}, {100 * value / baseline:.0f}% of the "
                    f"{baseline_label} "
                    f"({_num(baseline)}); we expect {100 * low:.0f}% to {100 * high:.0f}%"
                    f"{f' ({measure.band_reason})' if measure.band_reason else ''}. Check the "
                    "figure or explain the change.",
                    measure=measure.label,
                )
        if (
            measure.month_band is not None
            and previous
            and abs(value - previous) > measure.month_band * previous
        ):
            self.findings.warning(
                f"{code}.PLAUS.MONTH",
                self.sheet.name,
                cell,
                value,
                f"{what} is {_num(value)}, {100 * (value - previous) / previous:+.0f}% on "
                f"{periods[index - 1]} "
                f"({_num(previous)}); a change of more than {100 * measure.month_band:.0f}% "
                "in a month needs "
                "checking or explaining.",
                measure=measure.label,
            )


def _check_table(
    *,
    sheet: TableSheet,
    rows: list[list],
    scan: SheetScan,
    findings: Findings,
    context: TemplateContext,
) -> None:
    inputs = table_input_cols(sheet)
    locked = [
        (sheet.first_value_col + index, column)
        for index, column in enumerate(sheet.columns)
        if column.kind != "input"
    ]
    for offset, table_row in enumerate(sheet.rows):
        row = FIRST_DATA_ROW + offset
        found = _text(_cell_value(rows, row, 1)).strip()
        if found != table_row.code:
            findings.error(
                "STRUCT.ROWS",
                sheet.name,
                f"A{row}",
                found,
                f"Row {row} should be {table_row.code} ({table_row.label}); do not insert, delete "
                f"or "
                "reorder rows.",
            )
            continue
        formulas = scan.formulas.get(row, ())
        for col, column in locked:
            _check_locked(
                _cell_value(rows, row, col),
                sheet=sheet,
                row=row,
                col=col,
                column=column,
                table_row=table_row,
                is_formula=col in formulas,
                context=context,
                findings=findings,
            )
        for col, column in inputs:
            CellCheck.check(
                _cell_value(rows, row, col),
                unit_code=column.unit,
                is_formula=col in formulas,
                sheet=sheet.name,
                cell=f"{col_letter(col)}{row}",
                what=f"{column.header} for {table_row.label}",
                findings=findings,
                choices=column.choices,
                required=column.required,
            )


def _check_locked(
    value: object,
    *,
    sheet: TableSheet,
    row: int,
    col: int,
    column,
    table_row,
    is_formula: bool,
    context: TemplateContext,
    findings: Findings,
) -> None:
    """A locked cell must still hold what the template put there: its formula, the round's
    figure, or the figure the portal holds for the organisation."""
    cell = f"{col_letter(col)}{row}"
    what = f"{column.header} for {table_row.label} ({cell})"
    if column.kind == "formula":
        if not is_formula:
            findings.error(
                "LOCKED.CHANGED",
                sheet.name,
                cell,
                value,
                f"{what} is a locked formula and was overwritten; download the template again and "
                "copy your figures into it.",
            )
        return
    if column.kind == "constant":
        expected = table_row.values.get(column.header)
    else:
        expected = context.national_value(row_code=table_row.code, header=column.header)
    if _same_figure(value, expected) and not is_formula:
        return
    shown = "blank" if expected is None else _text(expected)
    findings.error(
        "LOCKED.CHANGED",
        sheet.name,
        cell,
        value,
        f"{what} is a national figure and is locked at {shown}, but the file has "
        f"{_text(value) or 'nothing'}; the portal works the estimate out from the national "
        "figure, so download the template again and copy your figures into it.",
    )


def _same_figure(value: object, expected: object) -> bool:
    if expected is None:
        return value in (None, "")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return abs(float(value) - float(expected)) <= 1e-6 * max(1.0, abs(float(expected)))
