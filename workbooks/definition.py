"""A planning round as data: the definition file (YAML), its schema, and what the portal reads from
it.

Everything that changes from one round to the next is in the file: the timetable, each collection
(who owes it, stages and London deadlines, formats), the sign-off declarations, each workbook
template (sheets, measures, periods, baselines, bands, sums), each narrative's sections and the ERF
scheme. `load_definition` checks a file against `round_definition.schema.json` (JSON Schema, with
messages naming the field and its line) and then against the rules a schema cannot state (a sum
naming a measure the sheet does not have, a collection naming a template that does not exist), and
builds the `workbooks.model` dataclasses the generator, the validation and the ERF estimate read.

Templates are kept "resolved": `Definition.template_data[key]` is a self-contained JSON fragment
(periods expanded to labels, the ERF sheet expanded to its rows) that `template_from_data` turns
back into a `TemplateSpec`, so an issued template version can be stored and read on its own.

Pure: no Django.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from . import bank_holidays
from .erf_calendar import working_day_ratio_against
from .model import (
    GridSheet,
    Measure,
    SumRule,
    TableColumn,
    TableRow,
    TableSheet,
    TemplateSpec,
)

FORMAT_VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("round_definition.schema.json")
MAX_DEFINITION_BYTES = 2 * 1024 * 1024
UNIT_KINDS = {"percent": "rate", "ratio": "rate"}  # units that can only be rates


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a definition: where (a dotted path and the line) and what to do."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "the file"
        return f"{where}, {self.path or 'top level'}: {self.message}"


@dataclass(frozen=True)
class Obligation:
    """Who owes a return. `system_or_named_provider`: one return per system, which the system
    submits itself or names one of its providers to submit."""

    types: tuple[str, ...] = ()
    trust_kinds: tuple[str, ...] = ()
    system_or_named_provider: bool = False
    lead_ccg_may_submit: bool = False


@dataclass(frozen=True)
class StageDeadline:
    stage: str
    deadline: str  # London wall-clock time, "YYYY-MM-DD HH:MM"


@dataclass(frozen=True)
class CollectionDefinition:
    code: str
    name: str
    description: str
    owed_by: Obligation
    stages: tuple[StageDeadline, ...]
    mandatory: bool
    formats: tuple[str, ...]
    closes_at_deadline: bool
    template: str  # key in Definition.templates, "" for none
    narrative: str  # key in Definition.narratives, "" for none
    endorsed_by_system: bool = False
    erf: bool = False


@dataclass(frozen=True)
class NarrativeSection:
    heading: str
    words: tuple[str, ...]  # any one of these in a heading counts as covering the section
    asks: str = ""


@dataclass(frozen=True)
class Narrative:
    title: str
    sections: tuple[NarrativeSection, ...]


@dataclass(frozen=True)
class ErfMonth:
    month: str  # YYYY-MM
    threshold_pct: Decimal


@dataclass(frozen=True)
class ThresholdRun:
    """Consecutive scheme months with the same threshold, as a page lists them."""

    first: str
    last: str
    threshold_pct: Decimal


@dataclass(frozen=True)
class ErfScheme:
    months: tuple[ErfMonth, ...]
    upper_threshold_pct: Decimal
    rate_between: Decimal
    rate_above_upper: Decimal
    working_day_base_year: int  # financial year, by its first calendar year (2019 = 2019/20)
    threshold_source: str
    threshold_confirmed: bool = True

    @property
    def base_year_label(self) -> str:
        return f"{self.working_day_base_year}/{(self.working_day_base_year + 1) % 100:02d}"

    @property
    def threshold_runs(self) -> tuple[ThresholdRun, ...]:
        runs: list[ThresholdRun] = []
        for item in self.months:
            if runs and runs[-1].threshold_pct == item.threshold_pct:
                runs[-1] = ThresholdRun(runs[-1].first, item.month, item.threshold_pct)
            else:
                runs.append(ThresholdRun(item.month, item.month, item.threshold_pct))
        return tuple(runs)

    def base_month(self, month: str) -> str:
        """The month of the base year `month` is compared with (same calendar month)."""
        number = int(month[5:])
        year = self.working_day_base_year + (0 if number >= 4 else 1)
        return f"{year}-{number:02d}"

    @property
    def month_names(self) -> tuple[str, ...]:
        return tuple(item.month for item in self.months)


@dataclass(frozen=True)
class ChartMeasure:
    code: str
    label: str


@dataclass(frozen=True)
class ActivityChart:
    collection: str
    sheet: str
    measures: tuple[ChartMeasure, ...]


@dataclass(frozen=True)
class Definition:
    format: int
    name: str
    starts_on: dt.date
    ends_on: dt.date
    reference_date: dt.date  # the day whose organisations and relationships the round uses
    guidance: tuple[str, ...]
    timetable: tuple[tuple[dt.date, str], ...]
    declarations: dict[str, str]
    collections: tuple[CollectionDefinition, ...]
    templates: dict[str, TemplateSpec]
    template_data: dict[str, dict]
    narratives: dict[str, Narrative]
    erf: ErfScheme | None
    data: dict = field(repr=False)
    activity_chart: ActivityChart | None = None  # the checked file as JSON, stored with the round

    def collection(self, code: str) -> CollectionDefinition | None:
        return next((item for item in self.collections if item.code == code), None)

    def template_of(self, code: str) -> TemplateSpec | None:
        collection = self.collection(code)
        return self.templates.get(collection.template) if collection else None

    def narrative_of(self, code: str) -> Narrative | None:
        collection = self.collection(code)
        return self.narratives.get(collection.narrative) if collection else None

    @property
    def erf_collection(self) -> str:
        return next((item.code for item in self.collections if item.erf), "")


# Reading -----------------------------------------------------------------------------------------


class _ImpossibleValue(Exception):
    def __init__(self, path: tuple, line: int, message: str) -> None:
        super().__init__(message)
        self.path, self.line, self.message = path, line, message


class _Located:
    """YAML read into plain JSON-like data, remembering the line each value starts on."""

    def __init__(self) -> None:
        self.lines: dict[tuple, int] = {}

    def build(self, node: yaml.Node, path: tuple, loader: yaml.SafeLoader) -> Any:
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            loader.flatten_mapping(node)  # YAML merge keys (<<: *anchor)
            result = {}
            for key_node, value_node in node.value:
                key = str(loader.construct_object(key_node))
                result[key] = self.build(value_node, path + (key,), loader)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [
                self.build(item, path + (index,), loader) for index, item in enumerate(node.value)
            ]
        try:
            value = loader.construct_object(node)
        except ValueError as error:  # a date YAML recognises that the calendar does not have
            raise _ImpossibleValue(
                path, node.start_mark.line + 1, f"{node.value!r}: {error}"
            ) from None
        if isinstance(value, dt.datetime):
            return value.strftime("%Y-%m-%d %H:%M")
        if isinstance(value, dt.date):
            return value.isoformat()
        return value

    def line(self, path: tuple) -> int | None:
        while path not in self.lines and path:
            path = path[:-1]
        return self.lines.get(path)


def _dotted(path: tuple) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text())
    return Draft202012Validator(schema)


def schema() -> dict:
    return _validator().schema


def _schema_problems(data: Any, located: _Located) -> list[Problem]:
    problems = []
    for error in sorted(
        _validator().iter_errors(data), key=lambda error: list(map(str, error.absolute_path))
    ):
        # A failed oneOf/if-then says little; its deepest sub-error names the field that is wrong.
        best = error
        while best.context:
            best = min(best.context, key=lambda sub: (-len(sub.absolute_path), sub.message))
        path = tuple(best.absolute_path)
        problems.append(Problem(_dotted(path), located.line(path), _plain(best, path)))
    return problems


# What a value of a field named so should look like, for messages about a pattern.
_FORMS = {
    "deadline": "a London date and time like 2022-03-17 12:00",
    "monthly_from": "a month like 2019-04",
    "month": "a month like 2022-04",
    "from": "a month like 2022-04",
    "to": "a month like 2023-03",
    "date": "a date like 2022-03-17",
    "starts_on": "a date like 2022-04-01",
    "ends_on": "a date like 2023-03-31",
    "reference_date": "a date like 2022-04-01",
    "version": "a template version like 2022.1",
    "id": "an official measure id like E.M.10a",
}


def _plain(error, path: tuple) -> str:
    if error.validator == "required":
        return error.message.replace("is a required property", "is missing")
    if error.validator == "additionalProperties":
        return f"{error.message}; check the spelling against the format"
    if error.validator == "pattern":
        field_name = next((part for part in reversed(path) if isinstance(part, str)), "")
        form = _FORMS.get(field_name, "a code in capitals, digits and hyphens, like ACT or EL-TOT")
        return f"{error.instance!r} is not {form}"
    return error.message


def load_definition(*, text: str) -> tuple[Definition | None, list[Problem]]:
    """The definition in `text`, or None and every problem found (each naming field and line)."""
    if len(text.encode()) > MAX_DEFINITION_BYTES:
        return None, [
            Problem("", None, "The file is larger than 2 MB; a round definition is far smaller.")
        ]
    loader = yaml.SafeLoader(text)
    located = _Located()
    try:
        node = loader.get_single_node()
        data = located.build(node, (), loader) if node is not None else None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        return None, [
            Problem(
                "",
                mark.line + 1 if mark else None,
                f"This is not valid YAML: {getattr(error, 'problem', error)}",
            )
        ]
    except _ImpossibleValue as error:
        return None, [Problem(_dotted(error.path), error.line, f"{error.message}: no such date.")]
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        return None, [Problem("", 1, "The file must be a YAML mapping starting with 'format: 1'.")]
    if data.get("format") != FORMAT_VERSION:
        return None, [
            Problem(
                "format",
                located.line(("format",)),
                f"This portal reads round definitions in format {FORMAT_VERSION}; "
                f"the file says {data.get('format')!r}.",
            )
        ]
    problems = _schema_problems(data, located)
    if problems:
        return None, problems
    problems = _cross_problems(data, located)
    if problems:
        return None, problems
    return build_definition(data=data), []


def definition_from_data(data: dict) -> Definition:
    """A definition stored after `load_definition` accepted it (trusted: no checks repeated)."""
    return build_definition(data=data)


# Checks a schema cannot state ---------------------------------------------------------------------


def _cross_problems(data: dict, located: _Located) -> list[Problem]:
    problems: list[Problem] = []

    def add(path: tuple, message: str) -> None:
        problems.append(Problem(_dotted(path), located.line(path), message))

    round_ = data["round"]
    if round_["ends_on"] < round_["starts_on"]:
        add(("round", "ends_on"), "The round must end after it starts.")
    if round_.get("reference_date", round_["starts_on"]) > round_["ends_on"]:
        add(
            ("round", "reference_date"),
            "The reference date is after the round ends; organisations are read on a day the "
            "round runs, or before it.",
        )
    templates, narratives = data.get("templates", {}), data.get("narratives", {})
    seen = set()
    for index, collection in enumerate(data["collections"]):
        base = ("collections", index)
        for stage_index, stage in enumerate(collection["stages"]):
            key = (collection["code"], stage["stage"])
            if key in seen:
                add(
                    base + ("stages", stage_index),
                    f"{collection['code']} has the {stage['stage']} stage twice.",
                )
            seen.add(key)
            if not _is_date_time(stage["deadline"]):
                add(
                    base + ("stages", stage_index, "deadline"),
                    f"{stage['deadline']!r} is not a real date and time.",
                )
        stages = {stage["stage"] for stage in collection["stages"]}
        if "single" in stages and len(stages) > 1:
            add(
                base + ("stages",),
                "A collection has either one single stage or draft and final stages.",
            )
        if collection.get("template") and collection["template"] not in templates:
            add(
                base + ("template",),
                f"There is no template {collection['template']!r} under templates.",
            )
        if collection.get("template") and "xlsx" not in collection["formats"]:
            add(base + ("formats",), "A collection with a workbook template must accept xlsx.")
        if collection.get("narrative") and collection["narrative"] not in narratives:
            add(
                base + ("narrative",),
                f"There is no narrative {collection['narrative']!r} under narratives.",
            )
        if collection.get("erf") and not data.get("erf"):
            add(
                base + ("erf",),
                "The collection carries the ERF estimate, but the file has no erf scheme.",
            )
        if collection.get("erf") and not _has_erf_sheet(
            templates.get(collection.get("template", ""), {})
        ):
            add(
                base + ("erf",),
                "A collection carrying the ERF estimate needs a template with an erf sheet.",
            )
    # What the charts and the checks across returns read must be in the templates.
    readers = [(("charts", "activity"), data.get("charts", {}).get("activity"))]
    readers += [
        (("triangulation", key), side) for key, side in data.get("triangulation", {}).items()
    ]
    for path, reader in readers:
        if reader:
            _reader_problems(reader, data, path, add)
    if sum(1 for collection in data["collections"] if collection.get("erf")) > 1:
        add(("collections",), "Only one collection can carry the ERF estimate.")
    for key, template in templates.items():
        for sheet_index, sheet in enumerate(template["sheets"]):
            path = ("templates", key, "sheets", sheet_index)
            if sheet["kind"] == "grid":
                _grid_problems(sheet, path, add)
            if sheet["kind"] == "erf" and not data.get("erf"):
                add(path, "An erf sheet needs the file's erf scheme.")
        names = [sheet["name"] for sheet in template["sheets"]]
        if len(set(names)) != len(names):
            add(("templates", key, "sheets"), "Two sheets have the same name.")
    erf = data.get("erf")
    if erf:
        months = [item["month"] for item in erf["months"]]
        if len(set(months)) != len(months):
            add(("erf", "months"), "A month appears twice in the ERF scheme.")
        for index, item in enumerate(erf["months"]):
            base = erf["working_day_base_year"] + (0 if int(item["month"][5:]) >= 4 else 1)
            missing = {int(item["month"][:4]), base} - bank_holidays.YEARS
            if missing:
                add(
                    ("erf", "months", index, "month"),
                    f"The portal holds bank holidays for {min(bank_holidays.YEARS)} to "
                    f"{max(bank_holidays.YEARS)} only, so it cannot work out the working-day ratio "
                    f"of {item['month']}.",
                )
            if item["threshold_pct"] > erf["upper_threshold_pct"]:
                add(
                    ("erf", "months", index, "threshold_pct"),
                    "The threshold is above the upper threshold; the bands would overlap.",
                )
    return problems


def _reader_problems(reader: dict, data: dict, path: tuple, add) -> None:
    code = reader["collection"]
    collection = next((c for c in data["collections"] if c["code"] == code), None)
    template = data.get("templates", {}).get(collection.get("template", "")) if collection else None
    if template is None:
        add(path + ("collection",), f"{code} is not a collection with a workbook template.")
        return
    sheet = next(
        (s for s in template["sheets"] if s["name"] == reader["sheet"] and s["kind"] == "grid"),
        None,
    )
    if sheet is None:
        add(path + ("sheet",), f"The {code} template has no grid sheet {reader['sheet']!r}.")
        return
    kinds = {measure["code"]: measure.get("kind", "flow") for measure in sheet["measures"]}
    for index, item in enumerate(reader["measures"]):
        if item["code"] not in kinds:
            add(
                path + ("measures", index, "code"),
                f"{item['code']} is not a measure of the {reader['sheet']} sheet.",
            )
        elif kinds[item["code"]] == "rate":
            # Charts and the checks across returns add organisations' figures up.
            add(
                path + ("measures", index, "code"),
                f"{item['code']} is a rate; rates are never added up across organisations.",
            )


def _is_date_time(value: str) -> bool:
    try:
        dt.datetime.strptime(value.replace("T", " "), "%Y-%m-%d %H:%M")
    except ValueError:
        return False
    return True


def _has_erf_sheet(template: dict) -> bool:
    return any(sheet.get("kind") == "erf" for sheet in template.get("sheets", ()))


def _grid_problems(sheet: dict, path: tuple, add) -> None:
    codes = [measure["code"] for measure in sheet["measures"]]
    if len(set(codes)) != len(codes):
        add(path + ("measures",), "Two measures have the same code.")
    for index, measure in enumerate(sheet["measures"]):
        kind = measure.get("kind", "flow")
        if UNIT_KINDS.get(measure["unit"], kind) != kind:
            add(
                path + ("measures", index, "kind"),
                f"A measure in {measure['unit']} is a rate, not a {kind}.",
            )
    kinds = {measure["code"]: measure.get("kind", "flow") for measure in sheet["measures"]}
    for index, rule in enumerate(sheet.get("sums", ())):
        for name in ("total", "parts", "minus"):
            for code in [rule[name]] if name == "total" else rule.get(name, ()):
                if code not in kinds:
                    add(path + ("sums", index, name), f"{code} is not a measure of this sheet.")
                elif kinds[code] == "rate":
                    add(
                        path + ("sums", index, name), f"{code} is a rate; rates are never added up."
                    )
    periods = sheet["periods"]
    if "from" in periods:
        if periods["to"] < periods["from"]:
            add(path + ("periods", "to"), "The last month is before the first.")
        elif _month_count(periods) > 36:
            add(path + ("periods",), "A sheet covers at most 36 months.")


# Building ----------------------------------------------------------------------------------------


def _months(first: str, count: int) -> list[str]:
    year, month = int(first[:4]), int(first[5:])
    result = []
    for _ in range(count):
        result.append(f"{year}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return result


def _month_count(periods: dict) -> int:
    first, last = periods["from"], periods["to"]
    return (int(last[:4]) - int(first[:4])) * 12 + int(last[5:]) - int(first[5:]) + 1


def month_label(month: str) -> str:
    """2021-04 -> Apr-21, the label the templates have always used."""
    return f"{calendar.month_abbr[int(month[5:])]}-{month[2:4]}"


def month_name(month: str) -> str:
    """2021-04 -> April 2021."""
    return f"{calendar.month_name[int(month[5:])]} {month[:4]}"


def _period_labels(periods: dict) -> list[str]:
    if "labels" in periods:
        return list(periods["labels"])
    return [month_label(month) for month in _months(periods["from"], _month_count(periods))]


def _resolve_grid(sheet: dict) -> dict:
    resolved = {key: value for key, value in sheet.items() if key != "periods"}
    resolved["periods"] = {"labels": _period_labels(sheet["periods"])}
    baseline = sheet.get("baseline")
    if baseline and "monthly_from" in baseline:
        count = len(resolved["periods"]["labels"])
        resolved["baseline"] = {
            "labels": [month_label(m) for m in _months(baseline["monthly_from"], count)]
        }
    return resolved


# The ERF sheet's columns: the calculator's inputs, then its results as locked formulas.
ERF_BASELINE = "Baseline value (£)"
ERF_THRESHOLD = "Threshold %"
ERF_RATIO = "Working-day ratio"
ERF_ADJUSTMENT = "Counting and coding adjustment (£)"
ERF_ACTIVITY = "Planned activity value (£)"


def erf_row_code(month: str) -> str:
    return f"ERF-{month}"


def erf_sheet_data(*, sheet: dict, erf: dict, working_day_ratio) -> dict:
    """The ERF sheet as a table: one row per scheme month; the baseline (loaded nationally), the
    threshold and the working-day ratio are locked, as are the thresholds and the estimate."""
    upper, between, above = (
        erf["upper_threshold_pct"],
        erf["rates"]["between"],
        erf["rates"]["above_upper"],
    )
    base_year = erf["working_day_base_year"]
    rows = []
    for item in erf["months"]:
        ratio = working_day_ratio(month=item["month"], base_year=base_year)
        rows.append(
            {
                "code": erf_row_code(item["month"]),
                "label": month_name(item["month"]),
                "values": {ERF_THRESHOLD: item["threshold_pct"], ERF_RATIO: round(float(ratio), 4)},
            }
        )
    return {
        "kind": "table",
        "name": sheet["name"],
        "title": sheet["title"],
        "label_header": "Month",
        "rows": rows,
        "columns": [
            {"header": ERF_BASELINE, "unit": "gbp", "kind": "national", "required": False},
            {"header": ERF_THRESHOLD, "unit": "percent", "kind": "constant"},
            {"header": ERF_RATIO, "unit": "ratio", "kind": "constant"},
            {"header": ERF_ADJUSTMENT, "unit": "gbp_signed"},
            {"header": ERF_ACTIVITY, "unit": "gbp"},
            {
                "header": "Lower threshold (£)",
                "unit": "gbp",
                "kind": "formula",
                "formula": "=ROUND(C{r}*D{r}/100*E{r}-F{r},0)",
            },
            {
                "header": "Upper threshold (£)",
                "unit": "gbp",
                "kind": "formula",
                "formula": f"=ROUND(C{{r}}*{upper}/100*E{{r}}-F{{r}},0)",
            },
            {
                "header": "Estimated additional funding (£)",
                "unit": "gbp",
                "kind": "formula",
                "formula": f"=ROUND({between}*MAX(0,MIN(G{{r}},I{{r}})-H{{r}})"
                f"+{above}*MAX(0,G{{r}}-I{{r}}),0)",
            },
        ],
    }


def _resolve_template(template: dict, erf: dict | None, working_day_ratio) -> dict:
    sheets = []
    for sheet in template["sheets"]:
        if sheet["kind"] == "grid":
            sheets.append(_resolve_grid(sheet))
        elif sheet["kind"] == "erf":
            sheets.append(erf_sheet_data(sheet=sheet, erf=erf, working_day_ratio=working_day_ratio))
        else:
            sheets.append(sheet)
    return {**template, "sheets": sheets}


def _measure(data: dict) -> Measure:
    band = data.get("band", {})
    baseline = band.get("baseline")
    return Measure(
        code=data["code"],
        label=data["label"],
        unit=data["unit"],
        baseline_band=tuple(baseline) if baseline else None,
        month_band=band.get("month"),
        floor=band.get("floor"),
        floor_reason=band.get("reason", "") if "floor" in band else "",
        kind=data.get("kind", "flow"),
        measure_id=data.get("id", ""),
        band_reason=band.get("reason", ""),
    )


def _grid(data: dict) -> GridSheet:
    baseline = data.get("baseline") or {}
    members = data.get("members") or {}
    return GridSheet(
        name=data["name"],
        title=data["title"],
        measures=tuple(_measure(item) for item in data["measures"]),
        periods=tuple(data["periods"]["labels"]),
        baseline_label=baseline.get("label", ""),
        baseline_periods=tuple(baseline.get("labels", ())),
        member_kinds=tuple(members.get("kinds", ())),
        total_of=tuple(members.get("total_of", ())),
        total_rule=members.get("rule", ""),
        sums=tuple(
            SumRule(rule["rule"], rule["total"], tuple(rule["parts"]), tuple(rule.get("minus", ())))
            for rule in data.get("sums", ())
        ),
    )


def _table(data: dict) -> TableSheet:
    return TableSheet(
        name=data["name"],
        title=data["title"],
        label_header=data["label_header"],
        rows=tuple(
            TableRow(row["code"], row["label"], dict(row.get("values", {}))) for row in data["rows"]
        ),
        columns=tuple(
            TableColumn(
                header=column["header"],
                unit=column["unit"],
                kind=column.get("kind", "input"),
                formula=column.get("formula", ""),
                choices=tuple(column.get("choices", ())),
                required=column.get("required", True),
            )
            for column in data["columns"]
        ),
    )


def template_from_data(*, collection_code: str, data: dict) -> TemplateSpec:
    """A resolved template fragment (as `Definition.template_data` holds it) as a `TemplateSpec`."""
    return TemplateSpec(
        collection_code=collection_code,
        version=data["version"],
        title=data["title"],
        sheets=tuple(
            _grid(sheet) if sheet["kind"] == "grid" else _table(sheet) for sheet in data["sheets"]
        ),
        instructions=tuple(data.get("instructions", ())),
        changes=data.get("changes", ""),
    )


def _erf_scheme(data: dict | None) -> ErfScheme | None:
    if not data:
        return None
    return ErfScheme(
        months=tuple(
            ErfMonth(item["month"], Decimal(str(item["threshold_pct"]))) for item in data["months"]
        ),
        upper_threshold_pct=Decimal(str(data["upper_threshold_pct"])),
        rate_between=Decimal(str(data["rates"]["between"])),
        rate_above_upper=Decimal(str(data["rates"]["above_upper"])),
        working_day_base_year=data["working_day_base_year"],
        threshold_source=data["threshold_source"],
        threshold_confirmed=data.get("threshold_confirmed", True),
    )


def build_definition(*, data: dict, working_day_ratio=working_day_ratio_against) -> Definition:
    erf = data.get("erf")
    template_data = {
        key: _resolve_template(template, erf, working_day_ratio)
        for key, template in data.get("templates", {}).items()
    }
    collections = tuple(_collection(item) for item in data["collections"])
    templates = {}
    for collection in collections:
        if collection.template and collection.template not in templates:
            templates[collection.template] = template_from_data(
                collection_code=collection.code, data=template_data[collection.template]
            )
    round_ = data["round"]
    return Definition(
        format=data["format"],
        name=round_["name"],
        starts_on=dt.date.fromisoformat(round_["starts_on"]),
        ends_on=dt.date.fromisoformat(round_["ends_on"]),
        reference_date=dt.date.fromisoformat(round_.get("reference_date", round_["starts_on"])),
        guidance=tuple(round_.get("guidance", ())),
        timetable=tuple(
            (dt.date.fromisoformat(item["date"]), item["what"])
            for item in data.get("timetable", ())
        ),
        declarations=dict(data.get("declarations", {})),
        collections=collections,
        templates=templates,
        template_data=template_data,
        narratives={
            key: Narrative(
                title=item["title"],
                sections=tuple(
                    NarrativeSection(
                        section["heading"], tuple(section["words"]), section.get("asks", "")
                    )
                    for section in item["sections"]
                ),
            )
            for key, item in data.get("narratives", {}).items()
        },
        erf=_erf_scheme(erf),
        data=data,
        activity_chart=_activity_chart(data.get("charts", {}).get("activity")),
    )


def _activity_chart(data: dict | None) -> ActivityChart | None:
    if not data:
        return None
    return ActivityChart(
        collection=data["collection"],
        sheet=data["sheet"],
        measures=tuple(ChartMeasure(item["code"], item["label"]) for item in data["measures"]),
    )


def _collection(data: dict) -> CollectionDefinition:
    owed = data["owed_by"]
    return CollectionDefinition(
        code=data["code"],
        name=data["name"],
        description=data.get("description", ""),
        owed_by=Obligation(
            types=tuple(owed.get("types", ())),
            trust_kinds=tuple(owed.get("trust_kinds", ())),
            system_or_named_provider=owed.get("system_or_named_provider", False),
            lead_ccg_may_submit=owed.get("lead_ccg_may_submit", False),
        ),
        stages=tuple(
            StageDeadline(item["stage"], item["deadline"].replace("T", " "))
            for item in data["stages"]
        ),
        mandatory=data.get("mandatory", True),
        formats=tuple(data["formats"]),
        closes_at_deadline=data.get("closes_at_deadline", False),
        template=data.get("template", ""),
        narrative=data.get("narrative", ""),
        endorsed_by_system=data.get("endorsed_by_system", False),
        erf=data.get("erf", False),
    )
