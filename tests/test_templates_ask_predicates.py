"""Templates ask a record what it is (`version.is_checked`, `product.is_ready`,
`decision.is_approval`, a rules permission) instead of comparing its raw status, kind or stage, so
what each value means is defined once, beside the choices."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
RAW_CHOICE = re.compile(r"\b(status|kind|stage)\s*(==|!=|\bin\b|\bnot in\b)")


def test_no_template_compares_a_raw_status_kind_or_stage():
    compared = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if RAW_CHOICE.search(line)
    ]

    assert compared == []
