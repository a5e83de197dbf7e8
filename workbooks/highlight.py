"""A copy of the uploaded workbook with each offending cell filled and commented.

The copy is made by patching the package, not by loading it: every part is copied as it is,
compressed bytes and all, except the few the marks touch. The styles gain the two fills and a
variant of each style a marked cell had; the sheets with marked cells are streamed once, with the
style of each marked cell changed (a marked cell the sheet never wrote is added); and each gains a
comments part and the VML drawing Excel shows comments with. A sheet this patching does not cover
(elements with a namespace prefix, comments of its own) sends the whole workbook through openpyxl,
which loads and saves every cell, as every workbook once did.
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from .types import Finding
from .xlsxscan import PREFIXED, col_index, sheet_parts

ERROR_RGB = "00FF9999"
WARNING_RGB = "00FFD27F"
COMMENT_AUTHOR = "Plan portal validation"
MAX_COMMENT_CHARS = 2_000  # Excel shows long comments badly; the CSV has every finding in full
COMMENT_WIDTH, COMMENT_HEIGHT = 400, 150  # pixels
STYLES = "xl/styles.xml"
CONTENT_TYPES = "[Content_Types].xml"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
COMMENTS_TYPE = f"{REL_NS}/comments"
VML_TYPE = f"{REL_NS}/vmlDrawing"
COMMENTS_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
VML_CONTENT = "application/vnd.openxmlformats-officedocument.vmlDrawing"
# What may follow <legacyDrawing> in a worksheet (its place in the schema's sequence).
AFTER_LEGACY_DRAWING = (
    b"<legacyDrawingHF",
    b"<picture",
    b"<oleObjects",
    b"<controls",
    b"<webPublishItems",
    b"<tableParts",
    b"<extLst",
    b"</worksheet>",
)
ROW = re.compile(rb'<row\b[^>]*?\br="([0-9]+)"[^>]*?(/?)>')
CELL = re.compile(rb"<c\b([^>]*?)(/?)>")
CELL_REF = re.compile(rb'\br="([A-Z]+)([0-9]+)"')
STYLE_ATTR = re.compile(rb'\ss="([0-9]+)"')
# A row or cell with no reference: the file format lets a writer leave `r` out (the place follows
# from the order), but the patching finds rows and cells by it.
UNREFERENCED = re.compile(rb'<(?:row|c)\b(?![^>]*?\br=")')
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class Unpatchable(Exception):
    """A package whose marks the patching does not cover; openpyxl marks it instead."""


@dataclass(frozen=True)
class Mark:
    error: bool
    text: str


def highlight_workbook(*, data: bytes, findings: Sequence[Finding]) -> bytes:
    """Red for a cell with an error, amber for one with only warnings; the comment lists every
    message."""
    by_cell: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.sheet and finding.cell:
            by_cell[(finding.sheet, finding.cell)].append(finding)
    marks: dict[str, dict[str, Mark]] = defaultdict(dict)
    for (sheet_name, ref), cell_findings in by_cell.items():
        text = "\n".join(
            f"{finding.severity.upper()} {finding.rule}: {finding.message}"
            for finding in cell_findings
        )
        marks[sheet_name][ref] = Mark(
            any(finding.severity == "error" for finding in cell_findings),
            text[:MAX_COMMENT_CHARS],
        )
    try:
        return _patched(data, marks)
    except Unpatchable:
        return _through_openpyxl(data, marks)


def _patched(data: bytes, marks: dict[str, dict[str, Mark]]) -> bytes:
    archive = zipfile.ZipFile(io.BytesIO(data))
    parts = sheet_parts(archive)
    marked = {parts[name]: cells for name, cells in marks.items() if name in parts and cells}
    if not marked:
        return data
    names = set(archive.namelist())
    styles = _Styles(archive.read(STYLES).decode("utf-8"))
    replaced: dict[str, bytes] = {}
    added: dict[str, bytes] = {}
    content_types = archive.read(CONTENT_TYPES).decode("utf-8")
    for number, (part, cells) in enumerate(sorted(marked.items()), start=1):
        rels_path = posixpath.join(
            posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels"
        )
        rels = archive.read(rels_path).decode("utf-8") if rels_path in names else None
        if rels is not None and (COMMENTS_TYPE in rels or VML_TYPE in rels):
            raise Unpatchable
        comments_part = _free_name(names, f"xl/comments/portalComments{number}.xml")
        vml_part = _free_name(names, f"xl/drawings/portalComments{number}.vml")
        replaced[part] = _mark_sheet(archive.read(part), cells, styles)
        added[comments_part] = _comments_xml(cells).encode("utf-8")
        added[vml_part] = _vml(cells).encode("utf-8")
        replaced[rels_path] = _with_relationships(rels, comments_part, vml_part).encode("utf-8")
        content_types = _with_content_types(content_types, comments_part)
    replaced[STYLES] = styles.xml().encode("utf-8")
    replaced[CONTENT_TYPES] = content_types.encode("utf-8")
    return _write_zip(data, archive, replaced=replaced, added=added)


def _free_name(names: set[str], wanted: str) -> str:
    stem, suffix = posixpath.splitext(wanted)
    candidate, count = wanted, 1
    while candidate in names:
        count += 1
        candidate = f"{stem}_{count}{suffix}"
    names.add(candidate)
    return candidate


class _Styles:
    """styles.xml, edited as text so every namespace and extension it declares stays as it was:
    two fills, and for each style a marked cell had, a copy with the mark's fill."""

    def __init__(self, text: str) -> None:
        self.text = text
        fills = re.search(r'<fills count="([0-9]+)">(.*?)</fills>', text, re.S)
        xfs = re.search(r'<cellXfs count="([0-9]+)">(.*?)</cellXfs>', text, re.S)
        if fills is None or xfs is None:
            raise Unpatchable
        self.fill_count = int(fills.group(1))
        self.xfs = re.findall(r"<xf\b[^>]*?/>|<xf\b[^>]*?>.*?</xf>", xfs.group(2), re.S)
        self.new_fills: list[str] = []
        self.new_xfs: list[str] = []
        self.variants: dict[tuple[int, bool], int] = {}
        self.fill_ids: dict[bool, int] = {}

    def marked(self, style: int, *, error: bool) -> int:
        """The style id for a cell of `style` marked as an error or a warning."""
        key = (style, error)
        if key not in self.variants:
            if style >= len(self.xfs):
                raise Unpatchable
            xf = re.sub(r'\s(?:fillId|applyFill)="[^"]*"', "", self.xfs[style], count=2)
            xf = re.sub(r"^<xf\b", f'<xf fillId="{self._fill(error)}" applyFill="1"', xf)
            self.variants[key] = len(self.xfs) + len(self.new_xfs)
            self.new_xfs.append(xf)
        return self.variants[key]

    def _fill(self, error: bool) -> int:
        if error not in self.fill_ids:
            rgb = ERROR_RGB if error else WARNING_RGB
            self.fill_ids[error] = self.fill_count + len(self.new_fills)
            self.new_fills.append(
                f'<fill><patternFill patternType="solid"><fgColor rgb="{rgb}"/>'
                '<bgColor rgb="00000000"/></patternFill></fill>'
            )
        return self.fill_ids[error]

    def xml(self) -> str:
        text = re.sub(
            r'<fills count="[0-9]+">(.*?)</fills>',
            lambda found: f'<fills count="{self.fill_count + len(self.new_fills)}">'
            f"{found.group(1)}{''.join(self.new_fills)}</fills>",
            self.text,
            count=1,
            flags=re.S,
        )
        return re.sub(
            r'<cellXfs count="[0-9]+">(.*?)</cellXfs>',
            lambda found: f'<cellXfs count="{len(self.xfs) + len(self.new_xfs)}">'
            f"{found.group(1)}{''.join(self.new_xfs)}</cellXfs>",
            text,
            count=1,
            flags=re.S,
        )


