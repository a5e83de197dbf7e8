"""Round definitions on the portal side: check a definition file, and read a round's definition.

A round is configured by one YAML file (format in `workbooks/round_definition.schema.json`,
examples in `rounds/`, decisions in docs/adr/0024-round-definition-format.md). Interface:

Checking (nothing is stored):
    parse_definition(*, text: str) -> tuple[Definition | None, list[Problem]]
        Every problem names the field (dotted path) and the line; `str(problem)` reads as a
        sentence for the admin. Definition and Problem are `workbooks.definition` dataclasses.
    shipped_definition_text(*, slug: str) -> str
        A definition shipped with the portal, e.g. slug "2021-22" or "2022-23".

Installing (in `submissions.rounds`, because it creates returns):
    round_definition_install(*, planning_round, text, user=None, request=None) -> Definition
        Checks `text`, then makes the round match it: timetable dates, collections (stages,
        London deadlines, who owes them, formats, mandatory, closing), returns owed, and a new
        template version for each workbook template whose version is not issued yet (stored
        with its resolved template, so earlier versions still validate as they were issued).
        Raises DefinitionRejected (a ValidationError whose `.problems` lists Problem) and
        changes nothing when the file has problems or would change an issued template version
        without a new version number. Audited.
    round_create_from_definition(*, text, user=None, request=None) -> PlanningRound
        A new, not current round made from `text` (same checks).

Reading a round:
    round_definition(*, planning_round) -> Definition | None
    collection_definition(*, collection) -> CollectionDefinition | None
    collection_narrative(*, collection) -> Narrative | None
    template_format(*, collection) -> str   ("xlsx", "docx" for a narrative's Word template, "")
    round_erf_scheme(*, planning_round) -> ErfScheme | None
    (The workbook templates issued for a collection are `submissions.selectors.collection_specs`:
    template versions are issued with the returns.)
    erf_collection_code(*, planning_round) -> str   ("" when the round has no ERF scheme)
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError

from workbooks.definition import (
    CollectionDefinition,
    Definition,
    ErfScheme,
    Narrative,
    Problem,
    definition_from_data,
    load_definition,
)

from .models import Collection, PlanningRound

SHIPPED_DIR = Path(settings.BASE_DIR) / "rounds"


class DefinitionRejected(ValidationError):
    """A definition that cannot be installed; `problems` says every reason, with its line."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__([str(problem) for problem in problems])
        self.problems = problems


def parse_definition(*, text: str) -> tuple[Definition | None, list[Problem]]:
    return load_definition(text=text)


def shipped_definition_text(*, slug: str) -> str:
    path = (SHIPPED_DIR / f"{slug}.yaml").resolve()
    if path.parent != SHIPPED_DIR.resolve() or not path.exists():
        raise FileNotFoundError(f"No round definition {slug!r} is shipped in {SHIPPED_DIR}.")
    return path.read_text(encoding="utf-8")


@lru_cache(maxsize=16)
def _definition_of(data_json: str) -> Definition:
    return definition_from_data(json.loads(data_json))


def round_definition(*, planning_round: PlanningRound) -> Definition | None:
    if not planning_round.definition:
        return None
    # Kept on the instance too: pages ask once per row, and the JSON is large.
    cached = getattr(planning_round, "_round_definition", None)
    if cached is None or cached[0] is not planning_round.definition:
        definition = _definition_of(json.dumps(planning_round.definition, sort_keys=True))
        cached = (planning_round.definition, definition)
        planning_round._round_definition = cached
    return cached[1]


def collection_definition(*, collection: Collection) -> CollectionDefinition | None:
    definition = round_definition(planning_round=collection.planning_round)
    return definition.collection(collection.code) if definition else None


def template_format(*, collection: Collection) -> str:
    """ "xlsx" for a workbook template, "docx" for a narrative one, "" for none."""
    definition = round_definition(planning_round=collection.planning_round)
    if definition is None:
        return ""
    if definition.template_of(collection.code):
        return "xlsx"
    return "docx" if definition.narrative_of(collection.code) else ""


def collection_narrative(*, collection: Collection) -> Narrative | None:
    definition = round_definition(planning_round=collection.planning_round)
    return definition.narrative_of(collection.code) if definition else None


def round_erf_scheme(*, planning_round: PlanningRound) -> ErfScheme | None:
    definition = round_definition(planning_round=planning_round)
    return definition.erf if definition else None


def erf_collection_code(*, planning_round: PlanningRound) -> str:
    definition = round_definition(planning_round=planning_round)
    return definition.erf_collection if definition else ""
