from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import load_workbook

from workbooks.sample import make_sample_return
from workbooks.types import MemberOrg, TemplateContext

MEMBERS = (
    MemberOrg("RTD", "The Newcastle upon Tyne Hospitals NHS Foundation Trust", "provider"),
    MemberOrg("RR7", "Gateshead Health NHS Foundation Trust", "provider"),
    MemberOrg("RXP", "County Durham and Darlington NHS Foundation Trust", "provider"),
    MemberOrg("13T", "NHS Newcastle Gateshead CCG", "ccg"),
    MemberOrg("84H", "NHS County Durham CCG", "ccg"),
)


def ics_context(
    collection_code: str = "ACT", *, stage: str = "draft", version: str = ""
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
    )


@pytest.fixture
def act_context() -> TemplateContext:
    return ics_context()


@pytest.fixture
def act_sample(act_context) -> bytes:
    return make_sample_return(context=act_context)


def edit_cells(data: bytes, sheet: str, changes: dict[str, object]) -> bytes:
    """The workbook with `changes` ({"F4": value}) applied, saved by openpyxl as a person's Excel would."""
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
