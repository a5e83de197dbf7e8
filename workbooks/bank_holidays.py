"""England and Wales bank holidays, 2019 to 2023, as published at https://www.gov.uk/bank-holidays.json.

Kept as data, not fetched: the ERF estimate compares each month of a round's scheme (2021/22,
2022/23) with the same month of 2019/20, and the portal must not depend on gov.uk being reachable.
"""

from __future__ import annotations

import datetime as dt

ENGLAND_AND_WALES: dict[int, tuple[tuple[str, str], ...]] = {
    2019: (
        ("2019-01-01", "New Year’s Day"),
        ("2019-04-19", "Good Friday"),
        ("2019-04-22", "Easter Monday"),
        ("2019-05-06", "Early May bank holiday"),
        ("2019-05-27", "Spring bank holiday"),
        ("2019-08-26", "Summer bank holiday"),
        ("2019-12-25", "Christmas Day"),
        ("2019-12-26", "Boxing Day"),
    ),
    2020: (
        ("2020-01-01", "New Year’s Day"),
        ("2020-04-10", "Good Friday"),
        ("2020-04-13", "Easter Monday"),
        ("2020-05-08", "Early May bank holiday (VE day)"),
        ("2020-05-25", "Spring bank holiday"),
        ("2020-08-31", "Summer bank holiday"),
        ("2020-12-25", "Christmas Day"),
        ("2020-12-28", "Boxing Day (substitute day)"),
    ),
    2021: (
        ("2021-01-01", "New Year’s Day"),
        ("2021-04-02", "Good Friday"),
        ("2021-04-05", "Easter Monday"),
        ("2021-05-03", "Early May bank holiday"),
        ("2021-05-31", "Spring bank holiday"),
        ("2021-08-30", "Summer bank holiday"),
        ("2021-12-27", "Christmas Day (substitute day)"),
        ("2021-12-28", "Boxing Day (substitute day)"),
    ),
    2022: (
        ("2022-01-03", "New Year’s Day (substitute day)"),
        ("2022-04-15", "Good Friday"),
        ("2022-04-18", "Easter Monday"),
        ("2022-05-02", "Early May bank holiday"),
        ("2022-06-02", "Spring bank holiday"),
        ("2022-06-03", "Platinum Jubilee bank holiday"),
        ("2022-08-29", "Summer bank holiday"),
        ("2022-09-19", "Bank Holiday for the State Funeral of Queen Elizabeth II"),
        ("2022-12-26", "Boxing Day"),
        ("2022-12-27", "Christmas Day (substitute day)"),
    ),
    2023: (
        ("2023-01-02", "New Year’s Day (substitute day)"),
        ("2023-04-07", "Good Friday"),
        ("2023-04-10", "Easter Monday"),
        ("2023-05-01", "Early May bank holiday"),
        ("2023-05-08", "Bank holiday for the coronation of King Charles III"),
        ("2023-05-29", "Spring bank holiday"),
        ("2023-08-28", "Summer bank holiday"),
        ("2023-12-25", "Christmas Day"),
        ("2023-12-26", "Boxing Day"),
    ),
}

YEARS: frozenset[int] = frozenset(ENGLAND_AND_WALES)
DATES: frozenset[dt.date] = frozenset(
    dt.date.fromisoformat(day) for days in ENGLAND_AND_WALES.values() for day, _ in days
)
