"""Templates ask a record what it is (`version.is_checked`, `product.is_ready`, a rules
permission) instead of comparing its raw status, so a status group is defined once, beside the
status."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
RAW_STATUS = re.compile(r"\bstatus\s*(==|!=|\bin\b|\bnot in\b)")


def test_no_template_compares_a_raw_status():
    compared = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if RAW_STATUS.search(line)
    ]

    assert compared == []
