import pytest
from django.core.exceptions import ValidationError

from core.forms import DatePartsField, DeadlineField


@pytest.mark.parametrize("year", ["21", "021", "20211"])
def test_date_parts_field_asks_for_a_four_digit_year(year):
    field = DatePartsField(label="First day of cover")

    with pytest.raises(ValidationError) as raised:
        field.clean(["3", "5", year])

    assert raised.value.messages == ["Year must include 4 numbers"]


@pytest.mark.parametrize("year", ["21", "021"])
def test_deadline_field_asks_for_a_four_digit_year(year):
    field = DeadlineField(label="Deadline")

    with pytest.raises(ValidationError) as raised:
        field.clean(["3", "5", year, "17:00"])

    assert raised.value.messages == ["Year must include 4 numbers"]


def test_date_parts_field_takes_a_four_digit_year_with_spaces_around_it():
    field = DatePartsField(label="First day of cover")

    assert field.clean(["3", "5", " 2021 "]).isoformat() == "2021-05-03"
