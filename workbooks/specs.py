"""Templates and their rules as data: one `TemplateSpec` per collection and template version.

Generation, validation and sample filling all read these declarations, so a new template version
is a new entry in `workbooks.catalogue`, not new code.
"""

from __future__ import annotations

from .catalogue import SPECS
from .model import TemplateSpec


def spec_versions(*, collection_code: str) -> list[str]:
    """Versions oldest first; [] for collections taken only as docx or pdf."""
    return [spec.version for spec in SPECS.get(collection_code, ())]


def latest_spec_version(*, collection_code: str) -> str:
    versions = spec_versions(collection_code=collection_code)
    if not versions:
        raise KeyError(f"{collection_code} has no workbook template")
    return versions[-1]


def has_workbook_template(*, collection_code: str) -> bool:
    return bool(spec_versions(collection_code=collection_code))


def spec_for(*, collection_code: str, version: str) -> TemplateSpec | None:
    return next((spec for spec in SPECS.get(collection_code, ()) if spec.version == version), None)


def resolve_spec(*, collection_code: str, version: str = "") -> TemplateSpec:
    """The spec for `version`, or the latest when `version` is ""."""
    version = version or latest_spec_version(collection_code=collection_code)
    spec = spec_for(collection_code=collection_code, version=version)
    if spec is None:
        raise KeyError(f"{collection_code} has no template version {version}")
    return spec
