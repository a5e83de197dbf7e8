"""Narrative documents: the sections each collection asks for (from the round's definition, in
`TemplateContext.narrative_sections`), looked for by heading text, and a Word template with them.

Missing sections are warnings, not errors: a region may accept a plan that covers a topic under
another heading, and the submitter explains the warning instead.
"""

from __future__ import annotations

import io
import re
import time

from docx import Document

from .types import Finding, TemplateContext, ValidationResult

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
    for section, words, _asks in context.narrative_sections:
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
                f"The document does not name {context.organisation_name} "
                f"({context.organisation_code}); "
                "check that this is the right organisation's plan.",
            )
        )
    return findings, len(document.paragraphs)


def build_narrative_template(*, context: TemplateContext, title: str) -> bytes:
    """A Word document with a heading for every section the round asks for, in order: the same
    list the headings check reads, so a plan written into it passes that check."""
    document = Document()
    document.add_heading(title, level=0)
    document.add_paragraph(
        f"{context.organisation_name} ({context.organisation_code}), {context.round_name}, "
        f"{context.stage} stage. Write under each heading; keep the headings as they are."
    )
    for heading, _words, asks in context.narrative_sections:
        document.add_heading(heading, level=1)
        if asks:
            document.add_paragraph(asks)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


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
