"""POST /api/v1/erf/estimate/: the calculator for any signed-in user."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.factories import PlanningRoundFactory, UserFactory, shipped_definition

URL = "/api/v1/erf/estimate/"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def rounds(db):
    """The rounds whose ERF schemes the API defaults to."""
    PlanningRoundFactory(name="2021/22", definition=shipped_definition("2021-22").data)


@pytest.fixture
def api():
    client = APIClient()
    client.force_authenticate(UserFactory(username="estimator"))
    return client


def _month(**overrides) -> dict:
    return {
        "month": "2021-05",
        "baseline": "30000000",
        "activity": "26000000",
        "counting_coding_adjustment": "500000",
        **overrides,
    }


def test_erf_estimate_returns_each_month_and_the_total(api):
    response = api.post(
        URL, {"months": [_month(), _month(month="2021-06", activity="28000000")]}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["months"][0] == {
        "month": "2021-05",
        "threshold_pct": "75.00",
        "working_day_ratio": "0.9048",
        "lower_threshold": 19_857_143,
        "upper_threshold": 22_571_429,
        "between": 2_714_286,
        "above_upper": 3_428_571,
        "additional_funding": 6_828_571,
    }
    assert body["months"][1]["additional_funding"] == 2_190_000
    assert body["total"] == 6_828_571 + 2_190_000


def test_erf_estimate_accepts_a_month_outside_the_schedule_with_its_threshold_and_ratio(api):
    month = _month(
        month="2021-10",
        threshold_pct="85",
        working_day_ratio="1",
        counting_coding_adjustment="0",
        baseline="1000",
        activity="900",
    )
    body = api.post(URL, {"months": [month]}, format="json").json()
    assert body["months"][0]["lower_threshold"] == body["months"][0]["upper_threshold"] == 850
    assert body["total"] == 60


def test_erf_estimate_needs_authentication():
    assert APIClient().post(URL, {"months": [_month()]}, format="json").status_code == 401


@pytest.mark.parametrize(
    "payload,field",
    [
        ({}, "months"),
        ({"months": []}, "months"),
        ({"months": [_month(month="May 2021")]}, "month"),
        ({"months": [_month(month="2021-13")]}, "month"),
        ({"months": [_month(baseline="-1")]}, "baseline"),
        ({"months": [_month(activity="-1")]}, "activity"),
        ({"months": [_month(working_day_ratio="-0.5")]}, "working_day_ratio"),
        ({"months": [_month(threshold_pct="201")]}, "threshold_pct"),
        ({"months": [_month(month="2021-10")]}, "threshold_pct"),
        ({"months": [_month(month="2021-10", threshold_pct="85")]}, "working_day_ratio"),
    ],
)
def test_erf_estimate_rejects_bad_input(api, payload, field):
    response = api.post(URL, payload, format="json")
    assert response.status_code == 400
    assert field in str(response.json())


def test_erf_estimate_rejects_duplicate_months(api):
    response = api.post(URL, {"months": [_month(), _month()]}, format="json")
    assert response.status_code == 400
    assert response.json() == {"months": ["Each month may appear once; repeated: 2021-05."]}


def test_erf_estimate_explains_a_month_outside_the_schedule(api):
    response = api.post(URL, {"months": [_month(month="2022-01")]}, format="json")
    assert response.json()["months"][0]["threshold_pct"] == [
        "2022-01 is outside every round's ERF scheme; give its threshold_pct."
    ]


def test_erf_estimate_takes_the_scheme_of_the_round_whose_months_the_request_gives(api):
    PlanningRoundFactory(
        name="2022/23",
        starts_on="2022-04-01",
        ends_on="2023-03-31",
        definition=shipped_definition("2022-23").data,
    )
    month = _month(
        month="2022-05", baseline="1000", activity="1100", counting_coding_adjustment="0"
    )
    body = api.post(URL, {"months": [month]}, format="json").json()
    # 104% of the 2019/20 value, paid at tariff above it; May 2022 has as many working days as May
    # 2019.
    assert (body["months"][0]["threshold_pct"], body["months"][0]["working_day_ratio"]) == (
        "104.00",
        "1.0000",
    )
    assert (body["months"][0]["lower_threshold"], body["total"]) == (1040, 60)


def test_erf_estimate_round_narrows_the_scheme(api):
    response = api.post(URL, {"months": [_month()], "round": "2022/23"}, format="json")
    assert response.json()["months"][0]["threshold_pct"] == [
        "2021-05 is outside the ERF scheme of 2022/23; give its threshold_pct."
    ]


def test_erf_estimate_keeps_the_schema_valid(api):
    schema = api.get("/api/v1/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/erf/estimate/" in schema.content


@pytest.mark.parametrize(
    "overrides",
    [
        {"baseline": "1e400"},
        {"baseline": "NaN"},
        {"activity": "Infinity"},
        {"baseline": "1" + "0" * 30},
        {"working_day_ratio": "1000"},
        {"working_day_ratio": "1000", "baseline": "1000000000000", "activity": "1000000000000"},
        {"counting_coding_adjustment": "-1e30"},
    ],
)
def test_erf_estimate_answers_400_for_absurd_numbers(api, overrides):
    response = api.post(URL, {"months": [_month(**overrides)]}, format="json")

    assert response.status_code == 400
    assert response.json()["months"] != []


@pytest.mark.parametrize("literal", ["1e400", "NaN", "Infinity", "1" + "0" * 30])
def test_erf_estimate_answers_400_for_absurd_json_numbers(api, literal):
    body = (
        f'{{"months": [{{"month": "2021-05", "baseline": {literal}, "activity": "1", '
        f'"working_day_ratio": {literal}}}]}}'
    )

    response = api.post(URL, body, content_type="application/json")

    assert response.status_code == 400
