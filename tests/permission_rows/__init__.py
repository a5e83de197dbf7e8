"""Permission-matrix rows of later apps, one module each; list each module's ROWS here."""

from tests.permission_rows import (
    admin_actions,
    audit,
    charts,
    cover_and_deadlines,
    credentials,
    erf,
    exports,
    guidance,
    lead_ccg_and_cover,
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
    *lead_ccg_and_cover.ROWS,
    *admin_actions.ROWS,
]
# Principals only some rows answer for, each made on demand from the world.
EXTRA_PRINCIPALS = {**lead_ccg_and_cover.EXTRA_PRINCIPALS, **admin_actions.EXTRA_PRINCIPALS}
