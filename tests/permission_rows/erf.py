"""Permission-matrix rows of the Elective Recovery Fund calculator."""

from tests.permission_support import ADMIN, Row, everyone, only

ROWS: list[Row] = [
    # any signed-in user may estimate; posting nothing is a bad request, not a refusal
    Row("api:erf_estimate", None, everyone(400, anonymous=401), method="post"),
    # national baselines are loaded by national admins only
    Row("erf:baselines_import", None, only(*ADMIN)),
]