def _mark_sheet(xml: bytes, cells: dict[str, Mark], styles: _Styles) -> bytes:
    # Cells or rows with a namespace prefix would be missed and written twice.
    if PREFIXED.search(xml) or b":row" in xml or b"<legacyDrawing" in xml:
        raise Unpatchable
    by_row: dict[int, dict[int, tuple[str, Mark]]] = defaultdict(dict)
    for ref, mark in cells.items():
        found = re.fullmatch(r"([A-Z]+)([0-9]+)", ref)
        if found is None:
            raise Unpatchable
        by_row[int(found.group(2))][col_index(found.group(1).encode())] = (ref, mark)
    end = xml.find(b"</sheetData>")
    if end < 0 or UNREFERENCED.search(xml, 0, end):
        raise Unpatchable
    pieces = []
    position = 0
    waiting = sorted(by_row)
    for row_match in ROW.finditer(xml, 0, end):
        row = int(row_match.group(1))
        while waiting and waiting[0] < row:
            pieces += [xml[position : row_match.start()], _new_row(waiting[0], by_row, styles)]
            position = row_match.start()
            waiting.pop(0)
        if not waiting or waiting[0] != row:
            continue
        waiting.pop(0)
        if row_match.group(2):  # <row .../>: a row with no cells
            pieces += [
                xml[position : row_match.end() - 2],
                b">",
                _new_cells(by_row[row], styles),
                b"</row>",
            ]
            position = row_match.end()
            continue
        row_end = xml.find(b"</row>", row_match.end())
        pieces += [xml[position : row_match.end()]]
        pieces += [_mark_row(xml[row_match.end() : row_end], by_row[row], styles)]
        position = row_end
    pieces.append(xml[position:end])
    pieces += [_new_row(row, by_row, styles) for row in waiting]
    tail = xml[end:]
    at = min(i for i in (tail.find(tag) for tag in AFTER_LEGACY_DRAWING) if i >= 0)
    pieces += [
        tail[:at],
        f'<legacyDrawing xmlns:r="{REL_NS}" r:id="rIdPortalCommentsVml"/>'.encode(),
        tail[at:],
    ]
    return b"".join(pieces)


