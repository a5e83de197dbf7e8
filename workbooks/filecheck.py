"""Decide what an upload is from its content, and refuse anything unsafe before a parser sees it.

Order matters: the zip's central directory is checked (entry count, sizes, ratio, names) before any
entry is decompressed; entries are then streamed through zlib with a hard byte budget, so a central
directory that lies about sizes cannot make us inflate more than the limits; and only then are the
XML parts the parsers will read checked for DTD and entity declarations.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
import zlib
from collections.abc import Collection, Sequence
from pathlib import PurePosixPath
from xml.parsers import expat

from .types import RejectedFile

MAX_ENTRIES = 2_000
MAX_ENTRY_BYTES = 300 * 1024 * 1024  # a million-cell sheet is ~60 MB of XML
MAX_TOTAL_BYTES = 600 * 1024 * 1024
MAX_RATIO = 200  # sheet XML compresses ~10-30x; bombs compress 1000x and more
RATIO_FLOOR_BYTES = 1024 * 1024  # small parts may compress very well; only large ones are bombs
XML_HEAD_BYTES = 64 * 1024  # DOCTYPE can only come before the root element
STREAM_CHUNK = 1024 * 1024

PDF_MAGIC = b"%PDF-"
ZIP_MAGIC = b"PK\x03\x04"
CONTENT_TYPES = "[Content_Types].xml"
XML_SUFFIXES = (".xml", ".rels", ".vml")
# Lower-cased: content types and relationship types are compared without regard to case.
MACRO_MARKERS = (b"macroenabled", b"vbaproject", b"ms-office.vbaproject")
# Allowed name endings of each accepted format (the download names are made from the format).
EXTENSIONS = {"xlsx": (".xlsx",), "docx": (".docx",), "pdf": (".pdf",)}
FORMAT_NAMES = {"xlsx": "Excel workbook (.xlsx)", "docx": "Word document (.docx)", "pdf": "PDF"}
DAMAGED = "The file is damaged or incomplete; save it again and upload the new copy."


def inspect_upload(
    *, data: bytes, filename: str, accepted_formats: Sequence[str], max_bytes: int
) -> str:
    """The detected format ("xlsx", "docx" or "pdf"), or RejectedFile with a sentence for the
    user."""
    if len(data) > max_bytes:
        raise RejectedFile(
            f"The file is {len(data) / 1_048_576:.1f} MB; the limit is "
            f"{max_bytes / 1_048_576:.0f} MB."
        )
    if not data:
        raise RejectedFile("The file is empty.")
    detected = _detect(data)
    if detected not in accepted_formats:
        raise RejectedFile(
            _not_accepted(filename=filename, detected=detected, accepted_formats=accepted_formats)
        )
    _check_extension(filename=filename, detected=detected)
    return detected


def _check_extension(*, filename: str, detected: str) -> None:
    """The name must end as its content is: a name is what a person's computer opens a download
    with, so a workbook called plan.html or a PDF called plan.xlsx is refused, not renamed."""
    extension = PurePosixPath(filename.replace("\\", "/")).suffix.lower()
    if extension not in EXTENSIONS[detected]:
        raise RejectedFile(
            f"{filename or 'This file'} holds {_article(FORMAT_NAMES[detected])} but is named as "
            f"another "
            f"kind of file; save it with a name ending {' or '.join(EXTENSIONS[detected])} and "
            "upload it again."
        )


def _article(noun: str) -> str:
    return f"{'an' if noun[0] in 'AEIOU' else 'a'} {noun}"


def check_package(*, data: bytes) -> zipfile.ZipFile:
    """The opened zip of an OOXML package that passed every container check (used by validation
    too)."""
    archive = open_package(data=data)
    check_streams(archive, budget=InflateBudget())
    return archive


def open_package(*, data: bytes) -> zipfile.ZipFile:
    """The zip, once its directory passed the checks; no entry is inflated yet."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError):
        raise RejectedFile(DAMAGED) from None
    _check_directory(infos)
    return archive


class InflateBudget:
    """The bytes all of a package's entries may inflate to, counted as they are inflated: sizes in
    the directory can lie; zlib output cannot. A reader that streams a part itself counts it here
    instead of having it inflated twice."""

    def __init__(self) -> None:
        self.total = 0

    def take(self, size: int) -> None:
        self.total += size
        if self.total > MAX_TOTAL_BYTES:
            raise RejectedFile("The file expands to more data than a plan return can hold.")


def _detect(data: bytes) -> str:
    if data.startswith(PDF_MAGIC):
        _check_pdf(data)
        return "pdf"
    if not data.startswith(ZIP_MAGIC):
        return "other"
    archive = check_package(data=data)
    names = set(archive.namelist())
    if CONTENT_TYPES not in names:
        return "other"
    if "xl/workbook.xml" not in names and "word/document.xml" not in names:
        return "other"
    # Every XML part, relationships and document properties included: the parsers open more of the
    # package than the parts we read ourselves (python-docx loads them all), and Office writes no
    # DTD.
    check_xml_parts(archive)
    _refuse_macros(archive)
    return "xlsx" if "xl/workbook.xml" in names else "docx"


def check_xml_parts(archive: zipfile.ZipFile) -> None:
    """Refuse a DTD or entity declaration in any part that is XML, whatever its name says: a part
    is found by its relationships, so `sheet3.XML` or `sheet3.dat` is read as a sheet all the
    same."""
    for info in archive.infolist():
        with archive.open(info) as stream:
            head = stream.read(XML_HEAD_BYTES)
        if info.filename.lower().endswith(XML_SUFFIXES) or _looks_like_xml(head):
            _check_prolog(head)


