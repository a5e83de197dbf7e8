"""Plain-English names of the validation rules, so people read "A large change in a month", never
a rule code. Rules are named by their last parts: a collection's own prefix ("ACT.", "WF.")
varies."""

from __future__ import annotations

RULE_TITLES = {
    "PLAUS.BASE": "Far from the baseline",
    "PLAUS.FLOOR": "Below the expected level",
    "PLAUS.MONTH": "A large change from one month to the next",
    "SECTION": "A section of the plan is missing",
    "ORGANISATION": "The document does not name the organisation",
    "SUM.001": "Totals do not add up",
    "SUM.002": "Totals do not add up",
    "SUM.003": "Totals do not add up",
    "SYS.001": "The system total does not match its members",
    "TYPE.TEXT": "Text where a number is needed",
    "TYPE.WHOLE": "Not a whole number",
    "TYPE.CHOICE": "Not one of the choices",
    "TYPE.FORMULA": "A formula whose value could not be read",
    "PERCENT.FRACTION": "A percentage that may have been typed as a fraction",
    "RANGE.MIN": "Below the smallest value allowed",
    "RANGE.MAX": "Above the largest value allowed",
    "STRUCT.HEADER": "A column heading was changed",
    "STRUCT.IDENTIFIER": "The cover sheet names another organisation or return",
    "STRUCT.ROWS": "Rows were moved, added or removed",
    "STRUCT.SHEET": "A sheet is missing or renamed",
    "STRUCT.SIZE": "The workbook is too large",
    "STRUCT.VERSION": "A template version no longer accepted",
    "FILE.FORMAT": "The file is not in an accepted format",
    "FILE.REJECTED": "The file could not be read",
    "PDF.PAGES": "The PDF has no pages",
    "VALIDATION.TRUNCATED": "Too many findings to list",
    # Checks across a system's returns.
    "TRI.PRV.001": "Providers missing from a return",
    "TRI.WF.001": "Workforce against activity",
    "TRI.FIN.001": "Expenditure against activity",
    "TRI.FIN.002": "Pay against workforce",
    "TRI.CCG.001": "Commissioners' activity against providers'",
}


def rule_title(rule: str) -> str:
    """The plain-English name of a rule code such as "ACT.PLAUS.MONTH"."""
    parts = rule.split(".")
    for start in range(len(parts)):
        title = RULE_TITLES.get(".".join(parts[start:]))
        if title:
            return title
    return "Another check"
