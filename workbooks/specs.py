"""Which issued template a context means. The templates themselves come from the round's
definition (`workbooks.definition`), passed in `TemplateContext.specs`: no collection is known here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .model import TemplateSpec
from .types import TemplateContext


def spec_versions(*, specs: Sequence[TemplateSpec]) -> list[str]:
    """Versions oldest first; [] for collections taken only as docx or pdf."""
    return [spec.version for spec in specs]


def spec_for(*, specs: Sequence[TemplateSpec], version: str) -> TemplateSpec | None:
    return next((spec for spec in specs if spec.version == version), None)


def resolve_spec(*, context: TemplateContext) -> TemplateSpec:
    """The spec of `context.template_version`, or the latest issued when that is ""."""
    if not context.specs:
        raise KeyError(f"{context.collection_code} has no workbook template")
    if not context.template_version:
        return context.specs[-1]
    spec = spec_for(specs=context.specs, version=context.template_version)
    if spec is None:
        raise KeyError(
            f"{context.collection_code} has no template version {context.template_version}"
        )
    return spec


def template_layout_key(version: str) -> tuple:
    """Orders template layouts by their numbers, so 2021.10 comes after 2021.9."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", version))
