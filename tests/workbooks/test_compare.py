from __future__ import annotations

from tests.workbooks.conftest import MEMBERS, specs_of
from workbooks.compare import CellLabel, SheetLabels, template_labels

SYSTEM = "North East and North Cumbria ICS"
FIRST_MEMBER = "The Newcastle upon Tyne Hospitals NHS Foundation Trust"


def _labels() -> dict[str, SheetLabels]:
    return template_labels(
        spec=specs_of("ACT")[0],
        organisation_code="QHM",
        organisation_name=SYSTEM,
        members=MEMBERS,
    )


def test_template_labels_name_the_organisation_measure_and_period_of_a_grid_cell():
    activity = _labels()["Activity"]

    assert activity.label("G4") == CellLabel(SYSTEM, "Elective ordinary spells", "May-19 baseline")
    # The system's own block has one row per measure (29), then each member's block.
    assert activity.label("L33") == CellLabel(FIRST_MEMBER, "Elective ordinary spells", "Apr-21")
    assert activity.label("M34") == CellLabel(FIRST_MEMBER, "Elective day case spells", "May-21")
    assert activity.period_header == "Period"


def test_template_labels_read_a_table_sheets_rows_as_its_periods():
    erf = _labels()["ERF"]

    assert erf.label("D5") == CellLabel(SYSTEM, "Threshold %", "May 2021")
    assert erf.period_header == "Month"


def test_template_labels_name_the_cover_field():
    assert _labels()["Cover"].label("B9") == CellLabel(SYSTEM, "Template version", "")


def test_template_labels_leave_a_cell_beyond_the_template_unlabelled():
    activity = _labels()["Activity"]

    assert (activity.label("Z4"), activity.label("L2000"), activity.label("L1")) == (
        None,
        None,
        None,
    )
