from __future__ import annotations

from core.formatting import file_formats


def test_file_formats_names_each_format_in_plain_english():
    assert file_formats(["xlsx", "pdf"]) == "Excel workbook (.xlsx) or PDF"