def _looks_like_xml(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<") or head.startswith(
        (b"\xff\xfe", b"\xfe\xff")
    )


def _refuse_macros(archive: zipfile.ZipFile) -> None:
    """Macros are declared three ways, and a package may carry any of them: a vbaProject part, a
    macro-enabled content type anywhere in [Content_Types].xml, or a relationship of the vbaProject
    type to a part of any name. Each part is read whole (the package checks bound its size)."""
    refused = RejectedFile(
        "Macro-enabled workbooks and documents are not accepted; save as .xlsx (or .docx) "
        "and upload again."
    )
    for name in archive.namelist():
        lowered = name.lower()
        if lowered.endswith("vbaproject.bin"):
            raise refused
        if lowered == CONTENT_TYPES.lower() or lowered.endswith(".rels"):
            content = _parse_whole(archive, name)
            if any(marker in content for marker in MACRO_MARKERS):
                raise refused


def _parse_whole(archive: zipfile.ZipFile, name: str) -> bytes:
    """The attribute values of a whole XML part, lower-cased; refuses a part that is not XML."""
    values: list[str] = []
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse_declaration
    parser.EntityDeclHandler = _refuse_declaration
    parser.StartElementHandler = lambda _tag, attributes: values.extend(attributes.values())
    try:
        with archive.open(name) as stream:
            while chunk := stream.read(STREAM_CHUNK):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except (expat.ExpatError, LookupError, ValueError):
        raise RejectedFile(DAMAGED) from None
    return " ".join(values).lower().encode()


def _not_accepted(*, filename: str, detected: str, accepted_formats: Sequence[str]) -> str:
    accepted = " or ".join(FORMAT_NAMES.get(code, code) for code in accepted_formats)
    if detected == "other":
        return f"{filename or 'This file'} is not a file type we accept; upload an {accepted}."
    return (
        f"{filename or 'This file'} is a {FORMAT_NAMES[detected]}; "
        f"this return accepts an {accepted}."
    )


def _check_pdf(data: bytes) -> None:
    # A PDF ends with %%EOF (possibly followed by whitespace); a truncated upload does not.
    if b"%%EOF" not in data[-1024:]:
        raise RejectedFile(DAMAGED)


def _check_directory(infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_ENTRIES:
        raise RejectedFile(
            f"The file holds {len(infos)} parts; a plan file has far fewer (limit {MAX_ENTRIES}). "
            "Save it again from Excel or Word."
        )
    names = [info.filename for info in infos]
    if len(set(names)) != len(names):
        # Readers disagree on which of two same-named parts counts, so one could be checked and the
        # other read.
        raise RejectedFile(
            "The file holds two parts with the same name, which Excel and Word never write; "
            "save it again and upload the new copy."
        )
    total = 0
    for info in infos:
        _check_name(info.filename)
        if info.file_size > MAX_ENTRY_BYTES:
            raise RejectedFile(
                "The file expands to more data than a plan return can hold; it may be a "
                "compression bomb. Save it again from Excel or Word."
            )
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(
            info.compress_size, 1
        ):
            raise RejectedFile(
                "The file is compressed far more than an ordinary workbook or document; it may be "
                "a compression bomb and was not opened."
            )
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise RejectedFile(
            "The file expands to more data than a plan return can hold; it may be a compression "
            "bomb. Save it again from Excel or Word."
        )


def _check_name(name: str) -> None:
    normalised = posixpath.normpath(name.replace("\\", "/"))
    if name.startswith(("/", "\\")) or normalised.startswith("..") or ":" in name or "\x00" in name:
        raise RejectedFile("The file contains a part with an unsafe name and was not opened.")


def check_streams(
    archive: zipfile.ZipFile,
    *,
    budget: InflateBudget,
    names: Collection[str] | None = None,
    skip: Collection[str] = (),
) -> None:
    """Inflate each entry (those `names`, or all but `skip`) within the budget."""
    for info in archive.infolist():
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise RejectedFile(
                "The file uses a compression method Excel and Word do not; save it again."
            )
        if (names is not None and info.filename not in names) or info.filename in skip:
            continue
        try:
            with archive.open(info) as stream:
                while chunk := stream.read(STREAM_CHUNK):
                    budget.take(len(chunk))
        except (
            zipfile.BadZipFile,
            zlib.error,
            EOFError,
            OSError,
            NotImplementedError,
            RuntimeError,
        ):
            raise RejectedFile(DAMAGED) from None


class _RootReached(Exception):
    """Raised from expat once the root element starts: nothing after it can declare entities."""


def _refuse_declaration(*_args) -> None:
    raise RejectedFile(
        "The file contains XML entity or DTD declarations (an 'XML bomb' pattern) and was not "
        "opened."
    )


def _check_prolog(head: bytes) -> None:
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse_declaration
    parser.EntityDeclHandler = _refuse_declaration

    def _root(*_args) -> None:
        raise _RootReached

    parser.StartElementHandler = _root
    try:
        parser.Parse(head, False)
    except _RootReached:
        return
    except (expat.ExpatError, LookupError, ValueError):
        # LookupError: an XML declaration naming an encoding Python does not know.
        raise RejectedFile(DAMAGED) from None
    # A prolog longer than the head (comments padding out a late DOCTYPE) is not something Office
    # writes.
    raise RejectedFile(DAMAGED)
