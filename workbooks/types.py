"""The values the rest of the portal passes in and gets back."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from .model import TemplateSpec


@dataclass(frozen=True)
class MemberOrg:
    """An organisation whose rows are pre-filled in a system template."""

    code: str
    name: str
    kind: str  # "provider" | "ccg" | ...


@dataclass(frozen=True)
class TemplateContext:
    collection_code: str
    collection_name: str
    stage: str  # "draft" | "final" | "single"
    round_name: str
    organisation_code: str
    organisation_name: str
    members: tuple[MemberOrg, ...] = ()
    template_version: str = ""  # "" means the latest spec version for this collection
    # (measure code, technical definition) pairs the round's guidance publishes
    measure_definitions: tuple[tuple[str, str], ...] = ()
    # The template versions issued for the collection in its round, oldest first (from the round's
    # definition); () for a collection returned only as a document.
    specs: tuple[TemplateSpec, ...] = ()
    # Figures the server holds for this organisation and shows in locked cells, e.g. its ERF
    # baselines: (row code, column header, value).
    national_values: tuple[tuple[str, str, float], ...] = ()
    # A narrative's sections: (heading, words any one of which in a heading covers it, what to
    # write).
    narrative_sections: tuple[tuple[str, tuple[str, ...], str], ...] = ()
    narrative_title: str = ""

    def national_value(self, *, row_code: str, header: str) -> float | None:
        return next(
            (
                value
                for code, name, value in self.national_values
                if (code, name) == (row_code, header)
            ),
            None,
        )


@dataclass(frozen=True)
class Finding:
    severity: str  # "error" | "warning"
    rule: str
    sheet: str
    cell: str
    value: str
    message: str
    # The measure a plausibility warning is about, so warnings can be explained a measure at a time.
    measure: str = ""


class ReturnedValue(NamedTuple):
    """One number of a grid sheet, as the organisation entered it: the long-table form of a
    return."""

    sheet: str
    organisation_code: str
    organisation_kind: (
        str  # "self" for the submitting organisation's own block, else the member's kind
    )
    measure: str
    position: int  # the column among the sheet's value columns, so periods keep their order
    period: str
    is_baseline: bool
    value: float


@dataclass(frozen=True)
class GridNumbers:
    """The numbers read from one grid sheet, kept as the checks left them (no copy per value)."""

    sheet_name: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, str, str, int], ...]  # (organisation code, kind, measure, row)
    numbers: dict[int, list[float | None]]
    baseline_count: int = 0  # the first value columns hold the baseline (one, or one per period)


@dataclass
class ValidationResult:
    findings: list[Finding]
    cells_read: int
    template_version: str
    seconds: float
    grids: list[GridNumbers] = field(default_factory=list)

    def values(self) -> Iterator[ReturnedValue]:
        """Every number of every grid row whose layout matched the template; text, blanks and
        formulas are findings, not values."""
        for grid in self.grids:
            for org_code, org_kind, measure, row in grid.rows:
                for position, number in enumerate(grid.numbers.get(row, ())):
                    if number is not None:
                        yield ReturnedValue(
                            grid.sheet_name,
                            org_code,
                            org_kind,
                            measure,
                            position,
                            grid.headers[position],
                            position < grid.baseline_count,
                            number,
                        )

    @property
    def error_count(self) -> int:
        return sum(1 for finding in self.findings if finding.severity == "error")

    @property
    def warning_count(self) -> int:
        return sum(1 for finding in self.findings if finding.severity == "warning")


class RejectedFile(Exception):
    """An upload that must not reach a parser; `message` is shown to the user as it is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
