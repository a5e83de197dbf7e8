"""Validate an uploaded return against the rules declared for its collection and template version.

Values come from python-calamine (fast, Rust); formulas and the real extent of each sheet come from
one streaming pass over the sheet XML (`workbooks.xlsxscan`), the sheet's only inflation here.
Rules are the declarations of the round's definition (`workbooks.definition`, in `context.specs`);
this module only knows rule kinds. A grid's rules run over its whole block of values at once
(numpy), and each finding is then built by the row-by-row code, so the words never differ.
"""

from __future__ import annotations

import datetime as dt
import gc
import io
import operator
import time
from collections.abc import Callable, Sequence
from itertools import chain

import numpy as np
from python_calamine import CalamineError, CalamineWorkbook

from .filecheck import InflateBudget, check_streams, open_package
from .model import (
    COVER_FIELDS,
    COVER_SHEET,
    FIRST_DATA_ROW,
    HEADER_ROW,
    MEMBER_NAMES,
    OWN_BLOCK,
    UNITS,
    GridRow,
    GridSheet,
    Measure,
    TableSheet,
    TemplateSpec,
    col_letter,
    table_input_cols,
)
from .reader import (
    MAX_SHEET_AREA,
    UNREADABLE,
    extra_sheets,
    template_extent,
    too_large_message,
)
from .specs import spec_for, spec_versions
from .types import Finding, GridNumbers, RejectedFile, TemplateContext, ValidationResult
from .xlsxscan import ColumnFormulas, SheetScan, scan_sheet, sheet_parts

