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
from collections.abc import Sequence
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
MACRO_CONTENT_TYPES = (b"macroEnabled", b"vbaProject")
FORMAT_NAMES = {"xlsx": "Excel workbook (.xlsx)", "docx": "Word document (.docx)", "pdf": "PDF"}
DAMAGED = "The file is damaged or incomplete; save it again and upload the new copy."


def inspect_upload(
    *, data: bytes, filename: str, accepted_formats: Sequence[str], max_bytes: int
) -> str:
    """The detected format ("xlsx", "docx" or "pdf"), or RejectedFile with a sentence for the user."""
    if len(data) > max_bytes:
        raise RejectedFile(
            f"The file is {len(data) / 1_048_576:.1f} MB; the limit is {max_bytes / 1_048_576:.0f} MB."
        )
    if not data:
        raise RejectedFile("The file is empty.")
    detected = _detect(data)
    if detected not in accepted_formats:
        raise RejectedFile(
            _not_accepted(filename=filename, detected=detected, accepted_formats=accepted_formats)
        )
    return detected


def check_package(*, data: bytes) -> zipfile.ZipFile:
    """The opened zip of an OOXML package that passed every container check (used by validation too)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError):
        raise RejectedFile(DAMAGED) from None
    _check_directory(infos)
    _check_streams(archive, infos)
    return archive


def _detect(data: bytes) -> str:
    if data.startswith(PDF_MAGIC):
        _check_pdf(data)
        return "pdf"
    if not data.startswith(ZIP_MAGIC):
        return "other"
    archive = check_package(data=data)
    names = set(archive.namelist())
    if "[Content_Types].xml" not in names:
        return "other"
    content_types = _read_capped(archive, "[Content_Types].xml")
    if any(name.lower().endswith("vbaproject.bin") for name in names) or any(
        marker in content_types for marker in MACRO_CONTENT_TYPES
    ):
        raise RejectedFile(
            "Macro-enabled workbooks and documents are not accepted; save as .xlsx (or .docx) "
            "and upload again."
        )
    if "xl/workbook.xml" not in names and "word/document.xml" not in names:
        return "other"
    # Every XML part, relationships and document properties included: the parsers open more of the
    # package than the parts we read ourselves (python-docx loads them all), and Office writes no DTD.
    _check_xml_parts(archive, sorted(name for name in names if name.endswith((".xml", ".rels"))))
    return "xlsx" if "xl/workbook.xml" in names else "docx"


def _not_accepted(*, filename: str, detected: str, accepted_formats: Sequence[str]) -> str:
    accepted = " or ".join(FORMAT_NAMES.get(code, code) for code in accepted_formats)
    if detected == "other":
        return f"{filename or 'This file'} is not a file type we accept; upload an {accepted}."
    return f"{filename or 'This file'} is a {FORMAT_NAMES[detected]}; this return accepts an {accepted}."


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
        # Readers disagree on which of two same-named parts counts, so one could be checked and the other read.
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


def _check_streams(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    """Inflate every entry with a byte budget: sizes in the directory can lie; zlib output cannot."""
    total = 0
    for info in infos:
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise RejectedFile(
                "The file uses a compression method Excel and Word do not; save it again."
            )
        try:
            with archive.open(info) as stream:
                while chunk := stream.read(STREAM_CHUNK):
                    total += len(chunk)
                    if total > MAX_TOTAL_BYTES:
                        raise RejectedFile(
                            "The file expands to more data than a plan return can hold."
                        )
        except (
            zipfile.BadZipFile,
            zlib.error,
            EOFError,
            OSError,
            NotImplementedError,
            RuntimeError,
        ):
            raise RejectedFile(DAMAGED) from None


def _read_capped(archive: zipfile.ZipFile, name: str) -> bytes:
    with archive.open(name) as stream:
        return stream.read(XML_HEAD_BYTES)


class _RootReached(Exception):
    """Raised from expat once the root element starts: nothing after it can declare entities."""


def _refuse_declaration(*_args) -> None:
    raise RejectedFile(
        "The file contains XML entity or DTD declarations (an 'XML bomb' pattern) and was not "
        "opened."
    )


def _check_xml_parts(archive: zipfile.ZipFile, names: list[str]) -> None:
    for name in names:
        parser = expat.ParserCreate()
        parser.StartDoctypeDeclHandler = _refuse_declaration
        parser.EntityDeclHandler = _refuse_declaration

        def _root(*_args) -> None:
            raise _RootReached

        parser.StartElementHandler = _root
        try:
            parser.Parse(_read_capped(archive, name), False)
        except _RootReached:
            continue
        except (expat.ExpatError, LookupError, ValueError):
            # LookupError: an XML declaration naming an encoding Python does not know.
            raise RejectedFile(DAMAGED) from None
        # A prolog longer than the head (comments padding out a late DOCTYPE) is not something Office writes.
        raise RejectedFile(DAMAGED)
