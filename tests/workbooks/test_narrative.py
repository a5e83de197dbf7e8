from __future__ import annotations

import io

import docx

from tests.workbooks.conftest import definition, ics_context
from tests.workbooks.test_filecheck import minimal_pdf
from workbooks.narrative import build_narrative_template
from workbooks.validate import validate_file


def narrative(headings: list[str], body: str = "North East and North Cumbria ICS plan") -> bytes:
    document = docx.Document()
    document.add_paragraph(body)
    for heading in headings:
        document.add_heading(heading, level=1)
        document.add_paragraph("Actions, milestones and the assumptions behind the trajectories.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


FULL = [
    "Elective recovery",
    "Cancer",
    "Health inequalities",
    "Maternity",
    "Workforce",
    "Mental health",
    "Primary care and community services",
    "Urgent and emergency care",
    "COVID-19 vaccination",
    "System development",
]


def test_validate_narrative_accepts_all_sections():
    result = validate_file(data=narrative(FULL), file_format="docx", context=ics_context("NAR"))
    assert result.findings == []


def test_validate_narrative_warns_for_each_missing_section():
    result = validate_file(data=narrative(FULL[2:]), file_format="docx", context=ics_context("NAR"))
    assert [(f.severity, f.rule, f.message.split("'")[1]) for f in result.findings] == [
        ("warning", "NAR.SECTION", "Elective recovery"),
        ("warning", "NAR.SECTION", "Cancer"),
    ]


def test_validate_narrative_ignores_body_text_that_is_not_a_heading():
    result = validate_file(
        data=narrative(FULL[1:], body="QHM plan. Elective recovery is covered below."),
        file_format="docx",
        context=ics_context("NAR"),
    )
    assert [f.rule for f in result.findings] == ["NAR.SECTION"]


def test_validate_narrative_warns_when_organisation_not_named():
    result = validate_file(
        data=narrative(FULL, body="Our plan"), file_format="docx", context=ics_context("NAR")
    )
    assert [f.rule for f in result.findings] == ["NAR.ORGANISATION"]


def test_validate_narrative_knows_sections_of_every_document_collection():
    assert sorted(definition().narratives) == ["CA", "LMS-OVS", "LMS-TOR", "MAT", "NAR"]


def test_build_narrative_template_has_every_heading_the_check_reads():
    context = ics_context("NAR")
    data = build_narrative_template(context=context, title="Narrative plan 2021/22")
    headings = [
        paragraph.text
        for paragraph in docx.Document(io.BytesIO(data)).paragraphs
        if paragraph.style.name == "Heading 1"
    ]
    result = validate_file(data=data, file_format="docx", context=context)
    assert (headings, result.findings) == (
        [heading for heading, _words, _asks in context.narrative_sections],
        [],
    )


def test_validate_narrative_checks_pdf_structure_only():
    assert (
        validate_file(data=minimal_pdf(), file_format="pdf", context=ics_context("NAR")).findings
        == []
    )


def test_validate_narrative_flags_pdf_without_pages():
    result = validate_file(data=b"%PDF-1.4\n%%EOF\n", file_format="pdf", context=ics_context("NAR"))
    assert [f.rule for f in result.findings] == ["PDF.PAGES"]
