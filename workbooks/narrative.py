"""Narrative documents: the sections each collection asks for, looked for by heading text.

Missing sections are warnings, not errors: a region may accept a plan that covers a topic under
another heading, and the submitter explains the warning instead.
"""

from __future__ import annotations

import io
import re
import time

from docx import Document

from .types import Finding, TemplateContext, ValidationResult

# (section, words any one of which in a heading counts as covering it); from seeds/000 priorities
# A-F and seeds/004 §3-§6.
SECTIONS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "NAR": (
        ("Elective recovery", ("elective",)),
        ("Cancer", ("cancer",)),
        ("Health inequalities", ("inequalit",)),
        ("Maternity", ("maternity",)),
        ("Workforce and staff health and wellbeing", ("workforce", "staff", "people")),
        ("Mental health", ("mental health",)),
        ("Primary care and community services", ("primary care", "community")),
        ("Urgent and emergency care", ("urgent and emergency", "urgent & emergency", "uec")),
        ("COVID-19 vaccination and COVID care", ("covid", "vaccin")),
        (
            "System development and collaboration",
            ("system development", "collaborat", "partnership"),
        ),
    ),
    "LMS-TOR": (
        ("Terms of reference", ("terms of reference",)),
        ("Buddy LMS and peer review", ("buddy", "peer review")),
        ("Governance and accountability to the ICS", ("governance", "accountab")),
    ),
    "LMS-OVS": (
        ("Oversight of the LMS", ("oversight",)),
        ("Ockenden actions", ("ockenden",)),
        ("Governance and reporting", ("governance", "reporting")),
    ),
    "MAT": (
        ("Ockenden immediate and essential actions", ("ockenden", "immediate and essential")),
        ("Birth-rate Plus", ("birth-rate plus", "birthrate plus", "birth rate plus")),
    ),
    "CA": (
        ("Cancer recovery", ("recovery",)),
        ("Diagnostics and Faster Diagnosis Standard", ("diagnos",)),
        ("Early diagnosis and screening", ("early diagnosis", "screening")),
    ),
}
MAX_PARAGRAPHS = 20_000
PDF_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def validate_narrative(
    *, data: bytes, file_format: str, context: TemplateContext
) -> ValidationResult:
    started = time.perf_counter()
    if file_format == "docx":
        findings, cells = _docx(data=data, context=context)
    elif file_format == "pdf":
        findings, cells = _pdf(data=data), 0
    else:
        findings, cells = (
            [
                Finding(
                    "error",
                    "FILE.FORMAT",
                    "",
                    "",
                    file_format,
                    "A narrative must be a Word document (.docx) or a PDF.",
                )
            ],
            0,
        )
    return ValidationResult(
        findings=findings,
        cells_read=cells,
        template_version="",
        seconds=time.perf_counter() - started,
    )


def _docx(*, data: bytes, context: TemplateContext) -> tuple[list[Finding], int]:
    try:
        document = Document(io.BytesIO(data))
    except MemoryError:
        raise  # a limit on the check, not a fault of the file: the caller reports it
    except Exception:  # python-docx raises several types for a broken package
        return [
            Finding(
                "error",
                "FILE.REJECTED",
                "",
                "",
                "",
                "The document could not be read; save it again from Word as .docx.",
            )
        ], 0
    headings = []
    text_parts = []
    for index, paragraph in enumerate(document.paragraphs):
        if index >= MAX_PARAGRAPHS:
            break
        style = paragraph.style.name if paragraph.style is not None else ""
        if style.startswith(("Heading", "Title")):
            headings.append(paragraph.text.lower())
        text_parts.append(paragraph.text)
    findings = []
    for section, words in SECTIONS.get(context.collection_code, ()):
        if not any(word in heading for heading in headings for word in words):
            findings.append(
                Finding(
                    "warning",
                    f"{context.collection_code}.SECTION",
                    "",
                    "",
                    "",
                    f"No heading covers '{section}'; add a section with that heading (Word "
                    "heading style), or explain where the plan covers it.",
                )
            )
    body = " ".join(text_parts)
    if (
        context.organisation_code not in body
        and context.organisation_name.lower() not in body.lower()
    ):
        findings.append(
            Finding(
                "warning",
                f"{context.collection_code}.ORGANISATION",
                "",
                "",
                "",
                f"The document does not name {context.organisation_name} ({context.organisation_code}); "
                "check that this is the right organisation's plan.",
            )
        )
    return findings, len(document.paragraphs)


def _pdf(*, data: bytes) -> list[Finding]:
    # No PDF text extraction here: section headings in PDFs are often compressed or split into glyph
    # runs, so only the structure is checked and the reviewer reads the content.
    if not PDF_PAGE.search(data):
        return [
            Finding(
                "error",
                "PDF.PAGES",
                "",
                "",
                "",
                "The PDF has no pages; export it again and upload it.",
            )
        ]
    return []
