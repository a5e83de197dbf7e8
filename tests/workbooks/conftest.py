from __future__ import annotations

import functools
import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from workbooks.definition import Definition, load_definition
from workbooks.model import TemplateSpec
from workbooks.sample import make_sample_return
from workbooks.types import MemberOrg, TemplateContext

ROUNDS = Path(__file__).resolve().parents[2] / "rounds"

MEMBERS = (
    MemberOrg("RTD", "The Newcastle upon Tyne Hospitals NHS Foundation Trust", "provider"),
    MemberOrg("RR7", "Gateshead Health NHS Foundation Trust", "provider"),
    MemberOrg("RXP", "County Durham and Darlington NHS Foundation Trust", "provider"),
    MemberOrg("13T", "NHS Newcastle Gateshead CCG", "ccg"),
    MemberOrg("84H", "NHS County Durham CCG", "ccg"),
)


@functools.cache
def definition(text: str | None = None, slug: str = "2021-22") -> Definition:
    parsed, problems = load_definition(text=text or (ROUNDS / f"{slug}.yaml").read_text())
    assert problems == [], problems
    return parsed


# A mid-round fix of the activity template: a DEXA line in diagnostics, issued as 2021.2.
ACT_FIX = (
    (
        '''version: "2021.1"
    title: "Activity and performance plan 2021/22"
    changes: "First issue."''',
        '''version: "2021.2"
    title: "Activity and performance plan 2021/22"
    changes: "Adds DEXA scans to diagnostics."''',
    ),
    (
        "          - {code: DG-TOT,",
        """          - {code: DG-DEXA, label: "Diagnostic tests: DEXA scan", unit: count}
          - {code: DG-TOT,""",
    ),
    ("DG-GASTRO, DG-ECHO]", "DG-GASTRO, DG-ECHO, DG-DEXA]"),
)


def specs_of(collection_code: str, *, slug: str = "2021-22") -> tuple[TemplateSpec, ...]:
    """The versions issued: the shipped definition's, and for ACT in 2021/22 its fix too."""
    shipped = definition(slug=slug)
    template = shipped.template_of(collection_code)
    specs = (template,) if template else ()
    if collection_code == shipped.erf_collection and slug == "2021-22":
        text = (ROUNDS / f"{slug}.yaml").read_text()
        for old, new in ACT_FIX:
            assert old in text, old
            text = text.replace(old, new)
        specs += (definition(text).template_of(collection_code),)
    return specs


def ics_context(
    collection_code: str = "ACT", *, stage: str = "draft", version: str = "", slug: str = "2021-22"
) -> TemplateContext:
    return TemplateContext(
        collection_code=collection_code,
        collection_name="Activity and performance",
        stage=stage,
        round_name="2021/22",
        organisation_code="QHM",
        organisation_name="North East and North Cumbria ICS",
        members=MEMBERS,
        template_version=version,
        specs=specs_of(collection_code, slug=slug),
        national_values=ERF_BASELINES if collection_code == "ACT" else (),
        narrative_sections=narrative_sections(collection_code, slug=slug),
    )


def narrative_sections(collection_code: str, *, slug: str = "2021-22") -> tuple:
    narrative = definition(slug=slug).narrative_of(collection_code)
    if narrative is None:
        return ()
    return tuple((section.heading, section.words, section.asks) for section in narrative.sections)


# The national ERF baselines of the test system, as an admin would have loaded them.
ERF_BASELINES = tuple(
    (f"ERF-2021-{month:02d}", "Baseline value (£)", float(value))
    for month, value in zip(
        range(4, 10),
        (30_000_000, 29_000_000, 31_000_000, 30_500_000, 28_000_000, 30_000_000),
        strict=True,
    )
)


@pytest.fixture
def act_context() -> TemplateContext:
    return ics_context()


@pytest.fixture
def act_sample(act_context) -> bytes:
    return make_sample_return(context=act_context)


def edit_cells(data: bytes, sheet: str, changes: dict[str, object]) -> bytes:
    """The workbook with `changes` ({"F4": value}) applied, saved by openpyxl as a person's Excel
    would."""
    workbook = load_workbook(io.BytesIO(data))
    for ref, value in changes.items():
        workbook[sheet][ref] = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def replace_entry(data: bytes, name: str, content: bytes) -> bytes:
    """The zip with one entry's bytes replaced (for hand-made malformed parts)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(
                info.filename, content if info.filename == name else source.read(info.filename)
            )
    return buffer.getvalue()


def sheet_part(data: bytes, sheet: str) -> str:
    from workbooks.xlsxscan import sheet_parts

    return sheet_parts(zipfile.ZipFile(io.BytesIO(data)))[sheet]


def with_far_cells(data: bytes, sheet: str) -> bytes:
    """The workbook with cells at A1 and XFD1048576 of `sheet` (added when it is not there): a
    dense reader would need 17 billion cells for it."""
    workbook = load_workbook(io.BytesIO(data))
    target = workbook[sheet] if sheet in workbook.sheetnames else workbook.create_sheet(sheet)
    target["A1"] = target["A1"].value or "note"
    target["XFD1048576"] = 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
