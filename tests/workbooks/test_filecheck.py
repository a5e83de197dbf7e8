from __future__ import annotations

import io
import os
import time
import zipfile
from contextlib import nullcontext

import docx
import pytest

from tests.workbooks.conftest import ics_context, replace_entry, sheet_part
from workbooks.filecheck import DAMAGED, MAX_ENTRIES, inspect_upload
from workbooks.types import RejectedFile
from workbooks.validate import UNREADABLE, validate_workbook

ALL = ("xlsx", "docx", "pdf")
MAX = 50 * 1024 * 1024


def rejection(data: bytes, accepted=ALL, filename: str = "plan.xlsx") -> str:
    with pytest.raises(RejectedFile) as raised:
        inspect_upload(data=data, filename=filename, accepted_formats=accepted, max_bytes=MAX)
    return raised.value.message


def minimal_pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 "
        b"R]/Count 1>>"
        b"endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\ntrailer<</Root "
        b"1 0 R>>\n%%EOF\n"
    )


def test_inspect_upload_accepts_template_as_xlsx(act_sample):
    assert (
        inspect_upload(
            data=act_sample, filename="act.xlsx", accepted_formats=("xlsx",), max_bytes=MAX
        )
        == "xlsx"
    )


def test_inspect_upload_accepts_pdf():
    assert (
        inspect_upload(
            data=minimal_pdf(), filename="plan.pdf", accepted_formats=("docx", "pdf"), max_bytes=MAX
        )
        == "pdf"
    )


def test_inspect_upload_accepts_docx():
    buffer = io.BytesIO()
    document = docx.Document()
    document.add_heading("Elective recovery", level=1)
    document.save(buffer)
    assert (
        inspect_upload(
            data=buffer.getvalue(),
            filename="plan.docx",
            accepted_formats=("docx", "pdf"),
            max_bytes=MAX,
        )
        == "docx"
    )


def test_inspect_upload_refuses_a_name_that_is_not_of_the_detected_format(act_sample):
    assert rejection(act_sample, filename="plan.pdf") == (
        "plan.pdf holds an Excel workbook (.xlsx) but is named as another kind of file; save it "
        "with a name ending .xlsx and upload it again."
    )
    assert rejection(minimal_pdf(), filename="plan.html") == (
        "plan.html holds a PDF but is named as another kind of file; save it with a name ending "
        ".pdf and upload it again."
    )


@pytest.mark.parametrize("filename", ["plan.xlsx", "PLAN.XLSX", "folder\\plan.xlsx"])
def test_inspect_upload_accepts_the_formats_own_extension_in_any_case(act_sample, filename):
    assert (
        inspect_upload(data=act_sample, filename=filename, accepted_formats=ALL, max_bytes=MAX)
        == "xlsx"
    )


def test_inspect_upload_rejects_renamed_exe_naming_accepted_formats():
    exe = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200 + b"This program cannot be run in DOS mode."
    assert rejection(exe, accepted=("xlsx",)) == (
        "plan.xlsx is not a file type we accept; upload an Excel workbook (.xlsx)."
    )


def test_inspect_upload_rejects_format_not_accepted_for_collection():
    assert rejection(minimal_pdf(), accepted=("xlsx",), filename="plan.pdf") == (
        "plan.pdf is a PDF; this return accepts an Excel workbook (.xlsx)."
    )


def test_inspect_upload_rejects_xlsm_with_vba_project(act_sample):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target, zipfile.ZipFile(io.BytesIO(act_sample)) as source:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
        target.writestr("xl/vbaProject.bin", b"\x00" * 64)
    assert "macro-enabled workbooks" in rejection(buffer.getvalue()).lower()


def test_inspect_upload_rejects_macro_enabled_content_type(act_sample):
    content_types = (
        zipfile.ZipFile(io.BytesIO(act_sample))
        .read("[Content_Types].xml")
        .replace(b"spreadsheetml.sheet.main+xml", b"sheet.macroEnabled.main+xml")
    )
    assert "save as .xlsx" in rejection(
        replace_entry(act_sample, "[Content_Types].xml", content_types)
    )


def test_inspect_upload_rejects_zip_bomb_quickly():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as entry:
            block = b"\x00" * (1024 * 1024)
            for _ in range(400):  # 400 MB of zeros, about 400 KB compressed
                entry.write(block)
    started = time.perf_counter()
    message = rejection(buffer.getvalue())
    assert (
        len(buffer.getvalue()) < 1_000_000,
        "bomb" in message,
        time.perf_counter() - started < 2,
    ) == (True, True, True)


