"""The vocabulary templates and rules are declared in; a round's definition file (`rounds/*.yaml`,
read by `workbooks.definition`) holds the content."""

from __future__ import annotations

from dataclasses import dataclass, field

HEADER_ROW = 3
FIRST_DATA_ROW = 4
GRID_KEY_HEADERS = ("Org code", "Org name", "Measure code", "Measure", "Unit")
TABLE_KEY_HEADERS = ("Code",)
TOTAL_HEADER = "Total, average or latest"
# Each kind of member organisation as messages name them, in the plural.
MEMBER_NAMES = {
    "ics": "ICSs",
    "provider": "trusts",
    "ccg": "CCGs",
    "lms": "LMSs",
    "cancer_alliance": "Cancer Alliances",
}


@dataclass(frozen=True)
class Unit:
    code: str
    label: str
    number_kind: str  # "whole" | "decimal" | "choice" | "text"
    minimum: float | None = None
    maximum: float | None = None
    additive: bool = False  # whether a system total is the sum of its members' figures
    tolerance: float = 0.0  # allowed rounding gap when checking totals


UNITS = {
    unit.code: unit
    for unit in (
        Unit("count", "Number", "whole", minimum=0, additive=True),
        Unit("wte", "WTE", "decimal", minimum=0, additive=True, tolerance=0.01),
        Unit("gbp_k", "£000", "decimal", minimum=0, additive=True, tolerance=0.01),
        Unit("gbp_k_signed", "£000 (+/-)", "decimal", additive=True, tolerance=0.01),
        Unit("gbp", "£", "decimal", minimum=0, additive=True, tolerance=0.5),
        Unit("gbp_signed", "£ (+/-)", "decimal", additive=True, tolerance=0.5),
        Unit("percent", "%", "decimal", minimum=0, maximum=100),
        Unit("ratio", "Ratio", "decimal", minimum=0.5, maximum=1.5),
        Unit("choice", "Choose", "choice"),
        Unit("text", "Text", "text"),
    )
}


@dataclass(frozen=True)
class Measure:
    code: str
    label: str
    unit: str
    # Plausibility bands (warnings): each month against the baseline, and month on month.
    baseline_band: tuple[float, float] | None = None
    month_band: float | None = None
    floor: float | None = None  # warn when a month is below this (an ambition, e.g. 25% remote)
    floor_reason: str = ""
    # "flow" adds up over months; a "snapshot" (waiting list, beds) is read at its latest month and
    # a "rate" (a share) is averaged: neither is ever added up.
    kind: str = "flow"
    measure_id: str = ""  # the official measure id where one exists, e.g. E.M.10a
    band_reason: str = ""  # the ambition or guidance a baseline band comes from

    @property
    def total_function(self) -> str:
        return {"flow": "SUM", "rate": "AVERAGE"}.get(self.kind, "LATEST")


@dataclass(frozen=True)
class SumRule:
    """`total` must equal the sum of `parts` minus the sum of `minus`, in every value column."""

    code: str
    total: str
    parts: tuple[str, ...]
    minus: tuple[str, ...] = ()


@dataclass(frozen=True)
class GridSheet:
    """One row per organisation and measure: keys, an optional baseline, one column per period."""

    name: str
    title: str
    measures: tuple[Measure, ...]
    periods: tuple[str, ...]
    baseline_label: str = "2019/20 baseline"  # "" means no baseline column
    # A baseline month for each period (the guidance compares month by month); replaces the label.
    baseline_periods: tuple[str, ...] = ()
    member_kinds: tuple[str, ...] = ()  # members of these kinds get their own block of rows
    total_of: tuple[str, ...] = ()  # the own block must equal the sum of these kinds' blocks
    total_rule: str = ""  # rule code of that check
    sums: tuple[SumRule, ...] = ()

    @property
    def baseline_headers(self) -> tuple[str, ...]:
        if self.baseline_periods:
            return tuple(f"{period} baseline" for period in self.baseline_periods)
        return (self.baseline_label,) if self.baseline_label else ()

    @property
    def baseline_count(self) -> int:
        return len(self.baseline_headers)

    @property
    def value_headers(self) -> tuple[str, ...]:
        return self.baseline_headers + self.periods

    @property
    def headers(self) -> tuple[str, ...]:
        return GRID_KEY_HEADERS + self.value_headers + (TOTAL_HEADER,)

    @property
    def first_value_col(self) -> int:
        return len(GRID_KEY_HEADERS) + 1

    @property
    def total_col(self) -> int:
        return self.first_value_col + len(self.value_headers)

    def measure(self, code: str) -> Measure:
        return next(measure for measure in self.measures if measure.code == code)


