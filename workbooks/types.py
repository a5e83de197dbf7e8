"""The values the rest of the portal passes in and gets back."""

from __future__ import annotations

from dataclasses import dataclass


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


@dataclass(frozen=True)
class Finding:
    severity: str  # "error" | "warning"
    rule: str
    sheet: str
    cell: str
    value: str
    message: str


@dataclass
class ValidationResult:
    findings: list[Finding]
    cells_read: int
    template_version: str
    seconds: float

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