def _mark_row(content: bytes, wanted: dict[int, tuple[str, Mark]], styles: _Styles) -> bytes:
    pieces = []
    position = 0
    left = dict(wanted)
    for cell in CELL.finditer(content):
        ref = CELL_REF.search(cell.group(1))
        if ref is None:
            continue
        col = col_index(ref.group(1))
        for missing in sorted(c for c in left if c < col):
            pieces += [content[position : cell.start()], _cell_xml(*left.pop(missing), styles)]
            position = cell.start()
        if col not in left:
            continue
        _ref, mark = left.pop(col)
        attrs = cell.group(1)
        style = STYLE_ATTR.search(attrs)
        new_style = styles.marked(int(style.group(1)) if style else 0, error=mark.error)
        attrs = (
            attrs[: style.start()] + b' s="%d"' % new_style + attrs[style.end() :]
            if style
            else attrs + b' s="%d"' % new_style
        )
        pieces += [content[position : cell.start()], b"<c", attrs, cell.group(2), b">"]
        position = cell.end()
    pieces.append(content[position:])
    pieces += [_cell_xml(*left[col], styles) for col in sorted(left)]
    return b"".join(pieces)


def _new_row(row: int, by_row: dict, styles: _Styles) -> bytes:
    return b'<row r="%d">' % row + _new_cells(by_row[row], styles) + b"</row>"


def _new_cells(wanted: dict[int, tuple[str, Mark]], styles: _Styles) -> bytes:
    return b"".join(_cell_xml(*wanted[col], styles) for col in sorted(wanted))


def _cell_xml(ref: str, mark: Mark, styles: _Styles) -> bytes:
    return b'<c r="%s" s="%d"/>' % (ref.encode(), styles.marked(0, error=mark.error))


def _comments_xml(cells: dict[str, Mark]) -> str:
    comments = "".join(
        f'<comment ref="{ref}" authorId="0"><text><t xml:space="preserve">'
        f"{escape(NOT_XML.sub('', mark.text))}</t></text></comment>"
        for ref, mark in cells.items()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<comments xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<authors><author>{escape(COMMENT_AUTHOR)}</author></authors>"
        f"<commentList>{comments}</commentList></comments>"
    )


def _vml(cells: dict[str, Mark]) -> str:
    """The drawing Excel shows comments with: one hidden note shape per comment, as openpyxl
    writes it."""
    shapes = []
    for number, ref in enumerate(cells, start=1026):
        found = re.fullmatch(r"([A-Z]+)([0-9]+)", ref)
        row, col = int(found.group(2)) - 1, col_index(found.group(1).encode()) - 1
        shapes.append(
            f'<v:shape id="_x0000_s{number:04d}" type="#_x0000_t202" '
            f'style="position:absolute; margin-left:59.25pt;margin-top:1.5pt;'
            f'width:{COMMENT_WIDTH}px;height:{COMMENT_HEIGHT}px;z-index:1;visibility:hidden" '
            'fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/>'
            '<v:shadow color="black" obscured="t"/><v:path o:connecttype="none"/>'
            '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"/></v:textbox>'
            '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            f"<x:AutoFill>False</x:AutoFill><x:Row>{row}</x:Row><x:Column>{col}</x:Column>"
            "</x:ClientData></v:shape>"
        )
    return (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" '
        'xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel">'
        '<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="1"/></o:shapelayout>'
        '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" '
        'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
        '<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
        f"{''.join(shapes)}</xml>"
    )