def test_inspect_upload_rejects_lying_central_directory():
    # Sizes in the directory say 10 bytes; the stream inflates to 5 MB. Streaming with a budget
    # catches it.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/workbook.xml", b"\x00" * (5 * 1024 * 1024))
    data = bytearray(buffer.getvalue())
    directory = data.rfind(b"PK\x01\x02")  # last central directory record: xl/workbook.xml
    data[directory + 24 : directory + 28] = (10).to_bytes(4, "little")
    assert (
        rejection(bytes(data))
        == "The file is damaged or incomplete; save it again and upload the new copy."
    )


def test_inspect_upload_rejects_too_many_entries():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for index in range(MAX_ENTRIES + 1):
            archive.writestr(f"xl/media/{index}.bin", b"")
    assert f"limit {MAX_ENTRIES}" in rejection(buffer.getvalue())


def test_inspect_upload_rejects_path_traversal_names():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("../../etc/cron.d/evil", b"x")
    assert "unsafe name" in rejection(buffer.getvalue())


def test_inspect_upload_rejects_billion_laughs_in_workbook(act_sample):
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
            for n in range(1, 10)
        )
        + b"]><worksheet "
        b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row '
        b'r="1">'
        b'<c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
    )
    bomb = replace_entry(act_sample, sheet_part(act_sample, "Cover"), laughs)
    assert "XML entity or DTD declarations" in rejection(bomb)


def test_inspect_upload_rejects_truncated_zip(act_sample):
    assert rejection(act_sample[: len(act_sample) // 2]) == (
        "The file is damaged or incomplete; save it again and upload the new copy."
    )


def test_inspect_upload_rejects_truncated_pdf():
    assert rejection(minimal_pdf()[:60], filename="plan.pdf") == (
        "The file is damaged or incomplete; save it again and upload the new copy."
    )


def test_inspect_upload_rejects_oversized_file():
    with pytest.raises(RejectedFile) as raised:
        inspect_upload(
            data=b"%PDF-" + b"0" * 2048, filename="big.pdf", accepted_formats=ALL, max_bytes=1024
        )
    assert raised.value.message == "The file is 0.0 MB; the limit is 0 MB."


def test_validate_workbook_ignores_huge_dimension_claim(act_sample, act_context):
    part = sheet_part(act_sample, "Activity")
    xml = zipfile.ZipFile(io.BytesIO(act_sample)).read(part)
    # openpyxl's write-only mode writes no <dimension>; put the claim where Excel puts it.
    claimed = xml.replace(b"<sheetViews>", b'<dimension ref="A1:XFD1048576"/><sheetViews>', 1)
    data = replace_entry(act_sample, part, claimed)
    started = time.perf_counter()
    result = validate_workbook(data=data, context=act_context)
    assert (
        b"XFD1048576" in claimed,
        result.error_count,
        result.warning_count,
        time.perf_counter() - started < 5,
    ) == (True, 0, 0, True)


def test_validate_workbook_refuses_sheet_with_a_cell_at_the_far_corner(act_sample, act_context):
    part = sheet_part(act_sample, "Activity")
    xml = zipfile.ZipFile(io.BytesIO(act_sample)).read(part)
    stray = b'<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row></sheetData>'
    data = replace_entry(act_sample, part, xml.replace(b"</sheetData>", stray))
    result = validate_workbook(data=data, context=ics_context())
    assert [(f.rule, f.sheet, f.cell) for f in result.findings] == [
        ("STRUCT.SIZE", "Activity", "XFD1048576")
    ]


def test_inspect_upload_rejects_two_parts_with_one_name(act_sample):
    # The first copy declares an entity; a check reading the last copy alone would let it through.
    source = zipfile.ZipFile(io.BytesIO(act_sample))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        target.writestr(
            "xl/workbook.xml", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "a">]><workbook/>'
        )
        for info in source.infolist():
            with pytest.warns(UserWarning) if info.filename == "xl/workbook.xml" else nullcontext():
                target.writestr(info.filename, source.read(info.filename))

    assert rejection(buffer.getvalue()) == (
        "The file holds two parts with the same name, which Excel and Word never "
        "write; save it again and upload the new copy."
    )


def test_inspect_upload_rejects_an_entity_in_document_properties(act_sample):
    data = replace_entry(
        act_sample,
        "docProps/core.xml",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "a">]><cp:coreProperties/>',
    )

    assert "XML entity or DTD declarations" in rejection(data)