@dataclass(frozen=True)
class TableColumn:
    header: str
    unit: str
    # "input" | "constant" (locked, from the row) | "national" (locked, a figure the server holds
    # for the organisation, e.g. its ERF baseline) | "formula" (locked)
    kind: str = "input"
    formula: str = ""  # with {r} for the row number, e.g. "=ROUND(C{r}*D{r},0)"
    choices: tuple[str, ...] = ()
    required: bool = True


@dataclass(frozen=True)
class TableRow:
    code: str
    label: str
    values: dict[str, object] = field(
        default_factory=dict
    )  # constants and pre-filled inputs, by header


@dataclass(frozen=True)
class TableSheet:
    """A fixed list of rows (months, actions) with typed columns."""

    name: str
    title: str
    label_header: str
    rows: tuple[TableRow, ...]
    columns: tuple[TableColumn, ...]

    @property
    def headers(self) -> tuple[str, ...]:
        return (
            TABLE_KEY_HEADERS
            + (self.label_header,)
            + tuple(column.header for column in self.columns)
        )

    @property
    def first_value_col(self) -> int:
        return len(TABLE_KEY_HEADERS) + 2


@dataclass(frozen=True)
class TemplateSpec:
    collection_code: str
    version: str
    title: str
    sheets: tuple[GridSheet | TableSheet, ...]
    instructions: tuple[str, ...]
    changes: str = ""  # what this version changed, shown on the Instructions sheet

    def sheet(self, name: str) -> GridSheet | TableSheet:
        return next(sheet for sheet in self.sheets if sheet.name == name)


@dataclass(frozen=True)
class GridRow:
    row: int
    org_code: str
    org_name: str
    org_kind: str
    measure: Measure


# The kind of the submitting organisation's own (total) block, beside the members' kinds
# ("provider", "ccg"): stored with each return value, so charts and key figures find the own rows.
OWN_BLOCK = "self"


@dataclass(frozen=True)
class GridBlock:
    org_code: str
    org_kind: str  # OWN_BLOCK, or the member's kind
    rows: dict[str, GridRow]  # by measure code


def grid_blocks(
    *, sheet: GridSheet, organisation_code: str, organisation_name: str, members: tuple
) -> list[GridBlock]:
    """The row layout: the organisation's own block first, then one block per member, in order."""
    orgs = [(organisation_code, organisation_name, OWN_BLOCK)]
    orgs += [
        (member.code, member.name, member.kind)
        for member in members
        if member.kind in sheet.member_kinds
    ]
    blocks = []
    row = FIRST_DATA_ROW
    for code, name, kind in orgs:
        rows = {}
        for measure in sheet.measures:
            rows[measure.code] = GridRow(row, code, name, kind, measure)
            row += 1
        blocks.append(GridBlock(code, kind, rows))
    return blocks


def col_letter(col: int) -> str:
    """Excel's letters for a 1-based column (1 -> A, 27 -> AA); written out rather than taken from
    openpyxl, whose package import would add a third to validation's memory."""
    letters = ""
    while col > 0:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


COVER_SHEET = "Cover"
INSTRUCTIONS_SHEET = "Instructions"
# Where the machine-readable identifiers live on the cover sheet; each also has a defined name.
COVER_FIELDS = (
    ("collection_code", "Collection code", "B3", "PP_COLLECTION"),
    ("collection_name", "Collection", "B4", "PP_COLLECTION_NAME"),
    ("stage", "Stage", "B5", "PP_STAGE"),
    ("round_name", "Planning round", "B6", "PP_ROUND"),
    ("organisation_code", "Organisation ODS code", "B7", "PP_ORG_CODE"),
    ("organisation_name", "Organisation", "B8", "PP_ORG_NAME"),
    ("template_version", "Template version", "B9", "PP_TEMPLATE_VERSION"),
)


def table_input_cols(sheet: TableSheet) -> list[tuple[int, TableColumn]]:
    return [
        (sheet.first_value_col + index, column)
        for index, column in enumerate(sheet.columns)
        if column.kind == "input"
    ]
