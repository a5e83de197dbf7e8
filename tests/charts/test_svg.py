from __future__ import annotations

import datetime as dt

from charts.svg import bar_chart, nice_ceiling, step_chart


def test_nice_ceiling_rounds_up_to_a_round_number():
    assert [nice_ceiling(v) for v in (0, 7, 14049, 25113, 250, 251)] == [
        1.0,
        10,
        20000,
        50000,
        250,
        500,
    ]


def test_bar_chart_heights_are_proportional_and_the_baseline_sits_at_its_value():
    chart = bar_chart(labels=["Apr", "May"], values=[5000, 10000], reference=7500)
    plot_height = chart.bottom - chart.top
    assert [bar.height for bar in chart.bars] == [plot_height / 2, plot_height]
    assert chart.reference_y == chart.bottom - plot_height * 3 / 4
    assert [tick.label for tick in chart.y_ticks] == ["0", "2,500", "5,000", "7,500", "10,000"]


def test_step_chart_steps_up_on_each_day_and_marks_the_deadline():
    first = dt.date(2021, 5, 1)
    chart = step_chart(
        points=[(dt.date(2021, 5, 2), 1), (dt.date(2021, 5, 3), 2)],
        first_day=first,
        last_day=dt.date(2021, 5, 4),
        deadline_day=dt.date(2021, 5, 3),
        owed=2,
    )
    day = (chart.right - chart.left) / 4
    assert chart.path == (
        f"M{chart.left},{chart.bottom}H{chart.left + day}"
        f"V{chart.bottom - (chart.bottom - chart.top) / 2}"
        f"H{chart.left + 2 * day}V{float(chart.top)}H{chart.right}"
    )
    assert (chart.deadline_x, chart.owed_y) == (chart.left + 3 * day, chart.top)
