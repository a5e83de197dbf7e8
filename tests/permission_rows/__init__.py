"""Permission-matrix rows of later apps, one module each; list each module's ROWS here."""

from tests.permission_rows import (
    audit,
    charts,
    cover_and_deadlines,
    credentials,
    erf,
    exports,
    guidance,
    oversight,
    reviews,
    rounds,
)
from tests.permission_support import Row

ROWS_FROM_APPS: list[Row] = [
    *cover_and_deadlines.ROWS,
    *credentials.ROWS,
    *audit.ROWS,
    *reviews.ROWS,
    *erf.ROWS,
    *oversight.ROWS,
    *charts.ROWS,
    *exports.ROWS,
    *rounds.ROWS,
    *guidance.ROWS,
]