def test_inspect_upload_rejects_an_unknown_xml_encoding_as_damaged(act_sample):
    data = replace_entry(
        act_sample, "xl/workbook.xml", b'<?xml version="1.0" encoding="UTj-8"?><workbook/>'
    )

    assert rejection(data) == DAMAGED


def test_validate_workbook_rejects_a_sheet_whose_xml_is_broken_inside_a_sound_zip(
    act_sample, act_context
):
    part = sheet_part(act_sample, "Cover")
    content = zipfile.ZipFile(io.BytesIO(act_sample)).read(part)
    broken = content[: len(content) // 2]
    result = validate_workbook(data=replace_entry(act_sample, part, broken), context=act_context)

    assert [(f.rule, f.message) for f in result.findings] == [("FILE.REJECTED", UNREADABLE)]


def test_validate_workbook_reports_a_sheet_whose_part_is_missing(act_sample, act_context):
    part = sheet_part(act_sample, "Cover")
    source = zipfile.ZipFile(io.BytesIO(act_sample))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != part:
                target.writestr(info.filename, source.read(info.filename))
    result = validate_workbook(data=buffer.getvalue(), context=act_context)

    assert [(f.rule, f.sheet) for f in result.findings] == [("STRUCT.SHEET", "Cover")]


# Walking around the package check (each was accepted before) -----------------------------------

MACRO_REFUSED = (
    "Macro-enabled workbooks and documents are not accepted; save as .xlsx (or .docx) and upload "
    "again."
)
VBA_RELATIONSHIP = (
    b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/'
    b'vbaProject" Target="vba.bin"/>'
)


def _entries(data: bytes) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return {name: archive.read(name) for name in archive.namelist()}


def _rezip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _with_vba(data: bytes, *, padding: int, content_type: bool) -> bytes:
    entries = _entries(data)
    types = entries["[Content_Types].xml"]
    declaration = b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
    insert_at = types.index(b"<Default")
    entries["[Content_Types].xml"] = (
        types[:insert_at]
        + b"<!--"
        + os.urandom(padding // 2).hex().encode()
        + b"-->"
        + (declaration if content_type else b"")
        + types[insert_at:]
    )
    rels = entries["xl/_rels/workbook.xml.rels"]
    entries["xl/_rels/workbook.xml.rels"] = rels.replace(
        b"</Relationships>", VBA_RELATIONSHIP + b"</Relationships>"
    )
    entries["xl/vba.bin"] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    return _rezip(entries)


@pytest.mark.parametrize(
    ("padding", "content_type"),
    [(70 * 1024, True), (0, False), (2 * 1024 * 1024, True)],
    ids=["content-type-after-64-KiB", "relationship-only", "content-type-after-2-MiB"],
)
def test_macro_project_is_refused_wherever_it_is_declared(act_sample, padding, content_type):
    assert rejection(_with_vba(act_sample, padding=padding, content_type=content_type)) == (
        MACRO_REFUSED
    )


def _sheet_renamed(data: bytes, *, new_name: str, prefix: bytes = b"") -> bytes:
    """The Activity sheet moved to `new_name` (relationship and content type follow it)."""
    entries = _entries(data)
    part = sheet_part(data, "Activity")
    entries[new_name] = prefix + entries.pop(part)
    old_target = part.removeprefix("xl/").encode()
    new_target = new_name.removeprefix("xl/").encode()
    entries["xl/_rels/workbook.xml.rels"] = entries["xl/_rels/workbook.xml.rels"].replace(
        old_target, new_target
    )
    entries["[Content_Types].xml"] = entries["[Content_Types].xml"].replace(
        b"/" + part.encode(), b"/" + new_name.encode()
    )
    return _rezip(entries)


@pytest.mark.parametrize(
    "new_name", ["xl/worksheets/sheet3.XML", "xl/worksheets/sheet3.Xml", "xl/worksheets/sheet3.dat"]
)
def test_dtd_in_a_sheet_part_is_refused_whatever_the_parts_name(act_sample, new_name):
    doctype = b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">]>'
    renamed = _sheet_renamed(act_sample, new_name=new_name)
    content = _entries(renamed)[new_name]

    upload = replace_entry(renamed, new_name, doctype + content)

    assert rejection(upload).startswith("The file contains XML entity or DTD declarations")


def test_sheet_part_with_an_unusual_name_and_no_dtd_is_accepted(act_sample):
    renamed = _sheet_renamed(act_sample, new_name="xl/worksheets/sheet3.XML")

    assert (
        inspect_upload(data=renamed, filename="plan.xlsx", accepted_formats=ALL, max_bytes=MAX)
        == "xlsx"
    )
