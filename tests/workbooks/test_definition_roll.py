from __future__ import annotations

import datetime as dt

import yaml

from workbooks.definition_roll import definition_roll_forward, roll_text

DEFINITION = """
format: 1
round:
  name: "2021/22"
  starts_on: 2021-04-01
  ends_on: 2022-03-31
  reference_date: 2021-04-01
timetable:
  - {date: 2021-05-06, what: "Draft plans due"}
collections:
  - code: ACT
    stages:
      - {stage: draft, deadline: "2021-05-06 12:00"}
      - {stage: final, deadline: "2021-06-03 17:30"}
templates:
  ACT:
    version: "2021.2"
    instructions:
      - "Plan every month from April 2021 to September 2021 against 2019/20."
    sheets:
      - kind: grid
        periods: {from: 2021-04, to: 2021-09}
        baseline: {monthly_from: 2019-04}
      - kind: grid
        periods: {from: 2021-04, to: 2022-03}
        baseline: {label: "Mar-21 position"}
erf:
  months:
    - {month: 2021-04, threshold_pct: 70}
  working_day_base_year: 2019
"""


def test_definition_roll_forward_moves_everything_dated_a_year_on():
    rolled = definition_roll_forward(yaml.safe_load(DEFINITION))

    assert rolled["round"] == {
        "name": "2022/23",
        "starts_on": dt.date(2022, 4, 1),
        "ends_on": dt.date(2023, 3, 31),
        "reference_date": dt.date(2022, 4, 1),
    }
    assert rolled["timetable"] == [{"date": dt.date(2022, 5, 5), "what": "Draft plans due"}]
    assert rolled["collections"][0]["stages"] == [
        {"stage": "draft", "deadline": "2022-05-05 12:00"},
        {"stage": "final", "deadline": "2022-06-02 17:30"},
    ]
    template = rolled["templates"]["ACT"]
    assert template["version"] == "2022.1"
    assert template["instructions"] == [
        "Plan every month from April 2022 to September 2022 against 2020/21."
    ]
    assert [sheet["periods"] for sheet in template["sheets"]] == [
        {"from": "2022-04", "to": "2022-09"},
        {"from": "2022-04", "to": "2023-03"},
    ]
    assert [sheet["baseline"] for sheet in template["sheets"]] == [
        {"monthly_from": "2020-04"},
        {"label": "Mar-22 position"},
    ]
    assert rolled["erf"] == {
        "months": [{"month": "2022-04", "threshold_pct": 70}],
        "working_day_base_year": 2020,
    }


def test_definition_roll_forward_keeps_deadlines_on_their_weekday_and_time():
    deadline = "2021-05-06 12:00"  # a Thursday
    rolled = definition_roll_forward({"deadline": deadline})["deadline"]

    assert (dt.datetime.strptime(rolled, "%Y-%m-%d %H:%M").strftime("%A %H:%M")) == (
        "Thursday 12:00"
    )


def test_roll_text_moves_every_way_a_year_is_written():
    assert roll_text("2021/22 plans for Apr-21 to Mar-22, April 2021 and March 2021/22") == (
        "2022/23 plans for Apr-22 to Mar-23, April 2022 and March 2022/23"
    )


def test_definition_roll_forward_leaves_the_source_unchanged():
    data = yaml.safe_load(DEFINITION)
    definition_roll_forward(data)

    assert data == yaml.safe_load(DEFINITION)