def _with_relationships(rels: str | None, comments_part: str, vml_part: str) -> str:
    added = (
        f'<Relationship Id="rIdPortalComments" Type="{COMMENTS_TYPE}" '
        f"Target={quoteattr('/' + comments_part)}/>"
        f'<Relationship Id="rIdPortalCommentsVml" Type="{VML_TYPE}" '
        f"Target={quoteattr('/' + vml_part)}/>"
    )
    if rels is None:
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f"{added}</Relationships>"
        )
    if "</Relationships>" not in rels or "rIdPortalComments" in rels:
        raise Unpatchable
    return rels.replace("</Relationships>", f"{added}</Relationships>", 1)


def _with_content_types(text: str, comments_part: str) -> str:
    if "</Types>" not in text:
        raise Unpatchable
    added = f'<Override PartName="/{comments_part}" ContentType="{COMMENTS_CONTENT}"/>'
    if not re.search(r'<Default Extension="vml"', text, re.I):
        added += f'<Default Extension="vml" ContentType="{VML_CONTENT}"/>'
    return text.replace("</Types>", f"{added}</Types>", 1)


def _write_zip(
    data: bytes, archive: zipfile.ZipFile, *, replaced: dict[str, bytes], added: dict[str, bytes]
) -> bytes:
    """The package again: parts not replaced keep their compressed bytes as they are."""
    out = io.BytesIO()
    directory = []
    for info in archive.infolist():
        if info.filename in replaced:
            entry = _compressed(info.filename, replaced[info.filename], info.date_time)
        else:
            entry = _raw(data, info)
        directory.append(_write_entry(out, *entry, external=info.external_attr))
    present = set(archive.namelist())
    added = {name: content for name, content in replaced.items() if name not in present} | added
    for name, content in added.items():
        directory.append(_write_entry(out, *_compressed(name, content, (1980, 1, 1, 0, 0, 0))))
    start = out.tell()
    for record in directory:
        out.write(record)
    out.write(
        struct.pack(
            "<IHHHHIIH",
            0x06054B50,
            0,
            0,
            len(directory),
            len(directory),
            out.tell() - start,
            start,
            0,
        )
    )
    return out.getvalue()


def _compressed(name: str, content: bytes, date_time) -> tuple:
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    raw = packer.compress(content) + packer.flush()
    return name, zipfile.ZIP_DEFLATED, zlib.crc32(content), raw, len(content), date_time


def _raw(data: bytes, info: zipfile.ZipInfo) -> tuple:
    name_length, extra_length = struct.unpack(
        "<HH", data[info.header_offset + 26 : info.header_offset + 30]
    )
    start = info.header_offset + 30 + name_length + extra_length
    raw = data[start : start + info.compress_size]
    return info.filename, info.compress_type, info.CRC, raw, info.file_size, info.date_time


def _write_entry(out, name, method, crc, raw, size, date_time, external: int = 0) -> bytes:
    encoded = name.encode("utf-8")
    flags = 0x800 if not name.isascii() else 0
    year, month, day, hour, minute, second = date_time
    dos_time = hour << 11 | minute << 5 | second // 2
    dos_date = (year - 1980) << 9 | month << 5 | day
    offset = out.tell()
    common = struct.pack("<HHHHHIII", 20, flags, method, dos_time, dos_date, crc, len(raw), size)
    out.write(struct.pack("<I", 0x04034B50) + common + struct.pack("<HH", len(encoded), 0))
    out.write(encoded)
    out.write(raw)
    return (
        struct.pack("<IH", 0x02014B50, 20)
        + common
        + struct.pack("<HHHHHII", len(encoded), 0, 0, 0, 0, external, offset)
        + encoded
    )


def _through_openpyxl(data: bytes, marks: dict[str, dict[str, Mark]]) -> bytes:
    from openpyxl import load_workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    workbook = load_workbook(io.BytesIO(data))
    for sheet_name, cells in marks.items():
        if sheet_name not in workbook.sheetnames:
            continue
        for ref, mark in cells.items():
            cell = workbook[sheet_name][ref]
            cell.fill = PatternFill("solid", fgColor=ERROR_RGB if mark.error else WARNING_RGB)
            cell.comment = Comment(
                mark.text, COMMENT_AUTHOR, width=COMMENT_WIDTH, height=COMMENT_HEIGHT
            )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