WORKBOOK_PARTS = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")
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
    # Imported here: python-docx and lxml would otherwise sit in the memory of every workbook check.
    from .narrative import validate_narrative

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
    state = {"cells": 0, "version": "", "grids": [], "budget": None}
    # The values of a large return are a hundred thousand lists that live until the end of the
    # check and hold no cycles; the cycle collector would walk them again at every few hundred new
    # lists (a third of the check's time on a million-cell return), so it waits until the end.
    collecting = gc.isenabled()
    gc.disable()
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
    finally:
        if collecting:
            gc.enable()
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
    archive = open_package(data=data)
    # The sheets are inflated once, by the scan before calamine reads each; every other part here.
    budget = state["budget"] = InflateBudget()
    check_streams(archive, budget=budget, names=WORKBOOK_PARTS)
    try:
        parts = sheet_parts(archive)
    except MemoryError:
        raise
    except Exception:  # the XML parser raises its own types for a broken workbook
        raise RejectedFile(UNREADABLE) from None
    check_streams(archive, budget=budget, skip=set(parts.values()))
    try:
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
    within: tuple[int, int] | None = None,
) -> tuple[list[list], SheetScan] | None:
    scan = scan_sheet(
        archive, parts[name], formula_cols=formula_cols, within=within, budget=state["budget"]
    )
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
    state["cells"] += sum(map(len, rows))
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
    last_row, last_col = template_extent(sheet, context=context)
    loaded = _load(
        workbook,
        archive,
        parts,
        sheet.name,
        formula_cols=range(sheet.first_value_col, last_input + 1),
        findings=findings,
        state=state,
        # A bound is all a sheet inside its template needs, unless the template is too large.
        within=(last_row, last_col) if last_row * last_col <= MAX_SHEET_AREA else None,
    )
    if loaded is None:
        return
    rows, scan = loaded
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
    """A grid sheet's rules, run over the whole block of values at once: the checks find the
    cells that need a finding, and each finding is then built, in the order and with the words of
    the row-by-row rules, by the same code that builds it for a single row."""

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
        # The organisations in block order, the submitting one first (as grid_blocks lays them);
        # a block's rows are the sheet's measures in order, so a row's place gives both.
        self.orgs = [(context.organisation_code, context.organisation_name, OWN_BLOCK)] + [
            (member.code, member.name, member.kind)
            for member in context.members
            if member.kind in sheet.member_kinds
        ]
        self.measures = sheet.measures
        self.numbers: dict[
            int, list[float | None]
        ] = {}  # row -> value-column numbers (None: not a number)
        # The sheet's geometry is derived on every access; a million-cell return asks per row.
        self.first_value_col = sheet.first_value_col
        self.total_col = sheet.total_col
        self.baseline_count = sheet.baseline_count
        self.letters = [col_letter(col) for col in range(self.first_value_col, self.total_col)]

    def grid_row(self, index: int) -> GridRow:
        code, name, kind = self.orgs[index // len(self.measures)]
        return GridRow(
            FIRST_DATA_ROW + index, code, name, kind, self.measures[index % len(self.measures)]
        )

    def run(self) -> None:
        block = GridBlockValues.read(self)
        self._sums(block)
        if self.sheet.total_rule:
            self._system_total(block)
        self._plausibility(block)

    def numbers_read(self) -> GridNumbers:
        count = len(self.measures)
        rows = tuple(
            zip(
                (code for code, _name, _kind in self.orgs for _ in range(count)),
                (kind for _code, _name, kind in self.orgs for _ in range(count)),
                [measure.code for measure in self.measures] * len(self.orgs),
                range(FIRST_DATA_ROW, FIRST_DATA_ROW + count * len(self.orgs)),
                strict=True,
            )
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

    def _sums(self, block: GridBlockValues) -> None:
        codes = {measure.code: index for index, measure in enumerate(self.measures)}
        flagged = []
        for rule in self.sheet.sums:
            total = codes[rule.total]
            terms = [codes[code] for code in (*rule.parts, *rule.minus)]
            tolerance = UNITS[self.measures[total].unit].tolerance + 1e-6
            flagged.append(
                block.sum_gaps(
                    total=total,
                    parts=terms[: len(rule.parts)],
                    minus=terms[len(rule.parts) :],
                    tolerance=tolerance,
                )
            )
        if not flagged:
            return
        # Block by block, then rule by rule, then column by column, as the rules read.
        for block_index, rule_index, index in np.argwhere(np.stack(flagged, axis=1)).tolist():
            self._sum_error(self.sheet.sums[rule_index], block_index, index)

    def _sum_error(self, rule, block_index: int, index: int) -> None:
        count = len(self.measures)
        codes = {measure.code: offset for offset, measure in enumerate(self.measures)}
        total_row = self.grid_row(block_index * count + codes[rule.total])

        def figure(code: str) -> float:
            return self.numbers[FIRST_DATA_ROW + block_index * count + codes[code]][index]

        found = figure(rule.total)
        expected = sum(figure(code) for code in rule.parts) - sum(
            figure(code) for code in rule.minus
        )
        labels = " + ".join(_in_sentence(self.sheet.measure(code).label) for code in rule.parts)
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

    def _system_total(self, block: GridBlockValues) -> None:
        members = [
            index
            for index, (_code, _name, kind) in enumerate(self.orgs)
            if index and kind in self.sheet.total_of
        ]
        if not members:
            return
        kinds = " and ".join(f"{MEMBER_NAMES.get(kind, kind)}'" for kind in self.sheet.total_of)
        kinds += " blocks"
        count = len(self.measures)
        for offset, measure in enumerate(self.measures):
            unit = UNITS[measure.unit]
            if not unit.additive:
                continue
            gaps = block.member_gaps(
                measure=offset, members=members, tolerance=unit.tolerance + 1e-6
            )
            for index in np.flatnonzero(gaps).tolist():
                row = FIRST_DATA_ROW + offset
                found = self.numbers[row][index]
                expected = sum(
                    self.numbers[FIRST_DATA_ROW + member * count + offset][index]
                    for member in members
                )
                self.findings.error(
                    self.sheet.total_rule,
                    self.sheet.name,
                    f"{self.letters[index]}{row}",
                    found,
                    f"The system total of {_in_sentence(measure.label)} "
                    f"({self.sheet.value_headers[index]}) "
                    f"is {_num(found)}, but the {kinds} add up to {_num(expected)}; make them "
                    f"agree.",
                )

    def _plausibility(self, block: GridBlockValues) -> None:
        offset = self.baseline_count
        monthly = bool(self.sheet.baseline_periods)
        for position, index in block.implausible(
            measures=self.measures, offset=offset, monthly=monthly
        ):
            grid_row = self.grid_row(position)
            numbers = self.numbers[grid_row.row]
            # A monthly baseline compares each month with the same month of the baseline year.
            baseline = numbers[index if monthly else 0] if offset else None
            previous = numbers[offset + index - 1] if index else None
            self._plausibility_warnings(
                grid_row.row,
                grid_row.measure,
                grid_row.org_name,
                index=index,
                baseline=baseline,
                previous=previous,
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


class GridBlockValues:
    """A grid's numbers as one array, rows in template order by value columns, with which figures
    were not numbers (None in the row-by-row rules) and which rows were read at all. Its
    questions return the cells that need a finding; the findings are built from the numbers the
    rows kept, so their words are exactly the row-by-row rules'."""

    CHUNK_ROWS = 16_384  # bounds the temporary arrays of the plausibility bands

    def __init__(self, *, values, blank, present, blocks: int) -> None:
        self.values = values
        self.blank = blank
        self.present = present
        self.blocks = blocks

    @classmethod
    def read(cls, check: GridCheck) -> GridBlockValues:
        """Checks every row as the row-by-row rules would: a row of plain numbers in range, in its
        place, with only its locked total a formula, is taken as it is; any other row goes
        through `GridCheck._row`, which finds what is wrong with it."""
        count = len(check.orgs) * len(check.measures)
        width = len(check.letters)
        lines = check.rows[FIRST_DATA_ROW - 1 : FIRST_DATA_ROW - 1 + count]
        cells, values, clean = _clean_rows(check, lines, count=count, width=width)
        numbers = check.numbers
        unclean = []
        for index, ok in enumerate(clean.tolist()):
            if ok:
                numbers[FIRST_DATA_ROW + index] = cells[index]
            else:
                check._row(check.grid_row(index))
                unclean.append(index)
        blank = np.zeros((count, width), dtype=bool)
        present = clean
        for index in unclean:
            row_numbers = numbers.get(FIRST_DATA_ROW + index)
            if row_numbers is None:
                values[index] = np.nan
                continue
            present[index] = True
            values[index] = [np.nan if number is None else number for number in row_numbers]
            blank[index] = [number is None for number in row_numbers]
        return cls(values=values, blank=blank, present=present, blocks=len(check.orgs))

    def _by_block(self, array):
        return array.reshape(self.blocks, -1, *array.shape[1:])

    def sum_gaps(
        self, *, total: int, parts: list[int], minus: list[int], tolerance: float
    ) -> np.ndarray:
        """(block, column) where the total is not the parts less the minus, added in the order
        the row-by-row rule adds them (so the sums are the same to the last bit)."""
        values, blank, present = (
            self._by_block(self.values),
            self._by_block(self.blank),
            self._by_block(self.present),
        )
        terms = [total, *parts, *minus]
        expected = np.zeros(values[:, total].shape)
        for part in parts:
            expected = expected + values[:, part]
        taken = np.zeros(expected.shape)
        for part in minus:
            taken = taken + values[:, part]
        with np.errstate(invalid="ignore", over="ignore"):
            gaps = np.abs(values[:, total] - (expected - taken)) > tolerance
        return present[:, terms].all(axis=1)[:, None] & ~blank[:, terms].any(axis=1) & gaps

    def member_gaps(self, *, measure: int, members: list[int], tolerance: float) -> np.ndarray:
        """Columns where the submitting organisation's figure is not its members' added up."""
        values, blank, present = (
            self._by_block(self.values),
            self._by_block(self.blank),
            self._by_block(self.present),
        )
        if not (present[0, measure] and present[members, measure].all()):
            return np.zeros(values.shape[2], dtype=bool)
        # Accumulated one member after another, as sum() adds them.
        expected = np.add.accumulate(values[members, measure], axis=0)[-1]
        with np.errstate(invalid="ignore", over="ignore"):
            gaps = np.abs(values[0, measure] - expected) > tolerance
        return ~blank[0, measure] & ~blank[members, measure].any(axis=0) & gaps

    def implausible(self, *, measures, offset: int, monthly: bool):
        """(row position, period index) of each figure outside a plausibility band, in row order."""
        nan = np.nan
        per_measure = np.array(
            [
                (
                    nan if measure.floor is None else measure.floor,
                    bool(measure.baseline_band),
                    measure.baseline_band[0] if measure.baseline_band else nan,
                    measure.baseline_band[1] if measure.baseline_band else nan,
                    nan if measure.month_band is None else measure.month_band,
                )
                for measure in measures
            ],
            dtype=float,
        ).reshape(len(measures), 5)
        count, width = self.values.shape
        periods = width - offset
        baseline_cols = np.arange(periods) if monthly else np.zeros(periods, dtype=int)
        for start in range(0, count, self.CHUNK_ROWS):
            stop = min(count, start + self.CHUNK_ROWS)
            params = per_measure[np.arange(start, stop) % len(measures)]
            floor, banded, low, high, month_band = (params[:, column, None] for column in range(5))
            values = self.values[start:stop]
            blank = self.blank[start:stop]
            figures, figure_blank = values[:, offset:], blank[:, offset:]
            previous = np.empty_like(figures)
            previous[:, 1:] = figures[:, :-1]
            previous_set = np.zeros(figures.shape, dtype=bool)
            previous_set[:, 1:] = ~figure_blank[:, :-1] & (figures[:, :-1] != 0)
            with np.errstate(invalid="ignore", over="ignore"):
                flagged = (figures < floor) | (
                    previous_set & (np.abs(figures - previous) > month_band * previous)
                )
                if offset:
                    baseline = values[:, baseline_cols]
                    baseline_set = ~blank[:, baseline_cols] & (baseline != 0)
                    flagged |= (
                        (banded != 0)
                        & baseline_set
                        & ~((low * baseline <= figures) & (figures <= high * baseline))
                    )
            flagged &= self.present[start:stop, None] & ~figure_blank
            for position, index in np.argwhere(flagged).tolist():
                yield start + position, index


def _clean_rows(check: GridCheck, lines: list[list], *, count: int, width: int):
    """Each row's value cells, all the rows' values as an array (NaN where not a plain number),
    and which rows are clean: in their place, only the locked total a formula, and every value a
    plain number the row-by-row rules pass without a word."""
    first = check.first_value_col - 1
    clean = np.zeros(count, dtype=bool)
    if count == 0 or len(lines) < count or min(map(len, lines)) < check.total_col:
        # A sheet cut short or narrowed: every row goes through the row-by-row rules.
        return [], np.full((count, width), np.nan), clean
    cells = [line[first : first + width] for line in lines]
    # Plain floats are what calamine gives for numbers; anything else (text, a blank, TRUE, a
    # date) leaves its row to the row-by-row rules.
    typed = (
        np.fromiter(map(float.__instancecheck__, chain.from_iterable(cells)), bool, count * width)
        .reshape(count, width)
        .all(axis=1)
    )
    if typed.all():
        values = np.fromiter(chain.from_iterable(cells), float, count * width).reshape(count, width)
    else:
        gap = [np.nan] * width
        values = np.array(
            [row if ok else gap for row, ok in zip(cells, typed.tolist(), strict=True)],
            dtype=float,
        ).reshape(count, width)
    measures = check.measures
    repeat = len(check.orgs)
    orgs = _equal(
        [line[0] for line in lines],
        # A code with spaces around it is never matched: the row-by-row rule strips what it reads.
        [code if code == code.strip() else None for code, _n, _k in check.orgs for _ in measures],
    )
    codes = _equal([line[2] for line in lines], [measure.code for measure in measures] * repeat)
    formulas_ok = _only_total_formulas(check.scan.formulas, total=check.total_col, count=count)
    units = [UNITS[measure.unit] for measure in measures]
    lowest, highest, whole, percent = (
        np.tile(np.array(column), repeat)[:, None]
        for column in zip(
            *(
                (
                    -np.inf if unit.minimum is None else unit.minimum,
                    np.inf if unit.maximum is None else unit.maximum,
                    unit.number_kind == "whole",
                    unit.code == "percent",
                )
                for unit in units
            ),
            strict=True,
        )
    )
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(values) & (values >= lowest) & (values <= highest)
        ok &= ~whole | (values == np.trunc(values))
        # A share typed as a fraction (0.3 for 30%) gets its hint from the row-by-row rules.
        ok &= ~(percent & (values > 0) & (values < 1))
    clean = ok.all(axis=1) & typed & orgs & codes & formulas_ok
    return cells, values, clean


def _equal(found: list, expected: list) -> np.ndarray:
    if found == expected:
        return np.ones(len(found), dtype=bool)
    return np.fromiter(map(operator.eq, found, expected), bool, len(found))


def _only_total_formulas(formulas, *, total: int, count: int) -> np.ndarray:
    """Which grid rows hold a formula in the total column and nowhere else."""
    if isinstance(formulas, ColumnFormulas) and formulas.col == total:
        rows = np.array(formulas.rows, dtype=np.int64) - FIRST_DATA_ROW
        found = np.zeros(count, dtype=bool)
        found[rows[(rows >= 0) & (rows < count)]] = True
        others = np.array(list(formulas.others), dtype=np.int64) - FIRST_DATA_ROW
        found[others[(others >= 0) & (others < count)]] = False
        return found
    only_total = {total}
    return np.fromiter(
        (formulas.get(row) == only_total for row in range(FIRST_DATA_ROW, FIRST_DATA_ROW + count)),
        bool,
        count,
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
