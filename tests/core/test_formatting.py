from __future__ import annotations

from core.formatting import file_formats, plain_changes


def test_file_formats_names_each_format_in_plain_english():
    assert file_formats(["xlsx", "pdf"]) == "Excel workbook (.xlsx) or PDF"


def test_plain_changes_write_each_field_as_a_sentence_with_initialisms_in_capitals():
    assert plain_changes(
        before={"lead_ccg_may_submit": False, "submitted_by": ["ics", "cancer_alliance"]},
        after={"lead_ccg_may_submit": True, "submitted_by": ["ics"], "note": "Board_Paper v2"},
    ) == [
        "Lead CCG may submit changed from no to yes.",
        "Submitted by changed from ICS, cancer alliance to ICS.",
        "Note: Board_Paper v2.",
    ]
