"""Hypothesis fuzzing of the upload checks and the validator with mutated real files: a template, a
sample return, a narrative and a PDF, broken by byte flips, truncation, edits inside zip entries,
dropped and renamed entries, lying sizes, nested zips and XML with entity declarations.

The contract, as an upload meets it: `inspect_upload` either names a format or raises RejectedFile
with a sentence for the person; a file it accepts is then validated by `validate_file` into a
ValidationResult or a RejectedFile, never any other exception, within a time limit."""

from __future__ import annotations

import io
import signal
import warnings
import zipfile
from contextlib import contextmanager
from functools import cache

import docx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from erf.returns import erf_sheet, planned_activity
from tests.workbooks.conftest import ics_context, specs_of
from tests.workbooks.test_filecheck import minimal_pdf
from workbooks.compare import compare_workbooks
from workbooks.filecheck import inspect_upload
from workbooks.generate import build_template
from workbooks.reader import read_sheets, template_sheet_names
from workbooks.sample import make_sample_return
from workbooks.types import RejectedFile, ValidationResult
from workbooks.validate import validate_file

pytestmark = pytest.mark.slow

ACCEPTED = ("xlsx", "docx", "pdf")
MAX_BYTES = 50 * 1024 * 1024
# Seconds for one file to be checked and validated; the real ones take well under one.
TIME_LIMIT = 20
FUZZ = settings(
    max_examples=60,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@cache
def seeds() -> dict[str, bytes]:
    act = ics_context("ACT")
    document = docx.Document()
    document.add_heading("Elective recovery", level=1)
    document.add_paragraph("North East and North Cumbria ICS plan for elective recovery.")
    document.add_heading("Maternity", level=2)
    buffer = io.BytesIO()
    document.save(buffer)
    return {
        "template": build_template(context=act),
        "sample": make_sample_return(context=act),
        "sample-with-errors": make_sample_return(context=act, errors=3, seed=7),
        "narrative": buffer.getvalue(),
        "pdf": minimal_pdf(),
    }


def _context_for(seed: str):
    return ics_context("NAR") if seed in ("narrative", "pdf") else ics_context("ACT")


def _filename_for(seed: str) -> str:
    """A name of the seed's own format: a mismatched name is refused before the content is read."""
    return {"narrative": "plan.docx", "pdf": "plan.pdf"}.get(seed, "plan.xlsx")


SEEDS = ["template", "sample", "sample-with-errors", "narrative", "pdf"]


class _TooSlow(Exception):
    pass


@contextmanager
def time_limit(seconds: int):
    """A hang fails the example instead of the whole run."""

    def _expired(*_args):
        raise _TooSlow(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, _expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def assert_clear(message: str) -> None:
    assert isinstance(message, str)
    assert len(message) >= 15 and message.rstrip().endswith((".", ")")), message
    assert "Traceback" not in message and "Error(" not in message, message


def check_upload(data: bytes, *, seed: str) -> str:
    """Run the upload path on `data`; returns "rejected", "accepted" or the result's outcome."""
    with time_limit(TIME_LIMIT):
        try:
            file_format = inspect_upload(
                data=data,
                filename=_filename_for(seed),
                accepted_formats=ACCEPTED,
                max_bytes=MAX_BYTES,
            )
        except RejectedFile as rejected:
            assert_clear(rejected.message)
            return "rejected"
        try:
            result = validate_file(data=data, file_format=file_format, context=_context_for(seed))
        except RejectedFile as rejected:
            assert_clear(rejected.message)
            return "rejected at validation"
    assert isinstance(result, ValidationResult)
    for finding in result.findings:
        assert_clear(finding.message)
    return "errors" if result.error_count else "valid"


def check_workbook_validation(data: bytes) -> None:
    """validate_file is also safe on an xlsx it is handed directly: it re-checks the package
    itself."""
    with time_limit(TIME_LIMIT):
        try:
            result = validate_file(data=data, file_format="xlsx", context=ics_context("ACT"))
        except RejectedFile as rejected:
            assert_clear(rejected.message)
            return
    assert isinstance(result, ValidationResult)


def _entries(data: bytes) -> list[tuple[str, bytes]]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return [(info.filename, archive.read(info)) for info in archive.infolist()]


def _zip(entries: list[tuple[str, bytes]], *, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w", method) as archive:
        # Duplicate names are one of the mutations; zipfile warns as it writes them.
        warnings.simplefilter("ignore", UserWarning)
        for name, content in entries:
            archive.writestr(name, content)
    return buffer.getvalue()


def _flip(data: bytes, flips: list[tuple[int, int]]) -> bytes:
    mutable = bytearray(data)
    for position, value in flips:
        if mutable:
            mutable[position % len(mutable)] = value
    return bytes(mutable)


ZIP_SEEDS = ["template", "sample", "sample-with-errors", "narrative"]
flips = st.lists(
    st.tuples(st.integers(min_value=0, max_value=2**24), st.integers(0, 255)),
    min_size=1,
    max_size=8,
)


@FUZZ
@given(seed=st.sampled_from(SEEDS), flips=flips)
def test_upload_with_flipped_bytes_is_rejected_or_validated(seed, flips):
    data = _flip(seeds()[seed], flips)
    check_upload(data, seed=seed)
    check_workbook_validation(data)


@FUZZ
@given(seed=st.sampled_from(SEEDS), keep=st.floats(min_value=0, max_value=1))
def test_truncated_upload_is_rejected_or_validated(seed, keep):
    data = seeds()[seed]
    truncated = data[: int(len(data) * keep)]
    check_upload(truncated, seed=seed)
    check_workbook_validation(truncated)


@st.composite
def mutated_entries(draw) -> tuple[str, bytes]:
    """A real package with one of its entries edited, dropped, renamed, duplicated or added,
    re-zipped
    so that the zip itself is sound and the parsers behind it meet the damage."""
    seed = draw(st.sampled_from(ZIP_SEEDS))
    entries = _entries(seeds()[seed])
    index = draw(st.integers(min_value=0, max_value=len(entries) - 1))
    name, content = entries[index]
    action = draw(
        st.sampled_from(
            ["flip", "truncate", "insert", "drop", "rename", "duplicate", "empty", "add"]
        )
    )
    if action == "flip":
        entries[index] = (name, _flip(content, draw(flips)))
    elif action == "truncate":
        entries[index] = (
            name,
            content[: draw(st.integers(min_value=0, max_value=max(len(content) - 1, 0)))],
        )
    elif action == "insert":
        at = draw(st.integers(min_value=0, max_value=len(content)))
        snippet = draw(
            st.sampled_from(
                [
                    b"<",
                    b"&",
                    b"]]>",
                    b'<c r="XFD1048576"><v>1</v></c>',
                    b"\x00",
                    b"\xff\xfe",
                    b'<row r="0">',
                    b"<v>1e308</v>",
                    b"<v>NaN</v>",
                    b"<f>SUM(A1)</f>",
                ]
            )
        )
        entries[index] = (name, content[:at] + snippet + content[at:])
    elif action == "drop":
        del entries[index]
    elif action == "rename":
        entries[index] = (
            draw(
                st.sampled_from(
                    [
                        "xl/worksheets/sheet99.xml",
                        "word/other.xml",
                        "XL/WORKBOOK.XML",
                        "docProps/app.xml",
                        "a/../b.xml",
                    ]
                )
            ),
            content,
        )
    elif action == "duplicate":
        entries.append((name, content[: len(content) // 2]))
    elif action == "empty":
        entries[index] = (name, b"")
    else:
        entries.append(
            (
                draw(
                    st.sampled_from(["xl/media/x.bin", "customXml/item1.xml", "xl/vbaProject.bin"])
                ),
                draw(st.binary(max_size=256)),
            )
        )
    return seed, _zip(
        entries, method=draw(st.sampled_from([zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED]))
    )


@FUZZ
@given(case=mutated_entries())
def test_upload_with_a_mutated_zip_entry_is_rejected_or_validated(case):
    seed, data = case
    check_upload(data, seed=seed)
    check_workbook_validation(data)


def _lie_about_sizes(data: bytes, *, factor: int) -> bytes:
    """Multiply the uncompressed sizes the central directory claims, without touching the data."""
    mutable = bytearray(data)
    position = mutable.find(b"PK\x01\x02")
    while position != -1:
        size = int.from_bytes(mutable[position + 24 : position + 28], "little")
        mutable[position + 24 : position + 28] = min(size * factor + 1, 2**32 - 1).to_bytes(
            4, "little"
        )
        position = mutable.find(b"PK\x01\x02", position + 4)
    return bytes(mutable)


@FUZZ
@given(
    seed=st.sampled_from(ZIP_SEEDS),
    factor=st.sampled_from([0, 2, 1000, 2**20]),
    bomb_mb=st.sampled_from([0, 2, 8]),
)
def test_upload_with_inflated_sizes_is_rejected_or_validated(seed, factor, bomb_mb):
    entries = _entries(seeds()[seed])
    if bomb_mb:
        # Zeros compress about 1000 to 1: a small upload that inflates far beyond its size.
        entries.append(
            (
                "xl/media/padding.bin" if seed != "narrative" else "word/media/padding.bin",
                b"\x00" * bomb_mb * 1024 * 1024,
            )
        )
    data = _lie_about_sizes(_zip(entries), factor=factor) if factor != 1 else _zip(entries)
    check_upload(data, seed=seed)
    check_workbook_validation(data)


@FUZZ
@given(
    seed=st.sampled_from(ZIP_SEEDS),
    depth=st.integers(min_value=1, max_value=3),
    inner_name=st.sampled_from(
        ["plan.xlsx", "xl/embeddings/oleObject1.bin", "word/embeddings/doc.docx"]
    ),
    keep_outer=st.booleans(),
)
def test_nested_zip_upload_is_rejected_or_validated(seed, depth, inner_name, keep_outer):
    data = seeds()[seed]
    for _ in range(depth):
        wrapped = [(inner_name, data)]
        if keep_outer:
            # The real package's parts beside the nested zip: it still looks like an xlsx or docx.
            wrapped = _entries(seeds()[seed]) + wrapped
        data = _zip(wrapped)
    check_upload(data, seed=seed)
    check_workbook_validation(data)


ENTITY_DECLARATIONS = [
    b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
    b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
    b'<!DOCTYPE x SYSTEM "http://127.0.0.1/x.dtd">',
    b'<!DOCTYPE x [<!ENTITY % p SYSTEM "http://127.0.0.1/p.dtd"> %p;]>',
    b"<!DOCTYPE x>",
]


@FUZZ
@given(
    seed=st.sampled_from(ZIP_SEEDS),
    declaration=st.sampled_from(ENTITY_DECLARATIONS),
    where=st.sampled_from(["after-declaration", "start", "after-comment", "padded"]),
    use_entity=st.booleans(),
    suffix=st.sampled_from([None, ".XML", ".Xml", ".RELS", ".dat", ""]),
    data=st.data(),
)
def test_upload_with_xml_entities_is_rejected(seed, declaration, where, use_entity, suffix, data):
    entries = _entries(seeds()[seed])
    xml_indexes = [i for i, (name, _) in enumerate(entries) if name.endswith((".xml", ".rels"))]
    index = data.draw(st.sampled_from(xml_indexes), label="part")
    name, content = entries[index]
    body = content.split(b"?>", 1)[1] if content.startswith(b"<?xml") else content
    head = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    if where == "start":
        content = declaration + body
    elif where == "after-comment":
        content = head + b"<!-- made by hand -->" + declaration + body
    elif where == "padded":
        content = head + b" " * 70_000 + declaration + body
    else:
        content = head + declaration + body
    if use_entity:
        content = content.replace(b"<v>", b"<v>&b;", 1).replace(b"<w:t>", b"<w:t>&b;", 1)
    if suffix is not None:
        # Parts are found through relationships, so the name proves nothing about the content.
        name = name.rsplit(".", 1)[0] + suffix
    entries[index] = (name, content)
    upload = _zip(entries)

    assert check_upload(upload, seed=seed) == "rejected"
    check_workbook_validation(upload)


VBA_CONTENT_TYPE = b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
VBA_RELATIONSHIP_TYPE = b"http://schemas.microsoft.com/office/2006/relationships/vbaProject"


@FUZZ
@given(
    seed=st.sampled_from(["template", "sample", "narrative"]),
    declare_type=st.booleans(),
    padding=st.integers(min_value=0, max_value=300_000),
    relationship_part=st.integers(min_value=0, max_value=50),
    target=st.sampled_from(["vba.bin", "vbaProject.bin", "media/image9.png", "../x.bin"]),
    spelling=st.sampled_from(["as-is", "upper", "lower"]),
)
def test_macro_project_is_rejected_wherever_it_is_declared(
    seed, declare_type, padding, relationship_part, target, spelling
):
    """A macro project declared by content type after any amount of padding, or by a relationship
    in any relationship part, to a part of any name, in any spelling of its type."""
    entries = dict(_entries(seeds()[seed]))
    spell = {"as-is": bytes, "upper": bytes.upper, "lower": bytes.lower}[spelling]
    if declare_type:
        types = entries["[Content_Types].xml"]
        at = types.index(b"<Default")
        filler = b"<!--" + bytes(range(48, 58)) * (padding // 10) + b"-->"
        entries["[Content_Types].xml"] = types[:at] + filler + spell(VBA_CONTENT_TYPE) + types[at:]
    rels = sorted(name for name in entries if name.endswith(".rels"))
    chosen = rels[relationship_part % len(rels)]
    relationship = (
        b'<Relationship Id="rIdMacro" Type="'
        + spell(VBA_RELATIONSHIP_TYPE)
        + b'" Target="'
        + target.encode()
        + b'"/>'
    )
    entries[chosen] = entries[chosen].replace(
        b"</Relationships>", relationship + b"</Relationships>"
    )
    entries["xl/" + target.removeprefix("../")] = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    )

    assert check_upload(_zip(list(entries.items())), seed=seed) == "rejected"


FAR_COLUMNS = st.sampled_from(["A", "Z", "AA", "ZZ", "AAA", "XFC", "XFD"])
FAR_ROWS = st.sampled_from([1, 2, 300, 65_536, 1_000_000, 1_048_576])


@settings(FUZZ, max_examples=25)  # each example saves a workbook with openpyxl
@given(
    sheet=st.sampled_from(["Notes", "Cover", "Instructions", "Activity", "ERF", "Sheet1"]),
    cells=st.lists(st.tuples(FAR_COLUMNS, FAR_ROWS), min_size=1, max_size=3),
)
def test_far_cells_on_any_sheet_are_read_within_limits_after_upload(sheet, cells):
    """Every later read of a stored file (comparison, ERF breakdown, marked workbook) meets far
    cells
    on a template sheet or an extra one with a result or a RejectedFile, never a dense
    allocation."""
    workbook = load_workbook(io.BytesIO(seeds()["sample"]))
    target = workbook[sheet] if sheet in workbook.sheetnames else workbook.create_sheet(sheet)
    for column, row in cells:
        target[f"{column}{row}"] = 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    spec = specs_of("ACT")[-1]

    check_upload(data, seed="sample")
    with time_limit(TIME_LIMIT):
        for read in (
            lambda: read_sheets(data=data, names=template_sheet_names(spec)),
            lambda: compare_workbooks(
                old=seeds()["sample"],
                new=data,
                old_sheets=template_sheet_names(spec),
                new_sheets=template_sheet_names(spec),
            ),
            lambda: planned_activity(data=data, sheet=erf_sheet(spec)),
        ):
            try:
                read()
            except RejectedFile as rejected:
                assert_clear(rejected.message)
