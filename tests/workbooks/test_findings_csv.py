from __future__ import annotations

from workbooks.findings_csv import findings_csv
from workbooks.types import Finding


def test_findings_csv_names_each_check_in_plain_english_never_its_code():
    text = findings_csv(
        findings=[Finding("error", "ACT.SUM.001", "Activity", "G6", "12", "Make it add up.")]
    )
    assert (
        text
        == "Severity,Check,Sheet,Cell,Value,What to check\r\nError,Totals do not add up,Activity,"
        "G6,12,Make it add up.\r\n"
    )


def test_findings_csv_neutralises_formula_injection():
    values = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tx", "\rx", "plain"]
    findings = [Finding("error", "TYPE.TEXT", "Activity", "G6", value, "m") for value in values]
    lines = findings_csv(findings=findings).split("\r\n")[1:-1]
    assert [line.split(",", 4)[4].rsplit(",", 1)[0] for line in lines] == [
        '"\'=HYPERLINK(""http://x"")"',
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "'\tx",
        '"\'\rx"',
        "plain",
    ]
