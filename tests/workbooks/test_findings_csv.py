from __future__ import annotations

from workbooks.findings_csv import findings_csv
from workbooks.types import Finding


def test_findings_csv_writes_header_and_rows():
    text = findings_csv(
        findings=[Finding("error", "ACT.SUM.001", "Activity", "G6", "12", "Make it add up.")]
    )
    assert (
        text
        == "severity,rule,sheet,cell,value,message\r\nerror,ACT.SUM.001,Activity,G6,12,Make it "
        "add up.\r\n"
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
